"""authz-bola-write (CHECKS.md #22); the user-facing doc is the class docstring."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

from authsift.analysis import markers_present
from authsift.analysis.wording import human_value
from authsift.checks.authz._inventory import inventory, request_for
from authsift.checks.authz._objects import (
    Created,
    canary,
    create,
    creator_of,
    delete,
    read_back,
    still_there,
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
    Operation,
    Safety,
    Severity,
)
from authsift.spec.classify import looks_privileged

_WRITES = frozenset({"PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class _Outcome:
    attempt: Exchange
    after: Exchange | None
    effect: str | None  # what B's request did to A's object, None when nothing


class BolaWrite(Check):
    """Another user's object can be modified or deleted (BOLA on writes).

    ## What it checks
    Creates a sacrificial object as one identity (every free text field set to a unique canary),
    then sends this operation against it as another identity — a `PUT`/`PATCH` that changes one
    field to a new marker, or a `DELETE` — and reads the object back as its owner. The object is
    deleted afterwards; anything that could not be removed is listed in the report.

    ## Why it matters
    Write access to other users' objects lets any account alter or destroy everyone's data
    (OWASP API1:2023). It often hides behind a correct read check: the handler was copied from
    an admin tool, or only the list endpoint filters by owner.

    ## Example
    bob sends `PATCH /documents/4f1c…` `{"title": "authsift-canary-…"}` → `200 OK`, and alice now
    reads her document with bob's title.

    ## Remediation
    Authorize every state-changing handler by ownership (or an explicit grant) before applying
    the change, in the same data-access layer as reads.

    ## References
    OWASP API1:2023 · ASVS 5.0 V8.2.2 · ASVS 4.0.3 V4.2.1 · WSTG-ATHZ-04 · CWE-639, CWE-284

    ## Decision rule
    CHECKS.md #22; intrusive, on scanner-created objects only. Vulnerable when the owner's
    read-back shows the intruder's marker, or the object gone after the intruder's `DELETE`.
    Safe when the intruder is refused and the object is unchanged. A 2xx with no change is
    reported as low ("misleading success"). Status codes alone are never trusted.
    """

    id = "authz-bola-write"
    title = "Another user's object can be modified or deleted (BOLA)"
    family = Family.AUTHZ
    severity = Severity.CRITICAL
    cwe = (639, 284)
    owasp = "API1:2023"
    safety = Safety.STATE_CHANGING
    needs = frozenset({"two_identities"})
    max_requests = 24
    # 24 requests over 5 tasks on the lab, both configs; measured with
    # benchmarks/estimate_accuracy.py
    expected_requests = 5

    def applies_to(self, operation: Operation) -> str | None:
        if operation.method not in _WRITES or last_param(operation.path) is None:
            return "not a write to one object by id"
        if looks_privileged(operation):
            return "administrative function (authz-bfla-privileged-function covers it)"
        return None

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        op = ctx.operation
        assert op is not None
        if creator_of(ctx, op.path) is None:
            raise Inconclusive(
                "no sacrificial object can be made here: the collection needs a JSON POST and "
                "the object a DELETE (only scanner-created objects are written to)"
            )
        inv = await inventory(ctx)
        users = [p for p in inv.representatives() if not ctx.is_privileged(p)]
        if len(users) < 2:
            raise Inconclusive("needs two non-admin identities of different accounts")
        owner, intruder = users[0], users[1]
        obj = await create(ctx, op.path, owner)
        if obj is None:
            raise Inconclusive(f"could not create a sacrificial object as {owner}")
        gone = False
        try:
            if still_there(obj, await read_back(ctx, obj)) is not True:
                raise Inconclusive("the created object cannot be read back by its owner")
            if op.method == "DELETE":
                outcome = await self._delete(ctx, obj, op, intruder)
                gone = outcome.effect is not None
            else:
                outcome = await self._modify(ctx, obj, op, intruder)
        finally:
            if not gone:
                await delete(ctx, obj)
        finding = self._verdict(ctx, obj, intruder, outcome)
        if finding is not None:
            yield finding

    async def _modify(self, ctx: Context, obj: Created, op: Operation, intruder: str) -> _Outcome:
        schema = op.request_body.schema if op.request_body is not None else {}
        properties = schema.get("properties") or {}
        field = next(
            (
                k
                for k, v in obj.sent.items()
                if v in obj.canaries and (not properties or k in properties)
            ),
            None,
        )
        if field is None:
            raise Inconclusive("no text field of the created object that this operation writes")
        marker = canary((properties.get(field) or {}).get("maxLength"))
        body = {field: marker} if op.method == "PATCH" else {**obj.sent, field: marker}
        built = request_for(ctx, op, obj.params, intruder)
        headers = tuple(h for h in built.headers if h[0].lower() != "content-type")
        request = HttpRequest(
            op.method,
            built.url,
            (*headers, ("Content-Type", "application/json")),
            json.dumps(body).encode(),
        )
        attempt = await ctx.send(request, identity=intruder)
        after = await read_back(ctx, obj)
        changed = (
            after is not None
            and after.response is not None
            and bool(markers_present(after.response, {marker}))
        )
        effect = (
            f"{field} changed to the intruder's marker {human_value(marker)}" if changed else None
        )
        return _Outcome(attempt, after, effect)

    async def _delete(self, ctx: Context, obj: Created, op: Operation, intruder: str) -> _Outcome:
        attempt = await ctx.send(request_for(ctx, op, obj.params, intruder), identity=intruder)
        after = await read_back(ctx, obj)
        gone = still_there(obj, after) is False
        return _Outcome(attempt, after, "the object is gone" if gone else None)

    def _verdict(
        self, ctx: Context, obj: Created, intruder: str, outcome: _Outcome
    ) -> Finding | None:
        op = ctx.operation
        assert op is not None
        status = outcome.attempt.status
        evidence = [
            Evidence(f"{obj.owner} creates a sacrificial object", obj.creation),
            Evidence(f"{intruder} sends {op.method} to {obj.owner}'s object", outcome.attempt),
        ]
        if outcome.after is not None:
            evidence.append(Evidence(f"{obj.owner} reads the object back", outcome.after))
        if outcome.effect is not None:
            return ctx.finding(
                self,
                identity=intruder,
                description=(
                    f"{intruder} sent {op.key} to {obj.owner}'s object "
                    f"{human_value(obj.object_id, quote=False)} (created "
                    f"by the scanner) and {outcome.effect}, as {obj.owner}'s own read-back shows."
                ),
                evidence=evidence,
                confidence=Confidence.CERTAIN,
                victim=obj.owner,
                reproduce=outcome.attempt,
                details={"object": obj.params, "effect": outcome.effect, "status": status},
            )
        if status is not None and 200 <= status < 300:
            return ctx.finding(
                self,
                identity=intruder,
                title="Write to another user's object answered with success but had no effect",
                description=(
                    f"{intruder}'s {op.key} on {obj.owner}'s object was answered {status}, but "
                    f"{obj.owner}'s read-back shows no change: a misleading success that hides "
                    "whether the write is authorized."
                ),
                evidence=evidence,
                confidence=Confidence.FIRM,
                severity=Severity.LOW,
                victim=obj.owner,
                reproduce=outcome.attempt,
                details={"object": obj.params, "effect": None, "status": status},
            )
        return None
