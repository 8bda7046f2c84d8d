"""How an account logs in, as the checks are told (`ScanFacts.login`): the shape of the login,
never the configured identity's secrets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from authsift.config.loader import parse_config
from authsift.engine.login_facts import login_facts, login_usernames


def _config(extra: dict[str, Any], *more: dict[str, Any]) -> Any:
    data = {
        "target": "http://127.0.0.1:9",
        "identities": [
            {"name": "key", "role": "user", "auth": {"type": "bearer", "token": "t0k3n-123456"}},
            {
                "name": "alice",
                "role": "user",
                "auth": {
                    "type": "login",
                    "request": {
                        "method": "POST",
                        "path": "/auth/token",
                        "form": {
                            "grant_type": "password",
                            "username": "alice",
                            "password": "s3cret-pw",
                        },
                        "headers": {"X-Client": "web"},
                    },
                    "token": {"from": "body", "path": "$.data.jwt"},
                },
            },
            *more,
        ],
        **extra,
    }
    return parse_config(data, base_dir=Path("."))


def test_endpoints_login_is_completed_by_the_identity_that_logs_in_there() -> None:
    endpoint = {"method": "POST", "path": "/auth/token", "username": "$.username"}
    facts = login_facts(_config({"endpoints": {"login": endpoint}}))
    assert facts is not None
    assert (facts.method, facts.path, facts.encoding) == ("POST", "/auth/token", "form")
    assert (facts.username, facts.password) == ("$.username", "$.password")
    assert dict(facts.fields) == {"grant_type": "password"}  # no user name, no password
    assert facts.headers == (("X-Client", "web"),)
    assert (facts.token_from, facts.token_at, facts.identity) == ("body", "$.data.jwt", "alice")


def test_without_endpoints_the_identity_request_says_which_fields_are_credentials() -> None:
    facts = login_facts(_config({}))
    assert facts is not None
    assert (facts.username, facts.password) == ("$.username", "$.password")
    assert "s3cret-pw" not in repr(facts) and "alice" not in str(dict(facts.fields))


def test_a_login_endpoint_nobody_uses_keeps_the_default_shape() -> None:
    endpoint = {"method": "POST", "path": "/session", "username": "$.email"}
    facts = login_facts(_config({"endpoints": {"login": endpoint}}))
    assert facts is not None
    assert (facts.path, facts.username, facts.encoding, facts.identity) == (
        "/session",
        "$.email",
        "json",
        None,
    )


def test_the_user_names_the_identities_log_in_with_and_never_a_password() -> None:
    signin = {"method": "POST", "path": "/v2/signin"}
    bob = {
        "name": "bob",
        "role": "user",
        "auth": {
            "type": "login",
            "request": {
                **signin,
                "json": {"credentials": {"login": "bob@x.example", "passwd": "pw-bob-1234"}},
            },
            "token": {"from": "body", "path": "$.token"},
        },
    }
    carol = {
        "name": "carol",
        "role": "user",
        "auth": {"type": "basic", "username": "carol", "password": "pw-carol-1234"},
    }
    endpoint = {**signin, "username": "$.credentials.login"}
    with_bob_and_carol = _config({"endpoints": {"login": endpoint}}, bob, carol)
    names = login_usernames(with_bob_and_carol)
    # alice logs in elsewhere: her body's `username` names her; the bearer key names no one
    assert names == {"alice": "alice", "bob": "bob@x.example", "carol": "carol"}
    assert not {"s3cret-pw", "pw-bob-1234", "pw-carol-1234"} & set(names.values())
