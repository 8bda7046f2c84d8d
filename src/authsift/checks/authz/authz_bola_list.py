"""authz-bola-list (the collection half of CHECKS.md #21); the user-facing doc is the class
docstring."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from authsift.analysis import exchange_json, is_strong_marker
from authsift.analysis.bodies import json_leaves
from authsift.analysis.sensitivity import Property, describe, private_properties
from authsift.analysis.sensitivity import properties_carrying as carrying
from authsift.checks.authz._inventory import Inventory, KnownObject, inventory
from authsift.checks.authz._producers import (
    consumers,
    id_of,
    last_param,
    listed_items,
    producers_of,
)
from authsift.checks.authz._sharing import sharing_evidence
from authsift.checks.base import Check, Context, Inconclusive, NotApplicable
from authsift.model import Confidence, Evidence, Exchange, Family, Finding, Operation, Severity
from authsift.spec.classify import looks_privileged

_OWNERSHIP = {
    "seed": "the config's `resources` seed it for {owner}",
    "created": "the scanner created it as {owner}",
    "marked": "it carries {owner}'s own {marker}",
}


class BolaList(Check):
    """A collection endpoint lists other users' private objects (BOLA on a listing).

    ## What it checks
    For each collection that lists objects which have their own read (`GET /invoices` beside
    `GET /invoices/{invoice_id}`), asks for it as every non-admin identity and looks for objects
    that belong to another identity by evidence independent of this listing: a `resources`
    seed of that identity, or the identity's own e-mail, UUID or user name in the item. Such an
    item is reported when it carries private properties of its owner (e-mail, phone, amounts,
    free text…) and nothing says the caller may see it.

    ## Why it matters
    The detail endpoint may check ownership while the listing beside it returns every account's
    rows: an attacker does not need to guess ids when the collection hands out all of them, with
    their contents (OWASP API1:2023; the listing is often the first endpoint a front end calls).

    ## Example
    bob sends `GET /invoices` → `200` with alice's invoice 1 (`billing_email:
    alice@example.com`, `amount: 120.00`) beside his own; the config seeds invoice 1 for alice.

    ## Remediation
    Scope every collection query by the caller (`WHERE owner_id = :caller`, or the tenant and the
    caller's role in it) in the same data-access layer that guards the detail endpoint, and
    return only what the caller may read one by one.

    ## References
    OWASP API1:2023 · ASVS 5.0 V8.2.2, V8.4.1 · ASVS 4.0.3 V4.2.1 · WSTG-ATHZ-04 · CWE-639, CWE-284

    ## Decision rule
    CHECKS.md #21, applied to collections. An item of the caller's listing is another identity's
    object only on evidence that does not come from this listing: the object is seeded for that
    identity alone (`resources`), or the item holds one of that identity's strong markers (its
    e-mail, UUID, user name) and none of the caller's. Not a finding on positive evidence of
    sharing (`_sharing.py`: `policy.shared` / `policy.public`, a public flag in the item, a
    value naming the caller, a reference to something the caller holds: its team, company,
    store) or when anonymous callers get the same item (public, and
    authz-unauthenticated-access's to judge). That the caller can list it is never evidence
    either way. Vulnerable when the item carries at least one private property of the owner
    that the caller's own markers do not explain, and the listing shows it again on a re-send
    (`certain`). Passed when every non-admin caller's listing was read and none shows another
    identity's object so evidenced; inconclusive when no such object is known (add `resources`
    seeds) or no caller could list.
    """

    id = "authz-bola-list"
    title = "A collection lists other users' private objects (BOLA)"
    family = Family.AUTHZ
    severity = Severity.HIGH
    cwe = (639, 284)
    owasp = "API1:2023"
    needs = frozenset({"two_identities"})
    max_requests = 20
    # Per task (benchmarks/estimate_accuracy.py): 3.2 on the lab's seeded config, 1.7 on the one
    # `authsift init` writes (most collections list nothing seeded, or nothing else at all)
    expected_requests = 2
    baselines = "none"

    def applies_to(self, operation: Operation) -> str | None:
        if operation.method != "GET" or last_param(operation.path) is not None:
            return "not a collection read"
        if looks_privileged(operation):
            return "administrative listing (authz-bfla-privileged-function covers it)"
        return None

    async def run(self, ctx: Context) -> AsyncIterator[Finding]:
        operation = ctx.operation
        assert operation is not None
        template = _listed_template(operation, ctx.operations)
        if template is None:
            raise NotApplicable("lists no objects that have their own read (`GET …/{id}`)")
        inv = await inventory(ctx)
        callers = [p for p in inv.representatives() if not ctx.is_privileged(p)]
        owned = {p: _evidenced(ctx, inv, p, template) for p in callers}
        if not any(owned.values()):
            raise Inconclusive(
                f"no object of {template} is known to belong to an identity by a `resources` "
                "seed or its own markers: add `resources` seeds"
            )
        anonymous: Exchange | None = None
        read = 0
        for intruder in callers:
            victims = {p: objs for p, objs in owned.items() if objs and p != intruder}
            victims = {p: o for p, o in victims.items() if not inv.same_principal(p, intruder)}
            if not victims:
                continue
            request = ctx.build(operation, as_identity=intruder)
            exchange = await ctx.send(request, identity=intruder)
            items = _items(exchange)
            if items is None:
                continue
            read += 1
            for owner, objects in victims.items():
                for obj, how in objects:
                    item = _item_for(items, obj, template)
                    if item is None or sharing_evidence(ctx, inv, operation, obj, item, intruder):
                        continue
                    leaked = _private(item, inv.markers_of(intruder))
                    if not leaked:
                        continue
                    if anonymous is None:
                        anonymous = await ctx.send(ctx.with_credential(request, None, intruder))
                    if _item_for(_items(anonymous) or [], obj, template) is not None:
                        continue  # anonymous callers get it too: public (or unauthenticated)
                    again = await ctx.send(request, identity=intruder)
                    if _item_for(_items(again) or [], obj, template) is None:
                        continue
                    yield self._finding(ctx, intruder, owner, obj, how, leaked, exchange, again)
                    return
        if not read:
            raise Inconclusive(f"no non-admin identity ({', '.join(callers)}) could list it")

    def _finding(
        self,
        ctx: Context,
        intruder: str,
        owner: str,
        obj: KnownObject,
        how: str,
        leaked: list[Property],
        first: Exchange,
        again: Exchange,
    ) -> Finding:
        assert ctx.operation is not None
        ownership = how.format(owner=owner)
        names = describe(leaked)
        return ctx.finding(
            self,
            identity=intruder,
            victim=owner,
            description=(
                f"{intruder}'s {ctx.operation.key} lists {owner}'s object {obj.object_id} with "
                f"{owner}'s private properties {names}. The object is {owner}'s because "
                f"{ownership}; nothing says {intruder} may see it (no sharing field, public "
                "flag, relationship or policy), and anonymous callers do not get it. Shown "
                "again on a re-send."
            ),
            evidence=[
                Evidence(f"{intruder} lists the collection", first, f"carries {names}"),
                Evidence(f"{intruder} lists it again", again),
            ],
            confidence=Confidence.CERTAIN,
            reproduce=first,
            details={
                "object": obj.object_id,
                "owner": owner,
                "ownership": ownership,
                "properties": [p.key or p.path for p in leaked],
            },
        )


def _listed_template(operation: Operation, operations: Sequence[Operation]) -> str | None:
    """The object template this GET lists (`/invoices/{invoice_id}` for `GET /invoices`)."""
    for template in consumers([op for op in operations if op.method == "GET"]):
        if operation in producers_of(template, [operation]):
            return template
    return None


def _evidenced(
    ctx: Context, inv: Inventory, identity: str, template: str
) -> list[tuple[KnownObject, str]]:
    """The identity's objects of `template` by evidence independent of any listing: seeded for
    it alone, created by the scanner as it, or carrying its own strong markers."""
    mine = frozenset(m for m in inv.markers_of(identity) if is_strong_marker(m))
    found: list[tuple[KnownObject, str]] = []
    for obj in inv.owned_by(identity, template):
        if obj.source in _OWNERSHIP and len(inv.co_owners(template, obj.params)) <= 1:
            found.append((obj, _OWNERSHIP[obj.source]))
            continue
        marker = next((v for _, v in json_leaves(obj.listed or {}) if str(v) in mine), None)
        if marker is not None:
            found.append((obj, _OWNERSHIP["marked"].replace("{marker}", "marker " + str(marker))))
    return found


def _items(exchange: Exchange) -> list[dict[str, Any]] | None:
    response = exchange.response
    if response is None or not 200 <= response.status < 300:
        return None
    return listed_items(exchange_json(exchange))


def _item_for(
    items: list[dict[str, Any]], obj: KnownObject, template: str
) -> Mapping[str, Any] | None:
    name = last_param(template) or ""
    return next((i for i in items if id_of(i, name) == obj.object_id), None)


def _private(item: Mapping[str, Any], own: frozenset[str]) -> list[Property]:
    """The item's private properties whose values are not the caller's own."""
    values = [str(v) for _, v in json_leaves(item) if not isinstance(v, bool) and v is not None]
    return private_properties(carrying(item, [v for v in values if v not in own]))
