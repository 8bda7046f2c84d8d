"""The command line: a thin typer skin over the workflow, the lab and the reports. No logic here."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from authsift import __version__
from authsift.app.helptext import CHECKS_EPILOG, DEMO_EPILOG, MAIN_EPILOG, SCAN_EPILOG

app = typer.Typer(
    name="authsift",
    help="Find the auth mistakes that lead to API breaches, and prove each finding.",
    epilog=MAIN_EPILOG,
    rich_markup_mode="rich",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},  # inherited by every command
)
from authsift.jose.commands import app as jwt_app  # noqa: E402  (the offline JWT toolkit)

app.add_typer(jwt_app, name="jwt", help="Offline JWT toolkit: inspect, crack, forge.")

out = Console()
err = Console(stderr=True)

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="authsift.yaml to use.")]


def _die(message: str, code: int = 2) -> typer.Exit:
    from authsift.app.workflow import print_error

    print_error(err, message)
    return typer.Exit(code)


def _split_names(values: list[str]) -> list[str]:
    """`--include authz,jwt` and `--include authz --include jwt` mean the same."""
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def _print_version(value: bool) -> None:
    if value:
        out.print(f"authsift {__version__}", highlight=False)
        raise typer.Exit(0)


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            help="Print the version and exit.",
            callback=_print_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Find the auth mistakes that lead to API breaches, and prove each finding."""


@app.command(epilog=SCAN_EPILOG)
def scan(
    target: Annotated[
        str | None, typer.Argument(help="Target URL (quick form, without a config file).")
    ] = None,
    config: ConfigOpt = None,
    spec: Annotated[str | None, typer.Option(help="OpenAPI file or URL.")] = None,
    identity: Annotated[
        list[str] | None,
        typer.Option(
            "--identity", "-i", help="NAME[@ROLE]:TYPE:… with secrets by reference (env:/file:)."
        ),
    ] = None,
    report_format: Annotated[
        list[str] | None,
        typer.Option("--format", "-f", help="console, json, sarif, junit, html (repeatable)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Report file (one format) or directory.")
    ] = None,
    fail_on: Annotated[str | None, typer.Option(help="info|low|medium|high|critical|none.")] = None,
    include: Annotated[
        list[str] | None, typer.Option(help="Check ids or families to run (authz, jwt, …).")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option(help="Check ids or families to skip.")
    ] = None,
    intrusive: Annotated[
        bool | None, typer.Option("--intrusive/--read-only", help="Allow state-changing probes.")
    ] = None,
    noisy: Annotated[
        bool,
        typer.Option(
            "--noisy",
            help="Run the noisy checks too (brute force, spraying, bursts); see abuse.* in config.",
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Print the plan and the request estimate; send nothing."),
    ] = False,
    baseline: Annotated[
        Path | None,
        typer.Option(help="Previous JSON report: report and fail only on new findings."),
    ] = None,
    ignore: Annotated[
        Path | None,
        typer.Option(help="Suppression file (default: authsift.ignore.yaml beside the config)."),
    ] = None,
    har: Annotated[
        Path | None, typer.Option(help="Write the scan's own traffic as HAR 1.2, redacted.")
    ] = None,
    proxy: Annotated[
        str | None, typer.Option(help="Send traffic through this proxy (Burp, ZAP, mitmproxy).")
    ] = None,
    insecure: Annotated[
        bool, typer.Option("--insecure", help="Do not verify TLS certificates.")
    ] = False,
    rate: Annotated[float | None, typer.Option(help="Requests per second.")] = None,
    max_requests: Annotated[int | None, typer.Option(help="Request budget.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No console summary.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show full evidence in the console.")
    ] = False,
) -> None:
    """Scan a live API with two or more identities and report what is broken, with proof."""
    from authsift.app.workflow import ScanJob, execute
    from authsift.config import ConfigError, config_from_cli, load_config

    overrides: dict[str, Any] = {}
    if report_format:
        overrides["report.formats"] = report_format
    if fail_on is not None:
        overrides["fail_on"] = fail_on
    if include:
        overrides["checks.include"] = _split_names(include)
    if exclude:
        overrides["checks.exclude"] = _split_names(exclude)
    if intrusive is not None:
        overrides["checks.intrusive"] = intrusive
    if noisy:
        overrides["checks.noisy"] = True
    if proxy is not None:
        overrides["proxy"] = proxy
    if insecure:
        overrides["tls.verify"] = False
    if rate is not None:
        overrides["limits.rate"] = rate
    if max_requests is not None:
        overrides["limits.max_requests"] = max_requests
    try:
        if config is not None:
            if not config.is_file():
                raise _die(f"config file not found: {config}")
            loaded = load_config(config)
            if target is not None:
                overrides["target"] = target
            if spec is not None:
                overrides["spec"] = spec
            loaded = loaded.override(overrides) if overrides else loaded
            base_dir = config.parent
        elif target is not None:
            loaded = config_from_cli(target, spec, identity or [], settings=overrides)
            base_dir = Path.cwd()
        else:
            raise _die("give a config file (-c authsift.yaml) or a target URL with --identity")
    except ConfigError as exc:
        raise _die(str(exc)) from None
    if dry_run:
        from authsift.app.dryrun import print_dry_run

        raise typer.Exit(print_dry_run(loaded, base_dir, out, err))
    job = ScanJob(
        config=loaded,
        config_dir=base_dir,
        output=output,
        baseline=baseline,
        ignore=ignore,
        har=har,
        quiet=quiet,
        verbose=verbose,
        progress=sys.stderr.isatty(),
    )
    raise typer.Exit(execute(job, out, err).exit_code)


@app.command(epilog=DEMO_EPILOG)
def demo(
    hardened: Annotated[
        bool, typer.Option("--hardened", help="Scan the hardened twin: expect nothing.")
    ] = False,
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="Where the reports go (a previous demo's: OUTPUT/previous/)."
        ),
    ] = Path("authsift-demo"),
) -> None:
    """Start the built-in lab, scan it with the bundled config, write reports, stop the lab.

    Exits 0 although the lab has findings: it is a demo (a real scan would exit 1)."""
    from authsift.app.demo import run_demo

    raise typer.Exit(run_demo(hardened=hardened, output=output, out=out, err=err))


