"""authz-bola-read (CHECKS.md #21); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

from authsift.analysis import Baseline, alike, markers_present, similarity
from authsift.analysis.wording import human_list, human_value
from authsift.checks.authz._inventory import Inventory, KnownObject, inventory, request_for
from authsift.checks.authz._objects import create, creator_of, delete
from authsift.checks.authz._ownership import (
    carries_personal_data,
    nonexistent_like,
    object_markers,
    proves_owner_object,
)
from authsift.checks.authz._producers import last_param
from authsift.checks.base import Check, Context, Inconclusive
from authsift.model import (
    Confidence,
    Evidence,
    Exchange,
    Family,
    Finding,
    HttpRequest,
    HttpResponse,
    Operation,
    Severity,
)
from authsift.spec.classify import looks_privileged

_SIMILAR = 0.90
_OBJECTS_PER_OWNER = 2


@dataclass(frozen=True, slots=True)
class _Attempt:
    """What one (owner, intruder, object) probe showed when it was not a finding."""

    decided: bool  # True: safe for this pair; False: could not tell
    reason: str


class BolaRead(Check):
    """Another user's object can be read by changing its id (BOLA / IDOR).

    ## What it checks
    For each operation that reads one object by id (`GET /orders/{order_id}`), takes an object
    that one identity owns — from the config's `resources` seeds or from that identity's own
    collection listing (`GET /orders`) — and requests it as every other non-admin identity.
    Ownership is exclusive: objects that two accounts both see (public, or shared on purpose)
    are never used. With `checks.intrusive` and no known object, the owner creates one (every
    free text field a unique canary) and deletes it afterwards.

    ## Why it matters
    Broken object-level authorization is the most exploited API flaw (OWASP API1:2023): the
    server checks *that* you are logged in, not *whose* object you ask for, so anyone with an
    account reads everyone's orders, invoices or messages by counting ids.

    ## Example
    bob sends `GET /orders/1` → `200 OK` with alice's order (`owner_email: alice@example.com`),
    while the same request without a credential is refused with `401`.

    ## Remediation
    Check ownership (or a sharing grant) in every handler that takes an object id, ideally in one
    data-access layer that scopes queries by the caller (`WHERE owner_id = :caller`). Answer 404
    for objects the caller may not see. Random ids (UUIDs) slow enumeration but are not a fix.

    ## References
    OWASP API1:2023 · ASVS 5.0 V8.2.2, V8.4.1 · ASVS 4.0.3 V4.2.1 · WSTG-ATHZ-04 · CWE-639, CWE-284

    ## Decision rule
    CHECKS.md #21. Per (owner A, intruder B): A's request sent twice (volatile fields masked), an
    anonymous control, B's attempt, B reading B's own object of the same type (control i) and B
    asking for an id that does not exist (control iii). Vulnerable only when B's answer has A's
    status, is ≥ 90 % similar to A's answer, differs from the not-found answer, and carries values
    of A's object that appear neither in B's own object, nor in the not-found or anonymous
    answers, nor in the URL B sent (one e-mail/UUID/long value, or two others); and only while the
    anonymous control is refused — if anonymous callers get the object too, that is
    `authz-unauthenticated-access` or a public object, not BOLA. Admin intruders are skipped. The
    positive is re-sent twice, interleaved with the anonymous control. Critical when the object
    carries an e-mail address or ids are sequential integers.
    """

    id = "authz-bola-read"
    title = "Another user's object is readable (BOLA)"
    family = Family.AUTHZ
    severity = Severity.HIGH
    cwe = (639, 284)
    owasp = "API1:2023"
    needs = frozenset({"two_identities"})
    max_requests = 60
    expected_requests = (
        16  # owner ×2, intruder, anonymous, controls; measured on the lab and a test API
    )
    remediation = (
        "Enforce ownership in every handler that takes an object id (scope the query by the "
        "caller, or check a sharing grant) and answer 404 for objects the caller may not see."
    )
    references = ("OWASP API1:2023", "ASVS 5.0 V8.2.2", "ASVS 4.0.3 V4.2.1", "WSTG-ATHZ-04")

    def applies_to(self, operation: Operation) -> str | None:
        if operation.method != "GET" or last_param(operation.path) is None:
            return "not a read of one object by id"
        if looks_privileged(operation):
            return "administrative function (authz-bfla-privileged-function covers it)"
        return None

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        assert ctx.operation is not None
        inv = await inventory(ctx)
        undecided: list[str] = []
        tried = 0
        intruders = [p for p in inv.representatives() if not ctx.is_privileged(p)]
        for owner in inv.representatives():
            objects = inv.owned_by(owner, ctx.operation.path)[:_OBJECTS_PER_OWNER]
            for intruder in intruders:
                if inv.same_principal(owner, intruder):
                    continue
                for obj in objects:
                    tried += 1
                    outcome = await self._probe(ctx, inv, owner, intruder, obj)
                    if isinstance(outcome, Finding):
                        yield outcome
                        return
                    if outcome.decided:
                        break
                    undecided.append(f"{intruder} on {owner}'s {obj.object_id}: {outcome.reason}")
        if not tried and ctx.facts.intrusive and creator_of(ctx, ctx.operation.path):
            outcome = await self._on_created(ctx, inv, intruders)
            if isinstance(outcome, Finding):
                yield outcome
                return
            if outcome.decided:
                return
            raise Inconclusive(outcome.reason)
        if not tried:
            shared = any(inv.visible_to(p, ctx.operation.path) for p in inv.representatives())
            raise Inconclusive(
                "every object of this type that was found is seen by several accounts (shared "
                "or public): no private object to test"
                if shared
                else "no object of this type is known for any identity (add `resources` seeds, "
                "or a collection endpoint that lists them)"
            )
        if undecided:
            raise Inconclusive("; ".join(undecided[:3]))

    async def _on_created(
        self, ctx: Context, inv: Inventory, intruders: list[str]
    ) -> Finding | _Attempt:
        """Intrusive mode, no known object: the owner creates one (with canaries), the intruder
        reads it, and the owner deletes it again whatever the outcome."""
        assert ctx.operation is not None
        owner = intruders[0] if intruders else None
        intruder = next((p for p in intruders if owner and not inv.same_principal(p, owner)), None)
        if owner is None or intruder is None:
            return _Attempt(False, "needs two non-admin identities of different accounts")
        made = await create(ctx, ctx.operation.path, owner)
        if made is None:
            return _Attempt(False, f"no known object, and none could be created as {owner}")
        try:
            obj = KnownObject(ctx.operation.path, tuple(sorted(made.params.items())), "created")
            return await self._probe(ctx, inv, owner, intruder, obj)
        finally:
            await delete(ctx, made)

    async def _probe(
        self, ctx: Context, inv: Inventory, owner: str, intruder: str, obj: KnownObject
    ) -> Finding | _Attempt:
        op = ctx.operation
        assert op is not None
        if inv.sees(intruder, op.path, obj.params):
            return _Attempt(True, "the intruder lists this object itself (shared or public)")
        request = request_for(ctx, op, obj.values, owner)
        first = await ctx.send(request, identity=owner)
        second = await ctx.send(request, identity=owner)
        anonymous = await ctx.send(request)
        if first.response is None or second.response is None:
            return _Attempt(False, "the owner's request failed")
        base = Baseline.from_responses(
            (first.response, second.response),
            none=anonymous.response,
            identity_markers=inv.markers_of(owner),
        )
        usable, why = base.usable
        if not usable:
            return _Attempt(False, f"owner's answer: {why}")
        if anonymous.response is not None and alike(
            anonymous.response, base.reference, base.volatile, _SIMILAR
        ):
            return _Attempt(True, "anonymous callers get the object too: public, not BOLA")
        attempt = await ctx.send(request, identity=intruder)
        missing = await ctx.send(_missing_request(ctx, op, obj, intruder), identity=intruder)
        if not self._like_owner(attempt.response, base) or (
            missing.response is not None
            and attempt.response is not None
            and alike(attempt.response, missing.response, base.volatile, _SIMILAR)
        ):
            return self._refused(attempt, base)
        own = await self._own_object(ctx, inv, intruder)
        if own is not None and (own.response is None or not 200 <= own.response.status < 300):
            return _Attempt(False, f"control (i): {intruder} could not read its own object")
        markers = object_markers(
            base.reference,
            base.volatile,
            excluding=[own.response if own else None, missing.response, anonymous.response],
            requested=obj.values.values(),
        ) | (inv.markers_of(owner) - inv.markers_of(intruder))
        assert attempt.response is not None
        found = markers_present(attempt.response, markers)
        if not proves_owner_object(found):
            return _Attempt(
                False, "answered like the owner but carries nothing unique to the owner's object"
            )
        if not await self._reproduces(
            ctx, attempt.request, intruder, anonymous.request, base, found
        ):
            return _Attempt(False, "the intruder's access did not reproduce on re-send")
        ctx.identity = intruder  # the finding's identity is the attacker
        return self._finding(
            ctx, owner, intruder, obj, found, first, anonymous, attempt, own, missing
        )

    def _like_owner(self, response: HttpResponse | None, base: Baseline) -> bool:
        return (
            response is not None
            and 200 <= response.status < 300
            and response.status == base.reference.status
            and similarity(response, base.reference, base.volatile) >= _SIMILAR
        )

    def _refused(self, attempt: Exchange, base: Baseline) -> _Attempt:
        status = attempt.status
        if status is not None and (400 <= status < 500 and status != 429):
            return _Attempt(True, f"refused ({status})")
        if status is not None and 200 <= status < 300:
            return _Attempt(True, "answered like a missing object, not like the owner's object")
        return _Attempt(False, f"the intruder's attempt got {status or attempt.error}")

    async def _own_object(self, ctx: Context, inv: Inventory, intruder: str) -> Exchange | None:
        op = ctx.operation
        assert op is not None
        mine = inv.owned_by(intruder, op.path)
        if not mine:
            return None
        return await ctx.send(request_for(ctx, op, mine[0].values, intruder), identity=intruder)

    async def _reproduces(
        self,
        ctx: Context,
        request: HttpRequest,
        intruder: str,
        anonymous: HttpRequest,
        base: Baseline,
        found: frozenset[str],
    ) -> bool:
        """CHECKS.md §1.2: re-sent twice, interleaved with the anonymous control."""
        no_cache = replace(request, headers=(*request.headers, ("Cache-Control", "no-cache")))
        for _ in range(2):
            again = await ctx.send(no_cache, identity=intruder)
            if not self._like_owner(again.response, base) or again.response is None:
                return False
            if markers_present(again.response, found) != found:
                return False
            control = await ctx.send(anonymous)
            if control.response is not None and alike(
                control.response, base.reference, base.volatile, _SIMILAR
            ):
                return False
        return True

    def _finding(
        self,
        ctx: Context,
        owner: str,
        intruder: str,
        obj: KnownObject,
        found: frozenset[str],
        first: Exchange,
        anonymous: Exchange,
        attempt: Exchange,
        own: Exchange | None,
        missing: Exchange,
    ) -> Finding:
        assert ctx.operation is not None and attempt.response is not None
        personal = carries_personal_data(found)
        sequential = obj.object_id.isdigit()
        shown = sorted(found, key=len, reverse=True)[:4]
        evidence = [
            Evidence(f"{owner} reads its own object", first),
            Evidence("the same request without credentials (refused)", anonymous),
            Evidence(f"{intruder} reads {owner}'s object", attempt, f"carries {human_list(shown)}"),
        ]
        if own is not None:
            evidence.append(Evidence(f"{intruder} reads its own object (control)", own))
        evidence.append(Evidence(f"{intruder} asks for an id that does not exist", missing))
        why = []
        if personal:
            why.append("the object carries personal data (e-mail)")
        if sequential:
            why.append("ids are sequential integers")
        score = similarity(attempt.response, first.response or attempt.response)
        return ctx.finding(
            self,
            description=(
                f"{intruder} read {owner}'s object {human_value(obj.object_id, quote=False)} "
                f"through "
                f"{ctx.operation.key}: the answer is {score:.0%} like {owner}'s own and carries "
                f"values of {owner}'s object that {intruder}'s own object does not "
                f"({human_list(shown)}), while the request without credentials is refused. "
                "Confirmed by two re-sends." + (f" Critical: {' and '.join(why)}." if why else "")
            ),
            evidence=evidence,
            confidence=Confidence.CERTAIN,
            severity=Severity.CRITICAL if why else Severity.HIGH,
            victim=owner,
            reproduce=attempt,
            details={
                "object": obj.values,
                "id_source": obj.source,
                "markers": shown,
                "similarity": round(score, 3),
            },
        )


def _missing_request(
    ctx: Context, op: Operation, obj: KnownObject, as_identity: str
) -> HttpRequest:
    name = last_param(op.path)
    assert name is not None
    return request_for(ctx, op, {**obj.values, name: nonexistent_like(obj.object_id)}, as_identity)
