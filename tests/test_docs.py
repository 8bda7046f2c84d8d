"""Generated documentation is committed and current, and every check is documented."""

from __future__ import annotations

from pathlib import Path

from authsift.checks.base import registry
from scripts.gen_docs import expected_files

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = (
    "## What it checks",
    "## Why it matters",
    "## Example",
    "## Remediation",
    "## References",
)


def test_generated_docs_are_current() -> None:
    stale = [
        str(path.relative_to(ROOT))
        for path, text in expected_files(ROOT).items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    assert stale == [], "run `python scripts/gen_docs.py`"


def test_every_check_is_documented_and_tested() -> None:
    from authsift.checks import base

    assert not base._BROKEN, base._BROKEN  # every check module imports
    for check_id, check in registry().items():
        doc = check.doc()
        missing = [s for s in SECTIONS if s not in doc]
        assert not missing, f"{check_id} lacks {missing}"
        module_file = Path(__import__(check.__module__, fromlist=["x"]).__file__ or "")
        assert module_file.stem == check_id.replace("-", "_"), (
            f"{check_id} lives in {module_file.name}"
        )
        assert (ROOT / "tests" / "checks" / f"test_{module_file.stem}.py").is_file(), (
            f"{check_id} has no test"
        )
