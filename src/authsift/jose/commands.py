"""``authsift jwt inspect|crack|forge``: the offline JWT toolkit (a typer sub-app).

A thin skin over ``jose``: every decision lives in ``lint``, ``crack``, ``sign`` and
``cli_support``. Malformed input exits 2 with one line on stderr, never a traceback; results
go to stdout so they can be piped, progress and notes to stderr.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from authsift.jose.candidates import DEFAULT_DIGITS, MAX_DIGITS, Source
from authsift.jose.cli_support import (
    display_secret,
    parse_assignment,
    resolve_key_bytes,
    signing_key_and_alg,
)
from authsift.jose.crack import (
    CrackResult,
    crack_sources,
    export_hashcat,
    export_john,
    john_format,
    plan_sources,
)
from authsift.jose.errors import JoseError
from authsift.jose.jws import assemble, b64url_encode, json_bytes, parse_compact
from authsift.jose.lint import lifetime_summary, lint_token
from authsift.jose.mask import parse_mask
from authsift.jose.sign import sign

app = typer.Typer(
    name="jwt",
    help="Offline JWT toolkit: inspect, crack HS* secrets, forge tokens.",
    no_args_is_help=True,
    add_completion=False,
)
_stderr = Console(stderr=True, highlight=False)


class ExportFormat(StrEnum):
    """External crackers we can hand a token to."""

    hashcat = "hashcat"
    john = "john"


def _fail(message: str, code: int = 2) -> typer.Exit:
    _stderr.print(f"error: {message}", markup=False, soft_wrap=True)
    return typer.Exit(code)


@app.command()
def inspect(
    token: Annotated[str, typer.Argument(help="The JWT (a leading 'Bearer ' is ignored).")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Decode header and claims, show the lifetime and lint the token offline."""
    try:
        parsed = parse_compact(token)
    except JoseError as exc:
        raise _fail(str(exc)) from None
    now = dt.datetime.now(dt.UTC)
    findings = lint_token(parsed, now)
    lifetime = lifetime_summary(parsed.payload, now)
    if as_json:
        document = {
            "header": parsed.header,
            "claims": parsed.payload,
            "signature_bytes": len(parsed.signature),
            "lifetime": lifetime,
            "findings": [
                {"code": f.code, "severity": str(f.severity), "message": f.message}
                for f in findings
            ],
        }
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    out = Console(highlight=False)
    out.print("[bold]Header[/bold]")
    out.print_json(json.dumps(parsed.header, ensure_ascii=False))
    out.print("[bold]Claims[/bold]")
    if parsed.payload is None:
        out.print(f"(not a JSON object: {len(parsed.payload_bytes)} bytes)")
    else:
        out.print_json(json.dumps(parsed.payload, ensure_ascii=False))
    out.print(f"[bold]Signature[/bold] {len(parsed.signature)} bytes")
    if lifetime:
        out.print("[bold]Lifetime[/bold]")
        for claim in ("iat", "nbf", "exp"):
            if claim in lifetime:
                entry = lifetime[claim]
                out.print(f"  {claim}: {entry['time'] or '-'}  ({entry['relative']})", markup=False)
        if "lifetime" in lifetime:
            out.print(f"  lifetime: {lifetime['lifetime']}", markup=False)
    table = Table("severity", "code", "finding", title="Findings", title_justify="left")
    for finding in findings:
        table.add_row(str(finding.severity), finding.code, finding.message)
    out.print(table if findings else "Findings: none")


_MASK_HELP = (
    "hashcat mask, one class per position (repeatable): ?d 0-9, ?l a-z, ?u A-Z, ?s symbols "
    "and space, ?a all of them, ?h/?H hex, ?b any byte, ?? a literal '?'; other characters "
    "stand for themselves. Example: 'acme?d?d?d?d' or '?u?l?l?l?l?d?d'."
)


