"""Login attempts for the rate-limiting checks: which operations are logins, whose account is
guessed at, and a bounded, paced loop that stops at the first limit signal.

Whose account: config `abuse.account` (a throwaway the operator may lose), a canary the scan
signed up (`_canary.py`, rl-login-bruteforce-account only), else a user name that does not exist
(RFC 2606 `example.com`). Never a configured identity: their passwords are never
sent wrong. A guess at a name that does not exist proves less (an API may count failures only
for real accounts, and no correct password can be tried afterwards); every verdict says which
one was used.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import urllib.parse
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._login import (
    EMAIL_FIELD,
    PASSWORD_FIELD,
    USER_FIELD,
    body_fields,
    is_login,
)
from authsift.checks.base import Context, Inconclusive
from authsift.checks.ratelimit._forms import form_text, values_of
from authsift.checks.ratelimit._signals import LimitWatch, Signal, limited_alone
from authsift.model import Exchange, HttpRequest, Operation

BASELINE_FAILURES = 3
DEFAULT_MAX_ATTEMPTS = 100
NIST_BOUND = 100  # 800-63B §5.2.2: no more than 100 consecutive failed attempts
LAST_WAIT = 300.0  # seconds the spraying check waits for the others on its operation


class AlreadyLimited(Inconclusive):
    """The baseline failures already carry a limit signal: a limit some earlier traffic (another
    check, another client) tripped. The bypass checks can start from there."""

    def __init__(self, kind: str, exchanges: list[Exchange]) -> None:
        super().__init__(f"already limited before the probe ({kind})")
        self.kind = kind
        self.exchanges = exchanges


@dataclass(frozen=True, slots=True)
class Account:
    username: str
    password: str | None  # None: a name that does not exist
    throwaway: bool  # config abuse.account, or a canary the scan signed up
    canary: bool = False

    @property
    def how(self) -> str:
        if self.canary:
            return "a canary account the scan signed up for the purpose"
        if self.throwaway:
            return "the throwaway account of config abuse.account"
        return (
            "a user name that does not exist (no abuse.account configured): an API that counts "
            "failures only for real accounts would answer alike, and no correct password could "
            "be tried afterwards"
        )


@dataclass(frozen=True, slots=True)
class LoginForm:
    """Where the user name and password go in a login operation's body."""

    operation: Operation
    user_key: str
    password_key: str

    @property
    def email(self) -> bool:
        return bool(EMAIL_FIELD.match(normalized_key(self.user_key)))


def login_form(op: Operation) -> LoginForm | None:
    """The operation is a password login (POST, a login-like path, a body with a user-name or
    e-mail field and a password field); None otherwise."""
    if op.method != "POST" or op.request_body is None or not is_login(op, None):
        return None
    fields = body_fields(op)
    password = next((f for f in fields if PASSWORD_FIELD.match(normalized_key(f))), None)
    user = next(
        (
            f
            for f in fields
            if USER_FIELD.match(normalized_key(f)) or EMAIL_FIELD.match(normalized_key(f))
        ),
        None,
    )
    if password is None or user is None:
        return None
    content = op.request_body.content_type
    if "json" not in content and "x-www-form-urlencoded" not in content:
        return None
    return LoginForm(op, user, password)


def not_a_login(op: Operation) -> str | None:
    return None if login_form(op) is not None else "not a password login operation"


def settings(ctx: Context) -> Mapping[str, Any]:
    value = ctx.facts.settings.get("abuse")
    return value if isinstance(value, Mapping) else {}


def max_attempts(ctx: Context) -> int:
    return int(settings(ctx).get("max_attempts") or DEFAULT_MAX_ATTEMPTS)


def throwaway(ctx: Context) -> Account | None:
    account = settings(ctx).get("account")
    if not isinstance(account, Mapping):
        return None
    password = str(account.get("password") or "")
    ctx.add_secret(password, "$ABUSE_PASSWORD")
    return Account(str(account.get("username")), password, True)


def nobody(form: LoginForm, tag: str = "") -> Account:
    name = f"authsift-nobody-{tag}{secrets.token_hex(4)}"
    return Account(f"{name}@example.com" if form.email else name, None, False)


def account_for(ctx: Context, form: LoginForm) -> Account:
    return throwaway(ctx) or nobody(form)


def wrong_password() -> str:
    return f"Wrong-{secrets.token_hex(6)}"


@dataclass(frozen=True, slots=True)
class Variant:
    """How one attempt differs from the plain login request (the bypass checks vary these)."""

    headers: tuple[tuple[str, str], ...] = ()
    path: str | None = None  # raw path replacing the operation's
    form: bool | None = None  # None: the operation's own encoding


def login_request(
    ctx: Context, form: LoginForm, username: str, password: str, variant: Variant = Variant()
) -> HttpRequest:
    op = form.operation
    base = ctx.build(op)
    values: dict[str, Any] = values_of(base)
    values[form.user_key] = username
    values[form.password_key] = password
    assert op.request_body is not None
    as_form = "x-www-form-urlencoded" in op.request_body.content_type
    if variant.form is not None:
        as_form = variant.form
    if as_form:
        body = urllib.parse.urlencode({k: form_text(v) for k, v in values.items()}).encode()
        content_type = "application/x-www-form-urlencoded"
    else:
        body, content_type = json.dumps(values).encode(), "application/json"
    headers = [(k, v) for k, v in base.headers if k.lower() != "content-type"]
    headers += [("Content-Type", content_type), ("Cache-Control", "no-cache")]
    headers += list(variant.headers)
    url = base.url
    if variant.path is not None:
        parts = urllib.parse.urlsplit(url)
        url = urllib.parse.urlunsplit(parts._replace(path=variant.path))
    return replace(base, url=url, headers=tuple(headers), body=body)


