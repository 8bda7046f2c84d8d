"""Shared by the bypass checks (CHECKS.md #41, #42): reach a limit, then try a variation with
interleaved unmodified controls, and keep the variation only when it restores ordinary failures
while the controls stay limited."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from authsift.checks.base import Context, Inconclusive, NotApplicable
from authsift.checks.ratelimit._attempts import (
    AlreadyLimited,
    Guesser,
    LoginForm,
    Variant,
    account_for,
    limit_memo,
    max_attempts,
    nobody,
    record_limit,
)
from authsift.checks.ratelimit._signals import (
    LimitWatch,
    Signal,
    is_failure_like,
    limited_alone,
    ordinary_alone,
)
from authsift.model import Exchange

STREAK = 5  # CHECKS.md #41: back to F for ≥ 5 consecutive attempts


@dataclass(slots=True)
class Limited:
    guesser: Guesser
    watch: LimitWatch
    signal: Signal
    username: str
    throwaway: bool
    from_start: bool = False  # limited before the probe began: no ordinary failure F to compare

    def ordinary(self, exchange: Exchange) -> bool:
        if self.from_start and self.signal.exchange is not None:
            return ordinary_alone(exchange, self.signal.exchange)
        return is_failure_like(self.watch, exchange)

    def still_limited(self, exchange: Exchange) -> bool:
        if self.from_start:
            return limited_alone(exchange) is not None or not self.ordinary(exchange)
        return self.watch.classify(exchange)[0] is not None


async def reach_limit(ctx: Context, form: LoginForm, tag: str) -> Limited:
    """Wrong passwords on one name until the first limit signal; NotApplicable when none comes
    within `abuse.max_attempts` (nothing to bypass), remembered so the other bypass check does
    not spend the same attempts again."""
    key = form.operation.key
    memo = limit_memo(ctx)
    seen = memo.get(key)
    if isinstance(seen, int):
        raise NotApplicable(f"no limit to bypass: none seen in {seen} failures on {key}")
    budget = max_attempts(ctx)
    guesser = Guesser(ctx, form, budget)
    account = account_for(ctx, form)
    username = account.username if account.throwaway else nobody(form, tag).username
    try:
        watch = await guesser.baseline(username)
    except AlreadyLimited as already:
        first = already.exchanges[0]
        before = Signal(already.kind, 0, 0.0, first, "already limited when the probe began")
        watch = LimitWatch([], started=now())
        return Limited(guesser, watch, before, username, account.throwaway, from_start=True)
    signal = await guesser.until_limited(watch, username, reserve=4 * STREAK)
    if signal is None:
        memo.setdefault(key, watch.failures)
        raise NotApplicable(f"no limit to bypass: none seen in {watch.failures} failures")
    if not isinstance(memo.get(key), Signal):  # the threshold, for the report and check #39
        record_limit(ctx, key, signal)
    return Limited(guesser, watch, signal, username, account.throwaway)


async def try_variant(
    limited: Limited, variant: Callable[[int], Variant], name: Callable[[int], str] | None = None
) -> tuple[list[Exchange], Exchange] | None:
    """Up to STREAK attempts with the variation (a fresh value each time), then one control.
    (the bypassed attempts, the control) when every attempt was an ordinary failure F while the
    control stays limited; None otherwise. Inconclusive when the control is no longer limited
    (the window expired)."""
    guesser = limited.guesser
    bypassed: list[Exchange] = []
    for n in range(STREAK):
        username = name(n) if name else limited.username
        exchange = await guesser.attempt(username, variant=variant(n))
        if not limited.ordinary(exchange):
            break
        bypassed.append(exchange)
    control = await guesser.attempt(limited.username)
    if not limited.still_limited(control):
        raise Inconclusive("the unmodified control is no longer limited (the window expired)")
    return (bypassed, control) if len(bypassed) == STREAK else None


def now() -> float:
    return time.monotonic()
