"""Waiting for a token to expire by itself, then replaying it (CHECKS.md #31 (a), (c)).

The replay goes out at growing offsets past the expiry, within `lifecycle.expiry_wait`, and
stops at the first refusal: the last accepted offset and the first refused one bound the
leeway the verifier allows (RFC 7519 §4.1.4: "some small leeway, usually no more than a few
minutes"). CHECKS.md §2 grades it: refused by +60 s passes, accepted at +60–300 s is low,
accepted at +600 s is high; still accepted when a shorter wait ends is medium.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from authsift.checks.base import Context, Inconclusive
from authsift.checks.jwt._common import Attempt, Trial
from authsift.model import Severity

OFFSETS = (2, 30, 65, 305, 610)  # seconds past the expiry at which the token is replayed
PASS = 60  # CHECKS.md §2: refused by expiry + 60 s passes
LATE = 600  # CHECKS.md §2: accepted at expiry + 600 s is high
WAIT_SETTING = "expiry_wait"
DEFAULT_WAIT = 120.0


@dataclass(frozen=True)
class Waited:
    accepted: Attempt | None  # the last accepted replay
    last: int  # seconds past the expiry of that replay
    refused_at: int | None  # seconds past the expiry of the first refusal; None: never refused
    wait: float

    def severity(self) -> Severity | None:
        if self.accepted is None or self.last < PASS:
            return None
        if self.last >= LATE:
            return Severity.HIGH
        return Severity.LOW if self.refused_at is not None else Severity.MEDIUM

    def words(self) -> str:
        if self.refused_at is not None:
            return f"refused at {self.refused_at} s"
        return f"never refused within the {self.wait:g} s wait"

    def leeway(self) -> dict[str, object]:
        refused = [self.refused_at] if self.refused_at is not None else []
        return {"accepted_after_exp_seconds": self.last, "refused_after_exp_seconds": refused}


def plan(ctx: Context, expiry: float, needs: str) -> list[int]:
    """The offsets past `expiry` the wait reaches, or Inconclusive when it reaches none."""
    wait = wait_limit(ctx)
    now = time.time()
    window = now + wait - expiry  # the largest offset past the expiry the wait reaches
    if window < OFFSETS[0]:
        raise Inconclusive(
            f"{needs}, or an access token that expires within {WAIT_SETTING} ({wait:g} s); "
            f"this one expires in {int(expiry - now)} s"
        )
    return sorted({o for o in OFFSETS if o <= window} | {int(window)})


def wait_limit(ctx: Context) -> float:
    return float(ctx.facts.settings.get(WAIT_SETTING, DEFAULT_WAIT) or 0)


async def replay_until_refused(
    ctx: Context, expiry: float, offsets: list[int], replay: Callable[[int], Awaitable[Trial]]
) -> Waited:
    accepted: Attempt | None = None
    last = 0
    refused_at: int | None = None
    for offset in offsets:
        await asyncio.sleep(max(0.0, expiry + offset - time.time()))
        late = int(time.time() - expiry)
        trial = await replay(late)
        if trial.accepted is None:
            trial.require_decision()  # neither accepted nor refused: say so
            refused_at = late
            break
        accepted, last = trial.accepted, late
    return Waited(accepted, last, refused_at, wait_limit(ctx))
