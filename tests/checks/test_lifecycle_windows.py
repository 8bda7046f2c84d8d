"""Pure logic of the session-ending checks: how long a surviving token still lives, and what
that makes its severity (issue 9: a 5-minute token not revoked is low, a 30-day one high)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from authsift.checks.lifecycle._sessions import (
    describe_window,
    human_duration,
    remaining_lifetime,
    window_severity,
)
from authsift.model import Severity

NOW = 1_800_000_000.0


def jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2ln"


@dataclass
class Session:
    token: str
    is_jwt: bool
    expires_in: float | None = None
    issued_at: float = NOW - 10
    cookies: dict[str, str] = field(default_factory=dict)


@pytest.mark.parametrize(
    ("session", "remaining"),
    [
        (Session(jwt({"exp": NOW + 300}), True), 300.0),
        (Session(jwt({"exp": NOW - 5}), True), 0.0),
        (Session(jwt({"sub": "a"}), True), float("inf")),  # no exp, no expires_in
        (Session(jwt({"sub": "a"}), True, expires_in=70), 60.0),
        (Session("opaque-token-value", False, expires_in=610), 600.0),
        (Session("opaque-token-value", False), None),
    ],
)
def test_remaining_lifetime(session: Session, remaining: float | None) -> None:
    assert remaining_lifetime(session, NOW) == remaining


def test_severity_grows_with_the_window() -> None:
    assert window_severity(300) is Severity.LOW
    assert window_severity(900) is Severity.LOW
    assert window_severity(3600) is Severity.MEDIUM
    assert window_severity(30 * 86400) is Severity.HIGH
    assert window_severity(float("inf")) is Severity.HIGH
    assert window_severity(None) is Severity.MEDIUM


def test_windows_read_well() -> None:
    assert human_duration(30 * 86400) == "30 days"
    assert human_duration(240) == "4 minutes"
    assert human_duration(90) == "90 s"
    stateless = Session(jwt({"exp": NOW + 600}), True)
    assert "self-contained JWT" in describe_window(stateless, 600)
    assert "no expiry" in describe_window(stateless, float("inf"))
