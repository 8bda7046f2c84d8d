"""authz-bola-read (CHECKS.md #21); the user-facing doc is the class docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from authsift.analysis import (
    SIMILARITY_THRESHOLD,
    Baseline,
    alike,
    answers_like,
    exchange_json,
    markers_present,
)
from authsift.analysis.sensitivity import describe, private_properties, properties_carrying
from authsift.checks.authz._bola_finding import BolaExchanges, BolaProof, bola_finding
from authsift.checks.authz._inventory import (
    Inventory,
    KnownObject,
    inventory,
    request_for,
    seeded_params,
)
from authsift.checks.authz._object_refs import objects_for, query_references
from authsift.checks.authz._objects import create, creator_of, delete
from authsift.checks.authz._ownership import (
    nonexistent_like,
    object_markers,
    proves_owner_object,
)
from authsift.checks.authz._producers import path_params
from authsift.checks.authz._sharing import sharing_evidence
from authsift.checks.base import Check, Context, Inconclusive
from authsift.model import (
    Exchange,
    Family,
    Finding,
    HttpRequest,
    Operation,
    Severity,
)
from authsift.spec.classify import looks_privileged

_OBJECTS_PER_OWNER = 2
_CANDIDATES_PER_OWNER = 8
_NOT_AN_OBJECT = frozenset({400, 404, 410, 422})


@dataclass(frozen=True, slots=True)
class _Attempt:
    """What one (owner, intruder, object) probe showed when it was not a finding."""

    decided: bool  # True: safe for this pair; False: could not tell
    reason: str
    not_here: bool = False  # the value names no object of this operation for its owner


class BolaRead(Check):
    """Another user's object can be read by changing its id (BOLA / IDOR).

    ## What it checks
    For each operation that reads one object by id (`GET /orders/{order_id}`), takes an object
    that one identity owns — from the config's `resources` seeds or from that identity's own
    collection listing (`GET /orders`) — and requests it as every other non-admin identity.
    Ownership comes from evidence that does not depend on the access under test: a `resources`
    seed, an owner field naming the identity (`author: alice`), a listing scoped to it, or an
    object the scanner created. With `checks.intrusive` and no known object, the owner creates
    one (every free text field a unique canary) and deletes it afterwards.

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
    answers, nor in the URL B sent (one e-mail/UUID/long value, or two others), and at least one
    of them is a private property (`analysis/sensitivity.py`: e-mail, phone, free text, money…);
    directory data alone (id, user name, display name, picture) is "readable by other users",
    not a finding. Not BOLA on positive evidence only (`_sharing.py`): `policy.shared` /
    `policy.public`, a spec that documents the operation as needing no authentication, a public
    flag in the object, a value naming B, or a reference to something B holds (its clinic, store,
    company, or an account B lists through a listing scoped to it). That B, or an anonymous
    caller, can read the object is never such evidence. Admin intruders are skipped. The positive
    is re-sent twice, interleaved with the anonymous control when anonymous callers are refused.
    Critical when the object carries personal data, ids are sequential integers, or anonymous
    callers get it too.
    """

    id = "authz-bola-read"
    title = "Another user's object is readable (BOLA)"
    family = Family.AUTHZ
    severity = Severity.HIGH
    cwe = (639, 284)
    owasp = "API1:2023"
    needs = frozenset({"two_identities"})
    max_requests = 60
    # Per task, measured with benchmarks/estimate_accuracy.py: 24 with the lab's seeds, 7 with
    # the config `authsift init` writes (no seeds: most reads stop at "no known owner"); the
    # mean keeps both scans within the ±20 % the dry run promises.
    expected_requests = 11

    def applies_to(self, operation: Operation) -> str | None:
        if operation.method != "GET" or (
            not path_params(operation.path) and not query_references(operation)
        ):
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
        not_here: list[str] = []
        for owner in inv.representatives():
            # A seed under a shared name (`id` on a DRF-style API) may name an object of another
            # type: values the owner itself cannot read here are passed over, not failures.
            candidates = objects_for(ctx, inv, owner)[:_CANDIDATES_PER_OWNER]
            unusable: set[tuple[tuple[str, str], ...]] = set()
            for intruder in intruders:
                if inv.same_principal(owner, intruder):
                    continue
                used = 0
                for obj in candidates:
                    if used >= _OBJECTS_PER_OWNER:
                        break
                    if obj.params in unusable:
                        continue
                    outcome = await self._probe(ctx, inv, owner, intruder, obj)
                    if isinstance(outcome, Finding):
                        yield outcome
                        return
                    if outcome.not_here:
                        unusable.add(obj.params)
                        not_here.append(f"{owner}'s {obj.object_id} ({outcome.reason})")
                        continue
                    used += 1
                    tried += 1
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
        if not tried and not_here:
            raise Inconclusive(
                "no seeded value names an object its owner can read here: "
                + "; ".join(not_here[:3])
            )
        if not tried:
            shared = any(inv.visible_to(p, ctx.operation.path) for p in inv.representatives())
            raise Inconclusive(
                "objects of this type were found, but none with evidence of its owner (a "
                "`resources` seed, an owner field naming the identity, or a listing scoped to "
                "it): add `resources` seeds"
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
        seeded_too = obj.object_id in ctx.facts.resources.get(intruder, {}).get(
            obj.object_key or "", ()
        )
        if seeded_too or inv.principal(intruder) in inv.co_owners(op.path, obj.params):
            return _Attempt(True, f"the config seeds this object for {intruder} too (co-owned)")
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
            identity=owner,
        )
        usable, why = base.usable
        status = first.response.status
        if not usable and (obj.source == "identity" or status in _NOT_AN_OBJECT):
            return _Attempt(False, f"{owner} gets {status}", not_here=True)
        if not usable:
            return _Attempt(False, f"owner's answer: {why}")
        # Anonymous callers getting the owner's object is no evidence that it is public: it is
        # tested like any other access (and reported by authz-unauthenticated-access).
        anonymous_too = anonymous.response is not None and alike(
            anonymous.response, base.reference, base.volatile, SIMILARITY_THRESHOLD
        )
        attempt, missing = await self._attempt(ctx, base, obj, owner, intruder)
        if not answers_like(attempt.response, base) or _like_missing(attempt, missing, base):
            return self._refused(attempt, base)
        own = await self._own_object(ctx, inv, intruder)
        if own is not None and (own.response is None or not 200 <= own.response.status < 300):
            return _Attempt(False, f"control (i): {intruder} could not read its own object")
        excluded = [own.response if own else None, missing.response]
        markers = object_markers(
            base.reference,
            base.volatile,
            excluding=excluded if anonymous_too else [*excluded, anonymous.response],
            requested=obj.values.values(),
        ) | (inv.markers_of(owner) - inv.markers_of(intruder))
        assert attempt.response is not None
        found = markers_present(attempt.response, markers)
        if not proves_owner_object(found):
            return _Attempt(
                False, "answered like the owner but carries nothing unique to the owner's object"
            )
        owner_answer = exchange_json(first)
        shared = sharing_evidence(ctx, inv, op, obj, owner_answer, intruder)
        if shared is not None:
            return _Attempt(True, f"{intruder} may read it: {shared}")
        leaked = properties_carrying(owner_answer, found)
        private = private_properties(leaked) if leaked else []
        if leaked and not private:
            return _Attempt(
                True,
                f"{intruder} reads only directory data of {owner}'s object "
                f"({describe(leaked)}): readable by other users, not a breach",
            )
        control = None if anonymous_too else anonymous.request
        if not await self._reproduces(ctx, attempt.request, intruder, control, base, found):
            return _Attempt(False, "the intruder's access did not reproduce on re-send")
        return bola_finding(
            ctx,
            self,
            BolaProof(owner, intruder, obj, found, private, anonymous_too),
            BolaExchanges(first, anonymous, attempt, own, missing),
        )

    async def _attempt(
        self,
        ctx: Context,
        base: Baseline,
        obj: KnownObject,
        owner: str,
        intruder: str,
    ) -> tuple[Exchange, Exchange]:
        """The intruder asks for the owner's object — for a nested resource also under its own
        parent (`/clinics/{mine}/appointments/{theirs}`: membership checked on the parent, the
        child loaded by id alone, the most common BOLA in multi-tenant APIs). Returns the first
        attempt that answers like the owner (else the last), with its not-found control: the
        same parent and an id that exists for nobody."""
        op = ctx.operation
        name = obj.object_key
        assert op is not None and name is not None
        values = obj.values
        variants = [dict(values)]
        parents = {
            key: value
            for key, value in seeded_params(ctx, op, intruder).items()
            if key != name and values.get(key) not in (None, value)
        }
        if parents:
            variants.append({**values, **parents})
        for variant in variants:
            request = request_for(ctx, op, variant, owner)
            attempt = await ctx.send(request, identity=intruder)
            absent = {**variant, name: nonexistent_like(values.get(name, ""))}
            missing = await ctx.send(request_for(ctx, op, absent, intruder), identity=intruder)
            if answers_like(attempt.response, base) and not _like_missing(attempt, missing, base):
                break
        return attempt, missing

    def _refused(self, attempt: Exchange, base: Baseline) -> _Attempt:
        status = attempt.status
        if status is not None and (400 <= status < 500 and status != 429):
            return _Attempt(True, f"refused ({status})")
        if status is not None and 200 <= status < 300:
            return _Attempt(True, "answered like a missing object, not like the owner's object")
        return _Attempt(False, f"the intruder's attempt got {status or attempt.error}")

    async def _own_object(self, ctx: Context, inv: Inventory, intruder: str) -> Exchange | None:
        """Control (i): the intruder reads an object of its own of the same type. Values that
        name no object here for the intruder itself (a guess from its user id, a seed under a
        shared name such as `id` that names another type) are passed over: no object of its
        own is no failed control."""
        op = ctx.operation
        assert op is not None
        mine = sorted(objects_for(ctx, inv, intruder), key=lambda o: o.source == "identity")
        last: Exchange | None = None
        for obj in mine[:_CANDIDATES_PER_OWNER]:
            own = await ctx.send(request_for(ctx, op, obj.values, intruder), identity=intruder)
            if own.status is not None and 200 <= own.status < 300:
                return own
            if own.status not in _NOT_AN_OBJECT and obj.source != "identity":
                last = own
        return last

    async def _reproduces(
        self,
        ctx: Context,
        request: HttpRequest,
        intruder: str,
        anonymous: HttpRequest | None,
        base: Baseline,
        found: frozenset[str],
    ) -> bool:
        """CHECKS.md §1.2: re-sent twice, interleaved with the anonymous control (when anonymous
        callers are refused); each re-send answers like the owner and carries the same owner
        markers, each control does not."""

        def still_owner_data(again: Exchange) -> bool:
            return (
                answers_like(again.response, base)
                and again.response is not None
                and markers_present(again.response, found) == found
            )

        def control_refused(control: Exchange) -> bool:
            return control.response is None or not alike(
                control.response, base.reference, base.volatile, SIMILARITY_THRESHOLD
            )

        return await ctx.reproduces(
            request,
            still_owner_data,
            identity=intruder,
            control=None if anonymous is None else (lambda: anonymous),
            control_holds=control_refused,
        )


def _like_missing(attempt: Exchange, missing: Exchange, base: Baseline) -> bool:
    """The attempt is answered like an id that exists for nobody: not the owner's object."""
    return (
        missing.response is not None
        and attempt.response is not None
        and alike(attempt.response, missing.response, base.volatile, SIMILARITY_THRESHOLD)
    )
