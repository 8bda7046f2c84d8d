"""`authsift checks`: the catalogue of checks, as a table that reads at any terminal width.

Ids are what a user copies into `include`/`exclude` and `authsift explain`, so they are never
wrapped or cut; titles wrap. Below 120 columns the family (the id's prefix says it) and the needs
give way, and a state-changing check says so after its title.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text

from authsift.checks.base import registry

WIDE = 120


def check_rows() -> list[dict[str, Any]]:
    """One plain dict per check: the `--json` output and the table's source."""
    return [
        {
            "id": cid,
            "family": cls.family.value,
            "severity": cls.severity.value,
            "safety": cls.safety.value,
            "needs": sorted(cls.needs),
            "title": cls.title,
        }
        for cid, cls in registry().items()
    ]


def checks_table(rows: list[dict[str, Any]], width: int) -> Table:
    wide = width >= WIDE
    id_width = max((len(row["id"]) for row in rows), default=2)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, expand=False)
    table.add_column("id", no_wrap=True, min_width=id_width, style="bold")
    if wide:
        table.add_column("family", no_wrap=True)
    table.add_column("severity", no_wrap=True)
    if wide:
        table.add_column("safety", no_wrap=True)
        table.add_column("needs")
    table.add_column("title", overflow="fold", ratio=1)
    for row in rows:
        title = Text(row["title"])
        if wide:
            cells = [row["id"], row["family"], row["severity"], row["safety"]]
            cells += [", ".join(row["needs"])]
        else:
            if row["safety"] != "read-only":
                title.append(f" ({row['safety']})", style="dim")
            cells = [row["id"], row["severity"]]
        table.add_row(*(Text(cell) for cell in cells), title)
    table.caption = (
        "state-changing checks run only with --intrusive, noisy ones only with --noisy · "
        "authsift explain ID · authsift checks --json"
    )
    return table
