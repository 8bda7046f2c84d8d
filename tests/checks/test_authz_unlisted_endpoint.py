"""authz-unlisted-endpoint: the lab's undocumented export fires, the hardened lab is silent, and a
billing API on aiohttp (tests/checks/unlisted_api.py) with a catch-all SPA, a metrics page, an
admin-only route and an own-scoped export keeps its decoys silent while its two unlisted data
routes are found."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from authsift.cli import app
from authsift.lab.flaws import LabSettings
from authsift.model import ScanResult
from tests.checks import unlisted_api as api
from tests.checks.jwt_helpers import lab, scan
from tests.checks.scanning import scan_app_in_process
from tests.conftest import write_yaml

CHECK = "authz-unlisted-endpoint"
DEBUG = "transport-debug-log-exposure"


@functools.cache
def lab_scan(settings: LabSettings) -> ScanResult:
    with lab(settings) as target:
        return scan(target, [CHECK])


@functools.cache
def billing(hardened: bool) -> tuple[ScanResult, dict[str, Any]]:
    return scan_app_in_process(
        api.make_app(hardened),
        api.spec(),
        api.config,
        api.ENV,
        CHECK,
        {"checks": {"include": [CHECK, DEBUG]}},
    )


def _found(result: ScanResult, check: str = CHECK) -> dict[str, Any]:
    return {f.operation.path: f for f in result.findings if f.check_id == check and f.operation}


def test_fires_on_the_lab_flaw() -> None:
    result = lab_scan(LabSettings.only({CHECK}))
    found = _found(result)
    assert set(found) == {"/internal/export"}
    finding = found["/internal/export"]
    assert finding.severity == "critical"  # e-mail addresses of every customer, anonymously
    assert finding.identity is None and "customer_email" in finding.description
    inventory = result.extras["discovery"]
    assert [f["path"] for f in inventory["found"]] == ["/internal/export"]
    assert inventory["requests"] <= inventory["estimated_requests"]


def test_silent_on_the_hardened_lab() -> None:
    result = lab_scan(LabSettings.hardened_twin())
    assert not _found(result)
    assert result.extras["discovery"]["found"] == []
    passed = [t for t in result.tasks if t.check_id == CHECK]
    assert passed and all(t.outcome == "passed" for t in passed)


def test_billing_api_flaws_found_and_decoys_silent() -> None:
    result, _ = billing(hardened=False)
    found = _found(result)
    assert found["/v1/export"].severity == "critical"  # every invoice, anonymously
    low = found["/v1/internal/users"]
    assert low.identity == "mia" and low.severity == "high"
    assert "/debug/vars" in _found(result, DEBUG)  # the env dump goes to the debug check
    assert set(found) <= {"/v1/export", "/v1/internal/users", "/debug/vars"}
    paths = {f["path"] for f in result.extras["discovery"]["found"]}
    # decoys: inventory at most, never findings
    assert "/v1/admin" in paths and "/v1/invoices/export" in paths
    assert not paths & {"/", "/admin", "/.env", "/console"}  # the SPA's 200 pages are soft 404s
    assert "/metrics" not in found and "/v1/status" not in paths


def test_billing_api_hardened_is_silent() -> None:
    result, _ = billing(hardened=True)
    assert not [f for f in result.findings if f.check_id in {CHECK, DEBUG}]
    discovery = result.extras["discovery"]
    assert discovery["requests"] <= discovery["estimated_requests"] <= 300


def test_dry_run_shows_the_discovery_estimate(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(api.spec()))
    config = write_yaml(tmp_path / "authsift.yaml", api.config("http://127.0.0.1:9", str(spec)))
    result = CliRunner().invoke(app, ["scan", "-c", str(config), "--dry-run"], env=api.ENV)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert re.search(r"discovery ≤ \d+", said) and "unlisted-endpoint discovery" in said


def test_the_console_report_lists_the_discovered_endpoints() -> None:
    import io

    from authsift.reports.console import render

    out = io.StringIO()
    render(lab_scan(LabSettings.only({CHECK})), out)
    said = " ".join(out.getvalue().split())
    assert "discovery: 1 endpoint(s) missing from the spec answer: GET /internal/export" in said
