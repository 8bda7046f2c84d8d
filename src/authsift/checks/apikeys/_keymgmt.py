"""A key-management API as the scan finds it: where keys are issued and where they are revoked.

Found from the spec, not from names we expect: a JSON `POST` on a collection whose last
segment names credentials (`/api-keys`, `/tokens`, `/credentials`), with a `DELETE` on its
`/{id}` path; the issued key is the answer's credential-named string field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from authsift.analysis import loads_or_none
from authsift.checks.authz._objects import canary_body, remember_leftover
from authsift.checks.authz._producers import fill, id_of, last_param, match_template
from authsift.checks.base import Context
from authsift.model import Exchange, HttpRequest, Operation

_KEY_COLLECTION = re.compile(r"(?:^|[-_/])(?:api[-_]?)?(?:keys?|tokens?|credentials?)/?$", re.I)
_KEY_FIELD = re.compile(
    r"^(?:api[-_]?key|key|token|secret|value|access[-_]?token|client[-_]?secret|plaintext)$",
    re.I,
)
_MIN_KEY_LENGTH = 8


@dataclass(frozen=True)
class KeyApi:
    issue: Operation  # POST /api-keys
    revoke: Operation  # DELETE /api-keys/{key_id}


@dataclass(frozen=True)
class Issued:
    creator: str
    key: str
    params: dict[str, str]  # what fills the revoke path
    exchange: Exchange


def key_apis(operations: Iterable[Operation]) -> list[KeyApi]:
    ops = list(operations)
    found: list[KeyApi] = []
    for post in ops:
        if post.method != "POST" or not _KEY_COLLECTION.search(post.path):
            continue
        if post.request_body is not None and "json" not in post.request_body.content_type:
            continue
        prefix = post.path.rstrip("/") + "/"
        for delete in ops:
            if (
                delete.method == "DELETE"
                and delete.path.startswith(prefix)
                and delete.path.count("/") == prefix.count("/")
                and last_param(delete.path) is not None
            ):
                found.append(KeyApi(post, delete))
                break
    return found


def issued_key(answer: Any, known: set[str]) -> str | None:
    """The credential-named string of an issuance answer (not an id, not a known secret)."""
    if not isinstance(answer, Mapping):
        return None
    for name, value in answer.items():
        if isinstance(value, Mapping):
            nested = issued_key(value, known)
            if nested:
                return nested
        if (
            isinstance(value, str)
            and _KEY_FIELD.match(str(name))
            and len(value) >= _MIN_KEY_LENGTH
            and value not in known
        ):
            return value
    return None


async def issue(ctx: Context, api: KeyApi, creator: str, known: set[str]) -> Issued | None:
    """A throwaway key issued to `creator`'s own account; registered as a secret at once."""
    built = ctx.build(api.issue, as_identity=creator)
    body: dict[str, Any] = {}
    if api.issue.request_body is not None:
        example = loads_or_none(built.body)
        body, _ = canary_body(api.issue, example if isinstance(example, dict) else {})
    request = HttpRequest(
        "POST",
        built.url,
        (*[h for h in built.headers if h[0].lower() != "content-type"], _JSON),
        json.dumps(body).encode(),
    )
    exchange = await ctx.send(request, identity=creator)
    if exchange.status is None or not 200 <= exchange.status < 300 or exchange.response is None:
        return None
    answer = loads_or_none(exchange.response.body)
    key = issued_key(answer, known)
    if key is None:
        return None
    ctx.add_secret(key, "$THROWAWAY_KEY")
    name = last_param(api.revoke.path) or ""
    object_id = id_of(answer, name) if isinstance(answer, dict) else None
    if object_id is None:
        return None
    parent = match_template(api.issue.path, built.url) or {}
    return Issued(creator, key, {**parent, name: object_id}, exchange)


async def revoke(ctx: Context, api: KeyApi, issued: Issued) -> Exchange:
    built = ctx.build(api.revoke, as_identity=issued.creator)
    url = ctx.url(fill(api.revoke.path, issued.params))
    return await ctx.send(HttpRequest("DELETE", url, built.headers, None), identity=issued.creator)


_JSON = ("Content-Type", "application/json")


async def mint_and_revoke(
    ctx: Context, key_identity: str, fallback: str
) -> tuple[Exchange, Exchange] | None:
    """Issue a key with `key_identity`'s key alone, then revoke it (as the key, else as
    `fallback`, a person of the same account). (issuance, revocation) when a key was issued;
    what cannot be revoked is listed as a leftover."""
    apis = key_apis(ctx.operations)
    if not apis:
        return None
    known = {c.token for c in (ctx.credential(n) for n in ctx.identities) if c is not None}
    issued = await issue(ctx, apis[0], key_identity, known)
    if issued is None:
        return None
    answer = await revoke(ctx, apis[0], issued)
    if answer.status is None or not 200 <= answer.status < 300:
        answer = await revoke(ctx, apis[0], replace(issued, creator=fallback))
    if answer.status is None or not 200 <= answer.status < 300:
        remember_leftover(ctx, f"a key issued with {key_identity}'s key ({issued.params})")
    return issued.exchange, answer
