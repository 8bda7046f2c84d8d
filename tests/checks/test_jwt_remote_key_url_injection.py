"""jwt-remote-key-url-injection: fires on its lab flaw, silent on the hardened lab
(real scans of the lab, see jwt_helpers)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest

from authsift.checks.base import Context, Inconclusive, ScanFacts
from authsift.checks.jwt._common import oob_listen_settings
from authsift.checks.jwt.jwt_issuer_not_validated import IssuerNotValidated
from authsift.checks.jwt.jwt_remote_key_url_injection import RemoteKeyUrlInjection
from tests.checks.jwt_helpers import (
    api_wide,
    assert_silent,
    family_scan,
    outcomes,
)

CHECK = "jwt-remote-key-url-injection"


def test_fires_on_the_lab_flaw() -> None:
    result = family_scan("vulnerable")
    finding = api_wide(result, CHECK)
    assert finding.details["variant"].startswith("jku")
    assert finding.details["fetched"], "the lab fetched our JWKS from the listener"


def test_silent_on_the_hardened_lab() -> None:
    result = family_scan("hardened")
    assert_silent(result, CHECK)
    assert outcomes(result, CHECK)["GET /me"].startswith("passed")


def _facts_only(target: str, **settings: object) -> Context:
    """A context that holds nothing but scan facts: enough for the decision made before any
    request (no network involved)."""
    return cast(Context, SimpleNamespace(facts=ScanFacts(target=target, settings=settings)))


def test_listener_use_depends_on_where_the_target_is() -> None:
    assert oob_listen_settings(_facts_only("http://127.0.0.1:8000")) == (None, True)
    assert oob_listen_settings(_facts_only("http://localhost:8000")) == (None, True)
    assert oob_listen_settings(_facts_only("https://api.example.com")) == (None, False)
    forwarded = _facts_only("https://api.example.com", oob_url="https://cb.example.net")
    assert oob_listen_settings(forwarded) == ("https://cb.example.net", False)


async def test_unreachable_listener_is_not_tested_never_safe() -> None:
    ctx = _facts_only("https://api.example.com")
    with pytest.raises(Inconclusive, match="not tested"):
        async for _ in RemoteKeyUrlInjection().run(ctx):
            pass
    with pytest.raises(Inconclusive, match="not tested"):
        async for _ in IssuerNotValidated().run(ctx):
            pass
