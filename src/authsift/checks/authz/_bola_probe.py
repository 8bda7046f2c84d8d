"""One authz-bola-write probe on a scanner-created object: the owner makes it, the intruder sends
the write naming it, the owner's read-back decides, a control makes a refusal meaningful, and
the object is removed (or listed as a leftover).

The intruder is another non-admin account with no relation to the object: an object that
references something the intruder legitimately holds (its team, its clinic: teammates edit each
other's cards) or names the intruder is left out, so intended shared access is never reported.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from authsift.analysis import exchange_json, is_strong_marker
from authsift.analysis.bodies import json_leaves, path_keys
from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._bola_objects import (
    MALFORMED,
    Reading,
    Watch,
    creator,
    make,
    record_of,
    remove,
)
from authsift.checks.authz._bola_shapes import Shape
from authsift.checks.authz._bola_writes import (
    Write,
    compose,
    effect_of,
    own_parents,
    top_changes,
)
from authsift.checks.authz._inventory import Inventory, inventory
from authsift.checks.authz._objects import Created, operation
from authsift.checks.authz._producers import last_param
from authsift.checks.base import Context, Inconclusive
from authsift.model import Exchange, HttpRequest, Operation

_PEOPLE = re.compile(
    r"user|owner|author|member|shared|assignee|collaborator|participant|holder|patient|customer"
)


@dataclass(slots=True)
class Outcome:
    obj: Created
    intruder: str
    first: Reading
    write: Write
    attempt: Exchange
    after: Reading
    effect: str | None
    control: Exchange | None = None
    control_after: Reading | None = None
    control_effect: str | None = None
    via: dict[str, str] | None = None  # the intruder's own path values it sent the write under
    control_marker: str | None = None


async def probe(
    ctx: Context, op: Operation, shape: Shape, template: str, id_field: str | None
) -> Outcome:
    inv = await inventory(ctx)
    users = [p for p in inv.representatives() if not ctx.is_privileged(p)]
    if len(users) < 2:
        raise Inconclusive("needs two non-admin identities of different accounts")
    deletable = not shape.terminal
    maker = creator(ctx, template, deletable=deletable)
    if maker is None:
        raise Inconclusive(
            f"no sacrificial object of {template} can be made: its collection needs a JSON POST "
            "and the object a DELETE (only scanner-created objects are written to)"
        )
    obj: Created | None = None
    refusal: Exchange | None = None
    for owner in users[:2]:
        obj, refusal = await make(ctx, template, owner, deletable=deletable)
        if obj is not None:
            break
    if obj is None:
        status = refusal.status if refusal is not None else None
        filled = ", also with references they hold filled in" if status in MALFORMED else ""
        raise Inconclusive(
            f"could not create a sacrificial object with {maker.key} as {users[0]} or "
            f"{users[1]} (answered {status}){filled}"
        )
    owner = obj.owner
    watch = Watch(ctx, obj, lambda r: ctx.send(r, identity=owner))
    latest: dict[str, Any] | None = None
    outcome: Outcome | None = None
    try:
        first = await watch.read()
        if first.gone is not False or first.record is None:
            raise Inconclusive(f"the object {owner} created cannot be read back by {owner}")
        latest = first.record
        volatile: frozenset[str] = frozenset()
        if shape.kind == "action":
            again = await watch.read()
            volatile = frozenset(top_changes(first.record, again.record or {}, frozenset()))
        intruder = _stranger(ctx, inv, users, owner, obj, first.record)
        write = compose(ctx, op, shape, obj, first.record, intruder, inv, id_field)
        if shape.kind == "path" and op.method != "DELETE" and write.marker is None:
            raise Inconclusive("no text field of the created object that this operation writes")
        attempt = await ctx.send(write.request, identity=intruder)
        after = await watch.read()
        effect = effect_of(shape, write, first, after, volatile, intruder)
        effect = await _lasting(watch, effect, after)
        latest = after.record or latest
        outcome = Outcome(obj, intruder, first, write, attempt, after, effect)
        parents = own_parents(ctx, inv, intruder, obj) if shape.kind != "body" else None
        if effect is None and parents:  # the intruder's own team, board… with the owner's id
            where = {**obj.params, **parents}
            nested = compose(ctx, op, shape, obj, latest, intruder, inv, id_field, where)
            tried = await ctx.send(nested.request, identity=intruder)
            again = await watch.read()
            found = effect_of(shape, nested, after, again, volatile, intruder)
            found = await _lasting(watch, found, again)
            latest = again.record or latest
            if found is not None:
                outcome = Outcome(obj, intruder, first, nested, tried, again, found, via=parents)
        if effect is None and shape.kind != "path":
            mine = compose(ctx, op, shape, obj, latest, owner, inv, id_field)
            control = await ctx.send(mine.request, identity=owner)
            control_after = await watch.read()
            outcome.control, outcome.control_after = control, control_after
            outcome.control_marker = mine.marker
            outcome.control_effect = effect_of(shape, mine, after, control_after, volatile, owner)
            answered = record_of(exchange_json(control), last_param(template) or "", template)
            latest = control_after.record or answered or latest
        return outcome
    finally:
        deleted = op.method == "DELETE" and outcome is not None and outcome.after.gone
        if not (deleted and outcome is not None and outcome.effect):
            await _clean(ctx, shape, obj, watch, latest, outcome)


async def _lasting(watch: Watch, effect: str | None, after: Reading) -> str | None:
    """An object that vanished is read once more: a transient 404 is no proof."""
    if effect is None or not after.gone:
        return effect
    return effect if (await watch.read()).gone else None


async def _clean(
    ctx: Context,
    shape: Shape,
    obj: Created,
    watch: Watch,
    latest: dict[str, Any] | None,
    outcome: Outcome | None,
) -> None:
    note = ""
    if shape.terminal and operation(ctx, "DELETE", obj.template) is None:
        who = outcome.intruder if outcome is not None and outcome.effect else obj.owner
        done = outcome is not None and (outcome.effect or outcome.control_effect)
        note = (
            f"{shape.verb} applied by {who}; the API offers no DELETE for it"
            if done
            else f"the API offers no DELETE for it, and {shape.verb} did not take"
        )

    async def restore() -> dict[str, Any] | None:
        """The owner sends the write again with the object's original references."""
        if outcome is None or not outcome.write.refs:
            return None
        body = json.loads(outcome.write.request.body or b"{}")
        for sent_as, (key, _) in outcome.write.refs.items():
            body[sent_as] = outcome.first.record.get(key) if outcome.first.record else None
        request = outcome.write.request
        again = HttpRequest(request.method, request.url, request.headers, json.dumps(body).encode())
        answer = await ctx.send(again, identity=obj.owner)
        return record_of(exchange_json(answer), last_param(obj.template) or "", obj.template)

    ours: set[str] = set()
    if outcome is not None:  # what the object showed of ours, and what was written into it
        shown = outcome.first.record or {}
        ours = {v for v in shown.values() if isinstance(v, str) and v in obj.canaries}
        ours |= {m for m in (outcome.write.marker, outcome.control_marker) if m} if ours else set()
    await remove(ctx, obj, watch, latest, restore, note, frozenset(ours))


