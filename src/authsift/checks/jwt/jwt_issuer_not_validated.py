"""jwt-issuer-not-validated (CHECKS.md #16); the user-facing doc is the class docstring."""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator

from cryptography.hazmat.primitives.asymmetric import rsa

from authsift.checks.base import Check, Context, Inconclusive
from authsift.checks.jwt._common import (
    Attempt,
    JwtProbe,
    forgery_finding,
    oob_listen_settings,
    open_probe,
    supplied_tokens,
    try_forgeries,
)
from authsift.jose import JoseError, parse_compact, public_jwk, sign
from authsift.model import Family, Finding, Severity

SETTING = "foreign_issuer_tokens"  # identity → genuine token(s) from another issuer or tenant


class IssuerNotValidated(Check):
    """JWT from another issuer or tenant accepted.

    ## What it checks
    Presents the identity's genuine tokens from another issuer or tenant when the operator
    supplies them (`foreign_issuer_tokens` setting). Runs a tester-controlled issuer on the
    callback listener (OpenID metadata and a JWK Set with a key we generated), and presents the
    identity's claims with `iss` set to that issuer, signed with our key and without a `kid`: a
    verifier that discovers keys from the token's own `iss` accepts it. When another check has
    recovered a signing key, the identity's claims are also re-signed with a foreign `iss`, and
    the chain is reported.

    ## Why it matters
    A resource server that trusts any issuer, or fetches keys from whatever issuer the token
    names, accepts tokens minted by an attacker's own tenant or server: cross-tenant
    impersonation.

    ## Example
    `GET /me` with `{"iss":"http://127.0.0.1:40111", "sub":"1", …}` signed with our key → the
    API fetches `http://127.0.0.1:40111/.well-known/jwks.json` and answers with alice's profile.

    ## Remediation
    Compare `iss` exactly with the one issuer (or allowlist) configured for this API, and take
    keys only from that issuer's configured JWKS; identify users by `iss` + `sub`.

    ## References
    RFC 7519 §4.1.1 · RFC 8725 §3.8 · RFC 9068 §4 · OIDC Core §3.1.3.7 · ASVS 5.0 V9.1.3,
    V10.3.3 · CWE-287, CWE-346

    ## Decision rule
    CHECKS.md #16: vulnerable (critical) when the foreign-issuer token is *accepted* by the
    shared judge and reproduces with junk controls; safe when refused. The listener binds
    127.0.0.1, so without a loopback target or an external `oob_url` the check is inconclusive
    ("not tested").
    """

    id = "jwt-issuer-not-validated"
    title = "JWT issuer not validated"
    family = Family.JWT
    severity = Severity.CRITICAL
    cwe = (287, 346)
    owasp = "API2:2023"
    needs = frozenset({"jwt"})
    granularity = "api"
    max_requests = 12
    # ~5 per usable probe operation, 0 on one no identity can use; measured with
    # benchmarks/estimate_accuracy.py
    expected_requests = 3

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        external, loopback = oob_listen_settings(ctx)
        listener_usable = external is not None or loopback
        if not listener_usable and not ctx.facts.settings.get(SETTING):
            raise Inconclusive(
                "not tested: a tester-run issuer needs a loopback target or an external oob_url "
                f"(or supply tokens in {SETTING}); proven by chaining when a signing key is "
                "recovered"
            )
        probe = await open_probe(ctx)
        mine = probe.claims.get("iss")
        supplied = [
            (f"{probe.identity}'s token from issuer {_issuer(token)}", token)
            for token in supplied_tokens(ctx, SETTING, probe.identity)
            if _issuer(token) not in (None, mine)
        ]
        if supplied:
            trial = await try_forgeries(ctx, probe, supplied)
            if trial.accepted is not None:
                yield await self._finding(ctx, probe, trial.accepted, None)
                return
            trial.require_decision()
        if not listener_usable:
            if not supplied:
                raise Inconclusive(f"not tested: no token of {probe.identity} in {SETTING}")
            return
        key = _issuer_key()
        async with ctx.callback_listener() as issuer:
            base = issuer.base_url
            jwks = {"keys": [{**public_jwk(key.public_key()), "alg": "RS256", "use": "sig"}]}
            metadata = {"issuer": base, "jwks_uri": f"{base}/.well-known/jwks.json"}
            issuer.publish(
                {
                    "/.well-known/jwks.json": json.dumps(jwks).encode(),
                    "/.well-known/openid-configuration": json.dumps(metadata).encode(),
                }
            )
            header = {k: v for k, v in probe.jws.header.items() if k not in ("kid", "jku", "jwk")}
            token = sign(header, {**probe.claims, "iss": base}, key, "RS256")
            label = f"iss {base}, an issuer we run, signed with its key"
            trial = await try_forgeries(ctx, probe, [(label, token)])
            fetched = sorted({hit.path for hit in issuer.hits()})
        if trial.accepted is None:
            trial.require_decision()
            return
        yield await self._finding(ctx, probe, trial.accepted, fetched)

    async def _finding(
        self, ctx: Context, probe: JwtProbe, accepted: Attempt, fetched: list[str] | None
    ) -> Finding:
        """`fetched`: what the target took from our issuer (None for a supplied token)."""
        how = "" if fetched is None else f"; it fetched {', '.join(fetched) or 'nothing'} from us"
        finding, _ = await forgery_finding(
            ctx,
            self,
            probe,
            accepted,
            description=(
                f"{probe.operation.key} accepted {probe.identity}'s claims from a foreign issuer "
                f"({accepted.label}){how}. It {accepted.judgement.reason}."
            ),
            details={} if fetched is None else {"fetched": fetched},
        )
        return finding


def _issuer(token: str) -> str | None:
    try:
        issuer = (parse_compact(token).payload or {}).get("iss")
    except JoseError:
        return None
    return issuer if isinstance(issuer, str) else None


@functools.cache
def _issuer_key() -> rsa.RSAPrivateKey:
    """Our issuer's signing key: generated once per process, never leaves it."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
