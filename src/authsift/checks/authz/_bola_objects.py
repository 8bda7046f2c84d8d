"""authz-bola-write's sacrificial objects: made from values their owner legitimately holds, found
inside envelopes, read back by their owner, and removed again (or listed as leftovers).

Creation starts from the spec's example with canary strings (`_objects.canary_body`). When the
API refuses that body as malformed (400, 404, 409, 422: an example `doctor_id` that names no
doctor), the references in it are filled from what the owner itself holds — its config seeds,
the same fields of its own objects in its listing of the collection (`GET /appointments` shows
its appointment with `doctor_id: 2`), a listing named after the field (`GET /books` for `book`),
its inventory reach — and date-times are moved into the future, then it is sent once more.

An answer may wrap the object (`{"ok": true, "note": {…}}`): the record is the dict that carries
the object's id, at the top or one level down.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from authsift.analysis import exchange_json, loads_or_none
from authsift.analysis.volatile import normalized_key
from authsift.analysis.wording import human_list, human_mapping
from authsift.checks.authz._bola_shapes import is_object_ref, properties
from authsift.checks.authz._inventory import inventory, request_for
from authsift.checks.authz._objects import (
    Created,
    canary_body,
    collection_creator,
    creator_of,
    operation,
    remember_leftover,
)
from authsift.checks.authz._producers import (
    id_of,
    last_param,
    listed_items,
    match_template,
    producers_of,
)
from authsift.checks.base import Context
from authsift.model import Exchange, HttpRequest, Operation
from authsift.spec.classify import looks_privileged

MALFORMED = frozenset({400, 404, 409, 422})
_WRAPPERS = ("data", "result", "item", "object", "record")

Sender = Callable[[HttpRequest], Awaitable[Exchange]]


@dataclass(frozen=True, slots=True)
class Reading:
    """The owner's view of the object: the exchange, its record, and whether it is gone."""

    exchange: Exchange | None
    record: dict[str, Any] | None
    gone: bool | None  # True: 404/410 or missing from the listing; None: cannot tell


def record_of(answer: Any, name: str, template: str = "") -> dict[str, Any] | None:
    """The object in an answer: the answer itself when it carries an id for `{name}`, else the
    one nested dict that does (`{"ok": true, "note": {"id": …}}`)."""
    if not isinstance(answer, dict):
        return None
    if id_of(answer, name) is not None:
        return answer
    nested = [
        (str(k), v) for k, v in answer.items() if isinstance(v, dict) and id_of(v, name) is not None
    ]
    if len(nested) == 1:
        return nested[0][1]
    collection = (
        normalized_key(template.rstrip("/").rsplit("/", 2)[-2]) if template.count("/") > 1 else ""
    )
    wanted = {*_WRAPPERS, collection, collection.removesuffix("s")}
    return next((v for k, v in nested if normalized_key(k) in wanted), None)


def creator(ctx: Context, template: str, *, deletable: bool = True) -> Operation | None:
    """The JSON `POST` on the collection of `template`; `deletable`: only when the object also
    has a `DELETE` (the cleanup). A POST elsewhere that makes the same kind of object
    (`POST /vehicles/{id}/trips` for `/trips/{id}`) is not used: whether the owner may delete
    what it made there is unknown, and a leftover is worse than an untested write."""
    return creator_of(ctx, template) if deletable else collection_creator(ctx, template)


