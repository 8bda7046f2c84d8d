"""What a create body needs beyond canaries: required properties the spec's example leaves out.

`_objects.canary_body` fills every free text property with a canary; an object whose create
also requires a reference (`doctor_id`) or a date (`starts_at`) and whose spec gives no example
is refused with a 400, and nothing can be tested on it. Such properties are completed here:
- a reference by its name, from the config's `resources` seeds: the creator's own first, then
  another identity's (that identity is then *related* to the object, and never tested as an
  intruder on it: an appointment with maya as its doctor is partly maya's);
- a date or date-time a month ahead (a booking in the past is often refused);
- an enumeration's first value.
A value the spec author gave (the body's or the property's `example`, a `default`) is kept; the
minimal values the scanner generates for a schema without one (`1`, `2024-01-01T00:00:00Z`) are
placeholders, and are replaced the same way.
Other required properties (numbers, booleans, free objects) are left out: the scanner does not
guess their meaning, and the API's refusal then says the object cannot be made.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from authsift.analysis import loads_or_none
from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._exposure import merge_schema
from authsift.checks.base import Context
from authsift.model import Operation
from authsift.spec import example_value

_AHEAD = datetime.timedelta(days=30)
_AUTHORED = ("example", "examples", "default", "const", "enum")  # values the author chose


def completion(ctx: Context, post: Operation, creator: str) -> tuple[dict[str, Any], set[str]]:
    """(required properties to add to the create body, identities whose seeds they use).

    A property the spec's own example sets is left alone; one it leaves out, or that only has
    the minimal value generated from its schema (`1`, `2024-01-01T00:00:00Z`), is completed."""
    body = post.request_body
    if body is None:
        return {}, set()
    schema = merge_schema(body.schema)
    example = loads_or_none(ctx.build(post, as_identity=creator).body)
    example = example if isinstance(example, dict) else {}
    generated = body.example == example_value(body.schema)
    properties = schema.get("properties") or {}
    extra: dict[str, Any] = {}
    related: set[str] = set()
    for name in schema.get("required") or ():
        prop = properties.get(name)
        if not isinstance(prop, Mapping):
            continue
        prop = merge_schema(prop)
        authored = not generated or any(k in prop for k in _AUTHORED)
        if name in example and authored:
            continue
        value, seeded_by = _value(ctx, str(name), prop, creator)
        if value is not None:
            extra[str(name)] = value
            if seeded_by is not None and seeded_by != creator:
                related.add(seeded_by)
    return extra, related


def _value(
    ctx: Context, name: str, prop: Mapping[str, Any], creator: str
) -> tuple[Any, str | None]:
    kind, shape = prop.get("type"), prop.get("format")
    enum = prop.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0], None
    when = datetime.datetime.now(datetime.UTC).replace(microsecond=0) + _AHEAD
    if kind == "string" and shape == "date-time":
        return when.isoformat().replace("+00:00", "Z"), None
    if kind == "string" and shape == "date":
        return when.date().isoformat(), None
    if kind not in ("integer", "string"):
        return None, None
    owners = [creator, *(n for n in ctx.identities if n != creator)]
    for owner in owners:
        seeds = ctx.facts.resources.get(owner, {})
        for param, values in seeds.items():
            if normalized_key(param) != normalized_key(name) or not values:
                continue
            value = values[0]
            if kind == "integer":
                if not value.lstrip("-").isdigit():
                    continue
                return int(value), owner
            return value, owner
    return None, None  # free text gets a canary (canary_body); anything else: not guessed
