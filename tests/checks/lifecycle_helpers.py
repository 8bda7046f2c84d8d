"""Real scans for the session-ending token checks: the lab (flaw alone, every flaw, hardened)
and the vault decoy (`lifecycle_vault_api`), always with `checks.intrusive` on."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import yaml

from authsift.config import load_config
from authsift.engine.scan import ScanOptions, run_scan
from authsift.lab.flaws import LabSettings
from authsift.model import Finding, Outcome, ScanResult
from tests.checks.jwt_helpers import lab, outcomes, scan
from tests.checks.lifecycle_vault_api import VaultOptions, VaultState, config, make_app, serve

__all__ = ["outcomes"]


def lab_scan(settings: LabSettings, check_id: str, **overrides: Any) -> ScanResult:
    with lab(settings) as target:
        return scan(target, [check_id], **{"checks.intrusive": True, **overrides})


def vault_scan(options: VaultOptions, check_id: str, **extra: Any) -> tuple[ScanResult, VaultState]:
    app, state = make_app(options)
    with serve(app) as url, tempfile.TemporaryDirectory() as tmp:
        raw = config(url) | {
            "checks": {"include": [check_id], "intrusive": True},
            "limits": {"rate": 500, "concurrency": 4},
            "report": {"formats": ["json"], "dir": tmp},
        }
        raw.update(extra)
        path = Path(tmp) / "authsift.yaml"
        path.write_text(yaml.safe_dump(raw), encoding="utf-8")
        loaded = load_config(path)
        result = asyncio.run(run_scan(ScanOptions(config=loaded, config_dir=Path(tmp))))
    return result, state


def the_finding(result: ScanResult, check_id: str) -> Finding:
    found = [f for f in result.findings if f.check_id == check_id]
    assert len(found) == 1, (found, outcomes(result, check_id))
    assert found[0].operation is None  # API-wide
    return found[0]


def assert_silent_and_tested(result: ScanResult, check_id: str) -> None:
    """No finding, no crash, and one task that actually tested (passed, not inconclusive)."""
    assert [f for f in result.findings if f.check_id == check_id] == []
    tasks = [t for t in result.tasks if t.check_id == check_id]
    assert all(t.outcome is not Outcome.ERROR for t in tasks), outcomes(result, check_id)
    assert any(t.outcome is Outcome.PASSED for t in tasks), outcomes(result, check_id)


def no_secret_in(result: ScanResult, *secrets: str) -> bool:
    from authsift.reports.json_report import report_dict

    text = str(report_dict(result))
    return not any(secret and secret in text for secret in secrets)


def working_session_untouched(state: VaultState) -> bool:
    """The scan's own grant (the first the vault issued, at the scan's login) was never
    revoked, and no request carrying one of its tokens was refused."""
    first = next(iter(state.grants))
    return not state.grants[first].revoked and first not in state.refused_grants
