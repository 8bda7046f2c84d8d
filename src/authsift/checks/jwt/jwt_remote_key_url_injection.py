"""jwt-remote-key-url-injection (CHECKS.md #11); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator

from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.jwt._common import (
    forgery_finding,
    oob_listen_settings,
    open_probe,
    try_forgeries,
)
from authsift.jose import remote_key_url
from authsift.model import Confidence, Evidence, Family, Finding, Severity

_FETCH_GRACE_SECONDS = 1.0


class RemoteKeyUrlInjection(Check):
    """`jku` or `x5u` header followed to an attacker-chosen URL.

    ## What it checks
    Starts a callback listener that serves a JWK Set and a PEM certificate holding a key we
    generated, signs the identity's claims with that key, and points the token's `jku` (and
    `x5u`) at the listener, with allowlist-bypass spellings (`https://trusted@oob/`) when a
    trusted host is known. Every request the listener receives is recorded.

    ## Why it matters
    A verifier that fetches keys from a URL named in the token verifies tokens signed by
    whoever controls that URL: full impersonation. Even when the token is then refused, the
    fetch itself is a server-side request to an attacker-chosen address (SSRF).

    ## Example
    `GET /me` with `{"alg":"RS256","jku":"http://127.0.0.1:40111/jku/…/jwks.json","kid":"authsift-…"}`
    → the API fetches our JWKS and answers `200 OK` with alice's profile.

    ## Remediation
    Ignore `jku`/`x5u` in tokens, or match them exactly against an allowlist of your issuer's
    key URLs; resolve and refuse loopback, link-local and private addresses.

    ## References
    RFC 7515 §4.1.2, §4.1.5 · RFC 8725 §3.10 · draft-ietf-oauth-rfc8725bis · ASVS 5.0 V9.1.3,
    V1.3.6 · OWASP API7:2023 · CWE-347, CWE-918

    ## Decision rule
    CHECKS.md #11: critical when a variant is *accepted* by the shared judge and reproduces
    with junk controls; high ("outbound fetch", SSRF) when the listener records a fetch of our
    files but every token is refused; safe when nothing is fetched and all are refused. The
    local listener listens on 127.0.0.1, so it is used only for a loopback target; otherwise,
    without an external `oob_url`, the check reports "not tested" (inconclusive), never safe.
    """

    id = "jwt-remote-key-url-injection"
    title = "JWT jku/x5u key URL followed to an attacker URL"
    family = Family.JWT
    severity = Severity.CRITICAL
    cwe = (347, 918)
    owasp = "API2:2023"
    needs = frozenset({"jwt"})
    granularity = "api"
    max_requests = 16
    # 10 over the three probe operations on the lab; measured with
    # benchmarks/estimate_accuracy.py
    expected_requests = 3

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        external, loopback = oob_listen_settings(ctx)
        if external is None and not loopback:
            raise Inconclusive(
                "not tested: the target is not on this machine and no external callback URL "
                "(oob_url) is configured"
            )
        probe = await open_probe(ctx)
        async with ctx.callback_listener() as listener:
            forgeries, files = remote_key_url(probe.token, listener.base_url)
            listener.publish(files)
            trial = await try_forgeries(ctx, probe, forgeries)
            if trial.accepted is None:
                await listener.wait_for_hit(timeout=_FETCH_GRACE_SECONDS)
            fetches = [hit for path in files for hit in listener.hits(path)]
        accepted = trial.accepted
        fetched = sorted({hit.path for hit in fetches})
        if accepted is not None:
            finding, _ = await forgery_finding(
                ctx,
                self,
                probe,
                accepted,
                description=(
                    f"{probe.operation.key} fetched our key from the URL in the token "
                    f"({accepted.label}) and accepted {probe.identity}'s claims signed with it: "
                    f"{accepted.judgement.reason}."
                ),
                details={"fetched": fetched},
            )
            yield finding
            return
        if fetches:
            last = trial.attempts[-1]
            yield ctx.finding(
                self,
                identity=probe.identity,
                title="JWT jku/x5u URL fetched by the server (SSRF)",
                description=(
                    f"{probe.operation.key} refused the tokens, but the server fetched "
                    f"{', '.join(fetched)} from our listener: it requests URLs named in "
                    "untrusted tokens (server-side request forgery)."
                ),
                evidence=[
                    Evidence(f"valid request as {probe.identity}", probe.valid),
                    Evidence("token pointing at our listener", last.exchange, "fetch recorded"),
                ],
                confidence=Confidence.CERTAIN,
                severity=Severity.HIGH,
                reproduce=last.exchange,
                details={"fetched": fetched, "callbacks": len(fetches)},
                api_wide=True,
            )
            return
        trial.require_decision()
