"""The report's hygiene section: conformance remarks that are not findings.

Some observations are worth telling an operator but prove no breach on their own (an access
token not typed `at+jwt`, plain http on a loopback test deployment, a missing RFC 9207 `iss`
parameter). As findings they would bury the real ones on almost every API; here they are listed
once per check and subject, in every report format, without affecting the exit code.
"""

from __future__ import annotations

from authsift.checks.base import Context

_SHARED = "report.hygiene"
_SECTION = "hygiene"


def remember_hygiene(
    ctx: Context, *, check_id: str, subject: str, remark: str, reference: str
) -> None:
    """Add one remark (once per check and subject) to the report's hygiene section."""
    notes: list[dict[str, str]] = ctx.shared.setdefault(_SHARED, [])
    if not any(n["check"] == check_id and n["identity"] == subject for n in notes):
        notes.append(
            {"check": check_id, "identity": subject, "remark": remark, "reference": reference}
        )
    ctx.report_extra(_SECTION, list(notes))
