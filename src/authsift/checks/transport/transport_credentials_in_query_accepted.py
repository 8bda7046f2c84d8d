"""transport-credentials-in-query-accepted (CHECKS.md #64); the user-facing doc is the class
docstring."""

from __future__ import annotations

import secrets
import string
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass

from authsift.analysis import Baseline, Verdict
from authsift.checks.base import Check, Context, CoveredElsewhere, Inconclusive
from authsift.model import Confidence, Evidence, Exchange, Family, Finding, HttpRequest, Severity

# The parameter names frameworks and SDKs read a credential from, per kind of credential.
_TOKEN_NAMES = ("access_token", "token", "jwt", "auth")
_KEY_NAMES = ("api_key", "apikey", "key", "token")
_CLAIM = "transport.query.claimed"
_ALPHABET = string.ascii_letters + string.digits + "-_"


def with_query(url: str, name: str, value: str) -> str:
    """`url` with the query parameter `name` set to `value` (any earlier one replaced)."""
    parts = urllib.parse.urlsplit(url)
    pairs = [
        (k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if k != name
    ]
    pairs.append((name, value))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(pairs)))


def junk_like(token: str) -> str:
    """A random value of the credential's length (a JWT keeps its header, so that a server
    that branches on the format still reaches its verifier)."""
    head, dot, _ = token.partition(".")
    if dot and head.startswith("eyJ"):
        rest = "".join(secrets.choice(_ALPHABET) for _ in range(max(16, len(token) - len(head))))
        return f"{head}.{rest[: len(rest) // 2]}.{rest[len(rest) // 2 :]}"
    return "".join(secrets.choice(_ALPHABET) for _ in range(max(8, len(token))))


@dataclass(frozen=True)
class _Subject:
    identity: str
    token: str
    base: Baseline
    valid: Exchange
    anonymous: HttpRequest
    names: tuple[str, ...]


def _query_names(ctx: Context, identity: str, token: str) -> tuple[str, ...]:
    if ctx.facts.identity_auth.get(identity) == "api_key":
        return _KEY_NAMES
    return _TOKEN_NAMES


