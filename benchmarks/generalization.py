"""The generalization scoreboard: how much authsift finds on APIs it was not written against.

Starts every practice target — the ones in tests/targets/ (normal and hardened mode) and the
sparring targets of another team (default /work/shared/sparring, started with their run.sh) —
scans each with its own authsift.yaml (`authsift scan -c … --format json --output …`, intrusive
as configured), and matches the findings to the target's ground_truth.json:

- a flaw is *found* when a finding's check is one of the checks that cover the flaw's class
  (CLASS_CHECKS below) and its operation is the flaw's operation (API-wide classes such as a weak
  JWT secret match on the check alone);
- a flaw whose class has no implemented check yet is counted as *no check yet*, apart from the
  misses of existing checks;
- a finding on a decoy (`not_flaws`) operation, or any finding on a hardened target, is a *false
  positive*; a decoy with `between: [[identity, victim], …]` makes findings for those pairs
  false positives even on a flaw's operation (intended relationship access);
- every other finding is *unmatched* (listed, not scored).

For each missed flaw the scoreboard says why, from the report: the inconclusive or error reason of
the covering checks on that operation, the check's own reason for not applying to it, or "ran,
no finding". Each scan is bounded by its config's `limits.max_time`; every server started here is
stopped at the end, on Ctrl-C too. Everything binds and talks to 127.0.0.1 only.

    python benchmarks/generalization.py [--only tracker,clinic] [--no-sparring] [--no-hardened]
        [--no-verify] [--no-operator] [--no-noisy] [--sparring DIR] [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table

from authsift.checks.base import registry
from authsift.spec.loader import load_spec_bytes

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / "tests" / "targets"
SPARRING = Path(os.environ.get("AUTHSIFT_SPARRING", ROOT.parent / "shared" / "sparring"))
# What an operator adds to a sparring target's own config (declarations its authors did not
# write, such as policy.disposable): benchmarks/operator/NAME.yaml, deep-merged unless
# --no-operator. Local targets carry theirs in their own authsift.yaml.
OPERATOR = ROOT / "benchmarks" / "operator"

# Ground-truth flaw class → the authsift check ids (implemented or planned, CHECKS.md) that
# detect it. A class none of whose checks is implemented yet is "no check yet".
CLASS_CHECKS: dict[str, tuple[str, ...]] = {
    "bola": ("authz-bola-read", "authz-bola-list", "authz-bola-write"),
    "bfla": (
        "authz-bfla-privileged-function",
        "authz-bfla-privileged-write",
        "authz-bfla-method-override",
        "authz-access-policy-violation",
        # "any logged-in user cancels anyone's appointment" (CL-04) is also an object-level
        # write: one regular user's object changed by another, proven by the owner's read-back
        "authz-bola-write",
    ),
    "unauthenticated-access": ("authz-unauthenticated-access", "authz-access-policy-violation"),
    "mass-assignment-privilege": ("authz-bopla-mass-assignment",),
    "secret-in-response": (
        "authz-bopla-excessive-exposure",
        "transport-credential-exposure",
        "transport-debug-log-exposure",
    ),
    "jwt-weak-secret": ("jwt-weak-hmac-secret",),
    "token-long-lived": ("token-access-lifetime-excessive",),
    "token-no-expiry": ("token-access-lifetime-excessive",),
    "token-not-revoked-on-logout": ("token-not-revoked-on-logout",),
    "token-expiry-not-enforced": ("token-expired-accepted",),
    "token-not-revoked-on-password-change": ("token-not-revoked-on-password-change",),
    "token-privilege-change-not-reflected": ("token-privilege-change-not-reflected",),
    "refresh-token-no-expiry": ("token-refresh-lifetime-excessive",),
    "refresh-token-reuse": ("token-refresh-reuse-not-detected", "token-refresh-not-rotated"),
    "user-enumeration": ("rl-user-enum-response", "rl-user-enum-timing"),
    "user-enumeration-timing": ("rl-user-enum-timing",),
    "token-oracle": ("rl-token-guessing",),
    "unbounded-page-size": ("rl-resource-consumption",),
    "ratelimit-headers-malformed": ("rl-ratelimit-headers",),
    "no-rate-limit-login": ("rl-login-bruteforce-account", "rl-credential-stuffing-spray"),
    "rate-limit-bypass-xff": ("rl-bypass-forwarded-headers",),
    "rate-limit-bypass-variants": ("rl-bypass-request-variants",),
    "captcha-not-enforced": ("rl-captcha-not-enforced",),
    "otp-bruteforce": ("rl-otp-bruteforce",),
    "cors-credentials-reflect": ("transport-cors-credentialed-reflection",),
    "token-response-cacheable": ("transport-token-response-cacheable",),
    "www-authenticate-missing": ("transport-www-authenticate-conformance",),
    "cleartext-credentials": ("transport-cleartext-credentials",),
    # an endpoint missing from the spec that answers with data (anonymously, or a user gets the
    # admin's answer); a debug one serving tokens, logs or the environment is the stronger
    # finding and subsumes the other on the same operation, so either check matches either class
    "unlisted-endpoint": ("authz-unlisted-endpoint", "transport-debug-log-exposure"),
    "debug-endpoint-exposure": ("transport-debug-log-exposure", "authz-unlisted-endpoint"),
    "api-key-in-query": ("transport-credentials-in-query-accepted",),
    "apikey-sole-user-auth": ("apikey-sole-user-auth",),
    "apikey-scope-not-enforced": ("apikey-over-privileged",),
    "apikey-mutation-accepted": ("apikey-mutation-accepted",),
    "apikey-low-entropy": ("apikey-low-entropy",),
    "apikey-revocation-ineffective": ("apikey-revocation-ineffective",),
}
# Classes whose finding is about the API's tokens or headers as a whole, reported on whichever
# operation the check used: matched on the check alone.
API_WIDE = frozenset(
    {
        "jwt-weak-secret",
        "token-long-lived",
        "token-no-expiry",
        "token-not-revoked-on-logout",
        "token-expiry-not-enforced",
        "token-not-revoked-on-password-change",
        "token-privilege-change-not-reflected",
        "refresh-token-no-expiry",
        "refresh-token-reuse",
        "cors-credentials-reflect",
        "api-key-in-query",
        "www-authenticate-missing",
        "cleartext-credentials",
        "apikey-sole-user-auth",
        "apikey-mutation-accepted",
        "apikey-low-entropy",
        "apikey-revocation-ineffective",
    }
)
FAMILIES = ("authz", "jwt", "token", "rl", "transport", "apikey", "oauth")
NOISY = {"on": True}  # scans run the noisy checks too (`--noisy`) unless --no-noisy
START_TIMEOUT = 30.0
SCAN_MARGIN = 120.0  # seconds beyond the config's max_time before the scan is killed


@dataclass
class Run:
    """One target in one mode: how it is started, and what its scan showed."""

    name: str
    source: str  # "local" | "sparring"
    directory: Path
    hardened: bool
    truth: dict[str, Any]
    status: str = "pending"  # ok | skipped | error
    message: str = ""
    duration: float = 0.0
    requests: int = 0
    report: str = ""
    flaws: list[dict[str, Any]] = field(default_factory=list)
    false_positives: list[dict[str, Any]] = field(default_factory=list)
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    operator: list[str] = field(default_factory=list)  # keys benchmarks/operator/ added

    @property
    def label(self) -> str:
        return f"{self.name} (hardened)" if self.hardened and self.truth["flaws"] else self.name

    @property
    def is_hardened(self) -> bool:
        """A hardened twin, or a target that is hardened itself (no flaws in its ground truth)."""
        return self.hardened or not self.truth["flaws"]


class Servers:
    """Every server started by this run, stopped at the end whatever happens."""

    def __init__(self) -> None:
        self.children: list[subprocess.Popen[bytes]] = []
        self.detached: list[int] = []  # PIDs printed by sparring run.sh (not our children)

    def stop(self, pid: int) -> None:
        for child in self.children:
            if child.pid == pid:
                self.children.remove(child)
                child.terminate()
                try:
                    child.wait(5)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
                return
        if pid in self.detached:
            self.detached.remove(pid)
            _terminate_detached(pid)

    def stop_all(self) -> None:
        for pid in [c.pid for c in self.children] + list(self.detached):
            self.stop(pid)


def _terminate_detached(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            time.sleep(0.1)
            os.kill(pid, 0)
        os.kill(pid, signal.SIGKILL)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def start_local(run: Run, port: int, servers: Servers, logs: Path) -> int:
    log = (logs / f"{run.name}{'-hardened' if run.hardened else ''}-{port}.log").open("wb")
    argv = [sys.executable, "app.py", str(port), *(["--hardened"] if run.hardened else [])]
    child = subprocess.Popen(argv, cwd=run.directory, stdout=log, stderr=subprocess.STDOUT)
    servers.children.append(child)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"exited with {child.returncode}; see {log.name}")
        if answers(port):
            return child.pid
        time.sleep(0.2)
    raise RuntimeError(f"did not answer on 127.0.0.1:{port} within {START_TIMEOUT:.0f}s")


def start_sparring(run: Run, port: int, servers: Servers) -> int:
    script = run.directory.parent / "run.sh"
    try:
        done = subprocess.run(
            ["bash", str(script), run.name, str(port)],
            capture_output=True,
            text=True,
            timeout=900,  # the first call builds a venv from PyPI
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError("run.sh did not finish within 900s (venv build?)") from None
    if done.returncode != 0 or not done.stdout.strip().isdigit():
        raise RuntimeError("run.sh failed: " + (done.stderr.strip() or done.stdout.strip())[-400:])
    pid = int(done.stdout.strip())
    servers.detached.append(pid)
    return pid


def verify(run: Run, port: int) -> str | None:
    """Run the target's verify.py; None when its ground truth holds."""
    script = run.directory / "verify.py"
    if not script.exists():
        return None
    argv = [sys.executable, str(script), str(port)]
    if run.hardened:
        if run.source != "local":
            return None  # sparring verify scripts know one mode only
        argv.append("--hardened")
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return "verify.py did not finish within 300s"
    if done.returncode == 0:
        return None
    lines = done.stdout.splitlines()
    failed = [line for line in lines if line.startswith("FAIL")] or lines[-3:]
    return "verify.py failed: " + "; ".join(failed[:3] or [done.stderr.strip()[-300:]])


