"""transport-debug-log-exposure: the lab's open actuator (request trace with Authorization
headers, environment with a database password) fires, the hardened lab is silent, and on a
billing API on aiohttp (tests/checks/unlisted_api.py) an environment dump is found while its
metrics page, SPA catch-all and data exports are not taken for secrets."""

from __future__ import annotations

import functools

from authsift.analysis import Calibration
from authsift.analysis.answers import data_reason
from authsift.checks.authz._unlisted import leaks
from authsift.lab.flaws import LabSettings
from authsift.model import HttpResponse, ScanResult
from tests.checks import unlisted_api as api
from tests.checks.jwt_helpers import lab, scan
from tests.checks.scanning import scan_app_in_process
from tests.checks.test_authz_unlisted_endpoint import _found

CHECK = "transport-debug-log-exposure"


@functools.cache
def lab_scan(settings: LabSettings) -> ScanResult:
    with lab(settings) as target:
        return scan(target, [CHECK, "authz-unlisted-endpoint"])


def test_fires_on_the_lab_flaw() -> None:
    result = lab_scan(LabSettings.only({CHECK}))
    found = _found(result, CHECK)
    assert set(found) == {"/actuator/httptrace", "/actuator/env"}
    trace = found["/actuator/httptrace"]
    assert trace.severity == "critical" and "canary" in trace.description
    env = found["/actuator/env"]
    assert env.severity == "high" and "password" in env.description
    assert "lab-db-password" not in str(env.evidence)  # the leaked value is redacted
    # the authorization check's finding on the same endpoints is folded in (root cause)
    assert not _found(result, "authz-unlisted-endpoint")
    assert "authz-unlisted-endpoint" in str(env.details.get("subsumes"))


def test_silent_on_the_hardened_lab() -> None:
    result = lab_scan(LabSettings.hardened_twin())
    assert not [f for f in result.findings if f.check_id == CHECK]
    assert [t.outcome for t in result.tasks if t.check_id == CHECK] == ["passed"]


def test_billing_api_env_dump_found_and_decoys_silent() -> None:
    for hardened in (False, True):
        result, report = scan_app_in_process(
            api.make_app(hardened), api.spec(), api.config, api.ENV, CHECK
        )
        found = _found(result, CHECK)
        assert set(found) == (set() if hardened else {"/debug/vars"}), found
        if not hardened:
            assert "sk_live_" not in str(report) and "Pg-b1ll1ng" not in str(report)


def _response(body: str, content_type: str = "application/json") -> HttpResponse:
    return HttpResponse(200, (("Content-Type", content_type),), body.encode())


def test_what_counts_as_a_leak_and_as_data() -> None:
    none = Calibration()
    health = _response('{"status": "ok", "version": "1.4.2"}')
    assert data_reason(health, none) is None
    masked = _response('{"DB_PASSWORD": "******", "token_type": "bearer", "api_key": "<redacted>"}')
    assert leaks(masked) == []
    dotenv = _response("SECRET_KEY=9f8e7d6c5b4a\nDEBUG=true\n", "text/plain")
    assert [leak.kind for leak in leaks(dotenv)] == ["secret"]
    spa = _response("<!doctype html><html><body>app</body></html>" * 3, "text/html")
    assert data_reason(spa, none) is None
