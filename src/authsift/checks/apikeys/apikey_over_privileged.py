"""apikey-over-privileged (CHECKS.md #4); the user-facing doc is the class docstring."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator

from authsift.analysis import SIMILARITY_THRESHOLD, similar_at_least
from authsift.checks.apikeys._keys import key_identities
from authsift.checks.apikeys._writes import passed_authorization, resubmit
from authsift.checks.authz._inventory import inventory, request_for
from authsift.checks.authz._objects import create, creator_of, delete, read_back, still_there
from authsift.checks.authz._producers import last_param
from authsift.checks.authz.authz_scope_not_enforced import read_only_scopes
from authsift.checks.base import Check, Context, Inconclusive, NotApplicable
from authsift.model import (
    Confidence,
    Evidence,
    Exchange,
    Family,
    Finding,
    HttpRequest,
    Operation,
    Severity,
)

_REFUSED = frozenset({401, 403})
_OBJECTS_PER_OWNER = 1
_READ_ESTIMATE = 8


def _like(answer: Exchange, reference: Exchange) -> bool:
    """The key's answer is the owner's: same 2xx status, ≥ 90 % similar."""
    mine, theirs = answer.response, reference.response
    return (
        mine is not None
        and theirs is not None
        and mine.status == theirs.status
        and similar_at_least(mine, theirs, SIMILARITY_THRESHOLD, frozenset())
    )


def _same(request: HttpRequest) -> HttpRequest:
    return request


def _refused(answer: Exchange) -> bool:
    return answer.status in _REFUSED


class ApikeyOverPrivileged(Check):
    """API key exceeds its declared scope or tenant.

    ## What it checks
    Two things, for every API-key identity:
    - **scope** (with `checks.intrusive: true`): a key the config declares read-only
      (`scopes: [read]`) tries to write. Where the API lets clients name objects (a project's
      `slug` in the `POST` body), the key reads an existing object and posts it back unchanged —
      a write that cannot change anything, so nothing is left behind; elsewhere it creates a
      canary object that is read back and deleted.
    - **tenant** (read-only): the key reads an object that the inventory shows another account
      owns (config seeds, owner fields, identity-scoped listings; the evidence of the authz
      checks, imported from them).

    ## Why it matters
    Scopes and tenants are how an operator hands a key to a reporting job or a partner with less
    than everything. If the API only checks that the key is *active*, every leaked read-only key
    is a full-access key, and one customer's key reads another's data (OWASP API5:2023,
    API1:2023).

    ## Example
    Key with `scopes: [read]` → `POST /orgs/acme/projects` with an existing project's own values
    → `409 Conflict` (the write reached the data layer) instead of `403 insufficient_scope`.

    ## Remediation
    Store scopes (and the tenant) with each key and check them on every operation, before any
    other processing; answer 403 with `error="insufficient_scope"` (RFC 6750 §3.1).

    ## References
    RFC 9700 §2.3 · RFC 6750 §3.1 · OWASP API5:2023 · OWASP API1:2023 · ASVS 5.0 V8.2.1 ·
    ASVS 4.0.3 V4.1.3 · CWE-285 · CWE-269

    ## Decision rule
    CHECKS.md #4. Scope: vulnerable when the read-only key's no-op re-submission gets a 2xx
    naming the same object, or 409 Conflict, while the same request without credentials gets
    401/403, and this reproduces; or when its canary object is created and found on read-back.
    RFC 6750 §3.1: "insufficient_scope … The resource server SHOULD respond with the HTTP 403
    (Forbidden) status code"; 401/403 is safe. Tenant: vulnerable when the key's answer for
    another account's object is a 2xx ≥ 90 % similar to the owner's own answer while the
    anonymous request is refused, twice. Objects the key's account also reaches, objects the
    policy declares shared or public, and keys whose account the inventory could not establish
    (it may be the owner's own) are not tested. 404/405/422 are inconclusive, never a finding.
    """

    id = "apikey-over-privileged"
    title = "API key exceeds its scope or tenant"
    family = Family.APIKEY
    severity = Severity.HIGH
    cwe = (285, 269)
    owasp = "API5:2023"
    needs = frozenset({"api_key"})
    baselines = "none"
    max_requests = 8
    expected_requests = 2  # per create; measured: benchmarks/estimate_accuracy.py --intrusive

    def estimate(self, operation: Operation | None) -> int:
        """Object reads (the tenant variant, with the shared inventory) cost more than creates,
        most of which are not undoable creates and end at once (benchmarks/estimate_accuracy.py)."""
        if operation is not None and operation.method == "GET":
            return _READ_ESTIMATE
        return self.expected_requests

    def applies_to(self, operation: Operation) -> str | None:
        if operation.method == "POST" or (
            operation.method == "GET" and last_param(operation.path) is not None
        ):
            return None
        return "only creates (scope) and object reads (tenant) are probed"

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        operation = ctx.operation
        assert operation is not None
        keys = key_identities(ctx)
        if operation.method == "POST":
            limited = [k for k in keys if read_only_scopes(ctx.facts.identity_scopes.get(k, ()))]
            if not limited:
                raise NotApplicable("no API key is declared read-only (`identities[].scopes`)")
            if not ctx.facts.intrusive:
                raise NotApplicable("writes with a read-only key need checks.intrusive")
            for key in limited:
                finding = await self._scope(ctx, operation, key)
                if finding is not None:
                    yield finding
                    return
            return
        finding = await self._tenant(ctx, operation, keys)
        if finding is not None:
            yield finding

    async def _scope(self, ctx: Context, post: Operation, key: str) -> Finding | None:
        scopes = " ".join(ctx.facts.identity_scopes.get(key, ()))
        attempt = await resubmit(ctx, post, key)
        if attempt is not None:
            verdict = passed_authorization(attempt)
            if verdict is None:
                raise Inconclusive(
                    f"the read-only key's no-op write got {attempt.write.status}, the anonymous "
                    f"one {attempt.anonymous.status}: neither a refusal nor a write"
                )
            if not verdict:
                return None
            confirmed = await ctx.reproduces(
                attempt.request,
                lambda again: again.status == attempt.write.status,
                identity=key,
                control=functools.partial(_same, attempt.request),
                control_holds=_refused,
            )
            if not confirmed:
                raise Inconclusive("the read-only key's write did not reproduce")
            return ctx.finding(
                self,
                identity=key,
                description=(
                    f"{key}'s API key (scopes: {scopes}) got through to the write of "
                    f"{post.key}: posting an existing object back unchanged answered "
                    f"{attempt.write.status} instead of 403, while the same request without "
                    "credentials was refused. Nothing was changed: the values were the object's "
                    "own."
                ),
                evidence=[
                    Evidence(f"read as {key}", attempt.read, "the object, as it is"),
                    Evidence("the same object posted back without credentials", attempt.anonymous),
                    Evidence(f"posted back as {key}", attempt.write, "not refused"),
                ],
                confidence=Confidence.FIRM,
                reproduce=attempt.write,
                details={
                    "scopes": scopes.split(),
                    "variant": "scope",
                    "status": attempt.write.status,
                },
            )
        return await self._canary(ctx, post, key, scopes)

    async def _canary(self, ctx: Context, post: Operation, key: str, scopes: str) -> Finding | None:
        template = next(
            (
                op.path
                for op in ctx.operations
                if op.method == "DELETE" and creator_of(ctx, op.path) == post
            ),
            None,
        )
        if template is None:
            raise NotApplicable(
                "not a create the scanner can undo (no client-named object to post back "
                "unchanged, no DELETE for what it creates)"
            )
        obj = await create(ctx, template, key)
        if obj is None:
            return None
        try:
            reading = await read_back(ctx, obj)
            if still_there(obj, reading) is not True or reading is None:
                return None
            return ctx.finding(
                self,
                identity=key,
                description=(
                    f"{key}'s API key (scopes: {scopes}) created an object with {post.key}; "
                    "reading it back found it (the scanner then deleted it)."
                ),
                evidence=[
                    Evidence(f"create as {key}", obj.creation, "accepted although read-only"),
                    Evidence("read back", reading, "the object exists"),
                ],
                confidence=Confidence.CERTAIN,
                reproduce=obj.creation,
                details={"scopes": scopes.split(), "variant": "scope", "object": obj.params},
            )
        finally:
            await delete(ctx, obj)

    async def _tenant(self, ctx: Context, reader: Operation, keys: list[str]) -> Finding | None:
        policy = ctx.facts.policy
        if reader.key in set(policy.get("shared") or ()) | set(policy.get("public") or ()):
            raise NotApplicable("the policy declares this operation shared or public")
        inv = await inventory(ctx)
        tested = False
        for key in keys:
            if key not in inv.known:
                continue  # its account is unknown: it may be the owner's own key
            for owner in inv.representatives():
                if inv.same_principal(owner, key) or ctx.is_privileged(owner):
                    continue
                for obj in inv.owned_by(owner, reader.path)[:_OBJECTS_PER_OWNER]:
                    if inv.sees(key, reader.path, obj.params) or inv.co_owners(
                        reader.path, obj.params
                    ) - {inv.principal(owner)}:
                        continue
                    tested = True
                    request = request_for(ctx, reader, obj.values, owner)
                    theirs = await ctx.send(request, identity=owner)
                    if theirs.response is None or not 200 <= theirs.response.status < 300:
                        continue
                    mine = await ctx.send(request, identity=key)
                    holds = functools.partial(_like, reference=theirs)
                    if not holds(mine) or not await ctx.reproduces(
                        request,
                        holds,
                        identity=key,
                        control=functools.partial(_same, request),
                        control_holds=_refused,
                    ):
                        continue
                    return ctx.finding(
                        self,
                        identity=key,
                        victim=owner,
                        description=(
                            f"{key}'s API key read {owner}'s object with {reader.key}: the "
                            f"answer matches what {owner} gets, while the anonymous request is "
                            "refused. Confirmed twice."
                        ),
                        evidence=[
                            Evidence(f"read as the owner, {owner}", theirs),
                            Evidence(f"the same read with {key}'s key", mine, "the owner's object"),
                        ],
                        confidence=Confidence.CERTAIN,
                        reproduce=mine,
                        details={"variant": "tenant", "object": obj.values},
                    )
        if not tested:
            raise NotApplicable("no other account's object to read with a key of a known account")
        return None
