"""`write_reports` and the reporters' part of redaction: they render the result and nothing else."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from authsift.model import Evidence, HttpResponse, ScanResult
from authsift.reports import FILE_NAMES, REPORTERS, render_console, write_reports

SECRET_ENV = "sk_live_4f9a2c7e1b8d3f6a0c5e9b2d7f1a4c8e"
SECRET_IN_SPEC = "spec-example-secret-9d8c7b6a5f4e3d2c1b0a"
SECRET_IN_CONFIG = "config-password-1a2b3c4d5e6f7a8b9c0d"
SECRET_PAST_CAP = "tail-secret-0f1e2d3c4b5a69788796a5b4"
SECRET_IN_BINARY = b"\x00\x01binary-secret-77aa66bb55cc44dd"


def all_outputs(result: ScanResult, out_dir: Path) -> dict[str, str]:
    paths = write_reports(result, list(FILE_NAMES), out_dir=out_dir, out_file=None)
    outputs = {path.name: path.read_text(encoding="utf-8") for path in paths}
    console = Console(record=True, width=100, file=io.StringIO())
    render_console(result, console, verbose=True)
    outputs["console"] = console.export_text()
    plain = io.StringIO()
    REPORTERS["console"].render(result, plain)
    outputs["console.txt"] = plain.getvalue()
    return outputs


def test_several_formats_go_to_a_directory(scan_result: ScanResult, tmp_path: Path) -> None:
    out_dir = tmp_path / "authsift-report"
    paths = write_reports(
        scan_result, ["console", "json", "sarif", "junit", "html"], out_dir=out_dir, out_file=None
    )
    assert [p.name for p in paths] == [
        "authsift.json",
        "authsift.sarif",
        "authsift-junit.xml",
        "authsift.html",
    ]
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(FILE_NAMES.values())
    assert json.loads((out_dir / "authsift.json").read_text())["schema_version"] == 1


def test_one_format_goes_to_the_named_file(scan_result: ScanResult, tmp_path: Path) -> None:
    target = tmp_path / "out" / "scan.sarif.json"
    assert write_reports(scan_result, ["sarif"], out_dir=None, out_file=target) == [target]
    assert json.loads(target.read_text())["version"] == "2.1.0"
    assert sorted(p.name for p in target.parent.iterdir()) == ["scan.sarif.json"]


def test_console_only_writes_nothing(scan_result: ScanResult, tmp_path: Path) -> None:
    assert write_reports(scan_result, ["console"], out_dir=tmp_path, out_file=None) == []
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("formats", "use_file", "use_dir", "message"),
    [
        (["json", "pdf"], False, True, "unknown report format 'pdf'"),
        (["json", "html"], True, False, "one output file cannot hold 2 formats"),
        (["json"], False, False, "needs out_dir or out_file"),
    ],
)
def test_bad_requests_write_nothing(
    scan_result: ScanResult,
    tmp_path: Path,
    formats: list[str],
    use_file: bool,
    use_dir: bool,
    message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        write_reports(
            scan_result,
            formats,
            out_dir=tmp_path if use_dir else None,
            out_file=tmp_path / "x.json" if use_file else None,
        )
    assert list(tmp_path.iterdir()) == []


def test_reporters_render_only_the_result(
    scan_result: ScanResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Secrets around the reporters (environment, config and spec files, the parts of bodies
    past the display cap, binary bodies) must not reach any output; placeholders must."""
    monkeypatch.setenv("ALICE_TOKEN", SECRET_ENV)
    monkeypatch.setenv("BOB_TOKEN", SECRET_ENV)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "authsift.yaml").write_text(f"identities: [{{password: {SECRET_IN_CONFIG}}}]\n")
    spec = tmp_path / "openapi.yaml"
    spec.write_text(
        "paths:\n  /users/{id}:\n    get:\n      parameters:\n"
        f"        - {{name: key, in: query, example: {SECRET_IN_SPEC}}}\n"
    )
    scan_result.spec_source = "openapi.yaml"

    token = next(f for f in scan_result.findings if f.check_id.startswith("token-"))
    login = token.evidence[0]
    assert login.exchange.response is not None
    long_body = login.exchange.response.body + SECRET_PAST_CAP.encode()
    binary = HttpResponse(200, body=SECRET_IN_BINARY * 10)
    token_with_secrets = dataclasses.replace(
        token,
        evidence=(
            dataclasses.replace(
                login,
                exchange=dataclasses.replace(
                    login.exchange,
                    response=dataclasses.replace(login.exchange.response, body=long_body),
                ),
            ),
            Evidence("binary", dataclasses.replace(login.exchange, response=binary)),
        ),
    )
    scan_result.findings[scan_result.findings.index(token)] = token_with_secrets

    outputs = all_outputs(scan_result, tmp_path / "reports")
    assert set(outputs) == {*FILE_NAMES.values(), "console", "console.txt"}
    for name, text in outputs.items():
        for secret in (SECRET_ENV, SECRET_IN_SPEC, SECRET_IN_CONFIG, SECRET_PAST_CAP):
            assert secret not in text, f"{secret} leaked into {name}"
        assert "binary-secret" not in text, f"binary body leaked into {name}"
        assert "$BOB_TOKEN" in text, f"placeholder missing from {name}"
    assert "openapi.yaml" in outputs["authsift.sarif"]  # the spec was used, for its line numbers


def test_every_reporter_renders_a_partial_empty_scan(partial_result: ScanResult) -> None:
    assert set(REPORTERS) == {"console", "json", "sarif", "junit", "html"}
    assert set(FILE_NAMES) == set(REPORTERS) - {"console"}
    for name, reporter in REPORTERS.items():
        buffer = io.StringIO()
        reporter.render(partial_result, buffer)
        assert "interrupted" in buffer.getvalue(), name
