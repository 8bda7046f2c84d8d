"""The lab as a whole: serving, the OpenAPI contract, seed data and the decoys.

Decoys are correct behaviour that looks suspicious (a public object, an object shared on
purpose, a 200 with an error body); they must behave the same with every flaw on and off.
"""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from authsift.config import load_config
from authsift.config.auth import ApiKeyAuth
from authsift.lab.apikeys import ApiKeyStore, demo_environment
from authsift.lab.flaws import FLAWS, LabSettings
from authsift.lab.server import run_in_thread
from authsift.lab.store import PUBLIC_DOCUMENT_ID, SHARED_DOCUMENT_ID

if TYPE_CHECKING:
    from conftest import Http, LabUrl, SeededKeys, TokenFor


LAB_SOURCE = Path(__file__).parents[2] / "src" / "authsift" / "lab"
RESOURCE_SIDE_FLAWS = {
    *(f for f in FLAWS if f.startswith("apikey-")),
    *(f for f in FLAWS if f.startswith("authz-") and f != "authz-invalid-credential-accepted"),
    "rl-resource-consumption",
    "transport-credential-exposure",
    "transport-debug-log-exposure",
    "transport-cors-credentialed-reflection",
    "transport-cleartext-credentials",
    "transport-credentials-in-query-accepted",
}
BOTH = [LabSettings.vulnerable(), LabSettings.hardened_twin()]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_run_in_thread_serves_on_loopback_and_stops(http: Http) -> None:
    with run_in_thread(LabSettings.hardened_twin()) as base:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base)
        assert http("GET", f"{base}/health").json() == {"status": "ok"}
        port = int(base.rsplit(":", 1)[1])
    with socket.socket() as probe:
        probe.settimeout(1)
        assert probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="module")
def spec(lab_url: LabUrl, http: Http) -> Any:
    return http("GET", f"{lab_url(LabSettings.vulnerable())}/openapi.json").json()


def test_openapi_security_schemes(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "Access token",
    }
    assert schemes["apiKeyAuth"]["type"] == "apiKey"
    assert schemes["apiKeyAuth"]["in"] == "header"
    assert schemes["apiKeyAuth"]["name"] == "X-API-Key"


def test_openapi_operations_declare_their_security(spec: dict[str, Any]) -> None:
    paths = spec["paths"]
    assert paths["/health"]["get"]["security"] == []
    assert {} in paths["/documents/{document_id}"]["get"]["security"]
    for path, method in [
        ("/me", "get"),
        ("/orders/{order_id}", "get"),
        ("/admin/users", "get"),
        ("/orgs/{org}/projects/{slug}", "get"),
        ("/api-keys", "post"),
    ]:
        security = paths[path][method]["security"]
        assert {"bearerAuth": []} in security and {} not in security, path
    assert not any(p.startswith(("/_lab", "/actuator", "/internal")) for p in paths)
    order_id = paths["/orders/{order_id}"]["get"]["parameters"][0]
    assert order_id["schema"]["type"] == "integer"
    document_id = paths["/documents/{document_id}"]["get"]["parameters"][0]
    assert document_id["schema"]["format"] == "uuid"


def test_every_resource_side_flaw_has_its_switch_in_the_source() -> None:
    source = "\n".join(p.read_text() for p in LAB_SOURCE.glob("*.py"))
    missing = [f for f in sorted(RESOURCE_SIDE_FLAWS) if f'on("{f}")' not in source]
    assert missing == []


@pytest.mark.parametrize("settings", BOTH, ids=["vulnerable", "hardened"])
def test_me_carries_caller_markers(
    settings: LabSettings, lab_url: LabUrl, http: Http, token_for: TokenFor
) -> None:
    base = lab_url(settings)
    me = http("GET", f"{base}/me", headers=bearer(token_for(base, "alice"))).json()
    assert me == {
        "id": 1,
        "username": "alice",
        "email": "alice@lab.example",
        "full_name": "Alice Liddell",
        "role": "user",
    }
    assert http("GET", f"{base}/me").status == 401


@pytest.mark.parametrize("settings", BOTH, ids=["vulnerable", "hardened"])
def test_decoy_public_document_is_readable_by_everyone(
    settings: LabSettings, lab_url: LabUrl, http: Http, token_for: TokenFor
) -> None:
    base = lab_url(settings)
    url = f"{base}/documents/{PUBLIC_DOCUMENT_ID}"
    anonymous = http("GET", url)
    as_bob = http("GET", url, headers=bearer(token_for(base, "bob")))
    assert anonymous.status == 200 and anonymous.json()["visibility"] == "public"
    assert as_bob.json() == anonymous.json()


@pytest.mark.parametrize("settings", BOTH, ids=["vulnerable", "hardened"])
def test_decoy_shared_document_is_readable_by_bob(
    settings: LabSettings, lab_url: LabUrl, http: Http, token_for: TokenFor
) -> None:
    base = lab_url(settings)
    url = f"{base}/documents/{SHARED_DOCUMENT_ID}"
    as_bob = http("GET", url, headers=bearer(token_for(base, "bob")))
    assert as_bob.status == 200 and as_bob.json()["shared_with"] == [2]
    listed = http("GET", f"{base}/documents", headers=bearer(token_for(base, "bob"))).json()
    assert SHARED_DOCUMENT_ID in {d["id"] for d in listed}
    carol = http("GET", url, headers=bearer(token_for(base, "carol")))
    assert carol.status == 404  # not shared with carol
    assert http("GET", url).status == 401


