"""The access matrix read against what is expected, so the unexpected cells stand out.

The matrix (`checks/authz/_matrix.py`, `access_matrix` in the JSON report) records what each
caller got with its *own* request: alice asking for alice's order, carol for the admin listing.
So an "allowed" cell is, by construction, the owner reading its own data, and expected, unless:

- the operation is a privileged function and the caller is not privileged (a user, or anonymous,
  allowed on `/admin/users`); privileged means what the spec classification says
  (`privileged_operations`) or what the BFLA check proved; a privileged caller is a role in
  `privileged_roles` (`privileged_identities`, or the role `admin` in reports that predate it);
- an authorization finding names this caller on this operation (BOLA, unauthenticated access, a
  policy violation, a path-variant bypass…); such a cell links to the finding whatever its
  state. Findings of other families (a forged JWT accepted on `/me`) are about the token, not
  about who may call what, and stay out of the grid.

Anonymous callers allowed on an operation nobody flagged make the operation *public*. Everything
here is derived from the report's data, never from the network, and a malformed matrix is left
out rather than costing the reader the whole report.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from authsift.model import Family, Finding, IdentitySummary

logger = logging.getLogger(__name__)

ANONYMOUS = "anonymous"
STATES = frozenset({"allowed", "denied", "inconclusive"})
DEFAULT_PRIVILEGED_ROLES = frozenset({"admin"})
BFLA_CHECK = "authz-bfla-privileged-function"
ANONYMOUS_CALLER_CHECKS = frozenset({"authz-unauthenticated-access"})
"""Checks whose finding names the identity it compared with, while the caller is anonymous."""


@dataclass(frozen=True, slots=True)
class FindingLink:
    anchor: str
    check_id: str
    title: str
    accepted: bool = False


@dataclass(frozen=True, slots=True)
class MatrixCell:
    state: str  # allowed | denied | inconclusive | unknown
    verdict: str  # expected | unexpected | accepted | denied | inconclusive | unknown
    marker: str  # the words under the state: the text half of "colour and a text marker"
    note: str  # why, for the tooltip
    links: tuple[FindingLink, ...] = ()


@dataclass(frozen=True, slots=True)
class MatrixColumn:
    name: str
    role: str | None
    privileged: bool


@dataclass(frozen=True, slots=True)
class MatrixRow:
    operation: str
    privileged: bool
    public: bool
    cells: tuple[MatrixCell, ...]


@dataclass(frozen=True, slots=True)
class MatrixView:
    columns: tuple[MatrixColumn, ...]
    rows: tuple[MatrixRow, ...]

    @property
    def unexpected(self) -> int:
        return sum(cell.verdict == "unexpected" for row in self.rows for cell in row.cells)


def read_matrix(
    raw: object,
    identities: Sequence[IdentitySummary],
    findings: Iterable[tuple[Finding, FindingLink]],
) -> MatrixView | None:
    """The matrix of `extras["access_matrix"]` with every cell judged, or None if absent or
    malformed. `findings` pairs each finding (live and accepted) with the link to its card."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        logger.warning("access_matrix ignored: expected an object")
        return None
    names, rows = raw.get("identities"), raw.get("rows")
    if not isinstance(names, list) or not isinstance(rows, list):
        logger.warning("access_matrix ignored: needs 'identities' and 'rows' lists")
        return None
    pairs = list(findings)
    columns = _columns([str(name) for name in names], raw, identities, pairs)
    privileged_operations = _string_set(raw.get("privileged_operations")) | {
        f.operation.key for f, _ in pairs if f.check_id == BFLA_CHECK and f.operation
    }
    flags: dict[tuple[str, str], list[FindingLink]] = {}
    for finding, link in pairs:
        if finding.operation is not None and finding.family is Family.AUTHZ:
            for caller in _callers(finding):
                flags.setdefault((finding.operation.key, caller), []).append(link)
    view_rows: list[MatrixRow] = []
    for row in rows:
        if not isinstance(row, Mapping) or not isinstance(row.get("cells"), Mapping):
            logger.warning("access_matrix row ignored: %r", row)
            continue
        operation = str(row.get("operation", "?"))
        states = {str(k): str(v) for k, v in row["cells"].items()}
        privileged = operation in privileged_operations
        public = (
            not privileged
            and states.get(ANONYMOUS) == "allowed"
            and (operation, ANONYMOUS) not in flags
        )
        cells = tuple(
            _judge(
                states.get(column.name, ""),
                column,
                privileged=privileged,
                public=public,
                links=flags.get((operation, column.name), []),
            )
            for column in columns
        )
        view_rows.append(MatrixRow(operation, privileged, public, cells))
    return MatrixView(columns=columns, rows=tuple(view_rows))


