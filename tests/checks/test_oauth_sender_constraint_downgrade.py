"""oauth-sender-constraint-downgrade: fires on its lab flaw (a DPoP-bound token taken as a
Bearer token at /idp/userinfo), silent on the hardened lab and on the certified provider, whose
DPoP (RFC 9449) is on; the weakened provider (`allowReplay`) gives the low replay finding, and a
resource that skips `ath` and `jti` gives the medium one."""

from __future__ import annotations

import pytest

from authsift.lab.flaws import LabSettings
from authsift.lab.idp_dpop import DpopVerifier
from authsift.model import Outcome
from tests.checks.jwt_helpers import findings_of, lab, outcomes, scan
from tests.checks.oauth_expectations import (
    assert_lab_hardened_silent,
    assert_strict_provider_clean,
    lab_finding,
    provider_findings,
)

CHECK = "oauth-sender-constraint-downgrade"


def test_fires_on_the_lab_flaw() -> None:
    finding = lab_finding(CHECK)
    assert finding.severity == "high"
    assert "(a) Bearer scheme, no proof" in finding.description
    assert "(b)" not in finding.description and "(e)" not in finding.description


def test_silent_on_the_hardened_lab() -> None:
    assert_lab_hardened_silent(CHECK)


def test_strict_certified_provider_is_clean() -> None:
    assert_strict_provider_clean(CHECK)


def test_weakened_provider_replay_is_low() -> None:
    (finding,) = provider_findings(CHECK, weak=True)
    assert finding["severity"] == "low"
    assert "(e) the same proof twice" in finding["description"]


def test_medium_when_the_resource_skips_ath_and_jti(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hardened lab with a careless verifier (RFC 9449 §4.3 `ath`, §11.1 `jti` unchecked):
    the Bearer downgrade stays refused, the incomplete proof checks are found."""
    strict = DpopVerifier.verify

    def careless(
        self: DpopVerifier,
        proofs: list[str],
        method: str,
        url: str,
        access_token: str | None = None,
    ) -> str:
        self.seen.clear()  # replays pass
        return strict(self, proofs, method, url)  # ath never compared

    monkeypatch.setattr(DpopVerifier, "verify", careless)
    with lab(LabSettings.hardened_twin()) as target:
        result = scan(target, (CHECK,))
    (finding,) = findings_of(result, CHECK) or [outcomes(result, CHECK)]
    assert finding.severity == "medium", finding
    assert "(d) a proof without ath" in finding.description
    assert "(e) the same proof twice" in finding.description
    assert "(a)" not in finding.description and "(c)" not in finding.description


def test_not_applicable_without_dpop(monkeypatch: pytest.MonkeyPatch) -> None:
    """No dpop_signing_alg_values_supported in the metadata: not applicable, and says why."""
    from authsift.lab import idp_routes

    advertised = idp_routes.metadata

    def without_dpop(server: object, base: str) -> dict[str, object]:
        document = advertised(server, base)  # type: ignore[arg-type]
        document.pop("dpop_signing_alg_values_supported")
        return document

    monkeypatch.setattr(idp_routes, "metadata", without_dpop)
    with lab(LabSettings.vulnerable()) as target:
        result = scan(target, (CHECK,))
    assert findings_of(result, CHECK) == []
    ran = [t for t in result.tasks if t.check_id == CHECK and "covered" not in (t.reason or "")]
    assert [t.outcome for t in ran] == [Outcome.SKIPPED], ran
    assert "does not advertise DPoP" in (ran[0].reason or "")