def merged(base: Any, extra: Any) -> Any:
    """`extra` deep-merged into `base` (mappings merged key by key; anything else replaced)."""
    if isinstance(base, dict) and isinstance(extra, dict):
        return {**base, **{k: merged(base.get(k), v) for k, v in extra.items()}}
    return extra


def scan(run: Run, port: int, work: Path, operator: bool = True) -> dict[str, Any]:
    text = (run.directory / "authsift.yaml").read_text().replace("${PORT}", str(port))
    addition = OPERATOR / f"{run.name}.yaml"
    if operator and run.source == "sparring" and addition.exists():
        extra = yaml.safe_load(addition.read_text()) or {}
        text = yaml.safe_dump(merged(yaml.safe_load(text), extra), sort_keys=False)
        run.operator = sorted(_dotted(extra))
    stem = f"{run.name}{'-hardened' if run.hardened else ''}"
    config, output, log = work / f"{stem}.yaml", work / f"{stem}.json", work / f"{stem}.log"
    config.write_text(text)
    limits = (yaml.safe_load(text) or {}).get("limits") or {}
    budget = float(limits.get("max_time", 900)) + SCAN_MARGIN
    argv = [sys.executable, "-m", "authsift", "scan", "-c", str(config)]
    argv += ["--format", "json", "--output", str(output)]
    argv += ["--noisy"] if NOISY["on"] else []
    started = time.monotonic()
    with log.open("wb") as sink:
        try:
            done = subprocess.run(argv, stdout=sink, stderr=subprocess.STDOUT, timeout=budget)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"scan exceeded {budget:.0f}s; log {log}") from None
    run.duration = time.monotonic() - started
    if done.returncode not in (0, 1) or not output.exists():
        tail = log.read_text(errors="replace").strip().splitlines()[-3:]
        raise RuntimeError(f"scan exited with {done.returncode}: {' | '.join(tail)}")
    run.report = str(output)
    report: dict[str, Any] = json.loads(output.read_text())
    return report


