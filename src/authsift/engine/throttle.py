"""Pacing and budgets: how fast, how many, how long.

The budget is counted in requests put on the wire (retries included), because that is what the
target's operators see and what `limits.max_requests` promises them.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field


class BudgetExhausted(Exception):
    """The request budget or max_time is spent; what did not run is reported as not run."""


@dataclass(slots=True)
class Budget:
    max_requests: int
    max_time: float
    started: float = field(default_factory=time.monotonic)
    used: int = 0

    def take(self) -> None:
        if self.used >= self.max_requests:
            raise BudgetExhausted(f"request budget of {self.max_requests} spent")
        if self.elapsed >= self.max_time:
            raise BudgetExhausted(f"max_time of {self.max_time:g}s reached")
        self.used += 1

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def remaining_time(self) -> float:
        return max(0.0, self.max_time - self.elapsed)


class TokenBucket:
    """At most `rate` requests per second on average, with bursts of up to `burst`.

    `rate <= 0` disables pacing (benchmarks, loopback labs). A `pause_until()` from a 429/503 with
    Retry-After holds every sender, not just the one that was told, because the server's limit
    applies to all of us.
    """

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.capacity = burst if burst is not None else max(1.0, rate)
        self._tokens = self.capacity
        self._updated = time.monotonic()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause_until(self, deadline: float) -> None:
        self._paused_until = max(self._paused_until, deadline)

    async def acquire(self) -> None:
        if self.rate <= 0 and time.monotonic() >= self._paused_until:
            return  # pacing off and nobody told us to wait: no lock on the hot path
        async with self._lock:
            while True:
                now = time.monotonic()
                if now < self._paused_until:
                    await asyncio.sleep(self._paused_until - now)
                    continue
                if self.rate <= 0:
                    return
                self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self.rate)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from Retry-After: delay-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, float(when.timestamp()) - current)