async def make(
    ctx: Context, template: str, owner: str, *, deletable: bool = True
) -> tuple[Created | None, Exchange | None]:
    """Create an object of `template` as `owner` (canaries in its free text, references it
    holds where the example's were refused); (None, the last answer) when refused."""
    post = creator(ctx, template, deletable=deletable)
    if post is None:
        return None, None
    built = ctx.build(post, as_identity=owner)
    example = loads_or_none(built.body)
    body, planted = canary_body(post, example if isinstance(example, dict) else {})
    exchange = await _post(ctx, built, body, owner)
    if exchange.status in MALFORMED:
        filled = await owner_values(ctx, post, template, owner)
        if filled and any(body.get(k) != v for k, v in filled.items()):
            body = {**body, **filled}
            exchange = await _post(ctx, built, body, owner)
    if exchange.status is None or not 200 <= exchange.status < 300:
        return None, exchange
    name = last_param(template)
    assert name is not None
    record = record_of(exchange_json(exchange), name, template)
    value = id_of(record, name) if record is not None else None
    if value is None and exchange.response is not None:
        location = exchange.response.header("Location") or ""
        value = location.rstrip("/").rsplit("/", 1)[-1] or None
    if value is None:
        remember_leftover(
            ctx,
            f"{post.key} as {owner}: created, but its id is unknown "
            f"(planted {human_list(planted)})",
        )
        return None, exchange
    params = {**(match_template(post.path, built.url) or {}), name: value}
    return Created(owner, template, params, body, frozenset(planted), exchange), exchange


async def _post(ctx: Context, built: HttpRequest, body: Mapping[str, Any], owner: str) -> Exchange:
    headers = tuple(h for h in built.headers if h[0].lower() != "content-type")
    request = HttpRequest(
        built.method,
        built.url,
        (*headers, ("Content-Type", "application/json")),
        json.dumps(body).encode(),
    )
    return await ctx.send(request, identity=owner)


async def owner_values(ctx: Context, post: Operation, template: str, owner: str) -> dict[str, Any]:
    """Values for the create body's references that `owner` legitimately holds, and future
    date-times (an appointment in the past may be refused)."""
    found: dict[str, Any] = {}
    own_items: list[dict[str, Any]] | None = None
    seeds = ctx.facts.resources.get(owner, {})
    reach = (await inventory(ctx)).reaches(owner)
    for name, schema in properties(post).items():
        if schema.get("format") in ("date-time", "date"):
            when = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
            found[name] = (
                when.date().isoformat() if schema["format"] == "date" else when.isoformat()
            )
            continue
        if not is_object_ref(name, schema):
            continue
        value: Any = seeds[name][0] if seeds.get(name) else None
        if value is None:
            if own_items is None:
                own_items = await _listing(ctx, producers_of(template, ctx.operations), owner)
            value = next((i[name] for i in own_items if _usable(i.get(name))), None)
        if value is None:
            value = await _named_listing(ctx, name, owner)
        if value is None:
            value = next((v for n, v in sorted(reach) if n == normalized_key(name)), None)
        if value is not None:
            found[name] = _typed(value, schema)
    return found


async def _listing(ctx: Context, listings: list[Operation], owner: str) -> list[dict[str, Any]]:
    for listing in listings[:1]:
        exchange = await ctx.send(ctx.build(listing, as_identity=owner), identity=owner)
        if exchange.status is not None and 200 <= exchange.status < 300:
            return listed_items(exchange_json(exchange))
    return []


async def _named_listing(ctx: Context, name: str, owner: str) -> str | None:
    """The first id of the collection a field is named after (`book` → `GET /books`)."""
    stem = normalized_key(name)
    for suffix in ("uuid", "guid", "id"):
        if stem.endswith(suffix) and len(stem) > len(suffix):
            stem = stem.removesuffix(suffix)
            break
    plurals = {stem + "s", stem + "es", stem[:-1] + "ies" if stem.endswith("y") else stem}
    for op in ctx.operations:
        segment = normalized_key(op.path.rstrip("/").rsplit("/", 1)[-1])
        if op.method != "GET" or "{" in op.path or segment not in plurals or looks_privileged(op):
            continue
        for item in await _listing(ctx, [op], owner):
            value = id_of(item, "id")
            if value is not None:
                return value
    return None


def _usable(value: Any) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool) and value != ""


