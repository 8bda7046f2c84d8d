"""Write probes for a read-only key that leave nothing behind (apikey-over-privileged).

Two ways, tried in this order:
1. **No-op re-submission**: where a collection's objects are named by the client (the id of
   `/orgs/{org}/projects/{slug}` is a property of the `POST` body), the key reads an existing
   object and posts it again with the very values it just read. The write cannot change
   anything: a server that upserts stores the same values, one that enforces uniqueness
   answers 409 Conflict — after it has let the credential through to the data layer. A server
   that checks the key's scope answers 401/403 first.
2. **Sacrificial object**: where the collection can also be deleted, the key creates a canary
   object (`authz._objects`), the owner reads it back, and it is deleted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from authsift.analysis import loads_or_none
from authsift.checks.authz._objects import operation as find_operation
from authsift.checks.authz._producers import fill, id_of, last_param, match_template
from authsift.checks.base import Context
from authsift.model import Exchange, HttpRequest, Operation

_REFUSED = frozenset({401, 403})


@dataclass(frozen=True)
class Resubmission:
    """A no-op write sent with the key, and the references that make it a proof."""

    read: Exchange  # the key reading the object
    write: Exchange  # the key posting it back
    anonymous: Exchange  # the same post without credentials
    request: HttpRequest
    object_id: str


def client_named_template(ctx: Context, post: Operation) -> str | None:
    """`POST /c` whose objects live at `/c/{id}` with `id` a property of the request body."""
    if post.request_body is None or "json" not in post.request_body.content_type:
        return None
    properties = post.request_body.schema.get("properties") or {}
    for candidate in ctx.operations:
        if candidate.method != "GET":
            continue
        name = last_param(candidate.path)
        parent = candidate.path.rstrip("/").rsplit("/", 1)[0]
        if name and parent == post.path.rstrip("/") and name in properties:
            return candidate.path
    return None


def resubmitted_body(post: Operation, current: Mapping[str, Any]) -> dict[str, Any] | None:
    """The object's own current values for every property the request body declares; None
    when one of them is not in the object as read (a write-only field, one the read view
    hides): an upsert could reset it, so the re-submission would not be a no-op."""
    assert post.request_body is not None
    properties = post.request_body.schema.get("properties") or {}
    if not properties or any(name not in current for name in properties):
        return None
    return {name: current[name] for name in properties}


async def readable_object(
    ctx: Context, reader: Operation, key: str
) -> tuple[Exchange, dict[str, Any]] | None:
    """An existing object the key can read: the key's own seeds first, then other identities'
    (an org's project that the key's account may see)."""
    tried: set[str] = set()
    for owner in (key, *ctx.identities):
        request = ctx.build(reader, as_identity=owner)
        if request.url in tried:
            continue
        tried.add(request.url)
        exchange = await ctx.send(request, identity=key)
        answer = loads_or_none(exchange.response.body) if exchange.response else None
        if (
            exchange.status is not None
            and 200 <= exchange.status < 300
            and isinstance(answer, dict)
        ):
            return exchange, answer
        if len(tried) >= 3:
            break
    return None


async def resubmit(ctx: Context, post: Operation, key: str) -> Resubmission | None:
    """Post an object back as it is, as the key (see the module docstring); None when there is
    no client-named collection or no object the key can read and re-submit unchanged."""
    template = client_named_template(ctx, post)
    reader = find_operation(ctx, "GET", template) if template else None
    if template is None or reader is None:
        return None
    found = await readable_object(ctx, reader, key)
    if found is None:
        return None
    read, current = found
    name = last_param(template) or ""
    object_id = id_of(current, name)
    body = resubmitted_body(post, current)
    if object_id is None or body is None:
        return None
    params = match_template(template, read.request.url) or {}
    url = ctx.url(fill(post.path, params))
    request = HttpRequest(
        "POST", url, (("Content-Type", "application/json"),), json.dumps(body).encode()
    )
    write = await ctx.send(request, identity=key)
    anonymous = await ctx.send(request)
    return Resubmission(read, write, anonymous, request, object_id)


def passed_authorization(attempt: Resubmission) -> bool | None:
    """True: the key's write got through (2xx with the same object, or 409 Conflict) while the
    anonymous one was refused; False: the key was refused; None: cannot tell."""
    status = attempt.write.status
    if status in _REFUSED:
        return False
    if attempt.anonymous.status not in _REFUSED or status is None:
        return None
    if status == 409:
        return True
    if 200 <= status < 300 and attempt.write.response is not None:
        answer = loads_or_none(attempt.write.response.body)
        return isinstance(answer, dict) and attempt.object_id in {
            str(v) for v in answer.values() if isinstance(v, str | int)
        }
    return None
