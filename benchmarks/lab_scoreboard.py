"""The lab scoreboard: how much of the lab authsift finds, and what it wrongly reports.

Scans the lab with every flaw on, then the hardened twin, and prints per check family: flaws in
the lab, flaws found (a finding whose check id is the flaw id), missed, and false positives
(anything reported on the hardened twin, or a finding on the vulnerable lab that no flaw
explains). Each check family's work raises "found"; "false positives" must stay 0.

    python benchmarks/lab_scoreboard.py [--family authz]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

from authsift.app.demo import scan_lab
from authsift.checks.base import registry
from authsift.lab.flaws import FLAWS, LabSettings

FAMILIES = ("apikey", "jwt", "authz", "token", "rl", "oauth", "transport")


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Scan the lab and its hardened twin; score per family."
    )
    parser.add_argument("--family", choices=FAMILIES, help="Only this family's flaws and checks.")
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="Scan as the demo does (checks.intrusive: false); by default the state-changing "
        "checks run too: the lab is disposable and they clean up after themselves.",
    )
    parser.add_argument(
        "--no-noisy",
        action="store_true",
        help="Leave the noisy checks (brute force, spraying) off; by default they run, with "
        "abuse.max_attempts 45 to keep the scan short (the timing test needs 43).",
    )
    args = parser.parse_args()
    console = Console()
    quiet = Console(quiet=True)
    results = {}
    mode = "read-only" if args.read_only else "intrusive (state-changing checks included)"
    mode += "" if args.no_noisy else ", noisy checks on"
    console.print(f"mode: {mode}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, settings in (
            ("vulnerable", LabSettings.vulnerable()),
            ("hardened", LabSettings.hardened_twin()),
        ):
            started = time.perf_counter()
            outcome = scan_lab(
                settings,
                output=Path(tmp) / name,
                out=quiet,
                err=console,
                formats=["json"],
                quiet=True,
                overrides={
                    "checks.intrusive": not args.read_only,
                    "checks.noisy": not args.no_noisy,
                    "abuse.max_attempts": 45,
                },
            )
            if outcome.result is None:
                raise SystemExit(f"{name} scan failed: {outcome.error}")
            results[name] = outcome.result
            console.print(
                f"{name}: {outcome.result.stats.requests} requests "
                f"in {time.perf_counter() - started:.1f}s"
            )
    found = {f.check_id for f in results["vulnerable"].findings}
    unexplained = [f for f in results["vulnerable"].findings if f.check_id not in FLAWS]
    implemented = set(registry())
    table = Table("family", "flaws", "checks", "found", "missed", "false positives")
    totals = defaultdict(int)
    for family in FAMILIES:
        if args.family and family != args.family:
            continue
        flaws = [f for f in FLAWS if f.startswith(family + "-")]
        row = {
            "flaws": len(flaws),
            "checks": sum(1 for f in flaws if f in implemented),
            "found": sum(1 for f in flaws if f in found),
            "missed": sum(1 for f in flaws if f not in found),
            "fp": sum(
                1 for f in results["hardened"].findings if f.check_id.startswith(family + "-")
            )
            + sum(1 for f in unexplained if f.check_id.startswith(family + "-")),
        }
        for key, value in row.items():
            totals[key] += value
        table.add_row(family, *(str(row[k]) for k in ("flaws", "checks", "found", "missed", "fp")))
    table.add_row(
        "all", *(str(totals[k]) for k in ("flaws", "checks", "found", "missed", "fp")), style="bold"
    )
    console.print(table)
    missed_with_checks = sorted(f for f in FLAWS if f in implemented and f not in found)
    if missed_with_checks:
        console.print("implemented but missed: " + ", ".join(missed_with_checks))
    for finding in results["hardened"].findings:
        console.print(
            f"[red]false positive on the hardened twin:[/] {finding.check_id} {finding.operation}"
        )


if __name__ == "__main__":
    main()