def _dotted(mapping: dict[str, Any], prefix: str = "") -> list[str]:
    keys: list[str] = []
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        keys += _dotted(value, f"{name}.") if isinstance(value, dict) and value else [name]
    return keys


# ------------------------------------------------------------------ matching


def op_key(operation: dict[str, Any] | None) -> str:
    return f"{operation['method']} {operation['path']}" if operation else "(API-wide)"


def same_operation(rule: dict[str, Any], operation: dict[str, Any] | None) -> bool:
    if operation is None:
        return False
    method_ok = fnmatch.fnmatchcase(operation["method"].upper(), str(rule["method"]).upper())
    path_ok = rule["path"] == "*" or rule["path"] == operation["path"]
    return method_ok and path_ok


def implemented(flaw_class: str) -> list[str]:
    return [c for c in CLASS_CHECKS.get(flaw_class, ()) if c in registry()]


def summary(finding: dict[str, Any]) -> dict[str, Any]:
    return {
        "check": finding["check"],
        "severity": finding["severity"],
        "operation": op_key(finding.get("operation")),
        "identity": finding.get("identity"),
        "victim": finding.get("victim"),
    }


def score(run: Run, report: dict[str, Any], spec: dict[str, Any] | None) -> None:
    truth = run.truth
    run.requests = int(report.get("stats", {}).get("requests", 0))
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for finding in report.get("findings", []):
        operation = finding.get("operation")
        pair = [finding.get("identity"), finding.get("victim")]
        intended = any(
            same_operation(d, operation) and pair in d.get("between", [])
            for d in truth["not_flaws"]
        )
        flaw = None if intended or run.is_hardened else _flaw_for(truth["flaws"], finding)
        if flaw is not None:
            found[flaw["id"]].append(summary(finding))
        elif (
            run.is_hardened
            or intended
            or any(same_operation(d, operation) and "between" not in d for d in truth["not_flaws"])
        ):
            run.false_positives.append(summary(finding))
        else:
            run.unmatched.append(summary(finding))
    if run.is_hardened:
        return  # a hardened twin has no flaw to find; only its false positives count
    for flaw in truth["flaws"]:
        checks = implemented(flaw["class"])
        entry = {
            "id": flaw["id"],
            "class": flaw["class"],
            "operation": f"{flaw['method']} {flaw['path']}",
            "checks": checks,
        }
        if found.get(flaw["id"]):
            entry |= {"status": "found", "by": found[flaw["id"]]}
        elif not checks:
            entry |= {"status": "no check yet", "why": list(CLASS_CHECKS.get(flaw["class"], ()))}
        else:
            entry |= {"status": "missed", "why": _why_missed(flaw, checks, report, spec)}
        run.flaws.append(entry)


