"""The access matrix: who may call what, as observed — operations × identities (and anonymous).

Every cell is `allowed`, `denied` or `inconclusive`, read off the shared per-(operation, identity)
baselines that the checks need anyway (CHECKS.md §1.2), so the grid costs no request of its own
beyond one baseline per identity and operation. The matrix lives on the scan-wide blackboard
(`ctx.shared`) because tasks run concurrently and each one only sees its own operation; every
update republishes the whole grid with `ctx.report_extra("access_matrix", ...)`, the format the
JSON report emits at top level and the HTML report draws as a grid.

The optional expected policy (`policy.access` in the config) is compared with the observed cells
by `expected_access`: patterns as in `operations.exclude`, values are roles or identity names.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from authsift.analysis import Baseline, Verdict
from authsift.analysis.wording import human_value
from authsift.checks.base import Context, Inconclusive
from authsift.model import Exchange, Operation
from authsift.spec.classify import looks_privileged, operation_matches

ANONYMOUS = "anonymous"
MATRIX_KEY = "authz.access_matrix"
REPORT_SECTION = "access_matrix"
# Policy values that stand for groups of callers rather than one role or identity name.
_EVERYONE = frozenset({"*", "any", "anyone", "everyone", "public"})
_AUTHENTICATED = frozenset({"authenticated", "any-authenticated", "signed-in", "users"})
# Spec security scopes that name a privileged function (`admin`, `users:admin`, `manage:all`).
_PRIVILEGED_SCOPE = re.compile(
    r"(^|[:._/-])(admin|internal|manage|management|staff|root)($|[:._/-])"
)


def privileged_hint(operation: Operation) -> str | None:
    """Why the spec marks `operation` as a privileged function, or None.

    Only a hint: CHECKS.md #23 says heuristic candidates "need an admin baseline".
    """
    if looks_privileged(operation):
        return "admin/internal tag or path"
    for alternative in operation.security or ():
        for scopes in alternative.values():
            for scope in scopes:
                if _PRIVILEGED_SCOPE.search(scope.lower()):
                    return f"privileged scope {human_value(scope)} in the spec"
    return None


class Access(enum.StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True, slots=True)
class Cell:
    """One caller's access to one operation, with the reason and the exchange that shows it."""

    access: Access
    reason: str
    exchange: Exchange | None = None
    baseline: Baseline | None = None  # the caller's usable baseline, when allowed


@dataclass(slots=True)
class AccessMatrix:
    """The grid for the whole scan; rows keyed by operation key ("GET /x")."""

    columns: tuple[str, ...]
    order: tuple[str, ...]  # operation keys in spec order, for a stable report
    rows: dict[str, dict[str, Cell]] = field(default_factory=dict)
    # what a reader needs to tell expected access from unexpected (the HTML report colours it):
    # callers whose role is privileged, and operations the spec marks as privileged functions
    privileged_callers: frozenset[str] = frozenset()
    privileged_operations: frozenset[str] = frozenset()

    def record(self, operation_key: str, caller: str, cell: Cell) -> None:
        self.rows.setdefault(operation_key, {})[caller] = cell

    def row(self, operation_key: str) -> Mapping[str, Cell]:
        return self.rows.get(operation_key, {})

    def as_report(self) -> dict[str, Any]:
        """`{"identities": [...], "rows": [{"operation", "cells"}], "privileged_identities": [...],
        "privileged_operations": [...]}`: the report's contract (the last two in column and row
        order)."""
        rank = {key: index for index, key in enumerate(self.order)}
        keys = sorted(self.rows, key=lambda key: (rank.get(key, len(rank)), key))
        return {
            "identities": list(self.columns),
            "rows": [
                {
                    "operation": key,
                    "cells": {
                        caller: self.rows[key][caller].access.value
                        for caller in self.columns
                        if caller in self.rows[key]
                    },
                }
                for key in keys
            ],
            "privileged_identities": [c for c in self.columns if c in self.privileged_callers],
            "privileged_operations": [k for k in keys if k in self.privileged_operations],
        }


def matrix_of(ctx: Context) -> AccessMatrix:
    """The scan's matrix, created on first use (the blackboard is shared by every task)."""
    existing = ctx.shared.get(MATRIX_KEY)
    if isinstance(existing, AccessMatrix):
        return existing
    matrix = AccessMatrix(
        columns=(*ctx.identities, ANONYMOUS),
        order=tuple(op.key for op in ctx.operations),
        privileged_callers=frozenset(name for name in ctx.identities if ctx.is_privileged(name)),
        privileged_operations=frozenset(op.key for op in ctx.operations if privileged_hint(op)),
    )
    ctx.shared[MATRIX_KEY] = matrix
    return matrix


