"""Each token-lifecycle flaw of the lab (and cacheable token responses), proven with plain HTTP.

Runs three ways per flaw (`mode`): the flaw alone, every flaw on, the hardened twin. Nothing
sleeps: expired tokens come from the lab-only mint (`POST /_lab/tokens` with a negative lifetime)
and lifetimes are read from the token responses.
"""

from __future__ import annotations

from tests.lab._token_helpers import (
    OFF,
    Lab,
    LabPool,
    accepted_as,
    http,
    login,
    pool,
    segments,
    whoami,
)

__all__ = ["pool"]  # the module-scoped LabPool fixture


def refresh(lab: Lab, refresh_token: str) -> int:
    return http(
        "POST", lab.url + "/auth/refresh", json_body={"refresh_token": refresh_token}
    ).status


def test_access_lifetime(pool: LabPool, mode: str) -> None:
    lab = pool.for_mode(mode, "token-access-lifetime-excessive")
    tokens = login(lab)
    _, claims, _ = segments(tokens["access_token"])
    lifetime = claims["exp"] - claims["iat"]
    assert lifetime == tokens["expires_in"]
    assert (lifetime > 3600) is (mode != OFF)  # RFC 6750 §5.3: "one hour or less"
    if mode == OFF:
        assert lifetime == 300


def test_expired_token_accepted(pool: LabPool, mode: str) -> None:
    lab = pool.for_mode(mode, "token-expired-accepted")
    minted = http(
        "POST", lab.url + "/_lab/tokens", json_body={"username": "alice", "lifetime": -600}
    )
    expired = minted.json()["access_token"]
    assert accepted_as(whoami(lab, expired), "alice") is (mode != OFF)
    fresh = http("POST", lab.url + "/_lab/tokens", json_body={"username": "alice", "lifetime": 60})
    assert accepted_as(whoami(lab, fresh.json()["access_token"]), "alice")


def test_tokens_survive_logout(pool: LabPool, mode: str) -> None:
    lab = pool.for_mode(mode, "token-not-revoked-on-logout")
    tokens = login(lab)
    assert http("POST", lab.url + "/auth/logout", token=tokens["access_token"]).status == 204
    assert accepted_as(whoami(lab, tokens["access_token"]), "alice") is (mode != OFF)
    assert (refresh(lab, tokens["refresh_token"]) == 200) is (mode != OFF)


def test_other_sessions_survive_password_change(pool: LabPool, mode: str) -> None:
    lab = pool.for_mode(mode, "token-not-revoked-on-password-change")
    first, second = login(lab, "bob"), login(lab, "bob")
    same_password = "bob-lab-pass-2"  # keep the seeded password for the other tests
    change = http(
        "POST",
        lab.url + "/auth/password",
        json_body={"current_password": same_password, "new_password": same_password},
        token=first["access_token"],
    )
    assert change.status == 200, change.body
    assert accepted_as(whoami(lab, second["access_token"]), "bob") is (mode != OFF)
    assert (refresh(lab, second["refresh_token"]) == 200) is (mode != OFF)
    assert accepted_as(whoami(lab, first["access_token"]), "bob")  # the changing session stays


def test_revocation_endpoint_ineffective(pool: LabPool, mode: str) -> None:
    lab = pool.for_mode(mode, "token-revocation-ineffective")
    tokens = login(lab)
    for token in (tokens["refresh_token"], tokens["access_token"]):
        reply = http("POST", lab.url + "/oauth/revoke", form={"token": token})
        assert reply.status == 200  # RFC 7009 §2.2, whatever happened
    assert (refresh(lab, tokens["refresh_token"]) == 200) is (mode != OFF)
    assert accepted_as(whoami(lab, tokens["access_token"]), "alice") is (mode != OFF)


def test_role_downgrade_not_reflected(pool: LabPool, mode: str) -> None:
    lab = pool.for_mode(mode, "token-privilege-change-not-reflected")
    admin = login(lab, "carol")["access_token"]
    promote = http("PUT", lab.url + "/admin/users/2/role", json_body={"role": "admin"}, token=admin)
    assert promote.status == 200, promote.body
    bob = login(lab, "bob")
    assert http("GET", lab.url + "/admin/users/1", token=bob["access_token"]).status == 200
    demote = http("PUT", lab.url + "/admin/users/2/role", json_body={"role": "user"}, token=admin)
    assert demote.status == 200, demote.body
    still_admin = http("GET", lab.url + "/admin/users/1", token=bob["access_token"])
    assert (still_admin.status == 200) is (mode != OFF)
    assert (refresh(lab, bob["refresh_token"]) == 200) is (mode != OFF)


def test_refresh_token_not_rotated(pool: LabPool, mode: str) -> None:
    lab = pool.for_mode(mode, "token-refresh-not-rotated")
    first = login(lab)["refresh_token"]
    reply = http("POST", lab.url + "/auth/refresh", json_body={"refresh_token": first})
    assert reply.status == 200
    second = reply.json()["refresh_token"]
    assert (second == first) is (mode != OFF)
    assert (refresh(lab, first) == 200) is (mode != OFF)


def test_refresh_reuse_not_detected(pool: LabPool, mode: str) -> None:
    lab = pool.for_mode(mode, "token-refresh-reuse-not-detected")
    first = login(lab)["refresh_token"]
    rotated = http("POST", lab.url + "/auth/refresh", json_body={"refresh_token": first})
    second = rotated.json()["refresh_token"]
    replay_works = refresh(lab, first) == 200  # the attacker replays the stolen, used token
    legitimate_still_works = refresh(lab, second) == 200
    assert (replay_works or legitimate_still_works) is (mode != OFF)
    if mode == OFF:
        assert http(
            "POST", lab.url + "/auth/refresh", json_body={"refresh_token": first}
        ).json() == {
            "error": "invalid_grant",
            "error_description": "The refresh token is invalid",
        }


def test_refresh_lifetime(pool: LabPool, mode: str) -> None:
    lab = pool.for_mode(mode, "token-refresh-lifetime-excessive")
    tokens = login(lab)
    _, claims, _ = segments(tokens["refresh_token"])
    unbounded = "exp" not in claims and "refresh_expires_in" not in tokens
    assert unbounded is (mode != OFF)
    if mode == OFF:
        assert claims["exp"] - claims["iat"] <= 30 * 24 * 3600
        assert 0 < tokens["refresh_expires_in"] <= 30 * 24 * 3600


def test_token_responses_cacheable(pool: LabPool, mode: str) -> None:
    lab = pool.for_mode(mode, "transport-token-response-cacheable")
    reply = http(
        "POST",
        lab.url + "/auth/login",
        json_body={"username": "alice", "password": "alice-lab-pass-1"},
    )
    refreshed = http(
        "POST",
        lab.url + "/auth/refresh",
        json_body={"refresh_token": reply.json()["refresh_token"]},
    )
    for response in (reply, refreshed):
        no_store = "no-store" in (response.header("Cache-Control") or "")
        assert no_store is (mode == OFF)  # RFC 6749 §5.1: MUST include no-store
        assert (response.header("Pragma") == "no-cache") is (mode == OFF)