def _flaw_for(flaws: list[dict[str, Any]], finding: dict[str, Any]) -> dict[str, Any] | None:
    for flaw in flaws:
        if finding["check"] not in CLASS_CHECKS.get(flaw["class"], ()):
            continue
        if flaw["class"] in API_WIDE or same_operation(flaw, finding.get("operation")):
            return flaw
    return None


def _why_missed(
    flaw: dict[str, Any], checks: list[str], report: dict[str, Any], spec: dict[str, Any] | None
) -> list[str]:
    reasons: list[str] = []
    for check in checks:
        tasks = [
            t
            for kind in ("inconclusive", "errors", "not_run")
            for t in report.get(kind, [])
            if t["check"] == check
            and (flaw["class"] in API_WIDE or same_operation(flaw, t.get("operation")))
        ]
        if tasks:
            reasons += [f"{check}: {t['outcome']}: {t['reason']}" for t in tasks[:2]]
            continue
        skipped = _not_applicable(check, flaw, spec)
        reasons.append(f"{check}: {skipped}" if skipped else f"{check}: ran, no finding")
    return reasons


_OPERATIONS: dict[int, dict[str, Any]] = {}


def _not_applicable(check: str, flaw: dict[str, Any], spec: dict[str, Any] | None) -> str | None:
    """The check's own reason for skipping the flaw's operation, when it gives one."""
    if spec is None:
        return None
    operations = _OPERATIONS.get(id(spec))
    if operations is None:
        try:
            parsed = load_spec_bytes(json.dumps(spec).encode(), source="openapi.json")
        except Exception:  # a spec authsift cannot read: no reason to give
            return None
        operations = {f"{o.method} {o.path}": o for o in parsed.operations}
        _OPERATIONS[id(spec)] = operations
    operation = operations.get(f"{flaw['method']} {flaw['path']}")
    if operation is None:
        return "operation not in the OpenAPI document" if flaw["path"] != "*" else None
    reason = registry()[check]().applies_to(operation)
    return f"skipped: {reason}" if reason else None


def fetch_spec(port: int) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.json", timeout=5) as r:
            loaded: dict[str, Any] = json.loads(r.read())
            return loaded
    except (OSError, ValueError):
        return None


# ------------------------------------------------------------------ planning and output


