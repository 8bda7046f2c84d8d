"""transport-www-authenticate-conformance: the lab's challenge-less 401 found, the hardened
lab (Bearer realm, invalid_token) silent."""

from __future__ import annotations

from authsift.model import Severity
from tests.checks.jwt_helpers import assert_silent, outcomes
from tests.checks.transport_helpers import of, transport_scan

CHECK = "transport-www-authenticate-conformance"


def test_fires_on_the_lab_flaw() -> None:
    result = transport_scan(CHECK)
    found = {f.title: f for f in of(result, CHECK)}
    missing = found.get("401 without a WWW-Authenticate challenge")
    assert missing is not None, (list(found), outcomes(result, CHECK))
    assert missing.severity is Severity.LOW and missing.details["seen_on"]


def test_silent_on_the_hardened_lab() -> None:
    result = transport_scan("hardened")
    assert_silent(result, CHECK)
    assert any("passed" in o for o in outcomes(result, CHECK).values())


def _desk(challenge: str) -> tuple[list[str], dict[str, str]]:
    from tests.checks.scanning import scan_app_in_process
    from tests.checks.transport_tickets_api import (
        PASSWORD_ENV,
        SPEC,
        TicketsOptions,
        config_for,
        tickets_app,
    )

    result, _ = scan_app_in_process(
        tickets_app(TicketsOptions(challenge=challenge)),  # type: ignore[arg-type]
        SPEC,
        config_for(oauth_shape=False),
        PASSWORD_ENV,
        CHECK,
        overrides={"checks": {"include": [CHECK, "authz-unauthenticated-access", "jwt-alg-none"]}},
    )
    return [f.title for f in of(result, CHECK)], outcomes(result, CHECK)


def test_an_api_that_forgets_the_challenge_on_some_401s_is_reported() -> None:
    titles, seen = _desk("some")
    assert "401 without a WWW-Authenticate challenge" in titles, (titles, seen)


def test_an_api_that_never_challenges_is_skipped_with_the_reason_not_reported() -> None:
    titles, seen = _desk("never")
    assert titles == []
    assert any("does not use HTTP authentication challenges" in o for o in seen.values()), seen


def test_a_conformant_api_passes() -> None:
    titles, seen = _desk("always")
    assert titles == [] and any("passed" in o for o in seen.values()), seen