@app.command(name="crack")
def crack_command(
    token: Annotated[str, typer.Argument(help="An HS256/HS384/HS512 JWT.")],
    wordlists: Annotated[
        list[Path] | None,
        typer.Option(
            "--wordlist", "-w", help="Wordlist file, plain or gzip (repeatable; streamed)."
        ),
    ] = None,
    masks: Annotated[list[str] | None, typer.Option("--mask", "-m", help=_MASK_HELP)] = None,
    digits: Annotated[
        int | None,
        typer.Option(
            "--digits",
            help=f"Try every digit string of 1 to N digits (0-{MAX_DIGITS}; default "
            f"{DEFAULT_DIGITS} with the built-in candidates, 0 with --no-builtin).",
        ),
    ] = None,
    about: Annotated[
        list[str] | None,
        typer.Option(
            "--about",
            help="A URL, host or product name ('https://api.acme.io', 'Acme Billing') to derive "
            "candidates such as acme-secret and Acme2024 from (repeatable; the token's iss and "
            "aud are always used).",
        ),
    ] = None,
    max_time: Annotated[
        float | None,
        typer.Option("--max-time", help="Give up after this many seconds.", min=0.1),
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Processes; 0 = all cores.")] = 0,
    export: Annotated[
        ExportFormat | None,
        typer.Option("--export", help="Print the line hashcat (-m 16500) or John takes, and exit."),
    ] = None,
    no_builtin: Annotated[
        bool,
        typer.Option(
            "--no-builtin",
            help="Skip the built-in candidates (curated secrets, common passwords, English "
            "words, derived words, digit strings): only your wordlists and masks.",
        ),
    ] = False,
) -> None:
    """Recover a weak HMAC secret, trying what an attacker tries first.

    Built-in candidates, in order: curated framework and tutorial secrets, words derived from
    the token's iss and aud (and --about), 30,000 common passwords, 49,160 English words, and
    every digit string of up to 6 digits (--digits). Then your wordlists, then your masks.
    """
    tried_so_far = [0]
    try:
        if export is ExportFormat.hashcat:
            typer.echo(export_hashcat(token))
            return
        if export is ExportFormat.john:
            typer.echo(export_john(token))
            _stderr.print(f"john --format={john_format(token)} --wordlist=WORDS FILE", markup=False)
            return
        paths = list(wordlists or [])
        for path in paths:
            if not path.is_file():
                raise JoseError(f"wordlist not found: {str(path)!r}")
        sources = plan_sources(
            token,
            paths,
            builtin=not no_builtin,
            digits=digits,
            masks=[parse_mask(mask) for mask in masks or []],
            about=list(about or []),
        )
        if not sources:
            raise JoseError("nothing to try: give --wordlist, --mask or --digits")
        result = _crack_with_progress(token, sources, jobs, max_time, tried_so_far)
    except JoseError as exc:
        raise _fail(str(exc)) from None
    except KeyboardInterrupt:
        raise _fail(f"interrupted after {tried_so_far[0]:,} candidates", code=130) from None
    rate = f"{result.tried:,} candidates in {result.seconds:.2f} s ({result.rate:,.0f} guesses/s)"
    if result.secret is None:
        typer.echo(f"not found in {result.tried:,} candidates")
        _stderr.print(
            f"tried {result.summary()}. {rate}. For big lists, `--export john` or "
            "`--export hashcat` runs several times faster per core.",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)
    typer.echo(f"secret: {display_secret(result.secret)}")
    _stderr.print(f"{rate}; tried {result.tried_summary}", markup=False, soft_wrap=True)


@app.command()
def forge(
    token: Annotated[str, typer.Argument(help="The JWT to start from.")],
    alg: Annotated[
        str | None, typer.Option("--alg", help="'none', or the algorithm to sign with.")
    ] = None,
    key: Annotated[
        str | None,
        typer.Option("--key", help="Secret or private key: literal, file:PATH or env:NAME."),
    ] = None,
    set_claims: Annotated[
        list[str] | None,
        typer.Option("--set", help="claim=value (JSON when it parses, else a string)."),
    ] = None,
    unset_claims: Annotated[
        list[str] | None, typer.Option("--unset", help="Claim to remove (repeatable).")
    ] = None,
) -> None:
    """Re-sign a token with changed claims, or strip its signature with --alg none."""
    try:
        parsed = parse_compact(token)
        if parsed.payload is None:
            raise JoseError("the payload is not a JSON object, so claims cannot be changed")
        claims: dict[str, Any] = dict(parsed.payload)
        for assignment in set_claims or []:
            name, value = parse_assignment(assignment)
            claims[name] = value
        for name in unset_claims or []:
            claims.pop(name, None)
        header = dict(parsed.header)
        if key is None:
            if alg is None or alg.lower() != "none":
                raise JoseError("give --alg none, or --key K (with an optional --alg)")
            # RFC 7518 §3.6: an Unsecured JWS has "the empty octet sequence" as its signature.
            header["alg"] = alg
            typer.echo(assemble(b64url_encode(json_bytes(header)), claims, b""))
            return
        signing_key, chosen_alg = signing_key_and_alg(resolve_key_bytes(key), alg)
        typer.echo(sign(header, claims, signing_key, chosen_alg))
    except JoseError as exc:
        raise _fail(str(exc)) from None


def _crack_with_progress(
    token: str,
    sources: list[Source],
    jobs: int,
    max_time: float | None,
    tried_so_far: list[int],
) -> CrackResult:
    """Run ``crack_sources`` under a rich progress bar on stderr (``tried_so_far[0]``: count)."""
    columns = (
        TextColumn("cracking"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[tried]:>12,} tried  {task.fields[rate]:>10,.0f}/s"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    # No auto-refresh thread: a single-threaded parent may fork its workers safely.
    with Progress(*columns, console=_stderr, transient=True, auto_refresh=False) as progress:
        task = progress.add_task("crack", total=None, tried=0, rate=0.0)
        started = dt.datetime.now(dt.UTC)

        def on_progress(tried: int, planned: int) -> None:
            tried_so_far[0] = tried
            elapsed = (dt.datetime.now(dt.UTC) - started).total_seconds() or 1e-9
            total = max(planned, tried)
            progress.update(
                task, total=total, completed=tried, tried=tried, rate=tried / elapsed, refresh=True
            )

        return crack_sources(token, sources, jobs=jobs, max_seconds=max_time, progress=on_progress)
