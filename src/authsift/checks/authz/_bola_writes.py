"""The write itself: which object a body names, what a sender puts in it, and what it changed.

A body write names the object through its fields (issue 8): the one whose name is the object's
parameter (`card_id` for `/cards/{card_id}`) or `<collection>_id`, else `id` when the rest of the
body matches the object's own fields (`POST /sync/notes {"owner", "id", "title", "body"}` and a
note `{"id", "owner", "title", "body", …}`). Fields the object's record also has (`owner`) carry
the record's values; the first free text field the record has carries a fresh marker; other
references (`to_board_id`) carry the *sender's* own values — its seeds, or references it holds
(`board_id: 3`) — preferring one that differs from the object's current value.

The effect is read from the owner's read-back before and after, never from the status code:
the marker in its field, a reference field now holding the value sent, the object gone, or (for
an action such as `cancel`) a top-level value changed that two readings before did not change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from authsift.analysis.bodies import encode_scalar
from authsift.analysis.volatile import is_volatile_leaf, normalized_key
from authsift.analysis.wording import human_value
from authsift.checks.authz._bola_objects import Reading, current_params
from authsift.checks.authz._bola_shapes import (
    Shape,
    is_account_ref,
    is_object_ref,
    properties,
)
from authsift.checks.authz._inventory import Inventory, request_for
from authsift.checks.authz._objects import Created, canary, collection_creator
from authsift.checks.authz._producers import last_param
from authsift.checks.base import Context
from authsift.model import HttpRequest, Operation

_NOT_FREE = re.compile(
    r"pass(word|wd)|e-?mail|phone|mobile|role|admin|staff|permission|scope|token|secret|key"
    r"|avatar|url|website|status|visibility|type|kind",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Target:
    """The object a body write names: its template and the body field that carries its id."""

    template: str
    id_field: str


@dataclass(frozen=True, slots=True)
class Write:
    """One write as a sender would send it (no credentials), and what it should change."""

    request: HttpRequest
    marker: str | None = None
    marker_field: str | None = None
    refs: Mapping[str, tuple[str, Any]] = field(default_factory=dict)  # body → (record, sent)


def body_target(ctx: Context, op: Operation, shape: Shape) -> Target | None:
    """The creatable object the body's references name (best match), or None."""
    fields = properties(op)
    best: tuple[int, Target] | None = None
    seen: set[str] = set()
    for other in ctx.operations:
        template = other.path
        name = last_param(template)
        if name is None or template.rstrip("/") in seen:
            continue
        seen.add(template.rstrip("/"))
        post = collection_creator(ctx, template)
        if post is None or post is op:
            continue
        collection = normalized_key(template.rstrip("/").rsplit("/", 2)[-2])
        singular = collection.removesuffix("s")
        creatable = set(properties(post))
        for ref in shape.object_refs:
            ref_name = normalized_key(ref)
            if ref_name == normalized_key(name) and normalized_key(name) != "id":
                score = 10
            elif ref_name in (singular + "id", singular + "uuid", collection + "id"):
                score = 9
            elif ref_name == "id":
                score = len(creatable & (set(fields) - {ref}))
            else:
                continue
            if score > 0 and (best is None or score > best[0]):
                best = (score, Target(template, ref))
    return best[1] if best is not None else None


def compose(
    ctx: Context,
    op: Operation,
    shape: Shape,
    obj: Created,
    record: Mapping[str, Any],
    sender: str,
    inv: Inventory,
    id_field: str | None = None,
    where: Mapping[str, str] | None = None,
) -> Write:
    """The write `sender` sends against `obj` (its path, or its body's references); `where`:
    other path values than the object's own (the intruder's team, with the owner's card)."""
    params = (where or current_params(obj, record)) if shape.kind != "body" else {}
    built = request_for(ctx, op, params, sender)
    fields = properties(op)
    if not fields:
        return Write(built)
    if shape.kind == "path":
        return _path_write(built, op, obj, fields)
    body: dict[str, Any] = {}
    refs: dict[str, tuple[str, Any]] = {}
    marker: str | None = None
    marker_field: str | None = None
    example = _example(built)
    for name, schema in fields.items():
        if name == id_field:
            body[name] = _typed(obj.object_id, schema)
        elif name in record and (is_account_ref(name) or is_object_ref(name, schema)):
            body[name] = record[name]
        elif is_account_ref(name):
            whose = next(
                (v for k, v in obj.params.items() if normalized_key(k) == normalized_key(name)),
                None,
            )
            if whose is not None:
                body[name] = whose  # the object's account, as its path names it
        elif is_object_ref(name, schema):
            mine = sender_value(ctx, inv, sender, name, record)
            if mine is not None:
                body[name] = _typed(mine[1], schema)
                refs[name] = (mine[0], body[name])
            elif name in example:
                body[name] = example[name]
        elif marker is None and name in record and free_text(name, schema):
            marker, marker_field = canary(schema.get("maxLength")), name
            body[name] = marker
        elif name in record and op.method != "PATCH" and not _NOT_FREE.search(name):
            body[name] = record[name]
        elif name in example and (op.method != "PATCH" or name in _required(op)):
            body[name] = example[name]
    return Write(_with_body(built, body), marker, marker_field, refs)


