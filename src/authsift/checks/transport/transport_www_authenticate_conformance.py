"""transport-www-authenticate-conformance (CHECKS.md #69); the user-facing doc is the class
docstring."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from authsift.checks.base import Check, Context, Inconclusive, NotApplicable
from authsift.checks.transport._recorded import OperationIndex, answered, review_once, where
from authsift.model import Confidence, Evidence, Exchange, Family, Finding, Severity

# RFC 9110 §11.6.1: challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]; auth-scheme = token
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_CHALLENGE_START = re.compile(rf"^\s*{_TOKEN}(?:\s|$)")
_PARAM = re.compile(rf'({_TOKEN})\s*=\s*("(?:[^"\\]|\\.)*"|{_TOKEN})')
_NO_INVALID_TOKEN = 'Rejected bearer token without error="invalid_token"'
_BEARER = re.compile(r"^\s*(?:Bearer|DPoP)\b", re.IGNORECASE)


@dataclass(slots=True)
class _Problem:
    title: str
    severity: Severity
    rule: str
    first: Exchange
    places: set[str] = field(default_factory=set)


class TransportWwwAuthenticateConformance(Check):
    """Authentication errors not signalled per RFC 9110 / RFC 6750 (`WWW-Authenticate`).

    ## What it checks
    Reviews every `401` the scan received (baselines without a credential and with a junk one,
    expired and forged tokens of the other checks) and every Bearer challenge:
    - each 401 carries `WWW-Authenticate` with a well-formed challenge (RFC 9110 §11.6.1);
    - a request that sent no credential gets no `error` attribute (RFC 6750 §3.1);
    - a rejected Bearer token gets `error="invalid_token"` (RFC 6750 §3.1);
    - `realm` and `scope` appear at most once in a Bearer challenge (RFC 6750 §3).

    ## Why it matters
    Clients, SDKs and gateways decide from the challenge whether to refresh a token, ask the
    user to log in again or give up; a 401 without one leaves them guessing, and inconsistent
    error signalling hides real authentication failures in monitoring. A conformance gap with
    limited direct impact.

    ## Example
    `GET /me` with an expired token → `401 {"detail": "invalid token"}` and no
    `WWW-Authenticate` header.

    ## Remediation
    Answer every 401 with `WWW-Authenticate: Bearer realm="api"` (no credential sent) or
    `WWW-Authenticate: Bearer error="invalid_token", error_description="…"` (a bad token); most
    frameworks' Bearer authentication classes do this when raised through their own exception.

    ## References
    RFC 9110 §11.6.1, §15.5.2 · RFC 6750 §3, §3.1 · RFC 9449 §7.1 · OWASP API8:2023 · CWE-209

    ## Decision rule
    Passive. Judged when the API sends a challenge on at least one 401: its authentication layer
    knows the rule, and the 401s that forget it (a token rejected by another code path) are the
    finding. An API that never sends `WWW-Authenticate` is skipped with that reason, not
    reported: the reading with fewer false positives (CHECKS.md preamble) for a conformance gap
    most home-grown APIs share. Only answers on the spec's operations count (not the login form,
    not discovery probes); a 401 to one of the scan's own live tokens (a route wanting another
    credential) is not a rejected token. RFC 9110 §15.5.2: "The server generating a 401 response
    MUST send a WWW-Authenticate header field containing at least one challenge" — missing or
    malformed: low. RFC 6750 §3.1: without authentication information "the resource server
    SHOULD NOT include an error code", and with a rejected token it includes `invalid_token` (judged
    when some 401 of the API carries an error code) —
    each a SHOULD: info. §3: "The "realm" attribute MUST NOT appear more than once" (likewise
    `scope`): low. One finding per rule, API-wide (one authentication layer answers them all),
    listing where it was seen.
    """

    id = "transport-www-authenticate-conformance"
    title = "Authentication errors not signalled per RFC 6750 / RFC 9110"
    family = Family.TRANSPORT
    severity = Severity.LOW
    cwe = (209,)
    owasp = "API8:2023"
    granularity = "api"
    baselines = "none"
    phase = "review"
    max_requests = 0

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        review_once(ctx, self)
        index = OperationIndex(ctx.operations, ctx.facts.target)
        problems: dict[str, _Problem] = {}
        seen = challenged = coded = 0
        for exchange in answered(ctx):
            if exchange.status != 401 or index.of(exchange) is None:
                continue  # the spec's operations: not the login form, not discovery probes
            seen += 1
            challenge = (
                exchange.response.header("WWW-Authenticate") if exchange.response else ""
            ) or ""
            challenged += bool(challenge)
            coded += bool(re.search(r"\berror\s*=", challenge))
            known = bool(ctx.secrets_in(exchange.request.header("Authorization") or ""))
            for title, severity, rule in _problems(exchange, known):
                problem = problems.setdefault(title, _Problem(title, severity, rule, exchange))
                problem.places.add(where(exchange))
        if seen == 0:
            raise Inconclusive("no operation of the spec answered 401 during the scan")
        if coded == 0:  # RFC 6750 §3.1's codes are a SHOULD: judged where the API uses them
            problems.pop(_NO_INVALID_TOKEN, None)
        if challenged == 0:
            raise NotApplicable(
                f"none of the {seen} 401 answers carries WWW-Authenticate: the API does not use "
                "HTTP authentication challenges at all (RFC 9110 §15.5.2 asks for one); reported "
                "only when some 401s carry a challenge and others do not"
            )
        for problem in problems.values():
            places = sorted(problem.places)
            shown = ", ".join(places[:5]) + (
                f" and {len(places) - 5} more" if len(places) > 5 else ""
            )
            yield ctx.finding(
                self,
                title=problem.title,
                description=f"{problem.title}: seen on {shown}. {problem.rule}",
                evidence=[Evidence("a 401 answer", problem.first)],
                severity=problem.severity,
                confidence=Confidence.CERTAIN,
                details={"seen_on": places},
                api_wide=True,
                identity=problem.first.identity,
            )


def _problems(exchange: Exchange, known: bool) -> list[tuple[str, Severity, str]]:
    """What is wrong with one 401; `known`: it answered one of the scan's own live tokens (a
    route that wants another credential), which is not a rejected token."""
    response = exchange.response
    assert response is not None
    challenges = [v for k, v in response.headers if k.lower() == "www-authenticate"]
    if not challenges:
        return [
            (
                "401 without a WWW-Authenticate challenge",
                Severity.LOW,
                'RFC 9110 §15.5.2: a 401 "MUST send a WWW-Authenticate header field containing '
                'at least one challenge".',
            )
        ]
    found: list[tuple[str, Severity, str]] = []
    if not all(_CHALLENGE_START.match(value) for value in challenges):
        found.append(
            (
                "Malformed WWW-Authenticate challenge",
                Severity.LOW,
                "RFC 9110 §11.6.1: a challenge begins with the auth-scheme token.",
            )
        )
    bearer = [value for value in challenges if _BEARER.match(value)]
    if not bearer:
        return found
    params = [(name.lower(), value.strip('"')) for name, value in _PARAM.findall(bearer[0])]
    names = [name for name, _ in params]
    errors = [value for name, value in params if name == "error"]
    if names.count("realm") > 1 or names.count("scope") > 1:
        found.append(
            (
                "Bearer challenge repeats realm or scope",
                Severity.LOW,
                'RFC 6750 §3: the "realm" and "scope" attributes "MUST NOT appear more than once".',
            )
        )
    header = exchange.request.header("Authorization")
    sent = (header or "").strip()
    if len(sent.split()) < 2:
        sent = ""  # a scheme without a credential: malformed, neither rule below speaks of it
    if header is None and errors and not _other_credential(exchange):
        found.append(
            (
                "Error code in the challenge to a request without credentials",
                Severity.INFO,
                "RFC 6750 §3.1: if the request lacks any authentication information, the "
                'resource server "SHOULD NOT include an error code".',
            )
        )
    if (
        _BEARER.match(sent)
        and not known
        and errors != ["invalid_token"]
        and "insufficient_scope" not in errors
    ):
        found.append(
            (
                _NO_INVALID_TOKEN,
                Severity.INFO,
                "RFC 6750 §3.1: an expired, revoked, malformed or invalid token is signalled "
                'with `error="invalid_token"`.',
            )
        )
    return found


def _other_credential(exchange: Exchange) -> bool:
    """A credential outside Authorization (API key header, cookie): the request was not bare."""
    return any(
        name.lower() in {"cookie", "x-api-key", "api-key"} for name, _ in exchange.request.headers
    )
