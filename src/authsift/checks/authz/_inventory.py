"""The resource inventory: which objects each identity owns, computed once per scan.

BOLA is decided by ownership (DESIGN.md §4), so the object-level checks need, per identity, ids
of objects that are *its own* and nobody else's. Sources, in order:
1. config seeds (`resources:`), read back from `ctx.build(op, as_identity=...)`;
2. collection endpoints (`GET /orders` as alice → her order ids), matched to the operations
   that consume them by path shape and parameter name (`_producers`);
3. the identity endpoint (`/me`): the caller's own user id fills `{user_id}`-style parameters.

Ownership comes from evidence that does not depend on the access under test (issue #8): that
another account can read an object is what the object-level checks test, never a reason to think
it is shared. Strongest first:
- a config seed is authoritative: the seeding identity owns the object whoever else sees it (an
  object seeded under two identities is co-owned by both, e.g. a joint account);
- a listed item that names the lister under an owner-like key (`owner`, `author`, `user_id`,
  `created_by`…) or carries the lister's own strong values (its e-mail, its UUID);
- an item of an identity-scoped listing: one that another non-admin account's listing lacks.
A listed item that names another account is that account's. An item every account lists, naming
nobody, belongs to no one we can tell.

Each account also has a *reach*: the references it legitimately holds (its seeds, the objects it
owns, the items of listings that are scoped to it). An object that references something in the
intruder's reach (its clinic, its store, the account it advises) is related to the intruder, not
BOLA (see `_sharing.py`). Identities that are two credentials of one account (a login and an API
key of the same user) are one *principal*: they never play owner and intruder against each other.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from authsift.analysis import (
    exchange_json,
    identity_markers,
    is_strong_marker,
    similarity,
    unique_markers,
)
from authsift.checks.authz._owners import assign_owners, seed_reach
from authsift.checks.authz._producers import (
    consumers,
    fill,
    id_of,
    last_param,
    listed_items,
    match_template,
    path_params,
    producers_of,
)
from authsift.checks.authz._reach import scoped_reach
from authsift.checks.base import Context
from authsift.model import Exchange, HttpRequest, Operation
from authsift.spec.classify import representative_operations

_SHARED_KEY = "authz.inventory"
_LOCK_KEY = "authz.inventory.lock"
_SAME_ACCOUNT = 0.98
_USER_PARAMS = frozenset({"userid", "user", "uid", "accountid", "account", "memberid", "username"})
_USER_COLLECTIONS = ("/users", "/accounts", "/members", "/profiles", "/people")

Params = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class KnownObject:
    """One object an identity can reach: the path parameters that address it, and where from."""

    template: str  # the consumer path template, e.g. /orders/{order_id}
    params: Params
    source: str  # "seed" | "listing" | "identity" | "created"
    listed: Mapping[str, Any] | None = None  # the item as its collection listed it
    key: str | None = None  # the parameter that names the object, when not the path's last

    @property
    def values(self) -> dict[str, str]:
        return dict(self.params)

    @property
    def object_key(self) -> str | None:
        return self.key or last_param(self.template)

    @property
    def object_id(self) -> str:
        return self.values.get(self.object_key or "", "")


@dataclass(slots=True)
class Inventory:
    principal_of: dict[str, str] = field(default_factory=dict)  # identity → principal
    markers: dict[str, frozenset[str]] = field(default_factory=dict)  # principal → unique markers
    seen: dict[str, dict[str, list[KnownObject]]] = field(default_factory=dict)  # principal → …
    owned: dict[str, dict[str, list[KnownObject]]] = field(default_factory=dict)
    # (template, params) → principals that seeded it: co-owners never test each other
    seeded_by: dict[tuple[str, Params], set[str]] = field(default_factory=dict)
    reach: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # principal → refs
    requests: list[Exchange] = field(default_factory=list)
    known: set[str] = field(default_factory=set)  # identities whose account was established

    def principal(self, identity: str) -> str:
        return self.principal_of.get(identity, identity)

    def same_principal(self, a: str, b: str) -> bool:
        return self.principal(a) == self.principal(b)

    def representatives(self) -> list[str]:
        """One identity per account, in config order. Identities whose account could not be
        established (their identity-endpoint request failed) are left out: they may be another
        credential of an account already listed, and must never play intruder against it."""
        return [p for p in dict.fromkeys(self.principal_of.values()) if p in self.known]

    def owned_by(self, identity: str, template: str) -> list[KnownObject]:
        return list(self.owned.get(self.principal(identity), {}).get(template, []))

    def visible_to(self, identity: str, template: str) -> list[KnownObject]:
        """Every object the identity reached, owned or shared."""
        return list(self.seen.get(self.principal(identity), {}).get(template, []))

    def sees(self, identity: str, template: str, params: Params) -> bool:
        return any(
            o.params == params
            for o in self.seen.get(self.principal(identity), {}).get(template, [])
        )

    def markers_of(self, identity: str) -> frozenset[str]:
        return self.markers.get(self.principal(identity), frozenset())

    def co_owners(self, template: str, params: Params) -> set[str]:
        """Principals the config seeds this object under (several: shared by the config)."""
        return set(self.seeded_by.get((template, params), set()))

    def listed_as(self, name: str, value: str) -> list[Mapping[str, Any]]:
        """The items any listing showed for the object that `name` = `value` addresses (the
        board of `/boards/{board_id}/activity`, as `GET /teams/1/boards` listed it)."""
        return [
            obj.listed
            for per_template in self.seen.values()
            for template, objects in per_template.items()
            if last_param(template) == name
            for obj in objects
            if obj.listed is not None and obj.values.get(name) == value
        ]

    def reaches(self, identity: str) -> set[tuple[str, str]]:
        """(normalized reference name, value) pairs the identity legitimately holds."""
        return set(self.reach.get(self.principal(identity), set()))


async def inventory(ctx: Context) -> Inventory:
    """The scan's inventory, computed by the first task that asks (the others wait for it)."""
    lock = ctx.shared.setdefault(_LOCK_KEY, asyncio.Lock())
    assert isinstance(lock, asyncio.Lock)
    async with lock:
        cached = ctx.shared.get(_SHARED_KEY)
        if isinstance(cached, Inventory):
            return cached
        built = await _build(ctx)
        ctx.shared[_SHARED_KEY] = built
        return built


