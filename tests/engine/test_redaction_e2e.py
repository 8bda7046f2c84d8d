"""Issue 14: no genuine credential — whole, in fragments or as a near copy — in any output.

A full scan of the lab (every check, intrusive, every report format, the HAR, the console, the
finding journal and the logs) while the lab tells the test every token it mints. Each output is
then searched for every issued token, its signature segment, its `payload.signature` tail, and
any base64url stretch within two edits of a genuine signature: from any of those the token can
be rebuilt (a flipped character is flipped back by trying 64 values, and an RSA signature can be
checked offline against the public JWKS). The search is written here, independently of
`engine/redact.py`, so that the test does not share the redactor's blind spots.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from authsift.app.demo import lab_config, lab_config_path
from authsift.app.workflow import ScanJob, _Listener, execute
from authsift.engine.events import Event, FindingMade
from authsift.lab.apikeys import demo_environment
from authsift.lab.flaws import LabSettings
from authsift.lab.server import run_in_thread

FORMATS = ["console", "json", "sarif", "junit", "html"]
MAX_EDITS = 2
_LAB = "authsift.lab"
_BORDERS = "│┃║╭╮╰╯─━═┌┐└┘├┤┬┴┼ \t"


def _edit_distance_within(text: str, pattern: str, limit: int) -> int | None:
    """Smallest edit distance between `pattern` and any substring of `text` (semi-global
    alignment), or None when it exceeds `limit`. Plain dynamic programming: slow but obvious."""
    previous = [0] * (len(text) + 1)  # a match may start anywhere in text
    for i, p_char in enumerate(pattern, 1):
        current = [i] + [0] * len(text)
        for j, t_char in enumerate(text, 1):
            current[j] = min(
                previous[j - 1] + (p_char != t_char), previous[j] + 1, current[j - 1] + 1
            )
        previous = current
    best = min(previous)  # ... and end anywhere
    return best if best <= limit else None


def _near_copies(text: str, signature: str) -> list[str]:
    """Stretches of `text` within MAX_EDITS of `signature`. Pigeonhole: with at most two edits,
    one of three disjoint thirds of the signature survives intact, so only the neighbourhoods
    of those thirds need the (slow) alignment."""
    third = len(signature) // (MAX_EDITS + 1)
    pieces = [signature[k * third : (k + 1) * third] for k in range(MAX_EDITS)]
    pieces.append(signature[MAX_EDITS * third :])
    found: list[str] = []
    for piece in pieces:
        start = text.find(piece)
        while start != -1:
            lo = max(0, start - len(signature) - MAX_EDITS)
            window = text[lo : start + len(signature) + MAX_EDITS]
            if _edit_distance_within(window, signature, MAX_EDITS) is not None:
                found.append(text[start : start + 40] + "…")
                break
            start = text.find(piece, start + 1)
        if found:
            break
    return found


def _unwrapped(console_text: str) -> str:
    """The console wraps long lines inside panel borders; a token broken over lines must be
    found too, so lines are stripped of borders and joined, and spaces (where rich may break a
    line) dropped."""
    return "".join(line.strip(_BORDERS) for line in console_text.splitlines()).replace(" ", "")


def _leaks(text: str, tokens: list[str], plain_secrets: list[str]) -> list[str]:
    leaks: list[str] = []
    for token in tokens:
        _header, payload, signature = token.split(".")
        if token in text:
            leaks.append(f"token {token[:24]}…")
        if f"{payload}.{signature}" in text:
            leaks.append(f"payload.signature of {token[:24]}…")
        if signature in text:
            leaks.append(f"signature {signature[:24]}…")
        leaks += [f"near copy of a signature: {near}" for near in _near_copies(text, signature)]
    leaks += [f"config secret {secret[:6]}…" for secret in plain_secrets if secret in text]
    return leaks


def _config_secrets(settings: LabSettings) -> list[str]:
    passwords = ["alice-lab-pass-1", "bob-lab-pass-2", "carol-lab-pass-3", "bot-lab-pass-4"]
    keys = [v for k, v in demo_environment(settings).items() if k.endswith("_KEY")]
    encoded = [base64.b64encode(s.encode()).decode() for s in passwords + keys]
    return passwords + keys + encoded


@pytest.fixture
def journal_copies(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The finding journal is deleted when a scan completes; keep what was written to it."""
    copies: list[str] = []
    original = _Listener.__call__

    def teeing(self: _Listener, event: Event) -> None:
        original(self, event)
        if isinstance(event, FindingMade):
            copies.append(self.journal.read_text(encoding="utf-8"))

    monkeypatch.setattr(_Listener, "__call__", teeing)
    return copies


