"""Each API-key flaw of the lab, proven with plain HTTP: present when on, gone when off.

Every test runs three ways (`mode`): the flaw alone, every flaw on, and the hardened twin.
`GET /reports/weekly-sales` is the integration endpoint where keys are legitimately accepted.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from authsift.lab.apikeys import demo_environment
from authsift.lab.flaws import LabSettings

if TYPE_CHECKING:
    from conftest import Http, LabFor, SeededKeys, TokenFor


REPORT = "/reports/weekly-sales"


def key_header(value: str) -> dict[str, str]:
    return {"X-API-Key": value}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_seeded_key_works_on_integration_endpoint_in_every_mode(
    mode: str, lab_for: LabFor, http: Http, seeded_keys: SeededKeys
) -> None:
    base = lab_for(mode, "apikey-sole-user-auth")
    key = seeded_keys(mode, "apikey-sole-user-auth")["alice-read"]
    reply = http("GET", f"{base}{REPORT}", headers=key_header(key))
    assert reply.status == 200 and reply.json()["org"] == "wonderland"
    assert http("GET", f"{base}{REPORT}", headers=key_header("lab_" + "z" * 43)).status == 401


def test_sole_user_auth(mode: str, lab_for: LabFor, http: Http, seeded_keys: SeededKeys) -> None:
    base = lab_for(mode, "apikey-sole-user-auth")
    key = seeded_keys(mode, "apikey-sole-user-auth")["alice-read"]
    me = http("GET", f"{base}/me", headers=key_header(key))
    if mode == "off":
        assert me.status == 403
        assert "alice" not in me.text
    else:
        assert me.status == 200 and me.json()["email"] == "alice@lab.example"


def _mutations(key: str) -> list[str]:
    swapped = key.swapcase()
    last = key[-1]
    changed_last = key[:-1] + ("A" if last != "A" else "B")
    return [changed_last, swapped, key + "x"]


def test_mutation_accepted(mode: str, lab_for: LabFor, http: Http, seeded_keys: SeededKeys) -> None:
    base = lab_for(mode, "apikey-mutation-accepted")
    key = seeded_keys(mode, "apikey-mutation-accepted")["alice-read"]
    accepted = [
        variant
        for variant in _mutations(key)
        if http("GET", f"{base}{REPORT}", headers=key_header(variant)).status == 200
    ]
    if mode == "off":
        assert accepted == []
    else:
        assert len(accepted) >= 2
    for junk in ("null", "*", "lab_", ""):
        assert http("GET", f"{base}{REPORT}", headers=key_header(junk)).status == 401


def _entropy_upper_bound_bits(key: str) -> float:
    body = key.removeprefix("lab_")
    alphabet = 0
    for pattern, size in (("[0-9]", 10), ("[a-z]", 26), ("[A-Z]", 26), ("[-_]", 2)):
        if re.search(pattern, body):
            alphabet += size
    return len(body) * math.log2(max(alphabet, 2))


def test_low_entropy(mode: str, lab_for: LabFor, http: Http, token_for: TokenFor) -> None:
    base = lab_for(mode, "apikey-low-entropy")
    alice = bearer(token_for(base, "alice"))
    issued = [
        http("POST", f"{base}/api-keys", headers=alice, json_body={"name": n, "scopes": ["read"]})
        for n in ("ci-1", "ci-2")
    ]
    assert all(reply.status == 201 for reply in issued)
    assert all(reply.headers["Cache-Control"] == "no-store" for reply in issued)
    first, second = (reply.json()["key"] for reply in issued)
    assert http("GET", f"{base}{REPORT}", headers=key_header(first)).status == 200
    if mode == "off":
        assert _entropy_upper_bound_bits(first) >= 128
        assert first[:12] != second[:12]
    else:
        assert _entropy_upper_bound_bits(first) < 64
        assert int(second[-6:]) == int(first[-6:]) + 1  # sequential


def test_demo_environment_matches_seeded_keys() -> None:
    for settings in (LabSettings.vulnerable(), LabSettings.hardened_twin()):
        env = demo_environment(settings)
        assert set(env) == {
            "AUTHSIFT_LAB_ALICE_READ_KEY",
            "AUTHSIFT_LAB_ALICE_WRITE_KEY",
            "AUTHSIFT_LAB_BOB_KEY",
        }
        assert env == demo_environment(settings)  # deterministic
    assert (
        demo_environment(LabSettings.hardened_twin())["AUTHSIFT_LAB_ALICE_READ_KEY"]
        != (demo_environment(LabSettings.vulnerable())["AUTHSIFT_LAB_ALICE_READ_KEY"])
    )


def test_over_privileged(mode: str, lab_for: LabFor, http: Http, seeded_keys: SeededKeys) -> None:
    base = lab_for(mode, "apikey-over-privileged")
    keys = seeded_keys(mode, "apikey-over-privileged")
    body = {"slug": f"ro-write-{mode}", "name": "written with a read-only key"}
    attempt = http(
        "POST",
        f"{base}/orgs/wonderland/projects",
        headers=key_header(keys["alice-read"]),
        json_body=body,
    )
    listed = http("GET", f"{base}/orgs/wonderland/projects", headers=key_header(keys["alice-read"]))
    slugs = {p["slug"] for p in listed.json()}
    if mode == "off":
        assert attempt.status == 403
        assert 'error="insufficient_scope"' in attempt.headers["WWW-Authenticate"]
        assert body["slug"] not in slugs
    else:
        assert attempt.status == 201
        assert body["slug"] in slugs
    # the write-scoped key may write in every mode (control)
    control = {"slug": f"rw-write-{mode}", "name": "written with a read-write key"}
    written = http(
        "POST",
        f"{base}/orgs/wonderland/projects",
        headers=key_header(keys["alice-write"]),
        json_body=control,
    )
    assert written.status == 201


def test_revocation_ineffective(
    mode: str, lab_for: LabFor, http: Http, token_for: TokenFor
) -> None:
    base = lab_for(mode, "apikey-revocation-ineffective")
    alice = bearer(token_for(base, "alice"))
    issued = http(
        "POST",
        f"{base}/api-keys",
        headers=alice,
        json_body={"name": "to-revoke", "scopes": ["read"]},
    ).json()
    key = key_header(issued["key"])
    assert http("GET", f"{base}{REPORT}", headers=key).status == 200
    assert http("DELETE", f"{base}/api-keys/{issued['id']}", headers=alice).status == 204
    listed = http("GET", f"{base}/api-keys", headers=alice).json()
    assert next(k for k in listed if k["id"] == issued["id"])["revoked"] is True
    after = http("GET", f"{base}{REPORT}", headers=key)
    if mode == "off":
        assert after.status == 401
    else:
        assert after.status == 200
