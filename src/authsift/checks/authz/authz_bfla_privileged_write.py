"""authz-bfla-privileged-write (the intrusive half of CHECKS.md #23); the user-facing doc is the
class docstring."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from authsift.analysis import is_strong_marker, loads_or_none
from authsift.checks.authz._bfla_callers import candidates, identities
from authsift.checks.authz._bfla_probe import (
    Attempt,
    Probe,
    Result,
    action_bodies,
    put_back,
    repeat_action,
    run_action,
    run_delete,
    run_update,
)
from authsift.checks.authz._bfla_targets import (
    Acquired,
    acts_on_accounts,
    canary_lock,
    canary_target,
    creatable,
    created_object,
)
from authsift.checks.authz._bfla_writes import WriteFunction, normal, skip_reason, write_function
from authsift.checks.authz._matrix import privileged_hint
from authsift.checks.authz._objects import canary
from authsift.checks.authz._readback import MASK
from authsift.checks.base import Check, Context, Inconclusive
from authsift.model import Confidence, Evidence, Family, Finding, Operation, Safety, Severity


class BflaPrivilegedWrite(Check):
    """Low-privilege caller performs a privileged state-changing function.

    ## What it checks
    Write and action functions that only a privileged identity should perform — `DELETE
    /products/{id}`, `PUT /users/{id}/role`, `POST /admin/accounts/{id}/suspend` — called by each
    non-privileged identity on a target of the scanner's own: an object the privileged identity
    creates for the purpose, or, for user management, a canary account signed up through the
    API's sign-up endpoint. The privileged identity reads the target before and after; the
    function is also called by the privileged identity as a control. Everything created is
    deleted, every state changed is restored, and anything left behind is listed under
    `leftovers`. Intrusive: runs only with `checks.intrusive: true`.

    ## Why it matters
    A handler that checks "signed in" but not "may do this" lets every user delete the catalogue,
    suspend other accounts or grant roles (OWASP API5:2023, Broken Function Level Authorization).
    Read-only scans miss it: the listing is protected, the action is not.

    ## Example
    bob (role user) sends `POST /admin/users/7/ban` → `200`; the admin's `GET /admin/users` now
    shows the canary account 7 with `banned: true`.

    ## Remediation
    Check the caller's role or permission in every state-changing handler (or on the router
    that holds them), deny by default, and test the refusal for each non-privileged role.

    ## References
    OWASP API5:2023 · ASVS 5.0 V8.2.1 · ASVS 4.0.3 V4.1.3 · WSTG-ATHZ-03 · CWE-285, CWE-862

    ## Decision rule
    CHECKS.md #23, "a state change is observed", read conservatively. Candidates: a write to one
    object (`DELETE`, or `PUT`/`PATCH` when the spec marks it privileged) or an action on it
    (`…/{id}/ban`), that the spec marks privileged (admin tags, paths, scopes), that
    `policy.access` denies the caller, that is an administrative action on a user account (ban,
    suspend, deactivate, role…), or that acts on objects the caller is refused to create while
    the privileged identity may. Operations that every identity performs on its own objects are
    object-level (`authz-bola-write`), not probed here, and a target that names a caller (its
    e-mail or id as recipient or assignee) is not tried as that caller. Vulnerable only when the
    privileged identity's read-back shows the object changed (stable fields, volatile ones
    masked) or gone after the low-privilege call; `certain` when reproduced on a restored or
    fresh target, and a change after a refusal (4xx) counts only when reproduced. Safe when
    every low-privilege call leaves the object unchanged and the privileged control changes it.
    Inconclusive, with the reason, when no target can be made, the read-back shows nothing, or
    even the control has no visible effect. Configured identities and existing users are never
    acted on.
    """

    id = "authz-bfla-privileged-write"
    title = "Low-privilege caller performs a privileged write (BFLA)"
    family = Family.AUTHZ
    severity = Severity.CRITICAL
    cwe = (285, 862)
    owasp = "API5:2023"
    safety = Safety.STATE_CHANGING
    needs = frozenset({"admin"})
    max_requests = 60
    # 13 per task on the lab's config, 4.5 on the one `authsift init` writes (measured with
    # benchmarks/estimate_accuracy.py --intrusive): the mean, so both stay within ±20 %
    expected_requests = 9
    baselines = "none"

    def applies_to(self, operation: Operation) -> str | None:
        return skip_reason(operation, privileged_hint(operation) is not None)

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        operation = ctx.operation
        assert operation is not None
        function = write_function(operation)
        assert function is not None
        admins, callers = await identities(ctx)
        callers, why, gate = await candidates(ctx, function, callers)
        if creatable(ctx, function):
            for admin in admins:
                acquired = await created_object(ctx, function, admin)
                if acquired is not None:
                    finding = await self._test(ctx, function, acquired, admin, callers, why, gate)
                    if finding is not None:
                        yield finding
                    return
            raise Inconclusive(
                f"no privileged identity ({', '.join(admins)}) could create an object for "
                f"{operation.key} to act on (and read it back)"
            )
        if not acts_on_accounts(ctx, function):
            raise Inconclusive(
                f"nothing of the scanner's own to call {operation.key} on: its objects have no "
                "JSON create and delete operations, and the scanner never acts on existing ones"
            )
        admin = admins[0]
        async with canary_lock(ctx):
            acquired = await canary_target(ctx, function, admin)
            finding = await self._test(ctx, function, acquired, admin, callers, why, gate)
        if finding is not None:
            yield finding

    async def _test(
        self,
        ctx: Context,
        function: WriteFunction,
        acquired: Acquired,
        admin: str,
        callers: list[str],
        why: str,
        gate: list[Evidence],
    ) -> Finding | None:
        observer = acquired.observer
        try:
            callers = _strangers(ctx, acquired, callers)
            second = await observer.read()
            observer.learn(acquired.first, second)
            probe = Probe(ctx, function, acquired.target, observer, admin, second)
            result, repeat = await _run(ctx, function, probe, callers, acquired)
        finally:
            await acquired.cleanup()
        effect = result.effect
        if effect is not None:
            status = effect.exchange.status or 0
            if repeat is None and not 200 <= status < 400:
                raise Inconclusive(
                    f"the object changed after {effect.caller}'s call although it answered "
                    f"{status}, and the change could not be reproduced: it may have changed by "
                    "itself; re-run the scan, or check the object's history"
                )
            return self._finding(ctx, probe, acquired, result, repeat, why, gate)
        if result.control is None:
            raise Inconclusive(
                f"{admin}'s own call changed nothing visible to its read-back "
                f"({', '.join(r.key for r in observer.readers)}), so the refusal of "
                f"{', '.join(callers)} proves nothing; check that {admin} may call "
                f"{function.operation.key} and that a GET shows its effect"
            )
        return None  # every low-privilege call was without effect; the control worked

    def _finding(
        self,
        ctx: Context,
        probe: Probe,
        acquired: Acquired,
        result: Result,
        repeat: Attempt | None,
        why: str,
        gate: list[Evidence],
    ) -> Finding:
        effect = result.effect
        assert effect is not None and result.before is not None
        op = probe.function.operation
        changes = "; ".join(f"{k}: {a} → {b}" for k, a, b in _listed(effect))
        evidence = [
            *acquired.evidence,
            *gate,
            Evidence(f"{probe.admin} reads it before", result.before.shown),
            Evidence(f"{effect.caller} calls {op.key}", effect.exchange),
            Evidence(f"{probe.admin} reads it after", effect.after.shown, changes),
        ]
        if repeat is not None:
            evidence.append(Evidence(f"{effect.caller} again, after restoring", repeat.exchange))
        again = ""
        if repeat is not None:
            again = (
                " Reproduced on a second object."
                if probe.function.kind == "delete"
                else " Reproduced after restoring the object."
            )
        return ctx.finding(
            self,
            identity=effect.caller,
            description=(
                f"{effect.caller} (role {ctx.role(effect.caller) or 'none'}) called {op.key} on "
                f"{acquired.origin} (answered {effect.exchange.status}), and {probe.admin}'s "
                f"read-back shows the effect: {changes}. Why only privileged identities should "
                f"call it: {why}.{again}"
            ),
            evidence=evidence,
            confidence=Confidence.CERTAIN if repeat is not None else Confidence.FIRM,
            severity=Severity.CRITICAL,
            victim=probe.admin,
            reproduce=effect.exchange,
            details={
                "function": probe.function.kind,
                "verb": probe.function.verb,
                "privileged_because": why,
                "privileged_identity": probe.admin,
                "target": acquired.origin,
                "changes": {k: [a, b] for k, a, b in _listed(effect)},
                "refused": {a.caller: a.exchange.status for a in result.refused},
                "reproduced": repeat is not None,
            },
        )


async def _run(
    ctx: Context, function: WriteFunction, probe: Probe, callers: list[str], acquired: Acquired
) -> tuple[Result, Attempt | None]:
    if function.kind == "delete":
        result = await run_delete(probe, callers)
        if result.effect is None or not creatable(ctx, function):
            return result, None
        fresh = await created_object(ctx, function, probe.admin)
        if fresh is None:
            return result, None
        try:
            again = Probe(ctx, function, fresh.target, fresh.observer, probe.admin, fresh.first)
            attempt = await again.call(result.effect.caller)
            return result, attempt if attempt.after.gone else None
        finally:
            await fresh.cleanup()
    if function.kind == "update":  # the object is the scanner's and is deleted afterwards
        marker, fresh_marker = canary(), canary()
        probe.body = _update_body(function, acquired, marker)
        control = probe.body.replace(marker.encode(), fresh_marker.encode())
        return await run_update(probe, callers, marker, control), None
    try:
        probe.body, probe.restore_body = action_bodies(ctx, function, probe.admin, probe.before)
        result = await run_action(probe, callers)
        repeat = None
        if result.effect is not None:
            repeat = await repeat_action(probe, result.effect.caller)
        return result, repeat
    finally:
        await put_back(probe, acquired.origin)


def _update_body(function: WriteFunction, acquired: Acquired, marker: str) -> bytes:
    """The object's creation body (PUT) or one free text field (PATCH) set to `marker`."""
    sent = acquired.sent
    schema = function.operation.request_body.schema if function.operation.request_body else {}
    properties = schema.get("properties") or {}
    keys = {normal(function.param), "email", "username", "login"}  # what finds the object
    writable = [
        k
        for k, v in sent.items()
        if v in acquired.target.markers and (not properties or k in properties)
    ]
    field = next((k for k in writable if normal(k) not in keys), None)
    if field is None:
        raise Inconclusive("no text field of the object that this operation writes")
    body = {field: marker} if function.operation.method == "PATCH" else {**sent, field: marker}
    return json.dumps(body).encode()


def _strangers(ctx: Context, acquired: Acquired, callers: list[str]) -> list[str]:
    """Callers the target does not name: an object addressed to a caller (its id or e-mail as
    recipient or assignee) is partly theirs, and acting on it may be their right."""
    state = next((s for s in acquired.first.states if s), {})
    values = {str(loads_or_none(v.encode())).lower() for v in state.values() if v != MASK}

    def names(caller: str) -> bool:  # strong markers only: never a bare `1`
        return any(m.lower() in values for m in ctx.markers(caller) if is_strong_marker(m))

    named = [c for c in callers if names(c)]
    if len(named) == len(callers):
        raise Inconclusive(
            f"the target ({acquired.origin}) names {', '.join(named)}: acting on it may be "
            "their right"
        )
    return [c for c in callers if c not in named]


def _listed(effect: Attempt) -> list[tuple[str, str, str]]:
    return [(k, a, b) for k, (a, b) in sorted(effect.changes.items())][:6]
