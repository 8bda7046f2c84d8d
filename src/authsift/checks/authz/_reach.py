"""An account's reach: the references it legitimately holds through listings scoped to it.

An advisor lists her clients (`GET /clients`) and each client's accounts
(`GET /clients/{client_id}/accounts`); a doctor lists her clinic's appointments. Those answers are
the API's own access decision, and they differ per account. When a transaction that an intruder
reads references an account in the intruder's reach, the read is a relationship the API grants
(issue #8: "a store owner reading an order placed in their store"), not BOLA.

Only *scoped* listings count: an item counts for an account only when another non-admin
account's answer to the same request lacks it. A listing that shows everything to everyone (a
catalogue, or a listing with BOLA of its own) gives no one a reach. Bounded: one request per
nested collection and account, plus one control request by another account when it lists items.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from authsift.analysis import exchange_json
from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._producers import fill, id_of, last_param, listed_items, path_params
from authsift.checks.base import Context
from authsift.model import HttpRequest, Operation
from authsift.spec.classify import looks_privileged

if TYPE_CHECKING:
    from authsift.checks.authz._inventory import Inventory

_MAX_COLLECTIONS = 12
_VALUES_PER_PARAM = 2


async def scoped_reach(ctx: Context, inv: Inventory) -> None:
    """Add the items of nested collections scoped to each non-admin account to its reach."""
    regular = [p for p in inv.representatives() if not ctx.is_privileged(p)]
    if len(regular) < 2:
        return  # scoping cannot be shown without a second account to compare with
    for op in _nested_collections(ctx.operations):
        item_name = _item_name(op, ctx.operations)
        for principal in regular:
            for params in _fills(op.path, inv.reach.get(principal, set())):
                request = _request(ctx, op, params, principal)
                listed = await _list(ctx, inv, request, principal, item_name)
                if not listed:
                    continue
                other = next(p for p in regular if p != principal)
                theirs = await _list(ctx, inv, _request(ctx, op, params, other), other, item_name)
                scoped = listed - theirs
                inv.reach.setdefault(principal, set()).update((item_name, v) for v in scoped)


def _nested_collections(operations: tuple[Operation, ...]) -> list[Operation]:
    """`GET /clients/{client_id}/accounts`: lists under an object, shallowest first."""
    found = [
        op
        for op in operations
        if op.method == "GET"
        and path_params(op.path)
        and last_param(op.path) is None
        and not looks_privileged(op)
        and not any(p.required and p.example is None for p in op.parameters if p.location != "path")
    ]
    found.sort(key=lambda op: (len(path_params(op.path)), op.path))
    return found[:_MAX_COLLECTIONS]


def _item_name(op: Operation, operations: tuple[Operation, ...]) -> str:
    """The reference name of the listed items: the consumer's parameter (`/x/{account_id}`),
    else the last segment singularised (`accounts` → `accountid`)."""
    base = op.path.rstrip("/")
    for other in operations:
        name = last_param(other.path)
        if name and other.path.rstrip("/").rsplit("/", 1)[0] == base:
            return normalized_key(name)
    segment = base.rsplit("/", 1)[-1]
    singular = re.sub(r"ies$", "y", segment) if segment.endswith("ies") else segment.rstrip("s")
    return normalized_key(singular) + "id"


def _fills(template: str, reach: set[tuple[str, str]]) -> list[dict[str, str]]:
    """Parameter values for `template` from the account's reach (by normalised name)."""
    fills: list[dict[str, str]] = [{}]
    for name in path_params(template):
        values = sorted(v for n, v in reach if n == normalized_key(name))[:_VALUES_PER_PARAM]
        if not values:
            return []
        fills = [{**f, name: v} for f in fills for v in values][:_VALUES_PER_PARAM]
    return fills


def _request(ctx: Context, op: Operation, params: dict[str, str], identity: str) -> HttpRequest:
    built = ctx.build(op, as_identity=identity)
    query = built.url.split("?", 1)[1] if "?" in built.url else ""
    url = ctx.url(fill(op.path, params)) + (f"?{query}" if query else "")
    return HttpRequest(built.method, url, built.headers, built.body)


async def _list(
    ctx: Context, inv: Inventory, request: HttpRequest, identity: str, item_name: str
) -> set[str]:
    exchange = await ctx.send(request, identity=identity)
    inv.requests.append(exchange)
    if exchange.status is None or not 200 <= exchange.status < 300:
        return set()
    ids = (id_of(item, item_name) for item in listed_items(exchange_json(exchange)))
    return {value for value in ids if value is not None}