@dataclass(slots=True)
class Guesser:
    """Sends attempts at one login operation, never more than `budget` in all, paced at
    `abuse.rate` when set (the engine's `limits.rate` applies to every request anyway)."""

    ctx: Context
    form: LoginForm | None  # None: only `send` (requests the caller builds, e.g. code guesses)
    budget: int
    sent: int = 0
    exchanges: list[Exchange] = field(default_factory=list)
    _last: float = 0.0

    @property
    def left(self) -> int:
        return self.budget - self.sent

    async def send(self, request: HttpRequest) -> Exchange:
        if self.sent >= self.budget:
            raise Inconclusive(f"abuse.max_attempts ({self.budget}) spent on this endpoint")
        rate = settings(self.ctx).get("rate")
        if isinstance(rate, int | float) and rate > 0:
            wait = self._last + 1 / rate - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        self._last = time.monotonic()
        self.sent += 1
        exchange = await self.ctx.send(request, retry_on_limit=False)
        self.exchanges.append(exchange)
        return exchange

    async def attempt(
        self, username: str, password: str | None = None, variant: Variant = Variant()
    ) -> Exchange:
        assert self.form is not None
        request = login_request(
            self.ctx, self.form, username, password or wrong_password(), variant
        )
        return await self.send(request)

    async def baseline(self, username: str) -> LimitWatch:
        """The baseline failures F: 3 wrong passwords. Inconclusive unless they are stable
        ordinary refusals (4xx, alike, no limit signal already)."""
        failures = [await self.attempt(username) for _ in range(BASELINE_FAILURES)]
        if any(e.response is None for e in failures):
            raise Inconclusive("the login did not answer the baseline failures")
        kinds = [limited_alone(e) for e in failures]
        if kinds[0] is not None:
            raise AlreadyLimited(kinds[0], failures)
        if any(kinds):  # the limit came within the baseline: F is what came before it
            failures = failures[: next(i for i, k in enumerate(kinds) if k)]
        statuses = {e.status for e in failures}
        if len(statuses) != 1 or not all(400 <= (s or 0) < 500 for s in statuses):
            shown = ", ".join(str(s) for s in sorted(s or 0 for s in statuses))
            raise Inconclusive(f"wrong passwords are not refused consistently (HTTP {shown})")
        return LimitWatch(failures, started=time.monotonic())

    async def until_limited(
        self, watch: LimitWatch, username: str, reserve: int = 0
    ) -> Signal | None:
        """Wrong passwords until the first limit signal, keeping `reserve` attempts back."""
        while self.left > reserve:
            exchange = await self.attempt(username)
            signal = watch.observe(exchange, time.monotonic())
            if signal is not None:
                return signal
            if exchange.status is not None and exchange.status >= 500:
                raise Inconclusive(f"the login failed with HTTP {exchange.status} mid-probe")
        return None


def limit_memo(ctx: Context) -> dict[str, Any]:
    """ctx.shared: operation key → the limit seen there (`Signal`) or the attempts that saw
    none (int), for the bypass checks and the severity of the spraying check."""
    memo = ctx.shared.setdefault("rl.limits", {})
    assert isinstance(memo, dict)
    return memo


def still_limited(watch: LimitWatch, exchange: Exchange) -> bool:
    return watch.classify(exchange)[0] is not None


def summary(exchanges: Sequence[Exchange]) -> str:
    statuses: dict[str, int] = {}
    for exchange in exchanges:
        key = str(exchange.status or exchange.error or "none")
        statuses[key] = statuses.get(key, 0) + 1
    return ", ".join(f"{n}× {s}" for s, n in statuses.items())


def record_limit(ctx: Context, key: str, signal: Signal) -> None:
    """Remember the limit seen on an operation and show its threshold in every report."""
    memo = limit_memo(ctx)
    memo[key] = signal
    seen = {k: v.describe() for k, v in memo.items() if isinstance(v, Signal)}
    ctx.report_extra("rate_limits", seen)


@asynccontextmanager
async def login_lock(ctx: Context, form: LoginForm, *, last: bool = False) -> AsyncIterator[None]:
    """One rate-limiting check at a time per login operation: interleaved guesses of two checks
    would trip each other's limits. `last` (the spraying check, which trips client-wide limits
    that would leave the others nothing to measure for a whole window) lets the checks already
    started on the operation go first."""
    key = form.operation.key
    locks = ctx.shared.setdefault("rl.locks", {})
    pending = ctx.shared.setdefault("rl.pending", {})
    assert isinstance(locks, dict) and isinstance(pending, dict)
    lock = locks.setdefault(key, asyncio.Lock())
    assert isinstance(lock, asyncio.Lock)
    if last:
        await asyncio.sleep(0.2)  # the sibling tasks started with this one register meanwhile
        waited = 0.0
        while pending.get(key, 0) > 0 and waited < LAST_WAIT:
            await asyncio.sleep(0.1)
            waited += 0.1
    else:
        pending[key] = pending.get(key, 0) + 1
    try:
        async with lock:
            yield
    finally:
        if not last:
            pending[key] -= 1
