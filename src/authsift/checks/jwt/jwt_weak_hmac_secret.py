"""jwt-weak-hmac-secret (CHECKS.md #9); the user-facing doc is the class docstring."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from authsift.analysis.wording import human_value
from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.jwt._chain import SigningPower, report_recovery
from authsift.checks.jwt._common import open_probe, try_forgeries
from authsift.jose import CompactJws, resign
from authsift.jose.crack import CrackResult, crack
from authsift.model import Family, Finding, Severity

_HMAC = frozenset({"HS256", "HS384", "HS512"})
_CACHE = "jwt.cracked"
DEFAULT_BUDGET = 15.0  # seconds, `jwt.crack_seconds`


def _is_hmac(jws: CompactJws) -> bool:
    return jws.alg in _HMAC


async def cracked(ctx: Context, token: str) -> CrackResult:
    """Crack each token's secret once per scan, off the event loop (it is pure CPU), within the
    `jwt.crack_seconds` budget: built-in candidates (with words derived from the target's host,
    the API's title and the token's `iss`/`aud`), then the `jwt.wordlists` files."""
    lock: asyncio.Lock = ctx.shared.setdefault(_CACHE + ".lock", asyncio.Lock())
    results: dict[str, CrackResult] = ctx.shared.setdefault(_CACHE, {})
    signing_input = token.rsplit(".", 1)[0]
    settings = ctx.facts.settings
    wordlists = [Path(path) for path in settings.get("wordlists") or ()]
    budget = float(settings.get("crack_seconds") or DEFAULT_BUDGET)
    run = functools.partial(
        crack,
        token,
        wordlists,
        about=[ctx.facts.target, *([ctx.facts.api_title] if ctx.facts.api_title else [])],
        jobs=0,
        max_seconds=budget,
    )
    async with lock:
        if signing_input not in results:
            results[signing_input] = await asyncio.to_thread(run)
        return results[signing_input]


def not_found(result: CrackResult, budget: float) -> str:
    """Why the task is inconclusive, with what was tried (sources and counts)."""
    text = f"secret not found: tried {result.tried_summary} in {result.seconds:.1f} s"
    if result.timed_out:
        text += f", when the budget ran out (jwt.crack_seconds: {budget:g} s)"
    return text + "; not finding it does not prove it is strong"


class WeakHmacSecret(Check):
    """HS256/384/512 JWT signed with a guessable secret.

    ## What it checks
    For an identity whose token is HMAC-signed, tries candidate secrets against the token's own
    signature, offline, the way an attacker would, likeliest first: the empty key and a curated
    list of framework default and tutorial secrets; words derived from the target's host name
    and the token's `iss` and `aud` (`acme-secret`, `Acme2024`, `acme_jwt_key`…); 30,000 common
    passwords and 49,160 English words (zxcvbn's frequency lists); every digit string of up to
    six digits; then the files in `jwt.wordlists`. It stops when the `jwt.crack_seconds` budget
    (15 s) runs out, and says what it tried. On a hit it signs a token with identical claims and
    sends it once as confirmation, then uses the secret to test what only a key holder can: an
    expired and a not-yet-valid token, a foreign `iss` and `aud`, a token typed as a refresh
    token, and `sub` switched to another identity.

    ## Why it matters
    The HMAC secret is the whole trust anchor: whoever guesses it mints tokens for every user
    and role, forever, without touching the API (RFC 8725 §3.5: human-memorable keys are
    forbidden).

    ## Example
    The reporting client's `HS256` token verifies with `secret123`; a token re-signed with it
    for user 1 returns alice's profile.

    ## Remediation
    Use a random key of at least the hash size (32 bytes for HS256) from a secrets manager, and
    rotate it now; better, move to asymmetric keys so that verifiers hold no signing secret.

    ## References
    RFC 8725 §2.2, §3.5 · RFC 7518 §3.2 · OWASP API2:2023 · WSTG-SESS-10 · CWE-521, CWE-326

    ## Decision rule
    CHECKS.md #9: vulnerable when a secret is recovered *and* the re-signed token is accepted
    by the shared judge and reproduces with junk controls. A recovered secret whose token is
    refused is inconclusive (it may belong to another system); no hit is inconclusive too, with
    what was tried ("curated 429, derived (345), common passwords 30,000, …, digits ≤ 6
    (1,111,110)"): not finding it does not prove the key meets RFC 7518 §3.2.
    """

    id = "jwt-weak-hmac-secret"
    title = "JWT signed with a guessable HMAC secret"
    family = Family.JWT
    severity = Severity.CRITICAL
    cwe = (521, 326)
    owasp = "API2:2023"
    needs = frozenset({"jwt"})
    granularity = "api"
    max_requests = 76
    expected_requests = 1

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        probe = await open_probe(ctx, _is_hmac, "an HS256/384/512 token")
        result = await cracked(ctx, probe.token)
        if result.secret is None:
            budget = float(ctx.facts.settings.get("crack_seconds") or DEFAULT_BUDGET)
            raise Inconclusive(not_found(result, budget))
        secret, alg = result.secret, probe.alg
        confirmation = resign(probe.token, secret, alg)
        trial = await try_forgeries(
            ctx, probe, [(f"re-signed with {human_value(secret)}", confirmation)]
        )
        accepted = trial.accepted
        if accepted is None:
            raise Inconclusive(
                f"secret {human_value(secret)} recovered but a token re-signed with it was not "
                "accepted "
                "(it may sign tokens for another system)"
            )

        def sign(claims: dict[str, Any], header: dict[str, Any]) -> str:
            return resign(probe.token, secret, alg, header=header, claims=claims)

        power = SigningPower(self.id, f"{alg} secret {human_value(secret)}", sign)
        async for finding in report_recovery(
            ctx,
            self,
            probe,
            accepted,
            power,
            description=(
                f"{probe.identity}'s {alg} token is signed with the secret "
                f"{human_value(secret)}, found among {result.tried:,} candidates "
                f"({result.found_in}) in {result.seconds:.1f} s; a token re-signed with it was "
                f"accepted on {probe.operation.key}."
            ),
            details={
                "secret": secret.decode(errors="replace"),
                "candidates_tried": result.tried,
                "found_in": result.found_in,
                "tried": result.tried_summary,
            },
        ):
            yield finding