def discover(args: argparse.Namespace) -> Iterator[Run]:
    wanted = set(args.only.split(",")) if args.only else None
    sources = [("local", LOCAL)] + ([] if args.no_sparring else [("sparring", args.sparring)])
    for source, base in sources:
        if not base.is_dir():
            print(f"[{source}] {base} not found: skipped", file=sys.stderr)
            continue
        for directory in sorted(p for p in base.iterdir() if (p / "ground_truth.json").exists()):
            if wanted and directory.name not in wanted:
                continue
            truth = json.loads((directory / "ground_truth.json").read_text())
            yield Run(directory.name, source, directory, False, truth)
            if truth.get("hardened") and truth["flaws"] and not args.no_hardened:
                yield Run(directory.name, source, directory, True, truth)


def execute(
    run: Run,
    servers: Servers,
    work: Path,
    console: Console,
    check_truth: bool,
    operator: bool = True,
) -> None:
    port = free_port()
    console.print(f"[bold]{run.label}[/] ({run.source}) on 127.0.0.1:{port} …")
    try:
        if run.source == "local":
            pid = start_local(run, port, servers, work)
        else:
            pid = start_sparring(run, port, servers)
    except RuntimeError as exc:
        run.status = "skipped" if run.source == "sparring" else "error"
        run.message = f"could not start: {exc}"
        console.print(f"  [yellow]{run.status}[/]: {run.message}")
        return
    try:
        if check_truth and (problem := verify(run, port)):
            run.status, run.message = "error", problem
            console.print(f"  [red]error[/]: {problem}")
            return
        spec = fetch_spec(port)
        report = scan(run, port, work, operator)
        score(run, report, spec)
        run.status = "ok"
        if run.operator:
            console.print(f"  operator additions: {', '.join(run.operator)}")
        console.print(
            f"  scanned in {run.duration:.0f}s, {run.requests} requests, "
            f"{len(report.get('findings', []))} findings"
        )
    except RuntimeError as exc:
        run.status, run.message = "error", str(exc)
        console.print(f"  [red]error[/]: {exc}")
    finally:
        servers.stop(pid)


def family_of(check_or_class: str) -> str:
    check = CLASS_CHECKS.get(check_or_class, (check_or_class,))[0]
    prefix = check.split("-", 1)[0]
    return prefix if prefix in FAMILIES else "other"


def tally(runs: list[Run]) -> dict[str, Any]:
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for run in runs:
        for flaw in run.flaws:
            row = rows[family_of(flaw["class"])]
            row["flaws"] += 1
            row[
                {"found": "found", "missed": "missed", "no check yet": "no_check"}[flaw["status"]]
            ] += 1
        for finding in run.false_positives:
            rows[family_of(finding["check"])]["false_positives"] += 1
        for finding in run.unmatched:
            rows[family_of(finding["check"])]["unmatched"] += 1
    return {family: dict(row) for family, row in rows.items()}


def recall(found: int, with_check: int) -> str:
    return f"{found / with_check:.0%}" if with_check else "—"


