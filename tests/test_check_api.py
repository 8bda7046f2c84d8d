"""The check API's single sources: metadata from the docstring, one similarity threshold."""

from __future__ import annotations

import re
from pathlib import Path

from authsift.checks.base import doc_sections, registry

SRC = Path(__file__).resolve().parents[1] / "src" / "authsift"


def test_doc_sections_split_on_level_two_headings() -> None:
    doc = "Title.\n\n## Remediation\nDo this,\nthen that.\n\n## References\nRFC 1 · RFC 2\n"
    assert doc_sections(doc) == {
        "Remediation": "Do this,\nthen that.",
        "References": "RFC 1 · RFC 2",
    }


def test_remediation_and_references_come_from_the_docstring() -> None:
    for check_id, check in registry().items():
        sections = doc_sections(check.doc())
        assert check.remediation == " ".join(sections["Remediation"].split()), check_id
        assert check.references, check_id
        assert all(ref in sections["References"] for ref in check.references), check_id


def test_checks_neither_repeat_the_threshold_nor_set_the_task_identity() -> None:
    """The 0.90 of CHECKS.md §1.2 lives in analysis/similarity.py; a check that acts as someone
    else passes `identity=` per call instead of mutating the shared context."""
    offenders = []
    for path in (SRC / "checks").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        code = re.sub(r'"""[\s\S]*?"""', "", text)
        if re.search(r"\b0\.90?\b", code) or re.search(r"ctx\.identity\s*=", code):
            offenders.append(path.name)
    assert offenders == []