async def observe(ctx: Context, operation: Operation) -> Mapping[str, Cell]:
    """Fill (and publish) the matrix row of a read-only operation: one cell per identity and one
    for anonymous callers. Baselines are cached per (operation, identity), so every check that
    calls this on the same operation shares the same requests."""
    if not operation.is_read_only:
        raise Inconclusive(f"{operation.key} changes state: not probed for the access matrix")
    matrix = matrix_of(ctx)
    cells = {name: await _identity_cell(ctx, operation, name) for name in ctx.identities}
    cells[ANONYMOUS] = _anonymous_cell(ctx, operation, cells)
    for caller, cell in cells.items():
        matrix.record(operation.key, caller, cell)
    ctx.report_extra(REPORT_SECTION, matrix.as_report())
    return cells


async def _identity_cell(ctx: Context, operation: Operation, name: str) -> Cell:
    try:
        base = await ctx.baseline(operation, name)
    except Inconclusive as failed:
        try:
            valid, _, _ = ctx.baseline_exchanges(operation, name)
        except Inconclusive:
            return Cell(Access.INCONCLUSIVE, str(failed))
        return _refused_or_unknown(ctx, valid, str(failed))
    valid, _, _ = ctx.baseline_exchanges(operation, name)
    refusal = ctx.calibration.looks_like_rejection(base.reference)
    if refusal is not None:
        return Cell(Access.DENIED, refusal, valid)
    return Cell(Access.ALLOWED, f"answered {base.reference.status}", valid, base)


def _refused_or_unknown(ctx: Context, exchange: Exchange, why: str) -> Cell:
    response = exchange.response
    if response is None:
        return Cell(Access.INCONCLUSIVE, why, exchange)
    if response.status in (401, 403):
        return Cell(Access.DENIED, f"answered {response.status}", exchange)
    refusal = ctx.calibration.looks_like_rejection(response)
    if refusal is not None:
        return Cell(Access.DENIED, refusal, exchange)
    return Cell(Access.INCONCLUSIVE, why, exchange)


def _anonymous_cell(ctx: Context, operation: Operation, cells: Mapping[str, Cell]) -> Cell:
    """Anonymous access, judged against the first identity that was allowed (its R_none is the
    anonymous request); with nobody allowed, only an explicit refusal says anything."""
    for name, cell in cells.items():
        if cell.baseline is None:
            continue
        _, none_exchange, _ = ctx.baseline_exchanges(operation, name)
        if cell.baseline.is_public:
            return Cell(Access.ALLOWED, f"answers like {name} without credentials", none_exchange)
        judgement = ctx.judge(none_exchange, cell.baseline)
        if judgement.verdict is Verdict.REJECTED:
            return Cell(Access.DENIED, judgement.reason, none_exchange)
        return Cell(Access.INCONCLUSIVE, judgement.reason, none_exchange)
    for name in cells:
        try:
            _, none_exchange, _ = ctx.baseline_exchanges(operation, name)
        except Inconclusive:
            continue
        return _refused_or_unknown(ctx, none_exchange, "no identity was allowed to compare with")
    return Cell(Access.INCONCLUSIVE, "no baseline was recorded")


# --------------------------------------------------------------------------- expected policy


def policy_rule(access_policy: Mapping[str, Any], operation: Operation) -> Sequence[str] | None:
    """The callers the policy lets call `operation`, or None when no pattern covers it.

    Patterns are read like a firewall's rule table: the first pattern (in config order) that
    matches the operation decides, so a specific rule is written above a broad one.
    """
    for pattern, allowed in access_policy.items():
        if operation_matches(str(pattern), operation.method, operation.path):
            if isinstance(allowed, str):
                return (allowed,)
            if isinstance(allowed, Sequence):
                return tuple(str(value) for value in allowed)
            return ()
    return None


def expected_access(rule: Sequence[str], caller: str, role: str | None) -> bool:
    """Whether `caller` (an identity name or `anonymous`) with `role` is meant to be allowed."""
    wanted = {value.strip().lower() for value in rule}
    if wanted & _EVERYONE or ANONYMOUS in wanted:
        return True
    if caller == ANONYMOUS:
        return False
    if wanted & _AUTHENTICATED:
        return True
    return caller.lower() in wanted or (role is not None and role.lower() in wanted)
