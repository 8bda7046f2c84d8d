"""oauth-sender-constraint-downgrade (CHECKS.md #63); the user-facing doc is the class
docstring."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from authsift.checks.base import Check, Context, Inconclusive, NotApplicable
from authsift.checks.oauth._dpop import ALG, STALE_SECONDS, Proof, ProofKey
from authsift.checks.oauth._flow import Agent, client_settings, issue_code
from authsift.checks.oauth._metadata import ServerMetadata, require_metadata
from authsift.checks.oauth._token import token_answer
from authsift.model import Confidence, Evidence, Exchange, Family, Finding, HttpRequest, Severity

_REJECTED = (400, 401, 403)
_TITLES = {
    Severity.HIGH: None,
    Severity.MEDIUM: "DPoP proof checks incomplete at the resource",
    Severity.LOW: "DPoP proof replay accepted",
}


@dataclass(frozen=True, slots=True)
class _Probe:
    label: str  # "(a) …": what was sent
    severity: Severity
    attempt: Callable[[], Awaitable[Exchange]]  # a fresh attempt each call


class OAuthSenderConstraintDowngrade(Check):
    """A DPoP-bound access token works without its proof of possession.

    ## What it checks
    When the metadata advertises DPoP (`dpop_signing_alg_values_supported`, RFC 9449 §5.1),
    gets an access token through a complete code flow whose token request carries a DPoP proof
    (ES256, a fresh key), and requires `token_type: DPoP`. The resource is the server's own
    UserInfo endpoint (OIDC Core §5.3): the one resource every OpenID Provider serves and that
    must honour the binding; the API's own resource servers are not probed here. A control
    request with the `DPoP` scheme and a correct proof must succeed. Then it presents the token:
    (a) as `Authorization: Bearer` without a proof; (b) with the `DPoP` scheme and no `DPoP`
    header; (c) with a proof by another key (naming that key, and naming the bound key but
    signed by another); (d) with a proof for the wrong method (`htm`), for another URI (`htu`),
    without `ath`, or with an `iat` ten minutes old; (e) with the control's proof again. Accepted
    means the control's status and the same `sub`. When the server asks for a DPoP nonce
    (`use_dpop_nonce`, §8, §9), the proofs carry it and the old-`iat` probe is left out (a
    server-managed nonce may stand in for `iat`, §4.3 step 11). Not tested: mTLS-bound tokens
    (RFC 8705; the scan has no client certificate) and bound refresh tokens of public clients
    (§5, probe (f) of CHECKS.md; the configured client is confidential).

    ## Why it matters
    Sender-constraining is what makes a leaked access token useless to the thief (RFC 9700
    §4.10.1). A resource that still takes the token as a bearer token, or that does not check
    whose key signed the proof, gives that protection up while the client pays for it.

    ## Example
    `POST /token` with `DPoP: <proof>` → `token_type: DPoP`; `GET /userinfo` with
    `Authorization: Bearer <token>` and no proof → `200 {"sub": "…"}`.

    ## Remediation
    At every resource, look up the token's `cnf.jkt` and, when present, refuse the `Bearer`
    scheme; verify each proof as RFC 9449 §4.3 lists (signature by the header's key, `htm`,
    `htu`, `iat` window, `ath`), compare its key's JWK thumbprint with `jkt`, and keep the
    proofs' `jti` for the acceptance window (§11.1).

    ## References
    RFC 9449 §4.3, §5, §7.1, §7.2, §11.1 · RFC 9700 §2.2.1, §4.10.1 · RFC 8705 §3 ·
    ASVS 5.0 V10.3.5 · CWE-294, CWE-345

    ## Decision rule
    CHECKS.md #63. RFC 9449 §7.2: a resource "MUST reject a DPoP-bound access token received
    as a bearer token". High when (a), (b) or (c) is accepted; medium when only (d) is
    (§4.3: `htm`, `htu`, `iat` and `ath` must be checked); low when only the replay (e) is
    (§11.1). Each acceptance is re-sent twice, each time followed by a random bearer token that
    must be refused. Safe when every probe is refused (400, 401 or 403). Not applicable without
    DPoP in the metadata; inconclusive when the token is not bound (`token_type` other than
    DPoP), when the correct proof is refused, or when an answer is neither.
    """

    id = "oauth-sender-constraint-downgrade"
    title = "DPoP-bound token accepted without proof of possession"
    family = Family.OAUTH
    severity = Severity.HIGH
    cwe = (294, 345)
    owasp = "API2:2023"
    needs = frozenset({"oauth", "client", "oauth_user"})
    granularity = "server"
    max_requests = 64
    expected_requests = 16

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        metadata = await require_metadata(ctx)
        algs = metadata.listed("dpop_signing_alg_values_supported")
        if not algs:
            raise NotApplicable(
                "the authorization server does not advertise DPoP "
                "(no dpop_signing_alg_values_supported, RFC 9449 §5.1); "
                "mTLS-bound tokens (RFC 8705) are not tested"
            )
        if ALG not in algs:
            raise Inconclusive(f"DPoP is advertised for {' '.join(algs)}; the proofs use {ALG}")
        resource = metadata.endpoint("userinfo_endpoint")
        if resource is None:
            raise Inconclusive("the metadata names no userinfo_endpoint to present the token at")
        proof = Proof()
        token = await _bound_token(ctx, metadata, proof)
        session = _Resource(ctx, resource, token, proof)
        control = await session.control()
        probes = _probes(session, metadata, control)
        accepted: list[tuple[_Probe, Exchange]] = []
        unclear: list[str] = []
        for probe in probes:
            exchange = await probe.attempt()
            verdict = session.verdict(exchange)
            if verdict is None:
                unclear.append(f"{probe.label}: {exchange.status or exchange.error}")
            elif verdict and await session.reproduces(probe):
                accepted.append((probe, exchange))
        if not accepted:
            if unclear:
                raise Inconclusive("answers neither accepted nor refused: " + "; ".join(unclear))
            return
        worst = max(probe.severity for probe, _ in accepted)
        labels = "; ".join(probe.label for probe, _ in accepted)
        yield ctx.finding(
            self,
            title=_TITLES[worst],
            description=f"The DPoP-bound access token (token_type DPoP, bound to key "
            f"{proof.key.thumbprint}) was accepted at {resource} with: {labels}. Each was "
            "re-sent twice while a random bearer token stayed refused.",
            evidence=[
                Evidence(f"correct proof (control): {control.status}", control),
                *(Evidence(f"{p.label}: accepted ({e.status})", e) for p, e in accepted),
            ],
            confidence=Confidence.CERTAIN,
            severity=worst,
            reproduce=accepted[0][1],
            details={"jkt": proof.key.thumbprint, "resource": resource},
            api_wide=True,
        )


async def _bound_token(ctx: Context, metadata: ServerMetadata, proof: Proof) -> str:
    """An access token from a code flow whose token request carried a DPoP proof."""
    endpoint = metadata.endpoint("token_endpoint")
    if endpoint is None:
        raise Inconclusive("the metadata names no token_endpoint")
    agent = Agent(ctx, metadata)
    issued = await issue_code(agent)
    client = client_settings(ctx)
    reply = await agent.token(issued.fields(), client=client, dpop=proof.make("POST", endpoint))
    answer = token_answer(reply)
    nonce = reply.response.header("DPoP-Nonce") if reply.response else None
    if answer.get("error") == "use_dpop_nonce" and nonce:  # RFC 9449 §8
        proof.nonce = nonce
        reply = await agent.token(issued.fields(), client=client, dpop=proof.make("POST", endpoint))
        answer = token_answer(reply)
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        raise Inconclusive(
            "no access token for a code redeemed with a DPoP proof: "
            + str(answer.get("error") or reply.status or reply.error)
        )
    kind = str(answer.get("token_type") or "")
    if kind.lower() != "dpop":
        raise Inconclusive(
            f"the token endpoint answered token_type {kind or '(none)'} to a request with a valid "
            "DPoP proof: the token is not sender-constrained, nothing to downgrade"
        )
    return token


class _Resource:
    """The bound token at one resource: requests, the control and the verdicts."""

    def __init__(self, ctx: Context, url: str, token: str, proof: Proof) -> None:
        self.ctx, self.url, self.token, self.proof = ctx, url, token, proof
        self.sub: object = None
        self.body: object = None
        self.status = 0

    async def send(self, scheme: str, dpop: str | None = None, token: str = "") -> Exchange:
        headers = [("Authorization", f"{scheme} {token or self.token}")]
        if dpop is not None:
            headers.append(("DPoP", dpop))
        request = HttpRequest("GET", self.url, (*headers, ("Cache-Control", "no-cache")))
        return await self.ctx.send(request, ceremony=True)

    def good_proof(self) -> str:
        return self.proof.make("GET", self.url, self.token)

    async def control(self) -> Exchange:
        """The bound token with a correct proof: must be accepted (with the resource's nonce
        when it asks for one, RFC 9449 §9)."""
        exchange = await self.send("DPoP", self.good_proof())
        response = exchange.response
        nonce = response.header("DPoP-Nonce") if response is not None else None
        challenge = (response.header("WWW-Authenticate") or "") if response is not None else ""
        if (
            response is not None
            and response.status == 401
            and nonce
            and "use_dpop_nonce" in challenge
        ):
            self.proof.nonce = nonce
            exchange = await self.send("DPoP", self.good_proof())
        if exchange.response is None or not 200 <= exchange.response.status < 300:
            raise Inconclusive(
                f"{self.url} refused the DPoP-bound token with a correct proof "
                f"({exchange.status or exchange.error}): the binding cannot be tested there"
            )
        self.status, self.body = exchange.response.status, _json(exchange)
        self.sub = self.body.get("sub") if isinstance(self.body, dict) else None
        return exchange

    def verdict(self, exchange: Exchange) -> bool | None:
        """True accepted (the control's status and subject), False refused, None unclear."""
        if exchange.response is None:
            return None
        if exchange.status in _REJECTED:
            return False
        if exchange.status != self.status:
            return None
        body = _json(exchange)
        same = body.get("sub") == self.sub if isinstance(body, dict) else False
        if self.sub is None:
            same = body == self.body
        return True if same else None

    async def reproduces(self, probe: _Probe) -> bool:
        """Twice more, each followed by a random bearer token that must be refused."""
        for _ in range(2):
            if self.verdict(await probe.attempt()) is not True:
                return False
            junk = await self.send("Bearer", token=secrets.token_urlsafe(32))
            if self.verdict(junk) is not False:
                return False
        return True


def _probes(session: _Resource, metadata: ServerMetadata, control: Exchange) -> list[_Probe]:
    url, token, proof = session.url, session.token, session.proof
    other = ProofKey()
    elsewhere = metadata.endpoint("token_endpoint") or url.rstrip("/") + "/other"

    def with_proof(make: Callable[[], str]) -> Callable[[], Awaitable[Exchange]]:
        return lambda: session.send("DPoP", make())

    fresh = [True]  # the first replay re-sends the control's own proof

    async def replayed() -> Exchange:
        if fresh and fresh.pop():
            return await session.ctx.send(control.request, ceremony=True)
        twice = session.good_proof()
        await session.send("DPoP", twice)
        return await session.send("DPoP", twice)

    high, medium = Severity.HIGH, Severity.MEDIUM
    probes = [
        _Probe("(a) Bearer scheme, no proof", high, lambda: session.send("Bearer")),
        _Probe("(b) DPoP scheme, no DPoP header", high, lambda: session.send("DPoP")),
        _Probe(
            "(c) a proof by another key",
            high,
            with_proof(lambda: proof.make("GET", url, token, signer=other)),
        ),
        _Probe(
            "(c) a proof naming the bound key, signed by another",
            high,
            with_proof(lambda: proof.make("GET", url, token, signer=other, header_key=proof.key)),
        ),
        _Probe(
            "(d) a proof for another method (htm POST)",
            medium,
            with_proof(lambda: proof.make("POST", url, token)),
        ),
        _Probe(
            f"(d) a proof for another URI (htu {elsewhere})",
            medium,
            with_proof(lambda: proof.make("GET", elsewhere, token)),
        ),
        _Probe(
            "(d) a proof without ath",
            medium,
            with_proof(lambda: proof.make("GET", url, token, with_ath=False)),
        ),
        _Probe("(e) the same proof twice", Severity.LOW, replayed),
    ]
    if proof.nonce is None:  # §4.3 step 11: a server-provided nonce may stand in for iat
        probes.insert(
            -1,
            _Probe(
                f"(d) a proof with iat {STALE_SECONDS} s old",
                medium,
                with_proof(lambda: proof.make("GET", url, token, age=STALE_SECONDS)),
            ),
        )
    return probes


def _json(exchange: Exchange) -> object:
    try:
        return json.loads(exchange.response.body) if exchange.response else None
    except (ValueError, UnicodeDecodeError):
        return None
