"""apikey-mutation-accepted (CHECKS.md #2); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.analysis import Verdict
from authsift.checks.apikeys._keys import KeyProbe, claim, key_probe, placeholder
from authsift.checks.base import Check, Context, Inconclusive
from authsift.model import Confidence, Evidence, Exchange, Family, Finding, Severity

_LITERALS = ("", "null", "undefined", "0", "*", "true")
_WHITESPACE = "leading/trailing space"


def _changed(char: str) -> str:
    """Another character of the same class, so that a format check still passes."""
    if char.isdigit():
        return "7" if char != "7" else "3"
    if char.isalpha():
        return ("q" if char != "q" else "w") if char.islower() else ("Q" if char != "Q" else "W")
    return "x"


def _at(key: str, index: int) -> str:
    return key[:index] + _changed(key[index]) + key[index + 1 :]


def mutations(key: str, placement: str) -> list[tuple[str, str]]:
    """(label, value) of CHECKS.md #2, minus the ones that equal the key. Whitespace padding
    only where the key travels in a query or cookie: an HTTP header value never carries leading
    or trailing whitespace (RFC 9110 §5.5), so every server "trims" it."""
    variants: list[tuple[str, str]] = []
    if key:
        variants += [
            ("first character changed", _at(key, 0)),
            ("middle character changed", _at(key, len(key) // 2)),
            ("last character changed", _at(key, len(key) - 1)),
            ("truncated to half", key[: max(1, len(key) // 2)]),
            ("truncated to 8 characters", key[:8]),
            ('"x" appended', key + "x"),
            ("letter case swapped", key.swapcase()),
        ]
        if placement != "header":
            variants.append((_WHITESPACE, f" {key} "))
    variants += [(f"literal {value!r}", value) for value in _LITERALS]
    seen = {key}
    unique: list[tuple[str, str]] = []
    for label, value in variants:
        if value not in seen:
            seen.add(value)
            unique.append((label, value))
    return unique


class ApikeyMutationAccepted(Check):
    """Altered API key still accepted (prefix, case-insensitive or absent comparison).

    ## What it checks
    Sends the API-key identity's request with its key altered: one character changed at the
    start, the middle and the end, the key cut to half and to 8 characters, `x` appended, the
    letter case swapped, and the literal values empty, `null`, `undefined`, `0`, `*` and `true`
    (in a query or cookie also the key padded with spaces).

    ## Why it matters
    A key table searched by an indexed prefix, a case-insensitive collation, or a comparison that
    stops early collapses the key space: most of the key no longer matters, so keys become
    guessable, and a literal like `null` matching a key row lets anyone in.

    ## Example
    `GET /reports/weekly` with `X-API-Key: LAB_AbCd…` (the real key with its case swapped) →
    `200 OK` with the same report as the real key.

    ## Remediation
    Look keys up by a hash of the whole key (or compare the whole key in constant time after a
    lookup by an identifier), with a case-sensitive, exact comparison; reject empty and literal
    values before any lookup.

    ## References
    CWE-1023 · CWE-187 · OWASP API2:2023 · ASVS 5.0 V7.2.1

    ## Decision rule
    CHECKS.md #2: vulnerable (critical) when any altered key other than whitespace padding is
    *accepted* by the shared judge against the key's own baseline (2xx, the valid status,
    ≥ 90 % similar to the valid answer and not to the no-credential one, the identity's markers
    present) and reproduces twice with the no-credential request rejected each time. Padding
    alone accepted → info. Needs an operation where the key works and the answer depends on it;
    otherwise inconclusive. A 2xx that is not the key's answer is inconclusive, not vulnerable.
    """

    id = "apikey-mutation-accepted"
    title = "Altered API key still accepted"
    family = Family.APIKEY
    severity = Severity.CRITICAL
    cwe = (1023, 187, 287)
    owasp = "API2:2023"
    needs = frozenset({"api_key"})
    granularity = "api"
    baselines = "none"
    max_requests = 18
    expected_requests = 4  # measured: benchmarks/estimate_accuracy.py (one task decides)

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        probe = await key_probe(ctx)
        claim(ctx, self.id, probe)
        credential = ctx.credential(probe.identity)
        placement = getattr(credential, "placement", "header")
        reference = probe.base.without_junk()  # our probes are altered keys: judge vs none
        odd: list[str] = []
        padding: tuple[str, Exchange] | None = None
        for label, value in mutations(probe.key, str(placement)):
            if len(value) >= 8:
                ctx.add_secret(value, placeholder(probe.identity, "KEY_VARIANT"))
            request = ctx.with_credential(probe.anonymous, value, probe.identity)
            exchange = await ctx.send(request)
            judgement = ctx.judge(exchange, reference)
            if judgement.verdict is not Verdict.ACCEPTED:
                if judgement.verdict is Verdict.INCONCLUSIVE:
                    odd.append(f"{label} ({judgement.reason})")
                continue
            if not await ctx.confirm(request, reference, control=probe.anonymous):
                odd.append(f"{label} (did not reproduce)")
                continue
            if label == _WHITESPACE:
                padding = (label, exchange)
                continue
            yield self._finding(ctx, probe, label, exchange, judgement.reason, Severity.CRITICAL)
            return
        if padding is not None:
            yield self._finding(
                ctx, probe, padding[0], padding[1], "padding trimmed", Severity.INFO
            )
            return
        if odd:
            raise Inconclusive("neither accepted nor rejected: " + "; ".join(odd))

    def _finding(
        self,
        ctx: Context,
        probe: KeyProbe,
        label: str,
        exchange: Exchange,
        reason: str,
        severity: Severity,
    ) -> Finding:
        return ctx.finding(
            self,
            identity=probe.identity,
            severity=severity,
            description=(
                f"{probe.operation.key} accepted {probe.identity}'s API key with its {label}: "
                f"{reason}. Confirmed twice, with the no-credential request rejected each time."
            ),
            evidence=[
                Evidence(f"valid request as {probe.identity}", probe.valid),
                Evidence("no credential (rejected)", probe.none),
                Evidence(f"key with its {label}", exchange, reason),
            ],
            confidence=Confidence.CERTAIN,
            reproduce=exchange,
            details={"variant": label},
            api_wide=True,
        )