class TransportCredentialsInQueryAccepted(Check):
    """Token or API key accepted in the URL query.

    ## What it checks
    Takes an identity's credential off its header or cookie and sends it as a URL query
    parameter instead: `?access_token=`, `?token=`, `?jwt=`, `?auth=` for tokens, `?api_key=`,
    `?apikey=`, `?key=`, `?token=` for API keys, on an operation whose answer depends on the
    credential.

    ## Why it matters
    URLs are written to access logs, proxy logs, browser history and `Referer` headers. A server
    that honours a credential in the query invites clients, links and redirects to put it there,
    where anyone reading those logs can replay it (OWASP API2:2023 "Sends … auth tokens and
    passwords in the URL").

    ## Example
    `GET /me?access_token=eyJ…` with no `Authorization` header → `200 OK` with alice's profile.

    ## Remediation
    Read credentials only from the `Authorization` header (or a dedicated header or cookie) and
    ignore query parameters with credential names. If a client truly cannot set headers, use the
    form-encoded body (RFC 6750 §2.2) or short-lived, single-purpose signed URLs.

    ## References
    RFC 6750 §2.3, §5.3 · OAuth 2.1 draft §5.1 · OWASP API2:2023 · ASVS 5.0 V14.2.1 ·
    ASVS 4.0.3 V3.1.1, V13.1.3 · CWE-598

    ## Decision rule
    CHECKS.md #64. RFC 6750 §2.3: "Because of the security weaknesses associated with the URI
    method (see Section 5), including the high likelihood that the URL containing the access
    token will be logged, it SHOULD NOT be used unless it is impossible to transport the access
    token in the "Authorization" request header field or the HTTP request entity-body." The
    OAuth 2.1 draft goes further: resource servers "MUST ignore access tokens in a URI query
    parameter". Vulnerable (medium) when the request with no credential but the query parameter
    is *accepted* by the shared judge against the identity's baselines (valid, no credential,
    junk credential) and reproduces twice while the same parameter carrying a junk value stays
    rejected. An identity the config places in the query (`auth.in: query`, i.e. the API
    documents an `apiKey` scheme `in: query` and the operator uses it) is not tested: the query
    is its declared channel, not a finding. The form-body variant is left out: the probes are
    read-only GETs. Reported once per API and kind of credential (access token, API key): one
    token identity and one key identity are tried.
    """

    id = "transport-credentials-in-query-accepted"
    title = "Credential accepted in the URL query"
    family = Family.TRANSPORT
    severity = Severity.MEDIUM
    cwe = (598,)
    owasp = "API2:2023"
    needs = frozenset({"credential"})
    granularity = "api"
    max_requests = 14
    expected_requests = 3  # measured: benchmarks/estimate_accuracy.py

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        operation = ctx.operation
        assert operation is not None
        claims: dict[str, str] = ctx.shared.setdefault(_CLAIM, {})
        subjects = [
            s
            for s in await self._subjects(ctx)
            if claims.setdefault(s.identity, operation.key) == operation.key
        ]
        if not subjects:  # each identity is tested once, on the first operation it could be
            raise CoveredElsewhere(f"tested on {', '.join(sorted(set(claims.values())))}")
        odd: list[str] = []
        found = False
        for subject in subjects:
            for name in subject.names:
                request = HttpRequest(
                    subject.anonymous.method,
                    with_query(subject.anonymous.url, name, subject.token),
                    subject.anonymous.headers,
                    subject.anonymous.body,
                )
                exchange = await ctx.send(request)
                judgement = ctx.judge(exchange, subject.base)
                if judgement.verdict is Verdict.INCONCLUSIVE:
                    odd.append(f"{subject.identity} ?{name}= ({judgement.reason})")
                if judgement.verdict is not Verdict.ACCEPTED:
                    continue
                junk = HttpRequest(
                    request.method,
                    with_query(subject.anonymous.url, name, junk_like(subject.token)),
                    request.headers,
                    request.body,
                )
                if not await ctx.confirm(request, subject.base, control=junk):
                    odd.append(f"{subject.identity} ?{name}= (did not reproduce)")
                    continue
                yield self._finding(ctx, subject, name, exchange, judgement.reason)
                found = True
                break
        if odd and not found:
            raise Inconclusive("neither accepted nor ignored: " + "; ".join(odd))

    async def _subjects(self, ctx: Context) -> list[_Subject]:
        """Identities with a usable, credential-dependent baseline here whose credential is not
        placed in the query by the config: the task's own first, then one API key."""
        operation = ctx.operation
        if operation is None:
            raise Inconclusive("this check probes an operation")
        order = list(ctx.identities)
        keys = [n for n in order if ctx.facts.identity_auth.get(n) == "api_key"]
        others = [n for n in order if n not in keys]
        subjects: list[_Subject] = []
        reasons: list[str] = []
        for group in (others, keys):  # at most one identity of each kind
            for name in group:
                credential = ctx.credential(name)
                if credential is None or getattr(credential, "placement", "") == "query":
                    continue
                try:
                    base = await ctx.baseline(operation, name)
                except Inconclusive as exc:
                    reasons.append(f"{name}: {exc}")
                    continue
                if not base.depends_on_auth:
                    reasons.append(f"{name}: the answer does not depend on the credential")
                    continue
                valid, none, _ = ctx.baseline_exchanges(operation, name)
                names = _query_names(ctx, name, credential.token)
                subjects.append(_Subject(name, credential.token, base, valid, none.request, names))
                break
        if not subjects:
            raise Inconclusive("; ".join(reasons) or "no identity placed outside the query")
        return subjects

    def _finding(
        self, ctx: Context, subject: _Subject, name: str, exchange: Exchange, reason: str
    ) -> Finding:
        operation = ctx.operation
        assert operation is not None
        kind = "API key" if subject.names == _KEY_NAMES else "Access token"
        return ctx.finding(
            self,
            title=f"{kind} accepted in the URL query",
            identity=subject.identity,
            description=(
                f"{operation.key} accepted {subject.identity}'s credential as the URL query "
                f"parameter `{name}` with no header or cookie: {reason}. Confirmed twice, with "
                f"a junk `{name}` value rejected each time."
            ),
            evidence=[
                Evidence(f"valid request as {subject.identity}", subject.valid),
                Evidence(f"credential in ?{name}= only", exchange, reason),
            ],
            confidence=Confidence.CERTAIN,
            reproduce=exchange,
            details={"parameter": name},
            api_wide=True,
        )