def _stranger(
    ctx: Context,
    inv: Inventory,
    users: list[str],
    owner: str,
    obj: Created,
    record: dict[str, Any],
) -> str:
    """The first other account the object does not relate to; Inconclusive when none."""
    reasons: list[str] = []
    for user in users:
        if inv.same_principal(user, owner):
            continue
        why = relation(inv, user, obj, record)
        if why is None:
            return user
        reasons.append(f"{user} ({why})")
    raise Inconclusive(
        f"every other account may legitimately act on {owner}'s object: " + "; ".join(reasons)
    )


def relation(inv: Inventory, user: str, obj: Created, record: dict[str, Any]) -> str | None:
    """Why `user` may hold the object: it references something of the user's (its team, its
    board), or names the user; None when it does neither."""
    reach = inv.reaches(user)
    own_id = last_param(obj.template)
    for name, value in obj.params.items():
        if name != own_id and (normalized_key(name), value) in reach:
            return f"it is under {name} {value}, which {user} holds"
    markers = inv.markers_of(user)
    for path, leaf in json_leaves(record):
        if isinstance(leaf, bool) or not isinstance(leaf, int | str):
            continue
        keys = path_keys(path)
        text = str(leaf)
        whose = _PEOPLE.search(normalized_key("".join(keys)))
        if text in markers and (is_strong_marker(text) or whose):
            return f"it names {user} ({'.'.join(keys)}: {text})"
        if len(keys) != 1 or normalized_key(keys[0]) == "id":
            continue
        if (normalized_key(keys[0]), text) in reach:
            return f"its {keys[0]} {text} is one {user} holds"
    return None
