"""transport-token-response-cacheable: the lab's token answers without no-store found, the
hardened lab's (no-store, Pragma) silent."""

from __future__ import annotations

from tests.checks.jwt_helpers import assert_silent, outcomes
from tests.checks.transport_helpers import of, transport_scan

CHECK = "transport-token-response-cacheable"


def test_fires_on_the_lab_flaw() -> None:
    result = transport_scan(CHECK)
    found = of(result, CHECK)
    assert found, outcomes(result, CHECK)
    # the lab marks none of its credential answers: its OAuth token answers (a `grant_type`
    # request: the reporting bot's client-credentials grant) are held to RFC 6749 §5.1
    oauth = [f for f in found if b"grant_type" in (f.evidence[0].exchange.request.body or b"")]
    assert oauth, [(f.title, f.description) for f in found]
    assert all("$" not in f.description or "eyJ" not in f.description for f in found)


def test_silent_on_the_hardened_lab() -> None:
    result = transport_scan("hardened")
    assert_silent(result, CHECK)
    assert any("passed" in o for o in outcomes(result, CHECK).values())


def _desk(no_store: str, oauth_shape: bool) -> tuple[list[str], dict[str, str]]:
    from tests.checks.scanning import scan_app_in_process
    from tests.checks.transport_tickets_api import (
        PASSWORD_ENV,
        SPEC,
        TicketsOptions,
        config_for,
        tickets_app,
    )

    options = TicketsOptions(no_store=no_store, oauth_shape=oauth_shape)  # type: ignore[arg-type]
    result, _ = scan_app_in_process(
        tickets_app(options),
        SPEC,
        config_for(oauth_shape),
        PASSWORD_ENV,
        CHECK,
        overrides={"checks": {"include": [CHECK, "authz-unauthenticated-access"]}},
    )
    found = [f.operation.key if f.operation else "*" for f in of(result, CHECK)]
    return found, outcomes(result, CHECK)


def test_an_oauth_token_answer_without_no_store_is_reported() -> None:
    found, seen = _desk("never", oauth_shape=True)
    assert "POST /login" in found, seen


def test_a_login_answer_the_api_forgot_to_mark_is_reported() -> None:
    found, seen = _desk("some", oauth_shape=False)
    assert found == ["POST /login"], seen  # the renewal answer is marked no-store


def test_an_api_that_never_marks_its_home_grown_login_is_skipped_with_the_reason() -> None:
    found, seen = _desk("never", oauth_shape=False)
    assert found == []
    assert any("none is an OAuth token response" in o for o in seen.values()), seen
