"""CONTRIBUTING.md's five steps for adding a check work as written, and touch neither the engine
nor the CLI: on a copy of the repository, a new check file and its test are written where the
steps say, the docs are regenerated with the steps' command, and the check is then registered,
listed by `authsift checks`, explained by `authsift explain ID`, documented, and run by a scan."""

from __future__ import annotations

import filecmp
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHECK_ID = "authz-null-bearer-accepted"
STEM = CHECK_ID.replace("-", "_")
COPIED = ("src", "scripts", "tests", "docs", "README.md", "CHECKS.md", "pyproject.toml")
IGNORED = shutil.ignore_patterns("__pycache__", ".hypothesis", ".pytest_cache", "*.pyc")

NEW_CHECK = '''"""authz-null-bearer-accepted: the example of tests/test_contributing.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.analysis import Verdict
from authsift.checks.base import Check, Context, Inconclusive
from authsift.model import Evidence, Family, Finding, Safety, Severity


class NullBearerAccepted(Check):
    """The literal token `null` is accepted as the identity.

    ## What it checks
    Sends the identity's request with `null` where its token goes.

    ## Why it matters
    A verifier that fails open on a JavaScript `null` lets anyone in as someone.

    ## Example
    `GET /me` with `Authorization: Bearer null` answers alice's profile.

    ## Remediation
    Reject every token your issuer did not mint.

    ## References
    CWE-287
    """

    id = "authz-null-bearer-accepted"
    title = "The token null is accepted"
    family = Family.AUTHZ
    severity = Severity.CRITICAL
    cwe = (287,)
    owasp = "API2:2023"
    safety = Safety.READ_ONLY
    needs = frozenset({"credential"})
    max_requests = 6
    expected_requests = 5
    remediation = "Reject every token your issuer did not mint."

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        base = await ctx.baseline()
        probe = ctx.with_credential(ctx.build(), "null")
        exchange = await ctx.send(probe)
        judgement = ctx.judge(exchange, base)
        if judgement.verdict is Verdict.INCONCLUSIVE:
            raise Inconclusive(judgement.reason)
        if judgement.verdict is Verdict.ACCEPTED and await ctx.confirm(probe, base):
            yield ctx.finding(
                self,
                description=f"`null` was accepted as {ctx.identity}: {judgement.reason}",
                evidence=[Evidence("request with the token null", exchange)],
            )
'''

NEW_TEST = '''"""authz-null-bearer-accepted: fires when the toy API fails open, silent otherwise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.apps.toy_api import ToyOptions, toy_config
from tests.checks.scanning import fired, scan_with
from tests.conftest import write_spec

CHECK = "authz-null-bearer-accepted"


@pytest.mark.usefixtures("toy_env")
def test_fires_when_null_is_let_in(tmp_path: Path, toy_server: Any) -> None:
    url, _ = toy_server(ToyOptions(fail_open=True))
    report = scan_with(tmp_path, toy_config(url, str(write_spec(tmp_path / "s.json"))), CHECK)
    assert (CHECK, "GET /me") in fired(report)


@pytest.mark.usefixtures("toy_env")
def test_silent_and_run_when_null_is_refused(tmp_path: Path, toy_server: Any) -> None:
    url, _ = toy_server(ToyOptions())
    report = scan_with(tmp_path, toy_config(url, str(write_spec(tmp_path / "s.json"))), CHECK)
    assert fired(report) == []
    assert report["tasks"]["passed"] >= 1
'''


def _steps() -> list[str]:
    """The numbered steps under "## Adding a check", each as one string."""
    text = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("## Adding a check", 1)[1].split("\n## ", 1)[0]
    return [m.group(0) for m in re.finditer(r"(?ms)^\d\. .*?(?=^\d\. |\Z)", section)]


def _path_in(step: str, prefix: str) -> str:
    """The step's backticked path starting with `prefix`, placeholders filled for our check."""
    found = re.search(rf"`({re.escape(prefix)}[^`]*\.py)`", step)
    assert found, f"no `{prefix}…` path in the step: {step}"
    path = found.group(1).replace("<id with _>", STEM)
    return re.sub(r"<family[^>]*>", "authz", path)


def _files(root: Path) -> dict[str, Path]:
    return {
        str(p.relative_to(root)): p
        for name in COPIED
        for p in ((root / name).rglob("*") if (root / name).is_dir() else [root / name])
        if p.is_file() and "__pycache__" not in p.parts and ".hypothesis" not in p.parts
    }


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=IGNORED)
        else:
            root.mkdir(exist_ok=True)
            shutil.copy(source, root / name)
    return root


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python …` in the copy, importing the copy's authsift (not the installed one)."""
    env = {**os.environ, "PYTHONPATH": str(root / "src"), "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow  # about 12 s: two pytest runs and two scans in subprocesses
def test_the_five_steps_add_a_check_without_touching_the_engine(copy: Path) -> None:
    steps = _steps()
    assert len(steps) == 5, steps
    # 1. the catalog is where the step says
    assert "`CHECKS.md` at the repository root" in steps[0] and (REPO / "CHECKS.md").is_file()
    # 2. and 3. one file, deciding with ctx.baseline / ctx.send / ctx.judge / ctx.confirm
    for call in ("ctx.baseline()", "ctx.send", "ctx.judge(", "ctx.confirm(", "ctx.finding("):
        assert call in steps[2] and call.rstrip("()") in NEW_CHECK
    check_file = copy / _path_in(steps[1], "src/authsift/checks/")
    assert check_file.parent.is_dir(), f"step 2 names a folder that does not exist: {check_file}"
    check_file.write_text(NEW_CHECK, encoding="utf-8")
    # 4. its test
    (copy / _path_in(steps[3], "tests/checks/test_")).write_text(NEW_TEST, encoding="utf-8")

    listed = _run(copy, "-m", "authsift", "checks", "--json")
    assert listed.returncode == 0, listed.stderr
    assert CHECK_ID in {row["id"] for row in json.loads(listed.stdout)}
    explained = _run(copy, "-m", "authsift", "explain", CHECK_ID)
    assert explained.returncode == 0, explained.stderr
    assert "The token null is accepted" in explained.stdout and "Why it matters" in explained.stdout

    # 5. "a test fails if you forget" to regenerate the docs, and passes once they are
    pytest_args = ("-m", "pytest", "-p", "no:cacheprovider", "tests/test_docs.py")
    forgot = _run(copy, *pytest_args)
    assert forgot.returncode != 0 and "gen_docs.py" in forgot.stdout, forgot.stdout
    command = re.search(r"`python (scripts/gen_docs\.py)`", steps[4])
    assert command, steps[4]
    generated = _run(copy, command.group(1))
    assert generated.returncode == 0, generated.stderr
    page = copy / "docs" / "checks" / f"{CHECK_ID}.md"
    assert page.is_file() and "## What it checks" in page.read_text(encoding="utf-8")
    passed = _run(copy, *pytest_args, f"tests/checks/test_{STEM}.py")
    assert passed.returncode == 0 and "4 passed" in passed.stdout, passed.stdout + passed.stderr

    # what changed: the check, its test and its docs, nothing else (no engine, no CLI, no wiring)
    before, after = _files(REPO), _files(copy)
    changed = {
        name
        for name, path in after.items()
        if name not in before or not filecmp.cmp(path, before[name], shallow=False)
    }
    assert changed == {
        f"src/authsift/checks/authz/{STEM}.py",
        f"tests/checks/test_{STEM}.py",
        f"docs/checks/{CHECK_ID}.md",
        "docs/checks/index.md",
    }
    assert set(before) <= set(after)
