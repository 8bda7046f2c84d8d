"""token-privilege-change-not-reflected (CHECKS.md #35); the user-facing doc is the class
docstring."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from authsift.analysis import exchange_json
from authsift.checks.authz._canary_accounts import Session, log_in
from authsift.checks.base import Check, Context, CoveredElsewhere, Inconclusive
from authsift.checks.lifecycle._canary import (
    CanaryPair,
    accepted,
    account_pair,
    account_turn,
    cleanup,
    refused,
)
from authsift.checks.lifecycle._role_change import account_id, raise_role, role_operation
from authsift.checks.lifecycle._sessions import revocation_window
from authsift.model import (
    Confidence,
    Evidence,
    Family,
    Finding,
    HttpRequest,
    Operation,
    Safety,
    Severity,
)

_WINDOW = 60.0  # CHECKS.md §2: a revocation must take effect within 60 s
_DISABLE = re.compile(r"(^|/)(disable|deactivate|suspend|lock|block|ban)(/|$)", re.I)


def disable_operations(ctx: Context) -> list[Operation]:
    """Admin functions that disable one account named in the path: `POST /users/{id}/disable`
    and alike, then `DELETE /users/{id}`-like deletions of one account."""
    disable = [
        op
        for op in ctx.operations
        if op.method in ("POST", "PUT", "PATCH") and "{" in op.path and _DISABLE.search(op.path)
    ]
    delete = [
        op
        for op in ctx.operations
        if op.method == "DELETE"
        and re.search(r"/(users|accounts|members|customers|people)/\{[^}]+\}/?$", op.path)
    ]
    return disable + delete


class TokenPrivilegeChangeNotReflected(Check):
    """A lowered role, or a disabled or deleted account, is not enforced on existing tokens.

    ## What it checks
    Works on the operator's disposable account (`lifecycle.accounts`) or on a canary account
    it signs up — never on a scan identity — and acts on it only with the id read from that
    account's own record. Where the API has an admin function setting one account's role
    (`PUT /users/{id}/role`), the admin identity raises the account to the admin's role, the
    account logs in and reaches an admin-only read, the admin lowers the role back, and the
    token from the raised login is replayed on that read at once and 60 s later. Otherwise,
    on a canary only, the admin disables it (`POST /users/{id}/disable` and alike, else deletes
    it); a fresh login must now be refused, and the canary's earlier token is replayed on the
    operation that showed its account.

    ## Why it matters
    Lowering a role or disabling an account is how an organisation cuts off a fired employee
    or a compromised user. If tokens issued before keep their power, the cut-off happens only
    when they expire — weeks later for long-lived tokens (ASVS 5.0 V8.3.2, V7.4.2).

    ## Example
    `PUT /admin/users/5/role {"role": "user"}` as the admin → `200`; `GET /admin/users` with
    user 5's token from when it was an admin → `200` with every account.

    ## Remediation
    Read the account's current role and state on every request (not from the token), or keep
    tokens short and revoke the account's sessions and refresh tokens when an admin changes
    it.

    ## References
    ASVS 5.0 V8.3.2, V7.4.2 · CWE-613

    ## Decision rule
    CHECKS.md #35 and §2 ("rejected by 60 s pass"). Role: medium when the token from the
    raised login is still *accepted* on the admin-only read (the shared judge, against the
    admin's baseline, reproduced with anonymous controls refused) 60 s after the role was put
    back; safe when refused by then. Disable or delete: high when the canary's earlier token
    still answers with its own account 60 s after the change while a fresh login of it is
    refused. Inconclusive without an admin identity, such an admin function, a sign-up or a
    disposable account, or when a step does not take (the role is always put back).
    """

    id = "token-privilege-change-not-reflected"
    title = "Privilege change not reflected on existing tokens"
    family = Family.TOKEN
    severity = Severity.HIGH
    cwe = (613,)
    owasp = "API5:2023"
    safety = Safety.STATE_CHANGING
    needs = frozenset({"admin"})
    granularity = "api"
    baselines = "none"
    max_requests = 20
    expected_requests = 10

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        if ctx.shared.setdefault("token.privilege_change.owner", id(ctx)) != id(ctx):
            raise CoveredElsewhere("one canary account answers for the whole API")
        async with account_turn(ctx):
            found = [finding async for finding in self._changed(ctx)]
        for finding in found:
            yield finding

    async def _changed(self, ctx: Context) -> AsyncIterator[Finding]:
        admins = [n for n in ctx.identities if ctx.is_privileged(n)]
        functions = disable_operations(ctx)
        if not admins or not (functions or role_operation(ctx)):
            raise Inconclusive(
                "needs an admin identity and an admin operation that sets one account's role "
                "(PUT /users/{id}/role) or disables or deletes it (POST /users/{id}/disable)"
            )
        pair = await account_pair(ctx)
        if role_operation(ctx) is not None:
            async for finding in self._lowered(ctx, pair, admins[0]):
                yield finding
            return
        if pair.disposable:
            raise Inconclusive(
                "the disposable account is only changed where it can be changed back (a role); "
                "disabling or deleting it is tried on canary accounts only"
            )
        record = exchange_json(pair.before)
        try:
            change = await _disable(ctx, pair, admins[0], functions, record)
            if change is None:
                raise Inconclusive(
                    "no admin operation disabled the canary account (a fresh login of it still "
                    "worked after each, or each was refused)"
                )
            operation, answer = change
            at = time.time()
            replay = pair.second.authorize(ctx, ctx.build(pair.whoami))
            first = await ctx.send(replay)
            if refused(ctx, first):
                return
            if not accepted(ctx, pair.canary, first):
                raise Inconclusive(
                    f"the replay answered {first.status}: neither the account nor a refusal"
                )
            await asyncio.sleep(max(0.0, at + revocation_window(ctx, _WINDOW) - time.time()))
            late = await ctx.send(replay)
            if refused(ctx, late):
                return
            anonymous = ctx.with_credential(ctx.build(pair.whoami), None, pair.first.template)
            holds = await ctx.reproduces(
                replay,
                lambda e: accepted(ctx, pair.canary, e),
                control=lambda: anonymous,
                control_holds=lambda e: not accepted(ctx, pair.canary, e),
            )
            if not (accepted(ctx, pair.canary, late) and holds):
                raise Inconclusive("the replay after the change did not reproduce")
        finally:
            await cleanup(ctx, pair.way, pair.first)
        waited = int(time.time() - at)
        what = "deleted" if operation.method == "DELETE" else "disabled"
        yield ctx.finding(
            self,
            identity=admins[0],
            title=f"{what.capitalize()} account's tokens still accepted",
            description=(
                f"{admins[0]} {what} the canary account through {operation.key} and a fresh "
                f"login of it was refused, yet its earlier token was still accepted on "
                f"{pair.whoami.key} {waited} s later."
            ),
            evidence=[
                Evidence("the canary's token before the change", pair.before),
                Evidence(f"{operation.key} as {admins[0]}", answer),
                Evidence(f"the same token {waited} s later", late, "the canary's own account"),
            ],
            confidence=Confidence.FIRM,
            reproduce=late,
            details={"change": operation.key, "window_seconds": waited},
            api_wide=True,
        )

    async def _lowered(self, ctx: Context, pair: CanaryPair, admin: str) -> AsyncIterator[Finding]:
        """CHECKS.md #35 as written: the account holds the higher role, an admin lowers it,
        the token it got while raised is replayed on the admin-only read at 0 and 60 s."""
        try:
            raised = await raise_role(ctx, pair, admin)
        except Inconclusive:
            if not pair.disposable:
                await cleanup(ctx, pair.way, pair.first)
            raise
        base = raised.base
        try:
            lowered = await ctx.send(raised.lower, identity=admin)
            if lowered.response is None or not 200 <= lowered.response.status < 300:
                raise Inconclusive(f"{raised.change.key} refused to put the role back")
            at = time.time()
            replay = raised.session.authorize(ctx, ctx.build(raised.probe, as_identity=admin))
            first = await ctx.send(replay)
            if ctx.judge(first, base).rejected:
                return
            await asyncio.sleep(max(0.0, at + revocation_window(ctx, _WINDOW) - time.time()))
            late = await ctx.send(replay)
            if not ctx.judge(late, base).accepted:
                if ctx.judge(late, base).rejected:
                    return
                raise Inconclusive(
                    f"the replay answered {late.status}: neither accepted nor refused"
                )
            anonymous = ctx.with_credential(replay, None, pair.first.template)
            if not await ctx.reproduces(
                replay,
                lambda e: ctx.judge(e, base).accepted,
                control=lambda: anonymous,
                control_holds=lambda e: ctx.judge(e, base).rejected,
            ):
                raise Inconclusive("the replay after the role change did not reproduce")
        finally:
            await ctx.send(raised.lower, identity=admin)  # the original role, whatever happened
            if not pair.disposable:
                await cleanup(ctx, pair.way, pair.first)
        waited = int(time.time() - at)
        whose = (
            f"the disposable account {pair.canary.username}"
            if pair.disposable
            else "a canary account"
        )
        yield ctx.finding(
            self,
            identity=admin,
            title="Lowered role still in effect on existing tokens",
            description=(
                f"{admin} raised {whose} to {ctx.role(admin)} and lowered it back to "
                f"{raised.original} through {raised.change.key}; the token it got while raised "
                f"still reached {raised.probe.key} {waited} s after the role was lowered."
            ),
            evidence=[
                Evidence(f"{raised.probe.key} while raised", raised.reached),
                Evidence(f"role put back to {raised.original} by {admin}", lowered),
                Evidence(f"the same token {waited} s later", late, "answered like the admin"),
            ],
            confidence=Confidence.FIRM,
            severity=Severity.MEDIUM,
            reproduce=late,
            details={
                "change": raised.change.key,
                "probe": raised.probe.key,
                "window_seconds": waited,
            },
            api_wide=True,
        )


async def _disable(
    ctx: Context, pair: CanaryPair, admin: str, functions: list[Operation], record: Any
) -> tuple[Operation, Any] | None:
    """The first admin function that, sent for the canary's own id, stops its fresh logins."""
    for op in functions:
        param = re.findall(r"\{([^}]+)\}", op.path)[-1]
        value = account_id(record, param, pair.canary.markers)
        if value is None or len(re.findall(r"\{", op.path)) != 1:
            continue
        built = ctx.build(op, as_identity=admin)
        url = ctx.url(op.path.replace("{" + param + "}", quote(value, safe="")))
        request = HttpRequest(op.method, url, built.headers, built.body)
        answer = await ctx.send(request, identity=admin)
        if answer.response is None or not 200 <= answer.response.status < 300:
            continue
        again = await log_in(ctx, pair.way, pair.canary)
        if not isinstance(again, Session):
            return op, answer
    return None