def request_for(
    ctx: Context, operation: Operation, params: Mapping[str, str], as_identity: str
) -> HttpRequest:
    """A valid request for `operation` addressing the object `params` — path parameters by
    name, anything else as a query parameter (`GET /records?patient_id=1`) — other values as
    `ctx.build` fills them for `as_identity` (query, body)."""
    built = ctx.build(operation, as_identity=as_identity)
    in_path = set(path_params(operation.path))
    query = [
        (k, v)
        for k, v in urllib.parse.parse_qsl(urllib.parse.urlsplit(built.url).query)
        if k not in params
    ]
    query += [(k, v) for k, v in params.items() if k not in in_path]
    merged = {**(match_template(operation.path, built.url) or {}), **params}
    encoded = urllib.parse.urlencode(query)
    url = ctx.url(fill(operation.path, merged)) + (f"?{encoded}" if encoded else "")
    return HttpRequest(built.method, url, built.headers, built.body)


async def _build(ctx: Context) -> Inventory:
    result = Inventory()
    await _identify(ctx, result)
    templates = consumers(ctx.operations)
    for template in templates:
        consumer_op = next(op for op in ctx.operations if op.path == template)
        for identity in result.representatives():
            found = _seeded(ctx, consumer_op, identity)
            found += await _listed(ctx, result, template, identity)
            found += _from_identity(result, template, identity)
            bucket = result.seen.setdefault(result.principal(identity), {}).setdefault(template, [])
            for obj in found:
                if obj.source == "seed":
                    key = (template, obj.params)
                    result.seeded_by.setdefault(key, set()).add(result.principal(identity))
                if all(o.params != obj.params for o in bucket):
                    bucket.append(obj)
    assign_owners(ctx, result)
    for identity in result.representatives():
        seed_reach(ctx, result, identity)
    await scoped_reach(ctx, result)
    return result


