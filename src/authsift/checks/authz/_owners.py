"""Who owns each object an account reached, and the references each account holds.

Ownership comes from evidence independent of the access under test (issue #8; see
`_inventory.py`): seeds first, then owner fields and identity-scoped listings. Pure over the
inventory, apart from reading the config's seeds through `ctx`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from authsift.analysis import is_strong_marker
from authsift.analysis.volatile import normalized_key
from authsift.checks.base import Context

if TYPE_CHECKING:
    from authsift.checks.authz._inventory import Inventory, KnownObject, Params

_OWNER_KEY = re.compile(
    r"^(?:owner|author|user|username|creator|createdby|submittedby|postedby|uploadedby|holder"
    r"|customer|patient|member|assignee)(?:id|uuid|name|email|username)?$"
)


def assign_owners(ctx: Context, result: Inventory) -> None:
    """Who owns each object an account reached, from evidence independent of the access under
    test (see the module docstring). An admin seeing everything is by design and says nothing.
    Objects that carry the owner's own values come first: the strongest proof of ownership."""
    regular = [p for p in result.representatives() if not ctx.is_privileged(p)]
    strong = {
        p: frozenset(m for m in markers if is_strong_marker(m))
        for p, markers in result.markers.items()
    }
    for principal, per_template in result.seen.items():
        owned: dict[str, list[KnownObject]] = {}
        others = [p for p in regular if p != principal]
        mine = strong.get(principal, frozenset())
        foreign = frozenset().union(
            *(strong.get(p, frozenset()) for p in result.markers if p != principal)
        )
        for template, objects in per_template.items():
            for obj in objects:
                if _owns(result, principal, template, obj, others, mine, foreign):
                    owned.setdefault(template, []).append(obj)
            owned.get(template, []).sort(
                key=lambda o: (o.source != "seed", not (_strings(o.listed) & mine))
            )
        result.owned[principal] = owned
        reach = result.reach.setdefault(principal, set())
        for objects in owned.values():
            for obj in objects:
                reach.update(_refs(obj.params))
        # Items of a listing scoped to this account (another account's listing lacks them) are
        # in its reach whoever owns them: the advisor's listing of her clients.
        for template, objects in per_template.items():
            for obj in objects:
                lacking = [
                    p
                    for p in others
                    if not any(
                        o.params == obj.params for o in result.seen.get(p, {}).get(template, [])
                    )
                ]
                if obj.source == "listing" and lacking and principal in regular:
                    reach.update(_refs(obj.params))


def _owns(
    result: Inventory,
    principal: str,
    template: str,
    obj: KnownObject,
    others: list[str],
    mine: frozenset[str],
    foreign: frozenset[str],
) -> bool:
    if obj.source in {"seed", "created"}:
        return True  # the operator said so, or the scanner made it as this identity
    values = _strings(obj.listed)
    if values & foreign or _names_owner(obj.listed, result, others):
        return False  # it names another account: theirs, wherever it was listed
    if values & mine or _names_owner(obj.listed, result, [principal]):
        return True
    return not any(
        o.params == obj.params for p in others for o in result.seen.get(p, {}).get(template, [])
    )


def _names_owner(item: Mapping[str, Any] | None, result: Inventory, who: list[str]) -> bool:
    """The item names one of `who` under an owner-like key (`author: alice`, `owner_id: 7`)."""
    if not item:
        return False
    markers = frozenset().union(*(result.markers.get(p, frozenset()) for p in who))
    for key, value in item.items():
        if isinstance(value, bool) or not isinstance(value, str | int):
            continue
        if _OWNER_KEY.search(normalized_key(str(key))) and str(value) in markers:
            return True
    return False


def seed_reach(ctx: Context, result: Inventory, identity: str) -> None:
    """Every seeded value of the identity is a reference it holds (`clinic_id: 1`)."""
    principal = result.principal(identity)
    for name, values in ctx.facts.resources.get(identity, {}).items():
        result.reach.setdefault(principal, set()).update((normalized_key(name), v) for v in values)


def _refs(params: Params) -> set[tuple[str, str]]:
    return {(normalized_key(name), value) for name, value in params}


def _strings(item: Mapping[str, Any] | None) -> frozenset[str]:
    """Every string and integer value of a listed item, nested ones included."""
    found: set[str] = set()
    stack: list[Any] = [item]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str | int) and not isinstance(node, bool):
            found.add(str(node))
    return frozenset(found)