def test_shared_document_is_read_only_for_bob_when_hardened(
    lab_url: LabUrl, http: Http, token_for: TokenFor
) -> None:
    base = lab_url(LabSettings.hardened_twin())
    url = f"{base}/documents/{SHARED_DOCUMENT_ID}"
    bob = bearer(token_for(base, "bob"))
    assert http("PATCH", url, headers=bob, json_body={"title": "mine now"}).status == 403
    assert http("DELETE", url, headers=bob).status == 403


@pytest.mark.parametrize("settings", BOTH, ids=["vulnerable", "hardened"])
def test_decoy_report_answers_200_with_error_body(
    settings: LabSettings, lab_url: LabUrl, http: Http, token_for: TokenFor
) -> None:
    base = lab_url(settings)
    alice, bob = bearer(token_for(base, "alice")), bearer(token_for(base, "bob"))
    own = http("GET", f"{base}/reports/weekly-sales", headers=alice)
    assert own.status == 200 and own.json()["title"] == "Wonderland weekly sales"
    for reply in (
        http("GET", f"{base}/reports/no-such-report", headers=alice),
        http("GET", f"{base}/reports/weekly-sales", headers=bob),  # other org: same answer
    ):
        assert reply.status == 200 and reply.json() == {"error": "report not found"}
    assert http("GET", f"{base}/reports/weekly-sales").status == 401


@pytest.mark.parametrize("settings", BOTH, ids=["vulnerable", "hardened"])
def test_seeded_objects_carry_owner_markers(
    settings: LabSettings, lab_url: LabUrl, http: Http, token_for: TokenFor
) -> None:
    base = lab_url(settings)
    alice = bearer(token_for(base, "alice"))
    order = http("GET", f"{base}/orders/1", headers=alice).json()
    assert (order["owner_id"], order["owner_email"]) == (1, "alice@lab.example")
    documents = http("GET", f"{base}/documents", headers=alice).json()
    assert {d["owner_email"] for d in documents} == {"alice@lab.example"}
    projects = http("GET", f"{base}/orgs/wonderland/projects", headers=alice).json()
    assert {"tea-party", "croquet"} <= {p["slug"] for p in projects}
    assert http("GET", f"{base}/orgs/builders/projects", headers=alice).status == 404


def test_hardened_keys_identify_integrations_not_users(
    lab_url: LabUrl, http: Http, seeded_keys: SeededKeys
) -> None:
    base = lab_url(LabSettings.hardened_twin())
    key = {"X-API-Key": seeded_keys("off", "apikey-sole-user-auth")["alice-write"]}
    assert http("GET", f"{base}/orgs/wonderland/projects", headers=key).status == 200
    for method, path in [("GET", "/me"), ("GET", "/orders"), ("GET", "/api-keys")]:
        assert http(method, f"{base}{path}", headers=key).status == 403, path


def test_hardened_admin_functions(lab_url: LabUrl, http: Http, token_for: TokenFor) -> None:
    base = lab_url(LabSettings.hardened_twin())
    carol, alice = bearer(token_for(base, "carol")), bearer(token_for(base, "alice"))
    assert http("POST", f"{base}/admin/users/4/disable", headers=alice).status == 403
    assert (
        http("PUT", f"{base}/admin/users/4/role", headers=alice, json_body={"role": "admin"}).status
        == 403
    )
    assert http("GET", f"{base}/admin/users/99", headers=carol).status == 404


@pytest.mark.parametrize("settings", BOTH, ids=["vulnerable", "hardened"])
def test_key_introspection_proves_a_key_without_user_data(
    settings: LabSettings, lab_url: LabUrl, http: Http, token_for: TokenFor
) -> None:
    base = lab_url(settings)
    key = ApiKeyStore(settings).seeded_values["alice-read"]
    reply = http("GET", f"{base}/api-keys/self", headers={"X-API-Key": key})
    assert reply.status == 200
    assert reply.json() == {"id": "k1", "name": "alice-read", "scopes": ["read"], "prefix": key[:8]}
    as_user = http("GET", f"{base}/api-keys/self", headers=bearer(token_for(base, "alice")))
    assert as_user.status == 404
    junk = http("GET", f"{base}/api-keys/self", headers={"X-API-Key": "lab_" + "q" * 43})
    assert junk.status == 401
    assert 'error="invalid_token"' in junk.headers["WWW-Authenticate"]


@pytest.mark.parametrize("settings", BOTH, ids=["vulnerable", "hardened"])
def test_demo_config_loads_and_its_seeds_belong_to_their_owners(
    settings: LabSettings, lab_url: LabUrl, http: Http, token_for: TokenFor
) -> None:
    config = load_config(
        LAB_SOURCE / "authsift.yaml", env={**os.environ, **demo_environment(settings)}
    )
    base = lab_url(settings)
    key_identity = next(i for i in config.identities if i.name == "alice-ro")
    assert key_identity.scopes == ["read"]
    assert isinstance(key_identity.auth, ApiKeyAuth)
    key = key_identity.auth.value.get_secret_value()
    calling_key = http("GET", f"{base}/api-keys/self", headers={key_identity.auth.name: key})
    assert calling_key.status == 200 and calling_key.json()["scopes"] == ["read"]
    owned_paths = {
        "order_id": "/orders/{}",
        "document_id": "/documents/{}",
        "report_id": "/reports/{}",
        "org": "/orgs/{}/projects",
    }
    for owner in ("alice", "bob"):
        auth = bearer(token_for(base, owner))
        seeds = config.resources[owner]
        for param, template in owned_paths.items():
            for value in seeds[param]:
                reply = http("GET", base + template.format(value), headers=auth)
                assert reply.status == 200 and "error" not in reply.json(), (owner, param, value)
        me = http("GET", f"{base}/me", headers=auth).json()
        assert seeds["user_id"] == [me["id"]]