def test_no_token_fragment_or_near_copy_in_any_output(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, journal_copies: list[str]
) -> None:
    settings = LabSettings.vulnerable()
    issued: list[tuple[str, str]] = []
    out_buffer, err_buffer = io.StringIO(), io.StringIO()
    out = Console(file=out_buffer, width=100, no_color=True)
    err = Console(file=err_buffer, width=100, no_color=True)
    caplog.set_level(logging.DEBUG, logger="authsift")
    with run_in_thread(settings, token_observer=lambda kind, t: issued.append((kind, t))) as url:
        overrides: dict[str, Any] = {"report.formats": FORMATS, "checks.intrusive": True}
        config = lab_config(settings, url, overrides)
        job = ScanJob(
            config=config,
            config_dir=lab_config_path().parent,
            output=tmp_path / "out",
            har=tmp_path / "scan.har",
            verbose=True,
            progress=False,
        )
        outcome = execute(job, out, err)
    assert outcome.exit_code == 1, err_buffer.getvalue()
    assert {kind for kind, _ in issued} >= {"access", "refresh", "id"}

    outputs = {path.name: path.read_text(encoding="utf-8") for path in (tmp_path / "out").iterdir()}
    assert {"authsift.json", "authsift.sarif", "authsift-junit.xml", "authsift.html"} <= set(
        outputs
    )
    outputs["scan.har"] = (tmp_path / "scan.har").read_text(encoding="utf-8")
    outputs["console"] = out_buffer.getvalue() + err_buffer.getvalue()
    outputs["console, unwrapped"] = _unwrapped(outputs["console"])
    outputs["journal"] = "\n".join(journal_copies)
    outputs["logs"] = "\n".join(  # the scanner's logs; the lab's own are the target's
        record.getMessage() for record in caplog.records if not record.name.startswith(_LAB)
    )
    assert journal_copies, "the scan made findings, so the journal was written"

    tokens = sorted({token for _, token in issued})
    secrets = _config_secrets(settings)
    leaks = {name: _leaks(text, tokens, secrets) for name, text in outputs.items()}
    summary = [f"{name}: {len(found)} leak(s), e.g. {found[:3]}" for name, found in leaks.items()]
    assert not any(leaks.values()), "\n".join(s for s in summary if " 0 leak" not in s)

    # Not clean by emptiness: the placeholders stand where the credentials were.
    report = json.loads(outputs["authsift.json"])
    by_check = {finding["check"]: json.dumps(finding) for finding in report["findings"]}
    assert "Bearer $ALICE_TOKEN" in outputs["authsift.json"]
    flipped = re.compile(r"\$[A-Z_]+_TOKEN\.signature \(1 character changed\)")
    assert flipped.search(by_check["jwt-signature-not-verified"])
    assert re.search(r"\$[A-Z_]+_TOKEN\.signature", by_check["jwt-serialization-confusion"])
    for name in ("scan.har", "authsift.html", "authsift.sarif", "authsift-junit.xml", "journal"):
        assert ".signature (1 character changed)" in outputs[name], name
    assert ".signature(1characterchanged)" in outputs["console, unwrapped"]
    for placeholder in ("$ALICE_TOKEN", "$ALICE_REFRESH_TOKEN", "$ALICE_ID_TOKEN"):
        assert placeholder in outputs["scan.har"], placeholder  # the login answers, redacted
    # Forgeries signed with a key the scanner recovered are the proof, and stay readable.
    proof = re.search(r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]{20,}", by_check["token-expired-accepted"])
    assert proof is not None and proof.group(0) not in tokens