def _path_write(
    built: HttpRequest, op: Operation, obj: Created, fields: Mapping[str, Any]
) -> Write:
    """A `PUT`/`PATCH` of the object itself: one of its canary fields set to a new marker."""
    name = next((k for k, v in obj.sent.items() if v in obj.canaries and k in fields), None)
    if name is None:
        return Write(built)
    marker = canary((fields.get(name) or {}).get("maxLength"))
    body = {name: marker} if op.method == "PATCH" else {**obj.sent, name: marker}
    return Write(_with_body(built, body), marker, name)


def sender_value(
    ctx: Context, inv: Inventory, sender: str, name: str, record: Mapping[str, Any]
) -> tuple[str, str] | None:
    """(the object's field it sets, a value of `sender`'s own) for a reference such as
    `to_board_id`: from its seeds, else its reach; one that differs from the object's now."""
    wanted = normalized_key(name)
    candidates: list[tuple[str, str]] = []
    for seed, values in ctx.facts.resources.get(sender, {}).items():
        if _names(wanted, normalized_key(seed)):
            candidates += [(seed, str(v)) for v in values]
    for ref, value in sorted(inv.reaches(sender)):
        if _names(wanted, ref) and all(value != v for _, v in candidates):
            candidates.append((ref, value))
    for ref, value in candidates:
        key = next((k for k in record if normalized_key(k) == normalized_key(ref)), ref)
        if str(record.get(key, "")) != value:
            return key, value
    return None


def own_parents(ctx: Context, inv: Inventory, sender: str, obj: Created) -> dict[str, str] | None:
    """`sender`'s own values for every path parameter before the object's id (its team, its
    board), from its seeds, else its reach; None unless all differ from the object's."""
    own_id = last_param(obj.template)
    found: dict[str, str] = {}
    seeds = ctx.facts.resources.get(sender, {})
    reach = sorted(inv.reaches(sender))
    for name, value in obj.params.items():
        if name == own_id:
            continue
        mine = seeds[name][0] if seeds.get(name) else None
        if mine is None:
            mine = next((v for n, v in reach if n == normalized_key(name)), None)
        if mine is None or str(mine) == value:
            return None
        found[name] = str(mine)
    return found or None


def _names(field_name: str, ref: str) -> bool:
    return ref != "id" and len(ref) > 3 and field_name.endswith(ref)


def free_text(name: str, schema: Mapping[str, Any]) -> bool:
    """A harmless text field: a string the schema leaves free, never a credential or a role."""
    if schema.get("type") not in ("string", None) or "enum" in schema:
        return False
    if schema.get("format", "") not in ("", "text") or schema.get("pattern"):
        return False
    return not (_NOT_FREE.search(name) or is_account_ref(name) or is_object_ref(name, schema))


def effect_of(
    shape: Shape,
    write: Write,
    before: Reading,
    after: Reading,
    volatile: frozenset[str],
    sender: str,
) -> str | None:
    """What the write did to the object, as the owner's read-back shows it; None: nothing."""
    if after.gone and before.gone is False:
        deleted = write.request.method == "DELETE"
        return "the object is gone" if deleted else "the object is no longer where its owner had it"
    old, new = before.record or {}, after.record or {}
    if write.marker_field is not None and str(new.get(write.marker_field)) == write.marker:
        assert write.marker is not None
        return f"{write.marker_field} changed to {sender}'s marker {human_value(write.marker)}"
    for sent_as, (key, value) in write.refs.items():
        if key in new and str(new[key]) == str(value) and str(old.get(key)) != str(value):
            return (
                f"{key} changed from {human_value(old.get(key))} to {human_value(new[key])} "
                f"(the {sent_as} {sender} sent)"
            )
    # an owner's verb (cancel, publish) shows in any top-level value; an attribute write
    # (`PUT …/{id}/content`) only by its marker: a count it bumps may be anyone's to bump
    if shape.kind == "action" and shape.verb is not None and old and new:
        changed = top_changes(old, new, volatile)
        if changed:
            key = sorted(changed)[0]
            return (
                f"{key} changed from {human_value(changed[key][0])} to "
                f"{human_value(changed[key][1])}"
            )
    return None


def top_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], volatile: frozenset[str]
) -> dict[str, tuple[Any, Any]]:
    """Top-level scalar values that differ, leaving out volatile ones (learned or by shape)."""
    found: dict[str, tuple[Any, Any]] = {}
    for key in old.keys() & new.keys():
        a, b = old[key], new[key]
        if key in volatile or isinstance(a, dict | list) or isinstance(b, dict | list):
            continue
        path = f"$.{key}"
        if is_volatile_leaf(path, a) or is_volatile_leaf(path, b):
            continue
        if encode_scalar(a) != encode_scalar(b):
            found[key] = (a, b)
    return found


def _example(built: HttpRequest) -> dict[str, Any]:
    try:
        value = json.loads(built.body or b"null")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _required(op: Operation) -> Sequence[str]:
    schema = op.request_body.schema if op.request_body is not None else {}
    required = schema.get("required")
    return [str(r) for r in required] if isinstance(required, list) else []


def _typed(value: Any, schema: Mapping[str, Any]) -> Any:
    if schema.get("type") == "integer" and str(value).lstrip("-").isdigit():
        return int(value)
    return value


def _with_body(built: HttpRequest, body: Mapping[str, Any]) -> HttpRequest:
    headers = tuple(h for h in built.headers if h[0].lower() != "content-type")
    return HttpRequest(
        built.method,
        built.url,
        (*headers, ("Content-Type", "application/json")),
        json.dumps(body).encode(),
    )
