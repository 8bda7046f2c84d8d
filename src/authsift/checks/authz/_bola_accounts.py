"""A write whose body names the account it changes (`PUT /profile {"username", "bio"}`), probed
on two canary accounts the scanner signs up itself: never on a configured identity.

The victim canary reads its own record (`GET /me`) before and after; the intruder canary sends
the write naming the victim (its user name, e-mail or id in the account fields) with a fresh
marker in one harmless text field the record shows (`bio`, `display_name`; never a password, an
e-mail or a role). The marker in the victim's record proves it. Otherwise the victim sends the
same write itself (the control): only when that shows its marker is the refusal meaningful.
Both canaries are deleted where the API allows it, and listed as leftovers where not. The
intruder is a canary too so that an API that ignores the body's user name and updates the
caller changes nothing but a canary.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from authsift.analysis import exchange_json
from authsift.analysis.volatile import normalized_key
from authsift.analysis.wording import human_value
from authsift.checks.authz._bola_shapes import Shape, is_account_ref, properties
from authsift.checks.authz._bola_writes import free_text
from authsift.checks.authz._canary_accounts import Session, remove, send_as
from authsift.checks.authz._escalation import identity_reader
from authsift.checks.authz._login import login_way
from authsift.checks.authz._objects import canary
from authsift.checks.authz._signup import signed_in, signup_operation
from authsift.checks.base import Context, Inconclusive
from authsift.model import Exchange, HttpRequest, Operation


@dataclass(frozen=True, slots=True)
class AccountOutcome:
    """What the intruder canary's write did to the victim canary's record."""

    victim: Session
    intruder: Session
    before: Exchange
    attempt: Exchange
    after: Exchange
    field: str
    effect: str | None
    control: Exchange | None = None
    control_after: Exchange | None = None


async def probe_account(ctx: Context, op: Operation, shape: Shape) -> AccountOutcome:
    """The probe on two canaries, or Inconclusive with the reason (no sign-up, no login, no
    read-back of the account, no harmless field)."""
    fields = ", ".join(shape.account_refs)
    way = login_way(ctx)
    signup = signup_operation(ctx, way) if way is not None else None
    if way is None or signup is None:
        raise Inconclusive(
            f"the body names the account it changes ({fields}) and the API has no sign-up and "
            "login for a canary account to play the victim: configured identities are never "
            "written to. Test it by hand with two throwaway accounts"
        )
    reader = identity_reader(ctx)
    if reader is None:
        raise Inconclusive(
            f"no identity endpoint (`GET /me`) shows a canary its own record after {op.key}"
        )
    victim, _ = await signed_in(ctx, signup, way)
    made = [victim]
    records: list[Any] = [None, None]
    try:
        intruder, _ = await signed_in(ctx, signup, way)
        made.append(intruder)
        before = await send_as(ctx, victim, ctx.build(reader))
        record = own_record(exchange_json(before), victim)
        records[0] = record
        records[1] = own_record(
            exchange_json(await send_as(ctx, intruder, ctx.build(reader))), intruder
        )
        if record is None:
            raise Inconclusive(f"{reader.key} does not show the canary account its own record")
        field = next(
            (n for n, s in properties(op).items() if n in record and free_text(n, s)), None
        )
        if field is None:
            raise Inconclusive(
                f"no harmless text field of {op.key} (a bio, a display name) that {reader.key} "
                "shows: the write's effect could not be read back"
            )
        marker = canary(properties(op)[field].get("maxLength"))
        request = account_write(ctx, op, victim, record, field, marker)
        attempt = await send_as(ctx, intruder, request)
        after = await send_as(ctx, victim, ctx.build(reader))
        now = own_record(exchange_json(after), victim) or {}
        if str(now.get(field)) == marker:
            effect = f"{field} changed to the intruder's marker {human_value(marker)}"
            return AccountOutcome(victim, intruder, before, attempt, after, field, effect)
        mine = canary(properties(op)[field].get("maxLength"))
        control = await send_as(ctx, victim, account_write(ctx, op, victim, record, field, mine))
        control_after = await send_as(ctx, victim, ctx.build(reader))
        if str((own_record(exchange_json(control_after), victim) or {}).get(field)) != mine:
            raise Inconclusive(
                f"{op.key} naming the account did not change {field} even when the account "
                f"itself sent it (answered {control.status}): the refusal of the other account "
                "proves nothing"
            )
        return AccountOutcome(
            victim, intruder, before, attempt, after, field, None, control, control_after
        )
    finally:
        for session, rec in zip(made, records, strict=False):
            await remove(ctx, way, session, rec)


def account_write(
    ctx: Context,
    op: Operation,
    victim: Session,
    record: Mapping[str, Any],
    field: str,
    marker: str,
) -> HttpRequest:
    """The write naming `victim` in its account fields, `marker` in `field`; a `PUT` also
    carries the victim's other text fields as its record shows them."""
    body: dict[str, Any] = {}
    for name, schema in properties(op).items():
        if is_account_ref(name):
            body[name] = _account_value(name, victim, record)
        elif normalized_key(name) in ("email", "emailaddress") and schema.get("format") == "email":
            continue  # never sent: an e-mail change is a credential change
        elif name == field:
            body[name] = marker
        elif op.method == "PUT" and name in record and free_text(name, schema):
            body[name] = record[name]
    built = ctx.build(op)
    headers = tuple(h for h in built.headers if h[0].lower() != "content-type")
    return HttpRequest(
        op.method,
        built.url,
        (*headers, ("Content-Type", "application/json")),
        json.dumps(body).encode(),
    )


def _account_value(name: str, victim: Session, record: Mapping[str, Any]) -> Any:
    norm = normalized_key(name)
    if norm.endswith(("id", "uuid")):
        for key in (name, "id", "user_id", "uuid"):
            if key in record and isinstance(record[key], int | str):
                return record[key]
    canary_account = victim.canary
    return canary_account.username if canary_account.has_username else canary_account.email


def own_record(answer: Any, session: Session) -> dict[str, Any] | None:
    """The record in an identity answer that is the canary's own (its user name or e-mail)."""
    markers = {m.lower() for m in session.canary.markers}
    candidates = [answer, *(answer.values() if isinstance(answer, dict) else ())]
    for item in candidates:
        if isinstance(item, dict) and any(
            isinstance(v, str) and v.lower() in markers for v in item.values()
        ):
            return item
    return None
