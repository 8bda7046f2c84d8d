"""authz-bfla-privileged-write (the intrusive half of CHECKS.md #23); the user-facing doc is the
class docstring."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._bfla_accounts import acts_on_accounts, canary_lock, canary_target
from authsift.checks.authz._bfla_callers import by_creation, declared, identities, strangers
from authsift.checks.authz._bfla_finding import bfla_finding
from authsift.checks.authz._bfla_owned import admins_create, creators, managed_why, owned_target
from authsift.checks.authz._bfla_probe import (
    Attempt,
    Probe,
    Result,
    action_bodies,
    gone,
    put_back,
    repeat_action,
    run_action,
    run_delete,
    run_update,
)
from authsift.checks.authz._bfla_targets import Acquired, creatable, created_object
from authsift.checks.authz._bfla_writes import WriteFunction, skip_reason, write_function
from authsift.checks.authz._disposable import declared_entries, disposable_target, hint
from authsift.checks.authz._matrix import privileged_hint
from authsift.checks.authz._objects import canary
from authsift.checks.base import Check, Context, Inconclusive
from authsift.model import Evidence, Family, Finding, Operation, Safety, Severity


class BflaPrivilegedWrite(Check):
    """Low-privilege caller performs a privileged state-changing function.

    ## What it checks
    Write and action functions that only a privileged identity should perform — `DELETE
    /products/{id}`, `PUT /users/{id}/role`, `POST /admin/accounts/{id}/suspend` — called by each
    non-privileged identity on a target of the scanner's own: an object the privileged identity
    creates for the purpose (where it may not create such objects — patients book appointments,
    the admin cancels them — one a user creates), or, for user management, a canary account
    signed up through the API's sign-up endpoint; where there is none, an existing object or
    account the operator declares disposable (`policy.disposable`, by the path parameters that
    address it; never a configured identity's own). The privileged identity reads the target
    before and after (a canary account also reads itself, `GET /me`, where the privileged view
    shows no account state); the function is also called by the privileged identity as a
    control. Everything created is deleted, every state changed is restored, and anything left
    behind is listed under `leftovers`. Intrusive: runs only with `checks.intrusive: true`.

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
    (`…/{id}/ban`, or a `PUT`/`PATCH` whose body holds only a `role`), that the spec marks
    privileged (admin tags, paths, scopes), that `policy.access` denies the caller, that is an
    administrative action on a user account (ban, suspend, deactivate, role…), or that acts on
    objects the caller is refused to create while the privileged identity may. Where no
    privileged identity may create such objects but users do, the object is a user's and the
    function is tried only as callers whose `GET` of it is refused (never its creator, an
    identity it refers to, or one that may read it: a relationship may grant the action).
    Operations that every identity, privileged ones included, performs on its own objects are
    object-level (`authz-bola-write`), not probed here, and a target that names a caller (its
    e-mail or id as recipient or assignee) is not tried as that caller. Vulnerable only when the
    read-back shows the object changed (stable fields, volatile ones masked) or gone after the
    low-privilege call; `certain` when reproduced on a restored or fresh target, and a change
    after a refusal (4xx) counts only when reproduced. Safe when every low-privilege call leaves
    the object unchanged and the privileged control changes it. Inconclusive, with the reason,
    when no target can be made (an account function on an API without sign-up says how to test
    it by hand), the read-back shows nothing, or even the control has no visible effect.
    Configured identities and existing users are never acted on, except an object the operator
    declares in `policy.disposable`: only actions are tried on it (never a delete), it is found
    through the GETs of the object, its collection or its parent (`GET /teams/{team_id}` listing
    its members), and it is restored the same way; without a sign-up or a declaration, the
    reason says how to declare one.
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
        if creatable(ctx, function):
            finding = await self._on_objects(ctx, function, admins, callers)
            if finding is not None:
                yield finding
            return
        said = declared(ctx, function, callers)
        if said is None:
            await by_creation(ctx, function, callers)  # raises: nothing to create and act on
            return
        async with canary_lock(ctx):
            acquired, admin = await _account_or_declared(ctx, function, admins, said[0])
            finding = await self._test(ctx, function, acquired, admin, *said, [])
        if finding is not None:
            yield finding

    async def _on_objects(
        self, ctx: Context, function: WriteFunction, admins: list[str], callers: list[str]
    ) -> Finding | None:
        """On an object the privileged identity creates; where none may, on one a user
        creates, tried only as the callers who may not read it (`_bfla_owned`)."""
        said = declared(ctx, function, callers)
        refusal: Inconclusive | None = None
        barred, why, gate = (*said, list[Evidence]()) if said else ([], "", [])
        if said is None:
            try:
                barred, why, gate = await by_creation(ctx, function, callers)
            except Inconclusive as exc:
                refusal = exc
        if refusal is None:
            for admin in admins:
                acquired = await created_object(ctx, function, admin)
                if acquired is not None:
                    return await self._test(ctx, function, acquired, admin, barred, why, gate)
        elif not await creators(ctx, function, callers) or await admins_create(
            ctx, function, admins
        ):
            raise refusal  # nobody makes them, or privileged identities too: object-level
        owned = await owned_target(ctx, function, admins, callers)
        if owned is None:
            raise refusal or Inconclusive(
                f"no identity ({', '.join([*admins, *callers])}) could create an object for "
                f"{function.operation.key} to act on (and read it back)"
            )
        acquired, admin, blind, evidence = owned
        tried = [c for c in blind if c in barred] if said else blind
        if not tried:
            await acquired.cleanup()
            raise Inconclusive(f"policy.access or the spec lets {', '.join(blind)} call it")
        why = said[1] if said else managed_why(acquired.owner or admin, tried)
        return await self._test(ctx, function, acquired, admin, tried, why, evidence)

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
            callers = strangers(ctx, acquired, callers)
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
            return bfla_finding(self, ctx, probe, acquired, result, repeat, why, gate)
        if result.control is None:
            raise Inconclusive(
                f"{admin}'s own call changed nothing visible to its read-back "
                f"({', '.join(r.key for r in observer.readers)}), so the refusal of "
                f"{', '.join(callers)} proves nothing; check that {admin} may call "
                f"{function.operation.key} and that a GET shows its effect"
            )
        return None  # every low-privilege call was without effect; the control worked


async def _account_or_declared(
    ctx: Context, function: WriteFunction, admins: list[str], callers: list[str]
) -> tuple[Acquired, str]:
    """A canary account the scanner signs up (user management), else an object the operator
    declares disposable (`policy.disposable`); Inconclusive, saying how to make it testable,
    when neither exists."""
    if acts_on_accounts(ctx, function):
        try:
            return await canary_target(ctx, function, admins[0], callers), admins[0]
        except Inconclusive as exc:
            refusal = str(exc)
    else:
        refusal = (
            f"nothing of the scanner's own to call {function.operation.key} on: its objects "
            "have no JSON create and delete operations, and the scanner never acts on existing "
            "ones unless told to"
        )
    found = await disposable_target(ctx, function, admins)
    if isinstance(found, tuple):
        return found
    raise Inconclusive(
        refusal + (f"; {found}" if declared_entries(ctx) else hint(function.template))
    )


async def _run(
    ctx: Context, function: WriteFunction, probe: Probe, callers: list[str], acquired: Acquired
) -> tuple[Result, Attempt | None]:
    if function.kind == "delete":
        result = await run_delete(probe, callers)
        if result.effect is None or not creatable(ctx, function):
            return result, None
        fresh = await created_object(ctx, function, probe.admin, acquired.owner)
        if fresh is None:
            return result, None
        try:
            again = Probe(ctx, function, fresh.target, fresh.observer, probe.admin, fresh.first)
            attempt = await again.call(result.effect.caller)
            return result, attempt if gone(again, attempt) else None
        finally:
            await fresh.cleanup()
    if function.kind == "update":  # the object is the scanner's and is deleted afterwards
        marker, fresh_marker = canary(), canary()
        probe.observer.written |= {marker, fresh_marker}
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
    keys = {normalized_key(function.param), "email", "username", "login"}  # what finds the object
    writable = [
        k
        for k, v in sent.items()
        if v in acquired.target.markers and (not properties or k in properties)
    ]
    field = next((k for k in writable if normalized_key(k) not in keys), None)
    if field is None:
        raise Inconclusive("no text field of the object that this operation writes")
    body = {field: marker} if function.operation.method == "PATCH" else {**sent, field: marker}
    return json.dumps(body).encode()
