"""transport-cleartext-credentials (CHECKS.md #70); the user-facing doc is the class docstring."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

from authsift.analysis import Verdict
from authsift.checks.base import Check, Context, CoveredElsewhere, Inconclusive
from authsift.model import Confidence, Evidence, Exchange, Family, Finding, HttpRequest, Severity

_DONE = "transport-cleartext-credentials:done"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class TransportCleartextCredentials(Check):
    """Credentials accepted, or redirected, over plain HTTP.

    ## What it checks
    - An **https** target: replays the identity's request on `http://` (same host, port 80)
      carrying a junk credential of the same shape (never the real one), and reads whether the
      application answers it or redirects; checks `Strict-Transport-Security` on the https
      answers.
    - An **http** target on a public address: the scan itself sent the credentials in clear
      text, and the API accepted them.
    - An **http** target on a loopback or private address (a lab, a container, an app behind a
      TLS-terminating proxy): replays the identity's request marked
      `X-Forwarded-Proto: http`, the header a TLS-terminating proxy uses to tell the app that
      the client spoke plain HTTP, and reads whether the app refuses or redirects it.

    ## Why it matters
    A bearer token, API key or password that crosses the network in clear text is readable by
    anyone on the path (Wi-Fi, proxies, ISPs). An API that processes such a request — or
    silently redirects it — teaches clients that http works, so a typo or a downgrade leaks
    every credential (RFC 6750 §5.3: "Always use TLS").

    ## Example
    `GET /me` with `X-Forwarded-Proto: http` and alice's token → `200` with her profile, and
    no `Strict-Transport-Security` on any answer.

    ## Remediation
    Serve the API over https only: refuse (do not redirect) credentialed API requests that
    arrive over http, behind a proxy by honouring `X-Forwarded-Proto`; send
    `Strict-Transport-Security: max-age=31536000; includeSubDomains` on every response.

    ## References
    RFC 6750 §5.3 · RFC 9700 §2.6 · RFC 6797 · OWASP API8:2023 · ASVS 5.0 V12.2.1, V4.1.2 ·
    ASVS 4.0.3 V9.1.1, V14.4.5 · WSTG-ATHN-01 · CWE-319 · CWE-523

    ## Decision rule
    https target: the http replay answered by the application (2xx or 4xx that is not a
    refusal by a TLS rule) → high; a redirect → medium (the credential already crossed in
    clear text, and 307/308 resend the body); connection refused → safe; no HSTS → low.
    Public http target: the baseline was accepted in clear text → high, certain.
    Loopback or private http target: the marked request *accepted* by the shared judge (same
    answer as the baseline) is a finding only when the operator says the API is meant to be
    https-only (`policy.https_only: true`), medium, firm: the scanner cannot see the proxy in
    front, and most apps leave TLS to it. Without that policy the check is inconclusive and
    says what it saw; refused or redirected → safe. We chose this reading (fewer false
    positives, CHECKS.md preamble): a plain app on 127.0.0.1 is not proof of a cleartext
    deployment.
    """

    id = "transport-cleartext-credentials"
    title = "Credentials accepted over plain HTTP"
    family = Family.TRANSPORT
    severity = Severity.HIGH
    cwe = (319, 523)
    owasp = "API8:2023"
    needs = frozenset({"credential"})
    granularity = "api"
    max_requests = 5  # the marked request, then two re-sends each with a junk control
    expected_requests = 2  # one task probes; the other representative operations are covered

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        if ctx.shared.get(_DONE):
            raise CoveredElsewhere("cleartext transport was probed on another operation")
        base = await ctx.baseline()
        identity = base.identity or ctx.identity
        ctx.shared[_DONE] = True
        target = urlsplit(ctx.facts.target)
        valid = ctx.baseline_exchanges(identity=identity)[0]
        if target.scheme == "https":
            async for finding in self._https(ctx, identity, valid):
                yield finding
            return
        if not _local(target.hostname or ""):
            yield ctx.finding(
                self,
                description=(
                    f"The target is plain http on a public address ({target.hostname}): the "
                    "scan's credentials crossed the network in clear text and were accepted."
                ),
                evidence=[Evidence("credentialed request over http", valid)],
                confidence=Confidence.CERTAIN,
                api_wide=True,
                identity=identity,
            )
            return
        marked = _with(ctx.build(), ("X-Forwarded-Proto", "http"))
        answer = await ctx.send(marked, identity=identity)
        if answer.status in _REDIRECTS or ctx.judge(answer, base).verdict is Verdict.REJECTED:
            return  # the app enforces https behind its proxy
        if ctx.judge(answer, base).verdict is not Verdict.ACCEPTED:
            raise Inconclusive(f"the request marked X-Forwarded-Proto: http got {answer.status}")
        hsts = _hsts(valid)
        if not ctx.facts.policy.get("https_only"):
            raise Inconclusive(
                "the app processes credentials on a request marked X-Forwarded-Proto: http"
                + ("" if hsts else " and sends no Strict-Transport-Security")
                + "; whether a proxy in front enforces https cannot be seen from a loopback "
                "target (set policy.https_only: true to make this a finding)"
            )
        if not await ctx.confirm(marked, base, identity=identity):
            raise Inconclusive("the cleartext-marked request did not reproduce")
        yield ctx.finding(
            self,
            description=(
                "The API is meant to be https-only (policy.https_only), yet the application "
                "processes a credentialed request that its proxy marks as plain HTTP "
                "(`X-Forwarded-Proto: http`) exactly like one over TLS"
                + ("." if hsts else ", and sends no `Strict-Transport-Security` header.")
            ),
            evidence=[
                Evidence("baseline over TLS", valid),
                Evidence("same request marked X-Forwarded-Proto: http", answer),
            ],
            severity=Severity.MEDIUM,
            details={"hsts": hsts or None},
            api_wide=True,
            identity=identity,
        )

    async def _https(
        self, ctx: Context, identity: str | None, valid: Exchange
    ) -> AsyncIterator[Finding]:
        if not _hsts(valid):
            yield ctx.finding(
                self,
                title="No Strict-Transport-Security on https answers",
                description="The https answers carry no `Strict-Transport-Security` (RFC 6797).",
                evidence=[Evidence("https answer", valid)],
                severity=Severity.LOW,
                api_wide=True,
                identity=identity,
            )
        # the http origin is another origin: out of scope unless listed (the task says so)
        target = urlsplit(valid.request.url)
        plain = urlunsplit(("http", target.hostname or "", target.path, target.query, ""))
        probe = replace(ctx.junk_request(valid.request, identity), url=plain)
        answer = await ctx.send(probe)
        if answer.response is not None and answer.status not in _REDIRECTS:
            yield ctx.finding(
                self,
                description=(
                    f"The application answers credentialed requests on {plain} (HTTP "
                    f"{answer.status}): a client that uses http sends its credential in clear."
                ),
                evidence=[Evidence("junk credential over plain http", answer)],
                api_wide=True,
                identity=identity,
            )
        elif answer.response is not None:
            yield ctx.finding(
                self,
                title="API redirects plain-HTTP credentialed requests to https",
                description=(
                    f"{plain} answers {answer.status} with a redirect: the credential has "
                    "already crossed in clear text, and clients that follow it never notice."
                ),
                evidence=[Evidence("junk credential over plain http", answer)],
                severity=Severity.MEDIUM,
                api_wide=True,
                identity=identity,
            )


def _local(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def _with(request: HttpRequest, header: tuple[str, str]) -> HttpRequest:
    kept = tuple(h for h in request.headers if h[0].lower() != header[0].lower())
    return replace(request, headers=(*kept, header))


def _hsts(exchange: Exchange) -> str:
    response = exchange.response
    return (response.header("Strict-Transport-Security") or "") if response else ""