def _judge(
    state: str,
    column: MatrixColumn,
    *,
    privileged: bool,
    public: bool,
    links: Sequence[FindingLink],
) -> MatrixCell:
    if state not in STATES:
        return MatrixCell("unknown", "unknown", "not probed", "no observation for this caller")
    live = tuple(link for link in links if not link.accepted)
    if live:
        checks = ", ".join(dict.fromkeys(link.check_id for link in live))
        marker = "finding" if len(live) == 1 else f"{len(live)} findings"
        return MatrixCell(state, "unexpected", marker, f"flagged by {checks}", live)
    if links:
        checks = ", ".join(dict.fromkeys(link.check_id for link in links))
        return MatrixCell(
            state, "accepted", "accepted", f"accepted finding: {checks}", tuple(links)
        )
    if state == "denied":
        return MatrixCell(state, "denied", "", "refused")
    if state == "inconclusive":
        return MatrixCell(state, "inconclusive", "", "the scan could not tell allowed from denied")
    if privileged and not column.privileged:
        who = "anonymous callers" if column.name == ANONYMOUS else "a non-privileged identity"
        note = f"{who} allowed on a privileged operation"
        return MatrixCell(state, "unexpected", "unexpected", note)
    if privileged:
        return MatrixCell(
            state, "expected", "privileged", "privileged identity, privileged function"
        )
    if public:
        return MatrixCell(state, "expected", "public", "anonymous callers are allowed too")
    return MatrixCell(state, "expected", "own data", "the caller's own request on its own data")


def _columns(
    names: list[str],
    raw: Mapping[str, object],
    identities: Sequence[IdentitySummary],
    pairs: Sequence[tuple[Finding, FindingLink]],
) -> tuple[MatrixColumn, ...]:
    roles = {identity.name: identity.role for identity in identities}
    listed = raw.get("privileged_identities")
    if isinstance(listed, list):
        privileged = _string_set(listed)
    else:  # a report from before the matrix named them: the default privileged_roles
        privileged = {name for name, role in roles.items() if role in DEFAULT_PRIVILEGED_ROLES}
    # the BFLA check's reference identity is privileged by definition
    privileged |= {f.victim for f, _ in pairs if f.check_id == BFLA_CHECK and f.victim}
    return tuple(
        MatrixColumn(name, roles.get(name), name != ANONYMOUS and name in privileged)
        for name in names
    )


def _callers(finding: Finding) -> set[str]:
    """The matrix columns a finding is about: its caller, and whoever the check says also got in."""
    if finding.check_id in ANONYMOUS_CALLER_CHECKS or finding.identity is None:
        callers = {ANONYMOUS}
    else:
        callers = {finding.identity}
    also = finding.details.get("also_reached_by")
    if isinstance(also, list | tuple):
        callers |= {str(name) for name in also}
    caller = finding.details.get("caller")
    if isinstance(caller, str):
        callers.add(caller)
    return callers


def _string_set(value: object) -> set[str]:
    return {str(item) for item in value} if isinstance(value, list) else set()
