"""Which of an identity's objects an operation reads, wherever the reference sits.

Issue #8, "object references everywhere": the object may be named by the last path parameter
(`/orders/{order_id}`), by a parameter before a sub-resource (`/notes/{note_id}/revisions`,
`/teams/{team_id}/billing`), or by a query parameter (`/records?patient_id=1`). Objects come
from the inventory (seeds, listings, creation) for the path form, and from the config's seeds
otherwise.
"""

from __future__ import annotations

import re

from authsift.checks.authz._inventory import Inventory, KnownObject
from authsift.checks.authz._producers import last_param, path_params
from authsift.checks.base import Context
from authsift.model import Operation, ParamLocation

_QUERY_REFERENCE = re.compile(
    r"(?:^|[_\-.])(?:id|uuid|guid)$|[a-z](?:Id|Uuid)$"
    r"|^(?:user|username|owner|email|account|member|customer|patient|author|tenant|team|org)$",
)


def query_references(operation: Operation) -> list[str]:
    """Query parameters that name an object (`?patient_id=`, `?owner=`, `?username=`)."""
    return [
        p.name
        for p in operation.parameters
        if p.location is ParamLocation.QUERY
        and (_QUERY_REFERENCE.search(p.name) or p.schema.get("format") == "uuid")
    ]


def objects_for(ctx: Context, inv: Inventory, owner: str) -> list[KnownObject]:
    """The owner's objects this operation reads: by its last path parameter (the inventory), by
    the last parameter before a sub-resource (the inventory's objects of the parent template,
    else seeds), or by a query parameter (seeds)."""
    op = ctx.operation
    assert op is not None
    if last_param(op.path) is not None:
        return inv.owned_by(owner, op.path)
    seeds = ctx.facts.resources.get(owner, {})
    params = path_params(op.path)
    if params:
        key = params[-1]
        parent = op.path[: op.path.index("{" + key + "}") + len(key) + 2]
        known = [
            KnownObject(op.path, o.params, o.source, o.listed, key=key)
            for o in inv.owned_by(owner, parent)
        ]
        if known:
            return known
        fixed = {name: seeds[name][0] for name in params[:-1] if seeds.get(name)}
        if len(fixed) < len(params) - 1:
            return []  # a parent value the config does not give: nothing addresses it
        return [
            KnownObject(op.path, tuple(sorted({**fixed, key: value}.items())), "seed", key=key)
            for value in seeds.get(key, ())
        ]
    return [
        KnownObject(op.path, ((name, value),), "seed", key=name)
        for name in query_references(op)
        for value in seeds.get(name, ())
    ]
