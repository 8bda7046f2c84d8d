"""authz-access-policy-violation: the observed access matrix against the expected policy
(issue #5 item 5); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from authsift.checks.authz._matrix import (
    ANONYMOUS,
    Access,
    Cell,
    expected_access,
    observe,
    policy_rule,
)
from authsift.checks.base import Check, Context, NotApplicable
from authsift.model import Confidence, Evidence, Family, Finding, Operation, Severity


class AccessPolicyViolation(Check):
    """Observed access differs from the expected access policy.

    ## What it checks
    Builds the access matrix — every read-only operation × every configured identity and
    anonymous callers, each cell `allowed`, `denied` or `inconclusive` — and publishes it in the
    JSON report (`access_matrix`) and as a grid in the HTML report. When the config states who may
    call what (`policy.access: {"GET /admin/*": [admin], "GET /orders*": [user, admin]}`; patterns
    as in `operations.exclude`, values are roles or identity names, `anonymous`, `authenticated`
    or `*`; the first matching pattern decides), every cell that contradicts it is reported.

    ## Why it matters
    Authorization bugs are deviations from an intended policy; a scanner that knows the policy
    can check every cell of it instead of guessing which functions are privileged (OWASP
    API5:2023, API1:2023).

    ## Example
    Policy `GET /admin/*: [admin]`, observed: alice (role user) is allowed `GET /admin/users`.

    ## Remediation
    Enforce the stated policy in one place (route-level role or permission checks, deny by
    default), or correct the policy if the observed access is intended.

    ## References
    OWASP API5:2023, API1:2023 · ASVS 5.0 V8.1.1, V8.2.1 · CWE-285

    ## Decision rule
    A cell is `allowed` only when the identity's baseline is usable (2xx, stable on two sends)
    and is not a refusal in disguise (login redirect, 200 with an error body, soft 404);
    `denied` on 401/403 or a disguised refusal; anything else is `inconclusive` and never
    reported. Anonymous is `allowed` only when the no-credential answer ≈ an identity's answer.
    Allowed where the policy does not allow it → high (critical for anonymous callers); denied
    where the policy allows it → low. Without `policy.access` the check only builds the matrix.
    State-changing operations are not probed (a baseline would perform the write), so policy
    patterns that only cover them are not checked.
    """

    id = "authz-access-policy-violation"
    title = "Observed access contradicts the expected access policy"
    family = Family.AUTHZ
    severity = Severity.HIGH
    cwe = (285,)
    owasp = "API5:2023"
    needs = frozenset({"credential"})
    max_requests = 24  # one baseline (4 requests) per identity; shared with other checks
    expected_requests = 0  # the matrix reuses the baselines of every identity
    baselines = "all"

    def applies_to(self, operation: Operation) -> str | None:
        if not operation.is_read_only:
            return "state-changing operations are not probed for the access matrix"
        return None

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        operation = ctx.operation
        assert operation is not None
        cells = await observe(ctx, operation)
        access_policy = ctx.facts.policy.get("access") or {}
        if not isinstance(access_policy, Mapping) or not access_policy:
            raise NotApplicable("the config states no access policy (`policy.access`)")
        rule = policy_rule(access_policy, operation)
        if rule is None:
            raise NotApplicable("no `policy.access` rule names this operation")
        for caller, cell in cells.items():
            role = None if caller == ANONYMOUS else ctx.role(caller)
            permitted = expected_access(rule, caller, role)
            if cell.access is Access.ALLOWED and not permitted:
                yield self._deviation(ctx, operation, caller, cell, rule, allowed=True)
            elif cell.access is Access.DENIED and permitted:
                yield self._deviation(ctx, operation, caller, cell, rule, allowed=False)

    def _deviation(
        self,
        ctx: Context,
        operation: Operation,
        caller: str,
        cell: Cell,
        rule: Sequence[str],
        *,
        allowed: bool,
    ) -> Finding:
        who = "anonymous callers" if caller == ANONYMOUS else f"{caller} (role {ctx.role(caller)})"
        expected = ", ".join(rule) or "nobody"
        if allowed:
            title = "Caller allowed where the access policy denies it"
            description = (
                f"{who} may call {operation.key} ({cell.reason}), but the access policy allows "
                f"only: {expected}."
            )
            severity = Severity.CRITICAL if caller == ANONYMOUS else Severity.HIGH
        else:
            title = "Caller denied where the access policy allows it"
            description = (
                f"{who} is refused {operation.key} ({cell.reason}), but the access policy allows: "
                f"{expected}."
            )
            severity = Severity.LOW
        details: dict[str, Any] = {
            "observed": cell.access.value,
            "expected": "allowed" if not allowed else "denied",
            "policy": list(rule),
            "caller": caller,
        }
        evidence = (
            [Evidence(f"request as {caller}", cell.exchange, cell.reason)] if cell.exchange else []
        )
        return ctx.finding(
            self,
            identity=None if caller == ANONYMOUS else caller,
            title=title,
            description=description,
            evidence=evidence,
            confidence=Confidence.FIRM,
            severity=severity,
            reproduce=cell.exchange,
            details=details,
        )
