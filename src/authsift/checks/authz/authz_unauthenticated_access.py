"""authz-unauthenticated-access (CHECKS.md #19); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

from authsift.analysis import (
    Baseline,
    answers_like,
    is_strong_marker,
    markers_present,
    similarity,
)
from authsift.analysis.bodies import json_body, json_leaves
from authsift.analysis.sensitivity import describe, private_properties, properties_carrying
from authsift.checks.base import Check, Context, Inconclusive, NotApplicable
from authsift.model import (
    Confidence,
    Evidence,
    Family,
    Finding,
    HttpRequest,
    HttpResponse,
    Operation,
    ParamLocation,
    Severity,
)
from authsift.spec.classify import looks_privileged, operation_matches


class UnauthenticatedAccess(Check):
    """Protected endpoint works without credentials.

    ## What it checks
    Replays each operation's valid request with every credential removed (no Authorization, Cookie
    or API-key header or query parameter), and again with a bare `Authorization: Bearer` header.

    ## Why it matters
    An endpoint that answers anonymous callers like logged-in ones has no authentication at all:
    anyone on the network reads what the identity reads (OWASP API2:2023 "Other microservices can
    access it without authentication", API5:2023).

    ## Example
    `GET /orders/1` with no credential → `200 OK` with alice's order, the same answer alice gets.

    ## Remediation
    Require authentication by default (deny unless a route is explicitly public) and declare the
    public operations in the OpenAPI document with `security: []`.

    ## References
    OWASP API2:2023, API5:2023 · ASVS 5.0 V8.2.1, V8.3.1 · WSTG-ATHN-04, WSTG-ATHZ-02 ·
    CWE-306, CWE-862

    ## Decision rule
    CHECKS.md #19, in its fewer-false-positives reading. The anonymous answer must be 2xx, equal in
    status and at least 90 % similar to the identity's valid answer (volatile fields masked), and
    reproduce on two re-sends, on an operation the spec does not document as public (`security:
    []`, an empty alternative, or no requirement where the rest of the spec declares them). It is
    reported only with a reason to believe the resource is protected, from evidence other than
    the anonymous answer: the answer carries the identity's own markers; the operation is an
    admin function; the request names an object the config seeds for the identity and the
    anonymous answer carries its private properties (e-mail, free text, money…) or its content
    (a download); or another non-admin identity is refused the same request. An answer that is
    the same for everyone and carries nothing private of anyone looks public: inconclusive,
    never vulnerable.
    """

    id = "authz-unauthenticated-access"
    title = "Protected endpoint answers without credentials"
    family = Family.AUTHZ
    severity = Severity.CRITICAL
    cwe = (306, 862)
    owasp = "API2:2023"
    needs = frozenset({"credential"})
    max_requests = 6
    # One anonymous replay; confirmation only on a finding; measured with
    # benchmarks/estimate_accuracy.py
    expected_requests = 1

    def applies_to(self, operation: Operation) -> str | None:
        if operation.declared_public:
            return "declared public (security: [])"
        if not operation.is_read_only:
            return "state-changing: replaying it would change data the scanner does not own"
        return None

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        assert ctx.operation is not None
        op = ctx.operation
        public = ctx.facts.policy.get("public") or []
        if any(operation_matches(str(p), op.method, op.path) for p in public):
            raise NotApplicable("the config's policy.public declares it public")
        base = await ctx.baseline()
        identity = ctx.identity
        assert identity is not None and ctx.operation is not None  # baseline() chose the identity
        valid_exchange, none_exchange, _ = ctx.baseline_exchanges()
        anonymous = none_exchange.request  # the baseline's R_none is this check's first probe
        bare = replace(anonymous, headers=(*anonymous.headers, ("Authorization", "Bearer")))
        for label, exchange in (
            ("no credentials", none_exchange),
            ("a bare `Authorization: Bearer` header", await ctx.send(bare)),
        ):
            if not answers_like(exchange.response, base):
                continue
            assert exchange.response is not None
            carried = frozenset(
                m for m in markers_present(exchange.response, base.markers) if is_strong_marker(m)
            )
            reason = await self._why_protected(
                ctx, exchange.request, identity, carried, exchange.response
            )
            if reason is None:
                raise Inconclusive(
                    "answers anonymous callers like every identity and carries nothing of the "
                    "caller: looks public (declare it with `security: []`)"
                )
            if not await _reproduces(ctx, exchange.request, base):
                raise Inconclusive("anonymous access did not reproduce on re-send")
            score = similarity(exchange.response, base.reference, base.volatile)
            yield ctx.finding(
                self,
                description=(
                    f"{ctx.operation.key} answered a request with {label} as it answers {identity} "
                    f"(similarity {score:.2f}, confirmed twice): {reason}."
                ),
                evidence=[
                    Evidence(f"valid request as {identity}", valid_exchange),
                    Evidence(f"request with {label}", exchange, reason),
                ],
                confidence=Confidence.CERTAIN if carried else Confidence.FIRM,
                severity=Severity.CRITICAL
                if carried or looks_privileged(ctx.operation)
                else Severity.HIGH,
                reproduce=exchange,
                details={
                    "variant": label,
                    "similarity": round(score, 3),
                    "markers": sorted(carried),
                },
            )
            return

    async def _why_protected(
        self,
        ctx: Context,
        request: HttpRequest,
        identity: str,
        carried: frozenset[str],
        answer: HttpResponse,
    ) -> str | None:
        """A reason to believe the resource is protected, from evidence independent of the
        anonymous answer itself; None when nothing says so (it looks public)."""
        assert ctx.operation is not None
        if carried:
            shown = ", ".join(sorted(carried)[:3])
            return f"the anonymous answer carries {identity}'s own data ({shown})"
        if looks_privileged(ctx.operation):
            return "the operation is an administrative function"
        owned = _owned_object(ctx, identity)
        if owned is not None:
            parsed = json_body(answer)
            body = parsed.value if parsed is not None else None
            private = private_properties(properties_carrying(body, _values(body)))
            if private:
                return (
                    f"the request names {identity}'s object ({owned}, seeded in the config) and "
                    f"the anonymous answer carries its private properties {describe(private)}"
                )
            kind = (answer.header("Content-Type") or "").split(";")[0].strip().lower()
            if parsed is None and answer.body.strip() and not kind.startswith("image/"):
                # a download (text, CSV, PDF): the object's content itself, not directory data
                return (
                    f"the request names {identity}'s object ({owned}, seeded in the config) and "
                    f"the anonymous answer is its content ({len(answer.body)} bytes of "
                    f"{kind or 'unlabelled data'})"
                )
        # Another account refused the same request: access-controlled. Every non-admin account
        # is asked (an admin listed first must not make everything look public).
        for other in ctx.identities:
            if other == identity or ctx.is_privileged(other):
                continue
            probe = await ctx.send(ctx.build(as_identity=identity), identity=other)
            if probe.status in (401, 403, 404):
                return (
                    f"{other} is refused the same request ({probe.status}), "
                    "so it is access-controlled"
                )
        return None


async def _reproduces(ctx: Context, request: HttpRequest, base: Baseline) -> bool:
    """The anonymous request, re-sent, keeps answering like the identity's own request."""
    return await ctx.reproduces(request, lambda again: answers_like(again.response, base))


def _owned_object(ctx: Context, identity: str) -> str | None:
    """`order_id 7` when the request names an object the config seeds for `identity` (a path
    parameter, or a required query parameter, filled from its `resources`), else None."""
    assert ctx.operation is not None
    seeds = ctx.facts.resources.get(identity, {})
    for param in ctx.operation.parameters:
        addressed = param.location is ParamLocation.PATH or (
            param.location is ParamLocation.QUERY and param.required
        )
        if addressed and seeds.get(param.name):
            return f"{param.name} {seeds[param.name][0]}"
    return None


def _values(body: object) -> list[str]:
    return [str(leaf) for _, leaf in json_leaves(body) if leaf is not None and leaf is not True]
