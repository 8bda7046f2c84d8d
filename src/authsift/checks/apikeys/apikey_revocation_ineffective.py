"""apikey-revocation-ineffective (CHECKS.md #5); the user-facing doc is the class docstring."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from authsift.analysis import Verdict
from authsift.checks.apikeys._keymgmt import Issued, KeyApi, issue, key_apis, revoke
from authsift.checks.apikeys._keys import KeyProbe, key_probes
from authsift.checks.authz._objects import remember_leftover
from authsift.checks.base import Check, Context, CoveredElsewhere, Inconclusive, NotApplicable
from authsift.model import (
    Confidence,
    Evidence,
    Exchange,
    Family,
    Finding,
    HttpRequest,
    Safety,
    Severity,
)

# Seconds after the revocation at which the revoked key is replayed (CHECKS.md #5 and §2: "rejected
# by 60 s pass"); the replays stop at the first refusal, so a sound API costs one request.
REPLAY_AT: tuple[float, ...] = (0.0, 5.0, 60.0)
_CREATORS = 2  # identities tried for issuing the throwaway key
_PLACES = 2  # key identities whose placement is tried for the throwaway key
_LOCK = "apikey.revocation.lock"
_DONE = "apikey.revocation.tested-on"


class ApikeyRevocationIneffective(Check):
    """Revoked API key still works.

    ## What it checks
    Through the API's own key management (a `POST` on a credential collection such as
    `/api-keys` with a `DELETE` on `/api-keys/{id}`), a configured identity issues a throwaway
    key for its own account, the key is shown to work, the scanner revokes that key — only
    that one: a configured identity's key is never revoked — and replays it immediately, after
    5 s and after 60 s.

    ## Why it matters
    Revocation is how a leaked key is contained. A key that keeps working after the owner
    revoked it (a validated-key cache that revocation forgets, a gateway that syncs hourly)
    leaves the owner no way to stop an attacker who holds it.

    ## Example
    `DELETE /api-keys/k7` → `204`; 60 s later `GET /reports/weekly` with that key → `200 OK`.

    ## Remediation
    Make revocation take effect on the next request: evict the key from every cache at
    revocation (or key caches by revocation version), and let caches hold validated keys for
    seconds, not minutes.

    ## References
    RFC 7009 §2.1 · ASVS 5.0 V13.3.4, V7.4.1 · ASVS 4.0.3 V3.5.1 · CWE-324 · CWE-613

    ## Decision rule
    CHECKS.md #5 and the §2 revocation-propagation row. The throwaway key must first be shown
    to work (a 2xx the judge does not reject, on an operation where a configured key's answer
    depends on the key); the revocation call must succeed (2xx), else inconclusive. RFC 7009
    §2.1 asks that invalidation "takes place immediately" and acknowledges a propagation delay,
    so the replays stop at the first refusal and a key refused within 60 s passes. Still
    accepted at 60 s → a finding, severity low (the 60–300 s band); the catalogue's 300 s mark
    for high is not waited for in a scan, and the finding says so with the window observed.
    Intrusive: it issues and revokes a key of its own.
    """

    id = "apikey-revocation-ineffective"
    title = "Revoked API key still accepted"
    family = Family.APIKEY
    severity = Severity.HIGH
    cwe = (324, 613)
    owasp = "API2:2023"
    safety = Safety.STATE_CHANGING
    needs = frozenset({"api_key"})
    granularity = "api"
    baselines = "none"
    max_requests = 10
    expected_requests = 2  # measured: benchmarks/estimate_accuracy.py --intrusive

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        apis = key_apis(ctx.operations)
        if not apis:
            raise NotApplicable("the spec has no key-management API (POST and DELETE of keys)")
        # One task at a time: the first whose operation shows the throwaway key working decides
        # for the API; a task where it does not work leaves the question to the next one.
        lock = ctx.shared.setdefault(_LOCK, asyncio.Lock())
        assert isinstance(lock, asyncio.Lock)
        async with lock:
            if _DONE in ctx.shared:
                raise CoveredElsewhere(f"tested on {ctx.shared[_DONE]}")
            probes = await key_probes(ctx)
            known = {c.token for c in (ctx.credential(n) for n in ctx.identities) if c}
            issued, api = await self._issue(ctx, apis, known)
            probe, before = await self._working(ctx, probes, issued.key)
            if probe is None or before is None:
                await self._revoke(ctx, api, issued)
                raise Inconclusive(
                    f"the throwaway key works on {probes[0].operation.key} in no key's place"
                )
            ctx.shared[_DONE] = probe.operation.key
            revocation = await self._revoke(ctx, api, issued)
        started = time.monotonic()
        last = before
        for at in _schedule(ctx):
            await asyncio.sleep(max(0.0, at - (time.monotonic() - started)))
            last = await ctx.send(self._with(ctx, probe, issued.key))
            if not self._works(ctx, probe, last):
                return  # refused within the window: revocation works
        window = time.monotonic() - started
        yield ctx.finding(
            self,
            identity=issued.creator,
            severity=Severity.LOW,
            description=(
                f"A key issued with {api.issue.key} and revoked with {api.revoke.key} "
                f"({revocation.status}) was still accepted on {probe.operation.key} "
                f"{window:.0f} s after the revocation. The catalogue's 300 s mark (high) was not "
                "waited for: the key may work for much longer."
            ),
            evidence=[
                Evidence("the throwaway key issued", issued.exchange),
                Evidence("the key, working before revocation", before),
                Evidence("revocation", revocation, "succeeded"),
                Evidence(f"the revoked key, {window:.0f} s later", last, "still accepted"),
            ],
            confidence=Confidence.CERTAIN,
            reproduce=last,
            details={"window_seconds": round(window), "revoked_with": api.revoke.key},
            api_wide=True,
        )

    async def _working(
        self, ctx: Context, probes: list[KeyProbe], key: str
    ) -> tuple[KeyProbe | None, Exchange | None]:
        """The first key identity's place (header, query…) where the throwaway key works."""
        for probe in probes[:_PLACES]:
            answer = await ctx.send(self._with(ctx, probe, key))
            if self._works(ctx, probe, answer):
                return probe, answer
        return None, None

    async def _issue(
        self, ctx: Context, apis: list[KeyApi], known: set[str]
    ) -> tuple[Issued, KeyApi]:
        people = [n for n in ctx.identities if ctx.facts.identity_auth.get(n) != "api_key"]
        creators = [n for n in people if not ctx.is_privileged(n)] + [
            n for n in ctx.identities if n not in people or ctx.is_privileged(n)
        ]
        for api in apis:
            for creator in creators[:_CREATORS]:
                issued = await issue(ctx, api, creator, known)
                if issued is not None:
                    return issued, api
        raise Inconclusive("no identity could issue a throwaway key through the key API")

    async def _revoke(self, ctx: Context, api: KeyApi, issued: Issued) -> Exchange:
        answer = await revoke(ctx, api, issued)
        if answer.status is None or not 200 <= answer.status < 300:
            remember_leftover(ctx, f"the throwaway key {issued.params} of {issued.creator}")
            raise Inconclusive(f"revoking the throwaway key failed ({answer.status})")
        return answer

    @staticmethod
    def _with(ctx: Context, probe: KeyProbe, key: str) -> HttpRequest:
        return ctx.with_credential(probe.anonymous, key, probe.identity)

    @staticmethod
    def _works(ctx: Context, probe: KeyProbe, exchange: Exchange) -> bool:
        status = exchange.status
        if status is None or not 200 <= status < 300:
            return False
        return ctx.judge(exchange, probe.base).verdict is not Verdict.REJECTED


def _schedule(ctx: Context) -> tuple[float, ...]:
    """`REPLAY_AT`, stretched or shrunk to the operator's `lifecycle.revocation_window` (how long
    any revocation may take on this API; the lab, which revokes at once, says 5 s)."""
    window = ctx.facts.settings.get("revocation_window")
    if not isinstance(window, int | float) or not REPLAY_AT[-1]:
        return REPLAY_AT
    return tuple(at * float(window) / REPLAY_AT[-1] for at in REPLAY_AT)
