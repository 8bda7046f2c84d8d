"""Which operation produces the ids another operation consumes (pure, no HTTP).

Object-level checks need real ids of each identity's objects. An API hands them out itself:
the collection `GET /orders` lists the objects whose `id` fills `{order_id}` of
`GET /orders/{order_id}`, and `GET /orgs/{org}/projects` lists the `slug`s of
`/orgs/{org}/projects/{slug}`. The match is by path shape (the consumer's path is the
producer's plus one `/{param}` segment) and by name:
the parameter's own name in the item (`slug`, `order_id`), else `id` for `{id}` / `{order_id}` /
`{orderId}` style parameters.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from authsift.analysis.volatile import normalized_key
from authsift.model import Operation
from authsift.spec.classify import looks_privileged

_PARAM = re.compile(r"\{([^{}]+)\}")
# Keys under which APIs wrap a page of items ({"items": [...], "total": 3}).
_LIST_KEYS = ("items", "data", "results", "content", "records", "rows", "entries", "values")
_MAX_ITEMS = 25  # per listing: enough ids to choose from, never a full dump
_ID_SUFFIX = re.compile(r"(?:[_\-.]?(?:id|uuid|guid|key|slug|code|name))$", re.I)


def path_params(template: str) -> list[str]:
    """`/orgs/{org}/projects/{slug}` → `["org", "slug"]`."""
    return _PARAM.findall(template)


def last_param(template: str) -> str | None:
    """The parameter of the last segment when the path ends in one (`/orders/{order_id}`)."""
    match = re.search(r"/\{([^{}/]+)\}/?$", template)
    return match.group(1) if match else None


def fill(template: str, params: Mapping[str, str]) -> str:
    """The template with each `{name}` replaced by its percent-encoded value."""
    return _PARAM.sub(lambda m: urllib.parse.quote(params.get(m.group(1), ""), safe=""), template)


def match_template(template: str, url: str) -> dict[str, str] | None:
    """The parameter values of `url` if its path is an instance of `template`, else None."""
    path = urllib.parse.urlsplit(url).path
    pattern = ""
    position = 0
    for match in _PARAM.finditer(template):
        pattern += re.escape(template[position : match.start()]) + "([^/]+)"
        position = match.end()
    pattern += re.escape(template[position:])
    found = re.search(pattern + "/?$", path)
    if found is None:
        return None
    values = [urllib.parse.unquote(v) for v in found.groups()]
    return dict(zip(path_params(template), values, strict=True))


def producers_of(consumer: str, operations: Iterable[Operation]) -> list[Operation]:
    """GET operations that list the objects of `consumer` (a path template ending in a param).

    `GET /orders` for `/orders/{order_id}`, `GET /orgs/{org}/projects` for
    `/orgs/{org}/projects/{slug}`. Admin listings are left out: what an admin function lists
    says nothing about who owns it, and probing admin functions is the BFLA checks' job.
    """
    if last_param(consumer) is None:
        return []
    parent = consumer.rstrip("/").rsplit("/", 1)[0]
    return [
        op
        for op in operations
        if op.method == "GET"
        and op.path.rstrip("/") == parent
        and not looks_privileged(op)
        and not any(p.required and p.example is None for p in op.parameters if p.location != "path")
    ]


def consumers(operations: Sequence[Operation]) -> list[str]:
    """Distinct path templates that end in a parameter (the object-level endpoints)."""
    seen: dict[str, None] = {}
    for op in operations:
        if last_param(op.path) is not None:
            seen.setdefault(op.path, None)
    return list(seen)


def listed_items(body: Any) -> list[dict[str, Any]]:
    """The objects of a collection answer: a top-level array, or the array under a page key."""
    if isinstance(body, list):
        return [item for item in body[:_MAX_ITEMS] if isinstance(item, dict)]
    if not isinstance(body, dict):
        return []
    candidates = [body.get(key) for key in _LIST_KEYS]
    candidates += [value for key, value in body.items() if key not in _LIST_KEYS]
    for value in candidates:
        if isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
            return [item for item in value[:_MAX_ITEMS] if isinstance(item, dict)]
        if isinstance(value, dict) and value is body.get("data"):
            nested = listed_items(value)
            if nested:
                return nested
    return []


def id_of(item: Mapping[str, Any], param: str) -> str | None:
    """The value in a listed item that fills `{param}`, or None when nothing matches by name.

    Exact name first (`slug`, `order_id`), then the same name in another case style
    (`orderId`), then the item's bare `id` when the parameter is an id (`{id}`, `{order_id}`,
    `{documentUuid}`, `{key}`). Booleans, floats, objects and empty strings never fill an id.
    """
    wanted = normalized_key(param)
    by_normal = {normalized_key(key): key for key in item}
    key = by_normal.get(wanted)
    if key is None and _ID_SUFFIX.search(param):
        key = next((by_normal[k] for k in ("id", "uuid", "guid") if k in by_normal), None)
    if key is None:
        return None
    value = item[key]
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        return None
    return str(value)
