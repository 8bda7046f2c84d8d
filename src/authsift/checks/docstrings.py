"""A check's docstring is its user-facing documentation: split into its `## Title` sections."""

from __future__ import annotations

import re


def doc_sections(doc: str) -> dict[str, str]:
    """The `## Title` sections of a check's docstring, title → text (the way ruff builds its rule
    pages from the rule's docstring)."""
    sections: dict[str, str] = {}
    title: str | None = None
    lines: list[str] = []
    for line in doc.splitlines():
        heading = re.match(r"^##\s+(.+?)\s*$", line)
        if heading:
            if title is not None:
                sections[title] = "\n".join(lines).strip()
            title, lines = heading.group(1), []
        elif title is not None:
            lines.append(line)
    if title is not None:
        sections[title] = "\n".join(lines).strip()
    return sections
