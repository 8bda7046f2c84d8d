"""authz-bfla-privileged-function (CHECKS.md #23); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

from authsift.analysis import Judgement, Verdict
from authsift.analysis.wording import human_list
from authsift.checks.authz._matrix import ANONYMOUS, Access, Cell, observe, privileged_hint
from authsift.checks.base import Check, Context, Inconclusive, NotApplicable
from authsift.model import (
    Confidence,
    Evidence,
    Exchange,
    Family,
    Finding,
    Operation,
    ParamLocation,
    Severity,
)


class BflaPrivilegedFunction(Check):
    """Low-privilege caller reaches an admin function.

    ## What it checks
    Builds the access matrix of every read-only operation (each configured identity's baseline and
    the anonymous one) and, on operations the spec marks as privileged (admin/internal tags,
    `/admin`-style paths, privileged security scopes) that the privileged identity really can use,
    sends the privileged identity's own request as each non-privileged identity. State-changing
    functions are probed by `authz-bfla-privileged-write` (intrusive).

    ## Why it matters
    Function-level authorization that stops at "is signed in" lets every user list all accounts,
    export data or reconfigure the service (OWASP API5:2023, Broken Function Level Authorization).

    ## Example
    `GET /admin/users` as alice (role user) → `200 OK` with every account, the same answer the
    admin carol gets.

    ## Remediation
    Deny by default and check the caller's role or permission in every privileged handler (or in
    one middleware keyed on the route, never on the raw path). Keep admin functions on their own
    router with the role check attached to the router.

    ## References
    OWASP API5:2023 · ASVS 5.0 V8.2.1 · ASVS 4.0.3 V4.1.3, V13.1.4 · WSTG-ATHZ-03 · CWE-285

    ## Decision rule
    CHECKS.md #23. Only operations with a usable, credential-dependent baseline as a privileged
    identity are candidates; a spec hint without one is reported inconclusive ("unverified
    candidate"), never as a finding. A non-privileged identity's answer to the privileged request
    must be *accepted* by the shared judge against the privileged baseline (2xx, same status,
    similarity ≥ 0.90 with it and < 0.90 with the rejected answers, the privileged answer's
    markers present) and reproduce twice with junk controls rejected. When anonymous callers get
    the same answer it is unauthenticated access (`authz-unauthenticated-access`), not reported
    here. The request is the privileged identity's, so a user reading an object of their own is
    never taken for a privileged function.
    """

    id = "authz-bfla-privileged-function"
    title = "Low-privilege caller reaches an admin function (BFLA)"
    family = Family.AUTHZ
    severity = Severity.CRITICAL
    cwe = (285, 862)
    owasp = "API5:2023"
    needs = frozenset({"admin"})
    max_requests = 24
    expected_requests = 1
    baselines = "all"

    def applies_to(self, operation: Operation) -> str | None:
        if not operation.is_read_only:
            return "state-changing: probed by authz-bfla-privileged-write (intrusive)"
        return None

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        operation = ctx.operation
        assert operation is not None
        cells = await observe(ctx, operation)  # fills the access matrix for every operation
        hint = privileged_hint(operation)
        if hint is None:
            raise NotApplicable("not a privileged function by the spec (admin tag, path or scope)")
        admin, admin_cell = _privileged_reference(ctx, cells)
        if admin is None or admin_cell is None or admin_cell.baseline is None:
            raise Inconclusive(
                f"unverified candidate ({hint}): no privileged identity has a usable baseline"
            )
        base = admin_cell.baseline
        if not base.depends_on_auth:
            raise Inconclusive("the privileged answer does not depend on the credential")
        if cells[ANONYMOUS].access is Access.ALLOWED:
            raise NotApplicable(
                "anonymous callers get it too: authz-unauthenticated-access decides it"
            )
        request = ctx.build(operation, as_identity=admin)
        reached: list[tuple[str, Exchange, Judgement]] = []
        for user in ctx.identities:
            if ctx.is_privileged(user):
                continue
            if cells[user].access is Access.DENIED and not _has_params(operation):
                continue  # the same request already refused this user: a SAFE cell
            exchange = await ctx.send(request, identity=user)
            judgement = ctx.judge(exchange, base)
            if judgement.verdict is Verdict.ACCEPTED:
                reached.append((user, exchange, judgement))
        for user, exchange, judgement in reached:
            if not await ctx.confirm(request, base, identity=user):
                continue
            others = [name for name, _, _ in reached if name != user]
            yield self._finding(ctx, operation, hint, admin, user, exchange, judgement, others)
            return

    def _finding(
        self,
        ctx: Context,
        operation: Operation,
        hint: str,
        admin: str,
        user: str,
        exchange: Exchange,
        judgement: Judgement,
        others: list[str],
    ) -> Finding:
        admin_exchange, none_exchange, _ = ctx.baseline_exchanges(operation, admin)
        also = f" So did {human_list(others, quote=False, limit=8)}." if others else ""
        return ctx.finding(
            self,
            identity=user,
            description=(
                f"{operation.key} is a privileged function ({hint}) and {user} "
                f"(role {ctx.role(user) or 'none'}) performs it like {admin} "
                f"(role {ctx.role(admin)}): {judgement.reason}. Confirmed twice with junk "
                f"controls rejected; anonymous callers are refused.{also}"
            ),
            evidence=[
                Evidence(f"privileged request as {admin}", admin_exchange),
                Evidence("same request without credentials (refused)", none_exchange),
                Evidence(f"same request as {user}", exchange, judgement.reason),
            ],
            confidence=Confidence.CERTAIN,
            severity=Severity.CRITICAL,
            victim=admin,
            reproduce=exchange,
            details={
                "hint": hint,
                "privileged_identity": admin,
                "also_reached_by": others,
                "similarity": round(judgement.sim_valid, 3),
                "markers": sorted(judgement.markers_found),
            },
        )


def _privileged_reference(
    ctx: Context, cells: Mapping[str, Cell]
) -> tuple[str | None, Cell | None]:
    for name in ctx.identities:
        if ctx.is_privileged(name) and cells[name].access is Access.ALLOWED:
            return name, cells[name]
    return None, None


def _has_params(operation: Operation) -> bool:
    return any(p.location is ParamLocation.PATH for p in operation.parameters)