def render(runs: list[Run], console: Console) -> dict[str, Any]:
    table = Table(
        "target",
        "flaws",
        "with check",
        "found",
        "recall",
        "no check yet",
        "false pos.",
        "unmatched",
        "time",
        "requests",
        title="per target",
    )
    totals: dict[str, float] = defaultdict(float)
    for run in runs:
        if run.status != "ok":
            table.add_row(run.label, f"[yellow]{run.status}[/]: {run.message[:60]}")
            continue
        flaws = len(run.flaws)
        found = sum(f["status"] == "found" for f in run.flaws)
        no_check = sum(f["status"] == "no check yet" for f in run.flaws)
        with_check = flaws - no_check
        values = {
            "flaws": flaws,
            "with_check": with_check,
            "found": found,
            "no_check": no_check,
            "fp": len(run.false_positives),
            "unmatched": len(run.unmatched),
        }
        for key, value in values.items():
            totals[key] += value
        totals["time"] += run.duration
        totals["requests"] += run.requests
        table.add_row(
            run.label,
            str(flaws),
            str(with_check),
            str(found),
            recall(found, with_check),
            str(no_check),
            str(values["fp"]),
            str(values["unmatched"]),
            f"{run.duration:.0f}s",
            str(run.requests),
        )
    table.add_row(
        "all",
        *(str(int(totals[k])) for k in ("flaws", "with_check", "found")),
        recall(int(totals["found"]), int(totals["with_check"])),
        *(str(int(totals[k])) for k in ("no_check", "fp", "unmatched")),
        f"{totals['time']:.0f}s",
        str(int(totals["requests"])),
        style="bold",
    )
    console.print(table)

    families = tally([r for r in runs if r.status == "ok"])
    by_family = Table(
        "family",
        "flaws",
        "with check",
        "found",
        "recall",
        "no check yet",
        "false pos.",
        "unmatched",
        title="per family",
    )
    for family in sorted(families, key=lambda f: FAMILIES.index(f) if f in FAMILIES else 99):
        row = families[family]
        with_check = row.get("flaws", 0) - row.get("no_check", 0)
        by_family.add_row(
            family,
            str(row.get("flaws", 0)),
            str(with_check),
            str(row.get("found", 0)),
            recall(row.get("found", 0), with_check),
            str(row.get("no_check", 0)),
            str(row.get("false_positives", 0)),
            str(row.get("unmatched", 0)),
        )
    console.print(by_family)

    for run in runs:
        if run.status != "ok":
            continue
        for flaw in run.flaws:
            if flaw["status"] == "found":
                by = "; ".join(f"{b['check']} {b['identity']}→{b['victim']}" for b in flaw["by"])
                console.print(
                    f"[green]found[/]   {run.label} {flaw['id']} {flaw['operation']}: {by}"
                )
            elif flaw["status"] == "missed":
                console.print(
                    f"[red]missed[/]  {run.label} {flaw['id']} ({flaw['class']}) "
                    f"{flaw['operation']}"
                )
                for why in flaw["why"]:
                    console.print(f"          {why}", highlight=False)
        for kind, items in (("false positive", run.false_positives), ("unmatched", run.unmatched)):
            for item in items:
                who = f" {item['identity']}→{item['victim']}" if item["victim"] else ""
                console.print(
                    f"[magenta]{kind}[/] {run.label}: {item['check']} ({item['severity']}) "
                    f"{item['operation']}{who}",
                    highlight=False,
                )
        no_check = [f["id"] for f in run.flaws if f["status"] == "no check yet"]
        if no_check:
            console.print(f"[dim]no check yet[/] {run.label}: {', '.join(no_check)}")
    return {
        "totals": {k: (round(v, 1) if k == "time" else int(v)) for k, v in totals.items()},
        "families": families,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="Comma-separated target names.")
    parser.add_argument("--no-sparring", action="store_true", help="Only tests/targets/.")
    parser.add_argument("--no-hardened", action="store_true", help="Skip the hardened twins.")
    parser.add_argument(
        "--no-verify", action="store_true", help="Do not run verify.py before scanning."
    )
    parser.add_argument(
        "--no-noisy",
        action="store_true",
        help="Scan without --noisy (no brute-force or spraying checks, whatever the configs say).",
    )
    parser.add_argument("--sparring", type=Path, default=SPARRING, help="Sparring targets folder.")
    parser.add_argument(
        "--no-operator",
        action="store_true",
        help="Sparring targets with their own config only (no benchmarks/operator/ additions).",
    )
    parser.add_argument("--out-dir", type=Path, help="Where configs, reports and logs go.")
    args = parser.parse_args()
    NOISY["on"] = not args.no_noisy
    console = Console(width=None if sys.stdout.isatty() else 150)
    work = args.out_dir or Path(tempfile.mkdtemp(prefix="authsift-generalization-"))
    work.mkdir(parents=True, exist_ok=True)
    servers = Servers()
    runs = list(discover(args))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with it ignored
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    try:
        for run in runs:
            execute(run, servers, work, console, not args.no_verify, not args.no_operator)
    except KeyboardInterrupt:
        console.print("[yellow]interrupted: stopping the servers[/]")
        runs = [r for r in runs if r.status != "pending"]
    finally:
        servers.stop_all()
    scored = render(runs, console)
    result = {
        "started_at": started,
        "authsift": _version(),
        "class_checks": {k: list(v) for k, v in CLASS_CHECKS.items()},
        **scored,
        "targets": [
            {
                "name": r.name,
                "source": r.source,
                "mode": "hardened" if r.is_hardened else "normal",
                "status": r.status,
                "message": r.message,
                "duration": round(r.duration, 1),
                "requests": r.requests,
                "report": r.report,
                "flaws": r.flaws,
                "false_positives": r.false_positives,
                "unmatched": r.unmatched,
                "operator_additions": r.operator,
            }
            for r in runs
        ],
    }
    path = work / "generalization.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    console.print(f"result: {path}")
    return 0


def _version() -> str:
    from importlib.metadata import version

    return version("authsift")


if __name__ == "__main__":
    sys.exit(main())
