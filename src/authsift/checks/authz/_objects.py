"""Sacrificial objects: created by the scanner with canary strings, always deleted afterwards.

State-changing authorization probes touch only objects the scanner created itself (DESIGN.md
§6, "safe by default"). An object is created only where it can be removed again: its collection
accepts a JSON `POST` and its path has a `DELETE`; credentials (API keys, tokens, sessions) are
never minted as test objects, since "deleting" them usually only revokes them. Every string
field the schema leaves free is set to a unique canary (`authsift-canary-<random>`), so the
object is recognisable wherever it shows up. Deletion is verified by reading the object back;
whatever could not be removed is listed in the report (`extras.leftovers`) for the operator to
clean up by hand.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from authsift.analysis import loads_or_none
from authsift.analysis.wording import human_list, human_mapping
from authsift.checks.authz._inventory import request_for
from authsift.checks.authz._producers import (
    id_of,
    last_param,
    listed_items,
    match_template,
    producers_of,
)
from authsift.checks.base import Context
from authsift.model import Exchange, HttpRequest, Operation

CANARY_PREFIX = "authsift-canary-"
_LEFTOVERS_KEY = "authz.leftovers"
_FREE_FORMATS = frozenset({"", "text"})
_CREDENTIALS = re.compile(
    r"key|token|session|credential|secret|password|oauth|auth|login|grant|certificate", re.I
)


def canary(max_length: int | None = None) -> str:
    """A unique marker string, shortened to fit `max_length` when the schema demands it."""
    value = CANARY_PREFIX + secrets.token_hex(6)
    return value[-max_length:] if max_length and max_length < len(value) else value


@dataclass(frozen=True, slots=True)
class Created:
    """A scanner-created object: who owns it, how to address it, what was put in it."""

    owner: str
    template: str  # its path template, e.g. /documents/{document_id}
    params: dict[str, str]
    sent: dict[str, Any]  # the body it was created with
    canaries: frozenset[str]
    creation: Exchange

    @property
    def object_id(self) -> str:
        return self.params.get(last_param(self.template) or "", "")


def operation(ctx: Context, method: str, template: str) -> Operation | None:
    """The operation `METHOD template`; a trailing slash on either side does not matter
    (`POST /items/` creates what `/items/{id}/` addresses, as FastAPI and DRF spell it)."""
    exact = next((op for op in ctx.operations if op.method == method and op.path == template), None)
    if exact is not None:
        return exact
    wanted = template.rstrip("/")
    return next(
        (op for op in ctx.operations if op.method == method and op.path.rstrip("/") == wanted),
        None,
    )


def creator_of(ctx: Context, template: str) -> Operation | None:
    """The JSON `POST` on the collection of `template`, when `template` can also be deleted."""
    if last_param(template) is None or operation(ctx, "DELETE", template) is None:
        return None
    return collection_creator(ctx, template)


def collection_creator(ctx: Context, template: str) -> Operation | None:
    """The JSON `POST` on the collection of `template`, whether or not the object can be deleted
    (`creator_of` also demands a `DELETE`); never for credentials (keys, tokens, sessions)."""
    if last_param(template) is None or _CREDENTIALS.search(template):
        return None  # minting keys or sessions is not a harmless test object (and often kept)
    parent = template.rstrip("/").rsplit("/", 1)[0]
    post = operation(ctx, "POST", parent)
    if post is None or post.request_body is None or "json" not in post.request_body.content_type:
        return None
    return post


def canary_body(post: Operation, base: Mapping[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """`base` (the spec example) with every free string property set to a fresh canary."""
    assert post.request_body is not None
    body = dict(base)
    planted: set[str] = set()
    properties = post.request_body.schema.get("properties") or {}
    for name, schema in properties.items():
        if not isinstance(schema, dict) or schema.get("type") != "string" or "enum" in schema:
            continue
        if schema.get("format", "") not in _FREE_FORMATS:
            continue
        value = canary(schema.get("maxLength"))
        pattern = schema.get("pattern")
        if pattern and not _matches(pattern, value):
            continue
        if len(value) < int(schema.get("minLength", 0)):
            continue
        body[name] = value
        planted.add(value)
    return body, planted


async def create(
    ctx: Context, template: str, owner: str, extra: Mapping[str, Any] | None = None
) -> Created | None:
    """Create an object of `template` as `owner`, with canaries (and `extra` properties)."""
    created, _ = await attempt_create(ctx, template, owner, extra)
    return created


async def attempt_create(
    ctx: Context, template: str, owner: str, extra: Mapping[str, Any] | None = None
) -> tuple[Created | None, Exchange | None]:
    """`create`, with the creation exchange also when it failed (None: nothing was sent)."""
    post = creator_of(ctx, template)
    if post is None:
        return None, None
    built = ctx.build(post, as_identity=owner)
    example = loads_or_none(built.body)
    body, planted = canary_body(post, example if isinstance(example, dict) else {})
    body.update(extra or {})
    request = HttpRequest(built.method, built.url, built.headers, json.dumps(body).encode())
    exchange = await ctx.send(request, identity=owner)
    if exchange.status is None or not 200 <= exchange.status < 300 or exchange.response is None:
        return None, exchange
    name = last_param(template)
    assert name is not None
    answer = loads_or_none(exchange.response.body)
    value = id_of(answer, name) if isinstance(answer, dict) else None
    if value is None:
        location = exchange.response.header("Location") or ""
        value = location.rstrip("/").rsplit("/", 1)[-1] or None
    parent = match_template(post.path, built.url) or {}
    if value is None:
        remember_leftover(
            ctx,
            f"{post.key} as {owner}: created, but its id is unknown "
            f"(planted {human_list(planted)})",
        )
        return None, exchange
    params = {**parent, name: value}
    return Created(owner, template, params, body, frozenset(planted), exchange), exchange


async def read_back(ctx: Context, obj: Created) -> Exchange | None:
    """The object as its owner sees it now: `GET template`, else its collection listing."""
    reader = operation(ctx, "GET", obj.template)
    if reader is not None:
        return await ctx.send(request_for(ctx, reader, obj.params, obj.owner), identity=obj.owner)
    for listing in producers_of(obj.template, ctx.operations):
        return await ctx.send(request_for(ctx, listing, obj.params, obj.owner), identity=obj.owner)
    return None


def still_there(obj: Created, reading: Exchange | None) -> bool | None:
    """Whether the owner's read-back still finds the object; None when it cannot tell.

    Found by its id, unless what answers under that id shows another value in a field the
    scanner wrote a canary into: an API that reuses ids has given it to another object, and the
    scanner's own is gone. A field the answer does not show proves nothing either way."""
    if reading is None or reading.response is None:
        return None
    status = reading.response.status
    if status in (404, 410):
        return False
    if not 200 <= status < 300:
        return None
    answer = loads_or_none(reading.response.body)
    name = last_param(obj.template) or ""
    if isinstance(answer, dict) and id_of(answer, name) == obj.object_id:
        return not _another(obj, answer)
    items = listed_items(answer)
    if items:
        return any(id_of(i, name) == obj.object_id and not _another(obj, i) for i in items)
    return None


def _another(obj: Created, item: Mapping[str, Any]) -> bool:
    """`item` shows, in a field the scanner planted a canary in, a value that is not it."""
    planted = {k: v for k, v in obj.sent.items() if isinstance(v, str) and v in obj.canaries}
    shown = {k: item[k] for k in planted if k in item}
    return bool(shown) and all(planted[k] != v for k, v in shown.items())


async def delete(ctx: Context, obj: Created) -> bool:
    """Delete `obj` as its owner and verify; a failure is recorded as a leftover."""
    remover = operation(ctx, "DELETE", obj.template)
    if remover is not None:
        await ctx.send(request_for(ctx, remover, obj.params, obj.owner), identity=obj.owner)
        if still_there(obj, await read_back(ctx, obj)) is False:
            return True
    remember_leftover(ctx, f"{obj.template} ({human_mapping(obj.params)}) owned by {obj.owner}")
    return False


def remember_leftover(ctx: Context, text: str) -> None:
    leftovers = ctx.shared.setdefault(_LEFTOVERS_KEY, [])
    assert isinstance(leftovers, list)
    leftovers.append(text)
    ctx.report_extra("leftovers", list(leftovers))


def _matches(pattern: str, value: str) -> bool:
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return False
