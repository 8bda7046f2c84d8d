"""The answers authz-bopla-excessive-exposure judges: two copies of what a non-admin identity
reads on an operation, or why there are none.

The scan's cached baseline first; when its example names no object of the identity's (a 404,
or a seed list that names every kind of object under one parameter, `id` on a DRF-style API),
the identity's known objects are tried in turn until the route answers JSON, and read twice.
An identity that is refused (401/403) sees nothing of the answer: that is a decision, not a
failure to read; anything else (an answer that is not JSON, a 404 with no object to try) is
said as it is, for the task's reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from authsift.analysis import JsonBody, json_body
from authsift.checks.authz._inventory import Inventory, request_for
from authsift.checks.base import Context, Inconclusive
from authsift.model import Exchange, Operation

TRIES = 6  # known objects tried when the baseline's example names none (one request each)
_REFUSED = frozenset({401, 403})


@dataclass(frozen=True, slots=True)
class Unread:
    """Why an identity's answer could not be examined."""

    why: str
    refused: bool = False  # 401/403: the identity sees nothing here


async def two_answers(
    ctx: Context, inv: Inventory, op: Operation, identity: str
) -> tuple[Exchange, JsonBody, JsonBody] | Unread:
    """(the valid exchange, its JSON, a second copy's JSON), or why there is none."""
    try:
        base = await ctx.baseline(op, identity)
        valid, _, _ = ctx.baseline_exchanges(op, identity)
        first, second = (json_body(r) for r in base.valid)
    except Inconclusive as failed:
        found = await _known_object(ctx, inv, op, identity)
        if isinstance(found, Unread):
            return _baseline_refusal(ctx, op, identity) or Unread(f"{found.why} ({failed})")
        valid, first, second = found
    if first is None or second is None:
        header = valid.response.header("Content-Type") if valid.response is not None else None
        kind = (header or "").split(";", 1)[0].strip() or "a body without a content type"
        return Unread(f"was answered {kind}, not JSON: no properties to examine")
    return valid, first, second


async def _known_object(
    ctx: Context, inv: Inventory, op: Operation, identity: str
) -> tuple[Exchange, JsonBody | None, JsonBody | None] | Unread:
    known = inv.visible_to(identity, op.path)[:TRIES]
    for obj in known:
        request = request_for(ctx, op, obj.values, identity)
        valid = await ctx.send(request, identity=identity)
        response = valid.response
        if response is not None and 200 <= response.status < 300 and json_body(response):
            again = await ctx.send(request, identity=identity)
            second = json_body(again.response) if again.response is not None else None
            return valid, json_body(response), second
    if not known:
        return Unread("has no answer to read: the spec example names no object of its own")
    return Unread(f"has no object here: none of its {len(known)} known ids was answered with JSON")


def _baseline_refusal(ctx: Context, op: Operation, identity: str) -> Unread | None:
    try:
        valid, _, _ = ctx.baseline_exchanges(op, identity)
    except Inconclusive:
        return None
    if valid.status in _REFUSED:
        return Unread(f"was refused ({valid.status})", refused=True)
    return None