def _typed(value: Any, schema: Mapping[str, Any]) -> Any:
    if schema.get("type") == "integer" and str(value).lstrip("-").isdigit():
        return int(value)
    return value if schema.get("type") != "string" else str(value)


@dataclass(slots=True)
class Watch:
    """Reads one object as its owner: `GET` of the object, else its collection listing."""

    ctx: Context
    obj: Created
    send: Sender
    reader: Operation | None = None

    def __post_init__(self) -> None:
        self.reader = operation(self.ctx, "GET", self.obj.template)
        if self.reader is None:
            listings = producers_of(self.obj.template, self.ctx.operations)
            self.reader = listings[0] if listings else None

    async def read(self, params: Mapping[str, str] | None = None) -> Reading:
        if self.reader is None:
            return Reading(None, None, None)
        wanted = dict(params or self.obj.params)
        request = request_for(self.ctx, self.reader, wanted, self.obj.owner)
        exchange = await self.send(request)
        return reading_of(exchange, self.obj, self.reader)


def reading_of(exchange: Exchange, obj: Created, reader: Operation) -> Reading:
    response = exchange.response
    if response is None:
        return Reading(exchange, None, None)
    by_id = last_param(reader.path) is not None
    if response.status in (404, 410) and by_id:
        return Reading(exchange, None, True)
    if not 200 <= response.status < 300:
        return Reading(exchange, None, None)
    name = last_param(obj.template) or ""
    answer = exchange_json(exchange)
    record = record_of(answer, name, obj.template)
    if record is not None and id_of(record, name) == obj.object_id:
        return Reading(exchange, record, False)
    items = listed_items(answer)
    for item in items:
        if id_of(item, name) == obj.object_id:
            return Reading(exchange, item, False)
    if not by_id and (items or answer == []):
        return Reading(exchange, None, True)
    return Reading(exchange, None, None)


def current_params(obj: Created, record: Mapping[str, Any] | None) -> dict[str, str]:
    """The object's path parameters as its latest record gives them (a card moved to board 2
    is deleted through `/boards/2/cards/…`)."""
    params = dict(obj.params)
    for name in params:
        value = (record or {}).get(name)
        if _usable(value) and name != last_param(obj.template):
            params[name] = str(value)
    return params


async def remove(
    ctx: Context,
    obj: Created,
    watch: Watch,
    latest: Mapping[str, Any] | None,
    restore: Callable[[], Awaitable[Mapping[str, Any] | None]] | None = None,
    note: str = "",
    ours: frozenset[str] = frozenset(),
) -> bool:
    """Delete the object as its owner (where its latest record says it is, then where it was
    made), after `restore` when that fails. Removed only when a `DELETE` was accepted and the
    read-back at that place no longer finds it — or finds another object under the same id (an
    API that reuses freed ids): none of `ours`, the canaries its first reading showed and the
    markers written into it since; else a leftover."""
    remover = operation(ctx, "DELETE", obj.template)
    for attempt in range(2):
        places = [current_params(obj, latest)]
        places += [dict(obj.params)] if dict(obj.params) not in places else []
        for params in places if remover is not None else []:
            assert remover is not None
            request = request_for(ctx, remover, params, obj.owner)
            answer = await ctx.send(request, identity=obj.owner)
            accepted = answer.status is not None and 200 <= answer.status < 300
            if accepted and _absent(await watch.read(params), ours):
                return True
        if attempt == 0 and restore is not None:
            latest = await restore() or latest
            continue
        break
    where = human_mapping(obj.params)
    remember_leftover(
        ctx,
        f"{obj.template} ({where}) created by the scanner as {obj.owner}"
        + (f": {note}" if note else ": it could not be deleted"),
    )
    return False


def _absent(reading: Reading, ours: frozenset[str]) -> bool:
    if reading.gone:
        return True
    values = {v for v in (reading.record or {}).values() if isinstance(v, str)}
    return reading.record is not None and bool(ours) and not values & ours
