"""jwt-alg-none (CHECKS.md #7); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context
from authsift.checks.jwt._common import forgery_finding, open_probe, try_forgeries
from authsift.jose import alg_none_variants
from authsift.model import Family, Finding, Severity


class AlgNone(Check):
    """Unsecured JWT (`alg: none`) accepted, including case-variant bypasses.

    ## What it checks
    Re-sends the identity's token with the header `alg` set to `none`, `None`, `NONE` and
    `nOnE` (other header members and the payload kept), each with an empty signature and with
    the original signature left in place, and once with the `alg` member deleted.

    ## Why it matters
    An unsecured JWS carries no signature at all: a verifier that accepts one lets anyone write
    their own token, for any user, with any role (OWASP API2:2023 names `{"alg":"none"}`).
    Blocklists that compare `alg` case-sensitively are bypassed by `nOnE`.

    ## Example
    `GET /me` with `eyJhbGciOiJub25lIn0.<alice's payload>.` → `200 OK` with alice's profile.

    ## Remediation
    Pass an explicit allowlist of the algorithms your keys use to the JWT library
    (`algorithms=["RS256"]`), and never include `none`; reject tokens whose header lacks `alg`.

    ## References
    RFC 7518 §3.6 · RFC 8725 §2.1, §3.1 · draft-ietf-oauth-rfc8725bis · RFC 9068 §4 ·
    OWASP API2:2023 · WSTG-SESS-10 · CVE-2018-1000531 · CVE-2022-23540 · CWE-347, CWE-327

    ## Decision rule
    CHECKS.md #7: vulnerable when a variant is *accepted* by the shared judge and reproduces on
    two re-sends with junk controls; safe only when every variant is refused, otherwise
    inconclusive. One finding per API, listing the operations where it was confirmed; on an
    operation that also accepts a garbled signature it is folded into
    `jwt-signature-not-verified`.
    """

    id = "jwt-alg-none"
    title = "Unsecured JWT (alg none) accepted"
    family = Family.JWT
    severity = Severity.CRITICAL
    cwe = (347, 327)
    owasp = "API2:2023"
    needs = frozenset({"jwt"})
    granularity = "api"
    max_requests = 18
    # 16 over the three probe operations on the lab; measured with
    # benchmarks/estimate_accuracy.py
    expected_requests = 5

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        probe = await open_probe(ctx)
        trial = await try_forgeries(ctx, probe, alg_none_variants(probe.token))
        if trial.accepted is None:
            trial.require_decision()
            return
        accepted = trial.accepted
        finding, _ = await forgery_finding(
            ctx,
            self,
            probe,
            accepted,
            description=(
                f"{probe.operation.key} accepted {probe.identity}'s claims in an unsecured token "
                f"({accepted.label}): {accepted.judgement.reason}. Anyone can write a token for "
                "any user."
            ),
        )
        yield finding