@app.command()
def lab(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 = any free port).")] = 8000,
    hardened: Annotated[
        bool, typer.Option("--hardened", help="Every flaw off; everything done right.")
    ] = False,
    flaws: Annotated[
        str | None, typer.Option(help="Comma-separated flaw ids to switch on (others off).")
    ] = None,
    all_flaws: Annotated[bool, typer.Option("--all", help="Every flaw on (the default).")] = False,
    list_flaws: Annotated[
        bool, typer.Option("--list-flaws", help="Print every flaw id and exit.")
    ] = False,
) -> None:
    """Run the vulnerable-by-design lab API (and its hardened twin) on 127.0.0.1.

    Prints its lab-only accounts and a quickstart that scans it."""
    from authsift.lab.flaws import FLAWS, LabSettings, UnknownFlawError

    if list_flaws:
        width = max(len(k) for k in FLAWS)
        for flaw_id, description in FLAWS.items():
            out.print(f"{flaw_id:<{width}}  {description}", highlight=False, soft_wrap=True)
        raise typer.Exit(0)
    if sum([hardened, flaws is not None, all_flaws]) > 1:
        raise _die("choose one of --hardened, --flaws, --all")
    try:
        if hardened:
            settings = LabSettings.hardened_twin()
        elif flaws is not None:
            settings = LabSettings.only({f.strip() for f in flaws.split(",") if f.strip()})
        else:
            settings = LabSettings.vulnerable()
    except UnknownFlawError as exc:
        raise _die(f"{exc} (see authsift lab --list-flaws)") from None
    from authsift.app.quickstart import lab_guide
    from authsift.lab.server import LabStartupError, serve

    def on_listening(base_url: str) -> None:
        for line in lab_guide(settings, base_url):
            out.print(line, soft_wrap=True, highlight=False)

    try:
        serve(settings, port, on_listening)
    except LabStartupError as exc:
        raise _die(str(exc)) from None


@app.command("checks", epilog=CHECKS_EPILOG)
def list_checks(
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="JSON on stdout, one object per check: id, family, severity, safety, needs, "
            "title.",
        ),
    ] = False,
) -> None:
    """List every check: id, severity and title (safety, family and needs on wide terminals)."""
    from authsift.app.catalog import check_rows, checks_table

    rows = check_rows()
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    out.print(checks_table(rows, out.width))


@app.command()
def explain(
    check_id: Annotated[str, typer.Argument(help="A check id, e.g. authz-unauthenticated-access.")],
) -> None:
    """Print a check's documentation."""
    from rich.markdown import Markdown

    from authsift.checks.base import registry

    checks = registry()
    if check_id not in checks:
        import difflib

        close = difflib.get_close_matches(check_id, list(checks), n=3, cutoff=0.7)
        hint = f"did you mean {' or '.join(close)}?" if close else "see `authsift checks`"
        raise _die(f"unknown check {check_id!r} ({hint})")
    cls = checks[check_id]
    out.print(Markdown(f"# {cls.id}: {cls.title}\n\n" + cls.doc()))


@app.command()
def init(
    spec: Annotated[
        str,
        typer.Option(help="OpenAPI file or URL to read endpoints and schemes from."),
    ],
    target: Annotated[
        str | None,
        typer.Option(
            help="Target base URL. Default: from a spec URL (its origin and server path), "
            "else http://127.0.0.1:8000."
        ),
    ] = None,
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("authsift.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter config guessed from the spec."""
    from authsift.app.quickstart import InitError, write_starter

    try:
        starter = write_starter(spec, target, output, force=force)
    except InitError as exc:
        raise _die(str(exc)) from None
    out.print(
        f"wrote {starter.path} for the API at {starter.target} ({starter.target_source})",
        soft_wrap=True,
        highlight=False,
    )
    steps = ["check the identities' usernames"]
    if starter.variables:
        steps.append(f"export {' '.join(v + '=…' for v in starter.variables)}")
    steps.append(f"run: authsift scan -c {starter.path} --dry-run")
    out.print("next: " + "; ".join(steps), soft_wrap=True, highlight=False)


@app.command("config-schema")
def config_schema() -> None:
    """Print the JSON Schema of authsift.yaml (for editor completion)."""
    from authsift.config import config_json_schema

    sys.stdout.write(json.dumps(config_json_schema(), indent=2) + "\n")


@app.command()
def version() -> None:
    """Print the version."""
    out.print(f"authsift {__version__}")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    app()