async def _identify(ctx: Context, result: Inventory) -> None:
    """Group identities into accounts and learn each account's unique markers from `/me`.

    The engine's markers are made unique per *identity*, so two credentials of one account
    cancel each other's markers out; here they are grouped first, then made unique per account.
    """
    probes = representative_operations(ctx.operations, limit=1)
    answers: dict[str, Exchange] = {}
    if probes:
        for identity in ctx.identities:
            exchange = await ctx.send(ctx.build(probes[0], as_identity=identity), identity=identity)
            result.requests.append(exchange)
            if exchange.response is not None and 200 <= exchange.response.status < 300:
                answers[identity] = exchange
    raw: dict[str, frozenset[str]] = {}
    for identity in ctx.identities:
        mine = answers.get(identity)
        # No identity-endpoint answer: the account is unknown (it may be another credential of
        # an account listed already), so it stays out of `known`. Without any identity endpoint
        # in the spec, the engine's preflight markers are all there is to go by.
        if mine is not None:
            markers = identity_markers(exchange_json(mine)) or ctx.markers(identity)
            result.known.add(identity)
        elif not probes:
            markers = ctx.markers(identity)
            result.known.add(identity)
        else:
            markers = frozenset()
        principal = identity
        for earlier, earlier_markers in raw.items():
            if earlier != result.principal(earlier):
                continue
            theirs = answers.get(earlier)
            alike = (
                mine is not None
                and theirs is not None
                and mine.response is not None
                and theirs.response is not None
                and similarity(mine.response, theirs.response) >= _SAME_ACCOUNT
            )
            if alike or any(is_strong_marker(m) for m in markers & earlier_markers):
                principal = earlier
                break
        result.principal_of[identity] = principal
        raw[identity] = markers
    per_principal: dict[str, frozenset[str]] = {}
    for identity, markers in raw.items():
        principal = result.principal(identity)
        per_principal[principal] = per_principal.get(principal, frozenset()) | markers
    result.markers = unique_markers(per_principal)


def seeded_params(ctx: Context, operation: Operation, identity: str) -> dict[str, str]:
    """The path parameters of `operation` the config's seeds fill for `identity` (the first
    value of each), by parameter name."""
    seeds = ctx.facts.resources.get(identity, {})
    return {name: seeds[name][0] for name in path_params(operation.path) if seeds.get(name)}


def _seeded(ctx: Context, operation: Operation, identity: str) -> list[KnownObject]:
    """Config seeds: every seeded value of the operation's object parameter, under the
    identity's seeded (else spec-example) parent values. Read from the config itself, not by
    comparing builds: a seed may equal the spec's example."""
    name = last_param(operation.path)
    values = ctx.facts.resources.get(identity, {}).get(name or "", ())
    if not name or not values:
        return []
    parents = match_template(operation.path, ctx.build(operation, as_identity=identity).url) or {}
    parents.update(seeded_params(ctx, operation, identity))
    return [
        KnownObject(operation.path, tuple(sorted({**parents, name: value}.items())), "seed")
        for value in values
    ]


async def _listed(
    ctx: Context, result: Inventory, template: str, identity: str
) -> list[KnownObject]:
    """Ids from the collection endpoint(s) of `template`, listed as `identity`."""
    name = last_param(template)
    assert name is not None
    found: list[KnownObject] = []
    for producer in producers_of(template, ctx.operations):
        request = ctx.build(producer, as_identity=identity)
        parent = match_template(producer.path, request.url)
        if parent is None:
            continue
        exchange = await ctx.send(request, identity=identity)
        result.requests.append(exchange)
        if exchange.response is None or not 200 <= exchange.response.status < 300:
            continue
        for item in listed_items(exchange_json(exchange)):
            value = id_of(item, name)
            if value is not None:
                params = tuple(sorted({**parent, name: value}.items()))
                found.append(KnownObject(template, params, "listing", item))
    return found


def _from_identity(result: Inventory, template: str, identity: str) -> list[KnownObject]:
    """The caller's own user id fills `{user_id}`, or `{id}` under `/users`."""
    name = last_param(template)
    if name is None or len(path_params(template)) != 1:
        return []
    normal = "".join(ch for ch in name.lower() if ch.isalnum())
    parent = template.rstrip("/").rsplit("/", 1)[0].lower()
    if normal not in _USER_PARAMS and not (normal == "id" and parent.endswith(_USER_COLLECTIONS)):
        return []
    own = [m for m in result.markers_of(identity) if m.isdigit() or "-" in m]
    return [KnownObject(template, ((name, own[0]),), "identity")] if len(own) == 1 else []
