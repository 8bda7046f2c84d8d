"""apikey-low-entropy (CHECKS.md #3); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.checks.apikeys._entropy import HIGH_BELOW, MEDIUM_BELOW, assess
from authsift.checks.apikeys._keys import key_identities, key_of
from authsift.checks.base import Check, Context, CoveredElsewhere, Inconclusive
from authsift.model import Confidence, Family, Finding, Severity

_CLAIM = "apikey.low-entropy.claimed"


class ApikeyLowEntropy(Check):
    """API key is guessable (short, or with predictable structure).

    ## What it checks
    Reads the API keys of the configured key identities — no request is sent — strips a vendor
    prefix (`lab_`, `sk_live_`), and bounds each key's entropy from above: its length times
    log2 of the smallest standard alphabet its characters fit (digits, hex, base36, base62,
    base64). It also looks for structure a guesser can use: a UUID version 1, an embedded Unix
    timestamp, base64 that decodes to readable fields, and — with two keys or more — characters
    shared at the same positions far more often than chance, or serial numbers a small step
    apart.

    ## Why it matters
    A key is the whole credential. RFC 6749 §10.10 asks that "the probability of an attacker
    guessing generated tokens … MUST be less than or equal to 2^(-128)"; a key of 8 digits falls
    to a few hundred million guesses, and a sequential key gives every other customer's key away.

    ## Example
    Keys `lab_01000001` and `lab_02000003`: 8 decimal digits (≤ 27 bits), 6 of 8 characters
    identical, a serial in the last digits.

    ## Remediation
    Generate keys from a CSPRNG with at least 128 bits (better 256) of randomness, e.g.
    `secrets.token_urlsafe(32)`; put identifiers or owner data beside the key in your database,
    never in the key; store only a hash of the key.

    ## References
    RFC 6749 §10.10 · ASVS 5.0 V7.2.3, V11.5.1 · ASVS 4.0.3 V3.2.2 · OWASP API2:2023 ·
    CWE-331 · CWE-330

    ## Decision rule
    CHECKS.md #3 and the §2 thresholds: high when the upper bound is below 64 bits or
    predictable structure is found; medium when it is below 128 bits; safe at 128 bits or more
    with no structure. The bound is an upper bound, so a key reported short cannot be longer: a
    finding is never an estimator's guess. A lone key whose alphabet is ambiguous (lower-case hex
    could be base36) and whose verdict depends on which it is, is inconclusive. Shannon entropy
    of the sample and password estimators such as zxcvbn are deliberately not used (see
    `_entropy.py`). Passive: reported once per API.
    """

    id = "apikey-low-entropy"
    title = "Guessable API key"
    family = Family.APIKEY
    severity = Severity.HIGH
    cwe = (331, 330)
    owasp = "API2:2023"
    needs = frozenset({"api_key"})
    granularity = "api"
    baselines = "none"
    max_requests = 0
    expected_requests = 0

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        owner = ctx.shared.setdefault(_CLAIM, ctx.operation.key if ctx.operation else "*")
        if ctx.operation is not None and owner != ctx.operation.key:
            raise CoveredElsewhere(f"reviewed once, on {owner}")
        names = key_identities(ctx)
        if not names:
            raise Inconclusive("no identity holds an API key (auth.type: api_key)")
        keys = list(dict.fromkeys(key_of(ctx, name) for name in names))
        found = assess(keys)
        if found.ambiguous and len(keys) == 1 and not found.structure:
            raise Inconclusive(
                f"one key whose alphabet is ambiguous ({found.alphabet}): "
                f"{found.narrow_bits:.0f} to {found.bits:.0f} bits; configure a second key"
            )
        if found.structure or found.bits < HIGH_BELOW:
            severity = Severity.HIGH
        elif found.bits < MEDIUM_BELOW:
            severity = Severity.MEDIUM
        else:
            return
        reasons = [f"at most {found.bits:.0f} bits ({found.alphabet})", *found.structure]
        yield ctx.finding(
            self,
            identity=names[0],
            severity=severity,
            description=(
                f"The API key{'s' if len(keys) > 1 else ''} of {', '.join(names)} "
                f"{'are' if len(keys) > 1 else 'is'} guessable: {'; '.join(reasons)}. "
                f"RFC 6749 §10.10 asks for at most a 2^-128 chance of guessing a token."
            ),
            evidence=[],
            confidence=Confidence.CERTAIN if found.bits < MEDIUM_BELOW else Confidence.FIRM,
            details={
                "bits_upper_bound": round(found.bits, 1),
                "alphabet": found.alphabet,
                "samples": len(keys),
                "structure": list(found.structure),
            },
            api_wide=True,
        )
