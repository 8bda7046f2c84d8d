"""token-privilege-change-not-reflected (CHECKS.md #35); the user-facing doc is the class
docstring."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import quote

from authsift.analysis import exchange_json
from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._canary_accounts import Session, log_in
from authsift.checks.base import Check, Context, CoveredElsewhere, Inconclusive
from authsift.checks.lifecycle._canary import CanaryPair, accepted, canary_pair, cleanup, refused
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
_ID_KEYS = ("id", "userid", "uuid", "accountid", "memberid", "username", "login", "handle")


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


def account_id(record: Any, param: str, markers: frozenset[str]) -> str | None:
    """The canary's id in its own account record, for the path parameter `param`; None unless
    the record carries the canary's e-mail or user name (never another account's id)."""
    items = (
        [record, *(record.get(k) for k in ("data", "user", "account", "attributes"))]
        if (isinstance(record, Mapping))
        else []
    )
    texts = {str(v).lower() for item in items if isinstance(item, Mapping) for v in item.values()}
    if not any(m.lower() in t for m in markers for t in texts):
        return None
    for wanted in (normalized_key(param), *_ID_KEYS):
        for item in items:
            if isinstance(item, Mapping):
                for key, value in item.items():
                    if normalized_key(str(key)) == wanted and isinstance(value, str | int):
                        return str(value)
    return None


class TokenPrivilegeChangeNotReflected(Check):
    """A disabled or deleted account's existing tokens keep working.

    ## What it checks
    Signs up a canary account of its own and logs it in. A configured admin identity then
    disables the canary (an admin operation such as `POST /users/{id}/disable`, else deletes
    it), only ever with the canary's own id read from the canary's own account record. A fresh
    login of the canary must now be refused (the change took effect); the canary's earlier
    token is then replayed on the operation that showed its account, at once and 60 s later.

    ## Why it matters
    Disabling an account is how an organisation cuts off a fired employee or a compromised
    user. If tokens issued before keep working, the cut-off happens only when they expire —
    weeks later for long-lived tokens (ASVS 5.0 V8.3.2, V7.4.2).

    ## Example
    `POST /admin/users/42/disable` as the admin → `200`; `GET /me` with user 42's earlier token
    → `200` with the account.

    ## Remediation
    Check the account's state (and its current role) on every request, or keep tokens short
    and revoke the account's sessions and refresh tokens when an admin changes it.

    ## References
    ASVS 5.0 V8.3.2, V7.4.2 · CWE-613

    ## Decision rule
    CHECKS.md #35 and §2 ("rejected by 60 s pass"): high when the disabled (or deleted)
    canary's earlier token is still accepted — 2xx with the canary's own account, reproduced
    with anonymous controls refused — 60 s after the admin change, while a fresh login of the
    canary is refused; safe when the token is refused by then. Inconclusive without a sign-up
    operation, an admin identity, an admin operation that disables or deletes one account, or
    when the change did not stop a fresh login. A role downgrade is not tried: a canary never
    holds a role above the default one.
    """

    id = "token-privilege-change-not-reflected"
    title = "Disabled account's tokens still accepted"
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
        admins = [n for n in ctx.identities if ctx.is_privileged(n)]
        functions = disable_operations(ctx)
        if not admins or not functions:
            raise Inconclusive(
                "needs an admin identity and an admin operation that disables or deletes one "
                "account (POST /users/{id}/disable or alike)"
            )
        pair = await canary_pair(ctx)
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
            await asyncio.sleep(max(0.0, at + _WINDOW - time.time()))
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
