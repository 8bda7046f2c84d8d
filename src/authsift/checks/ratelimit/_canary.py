"""A canary account for password guessing: signed up by the scan itself through the API's own
sign-up operation (`checks.authz._signup`), used as the throwaway when config `abuse.account` is
absent, and deleted afterwards where the API allows it (else reported as a leftover).

Only with `checks.intrusive` (a sign-up writes) and only for the check that needs a correct
password after the failures (rl-login-bruteforce-account): a canary makes its verdict firm where
a user name that does not exist leaves it tentative.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from authsift.analysis import exchange_json
from authsift.checks.authz._canary_accounts import Canary, Session, log_in, remove, sign_up
from authsift.checks.authz._canary_accounts import report_leftover as leftover
from authsift.checks.authz._login import login_way
from authsift.checks.authz._signup import signup_operation
from authsift.checks.base import Context
from authsift.checks.ratelimit._attempts import Account, LoginForm


@asynccontextmanager
async def canary_account(ctx: Context, form: LoginForm) -> AsyncIterator[Account | None]:
    """`async with canary_account(ctx, form) as account:` a signed-up canary (None when the API
    has no sign-up, refuses it, or the scan is not intrusive); removed on exit."""
    way = login_way(ctx)
    op = signup_operation(ctx, way) if ctx.facts.intrusive else None
    canary: Canary | None = None
    if op is not None:
        canary, _ = await sign_up(ctx, op, {}, as_identity=None)
    if canary is None:
        yield None
        return
    name = canary.email if form.email or not canary.has_username else canary.username
    try:
        yield Account(name, canary.password, throwaway=True, canary=True)
    finally:
        await _remove(ctx, canary)


async def _remove(ctx: Context, canary: Canary) -> None:
    way = login_way(ctx)
    session = await log_in(ctx, way, canary) if way is not None else None
    if not isinstance(session, Session) or way is None:
        leftover(ctx, canary)  # locked out, or no way in: the operator deletes it by hand
        return
    await remove(ctx, way, session, exchange_json(canary.signup))
