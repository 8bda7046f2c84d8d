"""jwt-kid-injection (CHECKS.md #12); the user-facing doc is the class docstring."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context
from authsift.checks.jwt._chain import SigningPower, report_recovery, signer_from_forgery
from authsift.checks.jwt._common import Attempt, JwtProbe, open_probe, try_forgeries
from authsift.jose import kid_injection
from authsift.model import Confidence, Evidence, Family, Finding, Severity

# Error text that betrays a file or SQL lookup driven by the kid (CWE-22 / CWE-89 candidates).
_LOOKUP_ERROR = re.compile(
    r"(sql|sqlite|syntax error|ORA-\d+|psql|mysql|no such file|FileNotFound|ENOENT|"
    r"permission denied|is a directory|traceback)",
    re.IGNORECASE,
)


class KidInjection(Check):
    """`kid` header drives key lookup unsafely (path traversal, SQL injection, missing-key
    fallback).

    ## What it checks
    Re-signs the identity's token with HS256 and a crafted `kid`: `../../../../../../dev/null`
    and `/dev/null` with the empty key, `x' UNION SELECT 'k'-- -` with the key `k`, a random
    unknown `kid` with the empty key, a 4096-character `kid` and one with Unicode characters.

    ## Why it matters
    When the `kid` becomes a file path or a query, the attacker chooses the key: an empty file
    or a selected constant verifies their tokens for any user. Errors in the answer show the
    lookup is injectable even where no variant is accepted.

    ## Example
    `GET /me` with `{"alg":"HS256","kid":"../../../../../../dev/null"}` signed with an empty
    key → `200 OK` with alice's profile.

    ## Remediation
    Treat `kid` as an opaque lookup key into an in-memory allowlist of your own keys; never
    join it into a path or a query, and reject unknown values.

    ## References
    RFC 7515 §4.1.4 · RFC 8725 §3.10 · WSTG-SESS-10 · CVE-2021-46743 · CWE-22, CWE-89, CWE-347

    ## Decision rule
    CHECKS.md #12: vulnerable (critical) when a variant is *accepted* by the shared judge and
    reproduces with junk controls; an accepted variant gives signing power that authsift then
    chains (expiry, `iss`, `aud`, another user's `sub`). A 5xx or a database/file error in the
    answer, with no variant accepted, is a medium "kid parsing anomaly" for manual follow-up.
    Safe only when every variant is refused.
    """

    id = "jwt-kid-injection"
    title = "JWT kid header injection"
    family = Family.JWT
    severity = Severity.CRITICAL
    cwe = (22, 89, 347)
    owasp = "API2:2023"
    needs = frozenset({"jwt"})
    granularity = "api"
    max_requests = 80
    # ~17 on the first probe operation, ~5 on the next; measured with
    # benchmarks/estimate_accuracy.py
    expected_requests = 7

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        probe = await open_probe(ctx)
        trial = await try_forgeries(ctx, probe, kid_injection(probe.token))
        accepted = trial.accepted
        if accepted is None:
            anomaly = _anomaly(trial.attempts)
            if anomaly is not None:
                yield _anomaly_finding(ctx, self, probe, anomaly)
                return
            trial.require_decision()
            return
        power = SigningPower(
            self.id,
            f"HS256 via {accepted.label}",
            signer_from_forgery(kid_injection, probe.jws, accepted.label),
        )
        async for finding in report_recovery(
            ctx,
            self,
            probe,
            accepted,
            power,
            description=(
                f"{probe.operation.key} accepted {probe.identity}'s claims in an HS256 token "
                f"with {accepted.label}: the `kid` chose a key the attacker knows. It "
                f"{accepted.judgement.reason}."
            ),
        ):
            yield finding


def _anomaly(attempts: list[Attempt]) -> Attempt | None:
    for attempt in attempts:
        response = attempt.exchange.response
        if response is None:
            continue
        if response.status >= 500 or _LOOKUP_ERROR.search(response.text[:4000]):
            return attempt
    return None


def _anomaly_finding(ctx: Context, check: Check, probe: JwtProbe, attempt: Attempt) -> Finding:
    response = attempt.exchange.response
    assert response is not None
    return ctx.finding(
        check,
        identity=probe.identity,
        title="JWT kid parsing anomaly (possible path traversal or SQL injection)",
        description=(
            f"{probe.operation.key} answered {response.status} to a token with "
            f"{attempt.label}, not the uniform 401 of other bad tokens: the `kid` reaches a file "
            "or database lookup. Follow up manually."
        ),
        evidence=[
            Evidence(f"valid request as {probe.identity}", probe.valid),
            Evidence(f"forged token: {attempt.label}", attempt.exchange, attempt.judgement.reason),
        ],
        confidence=Confidence.TENTATIVE,
        severity=Severity.MEDIUM,
        reproduce=attempt.exchange,
        details={"variant": attempt.label, "status": response.status},
        api_wide=True,
    )
