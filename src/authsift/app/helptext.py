"""The `--help` epilogs: examples and the exit codes, where a user looks for them first.

Rich markup (typer renders epilogs with it). Lines stay under 78 characters so that the help reads
unwrapped in an 80-column terminal; anything in square brackets that is not markup is escaped.
"""

from __future__ import annotations

EXIT_CODES = """[bold]Exit codes[/]
  0  the scan ran; no finding at or above fail_on (default high)
  1  at least one finding at or above fail_on
  2  setup error: bad config, spec or flags, an identity that cannot log in
     or is not proven, an unreachable target"""

MAIN_EPILOG = f"""[bold]Examples[/]
  authsift demo                       scan the built-in lab, write reports
  authsift lab                        run the lab; it prints how to log in
  authsift init --spec http://127.0.0.1:8000/openapi.json
                                      write authsift.yaml from the spec
  authsift scan -c authsift.yaml --dry-run
                                      the plan and its request count
  authsift scan -c authsift.yaml      scan, print, write reports
  authsift checks                     every check (authsift explain ID: one)

{EXIT_CODES}

Every command takes -h / --help."""

# One line: typer keeps single line breaks, so rich wraps it to the terminal.
REPORTS = (
    "Reports go to --output DIR or report.dir (default authsift-report/); the previous run's "
    "reports there move to DIR/previous/ first, never silently overwritten. --format F "
    "--output FILE writes that one file."
)

SCAN_EPILOG = f"""[bold]Examples[/]
  authsift scan -c authsift.yaml --dry-run
  authsift scan -c authsift.yaml --fail-on medium --include authz
  authsift scan -c authsift.yaml --format json --output report.json
  authsift scan https://api.example.com --spec openapi.json \\
      -i alice:bearer:env:ALICE_TOKEN -i bob:bearer:env:BOB_TOKEN

{REPORTS}

{EXIT_CODES}"""

DEMO_EPILOG = (
    "[bold]Exit code[/]\n"
    "0 although the lab has findings: it is a demo. A real scan with these findings would "
    "exit 1 (fail_on: high). With --hardened: 0 when the twin is clean, 1 when it is not "
    "(a false positive to report).\n\n"
    "Reports go to --output (default authsift-demo/); a previous demo's move to "
    "OUTPUT/previous/, as a scan's do."
)

CHECKS_EPILOG = """[bold]Examples[/]
  authsift checks                    id, severity and title of every check
  authsift checks --json             every field, for scripts (jq, CI)
  authsift explain jwt-alg-none      one check's documentation"""
