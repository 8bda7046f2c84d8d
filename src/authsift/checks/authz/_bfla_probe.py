"""The effect of a state-changing call, observed: low-privilege calls, the privileged control,
and putting things back.

Every call is followed by a read-back as the privileged identity (`_readback.Observer`); an
effect is a stable change of the object there, never a status code. A refused call is only
meaningful next to a control: the same call by the privileged identity changes the object. When
the object already is in the state the function produces (an `unban` of an account that is not
banned), the inverse function (`ban`) first puts it in the other state, as the privileged
identity, and the probe runs again. At the end the object is restored: by the inverse function,
or by writing the old values back for body-driven functions (`PUT …/role`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from authsift.analysis import loads_or_none
from authsift.analysis.bodies import encode_scalar
from authsift.checks.authz._bfla_writes import WriteFunction, inverse_of
from authsift.checks.authz._inventory import request_for
from authsift.checks.authz._objects import remember_leftover
from authsift.checks.authz._readback import MASK, Observer, Reading, Target
from authsift.checks.base import Context, Inconclusive
from authsift.model import Exchange, HttpRequest, Operation

_PRIVILEGED_WORDS = frozenset({"admin", "administrator", "superadmin", "root", "owner", "staff"})


@dataclass(frozen=True, slots=True)
class Attempt:
    caller: str
    exchange: Exchange
    after: Reading
    changes: dict[str, tuple[str, str]]


@dataclass(slots=True)
class Probe:
    """One function, one target, one privileged identity watching it."""

    ctx: Context
    function: WriteFunction
    target: Target
    observer: Observer
    admin: str
    original: Reading  # the object before anything was sent
    body: bytes | None = None  # the probe's JSON body, when the function takes one
    restore_body: bytes | None = None
    before: Reading = field(init=False)  # the state the next call is compared with

    def __post_init__(self) -> None:
        self.before = self.original

    def request(
        self, caller: str, op: Operation | None = None, body: bytes | None = None
    ) -> HttpRequest:
        built = request_for(self.ctx, op or self.function.operation, self.target.params, caller)
        payload = body if body is not None else (self.body if op is None else None)
        if payload is None:
            return built
        headers = tuple(h for h in built.headers if h[0].lower() != "content-type")
        return HttpRequest(
            built.method, built.url, (*headers, ("Content-Type", "application/json")), payload
        )

    async def call(
        self, caller: str, op: Operation | None = None, body: bytes | None = None
    ) -> Attempt:
        exchange = await self.ctx.send(self.request(caller, op, body), identity=caller)
        after = await self.observer.read()
        return Attempt(caller, exchange, after, self.observer.changes(self.before, after))


@dataclass(slots=True)
class Result:
    effect: Attempt | None = None  # the low-privilege call that changed the object
    repeat: Attempt | None = None  # the same effect again, after restoring
    refused: list[Attempt] = field(default_factory=list)
    control: Attempt | None = None  # the privileged identity's own call
    before: Reading | None = None


def action_bodies(
    ctx: Context, function: WriteFunction, admin: str, before: Reading
) -> tuple[bytes | None, bytes | None]:
    """(probe body, restoring body) of an action. Enum properties get a value different from
    the object's current one (never a privileged role name when another value exists), and the
    restoring body carries the current values."""
    op = function.operation
    if op.request_body is None or "json" not in op.request_body.content_type:
        return None, None
    example = loads_or_none(ctx.build(op, as_identity=admin).body)
    body = dict(example) if isinstance(example, dict) else {}
    restore = dict(body)
    privileged = {ctx.role(n).lower() for n in ctx.identities if ctx.is_privileged(n)}
    current = {k: v for state in reversed(before.states) for k, v in (state or {}).items()}
    for name, prop in (op.request_body.schema.get("properties") or {}).items():
        values = prop.get("enum") if isinstance(prop, dict) else None
        now = current.get(f"$.{name}")
        if not isinstance(values, list) or now is None or now == MASK:
            continue
        others = [v for v in values if isinstance(v, str | int) and encode_scalar(v) != now]
        harmless = [v for v in others if str(v).lower() not in privileged | _PRIVILEGED_WORDS]
        if others:
            body[name] = (harmless or others)[0]
            restore[name] = loads_or_none(now.encode())
    return json.dumps(body).encode(), json.dumps(restore).encode()


async def run_action(probe: Probe, callers: list[str]) -> Result:
    """Low-privilege calls, then the control; once more from the inverse state if needed."""
    result = Result(before=probe.before)
    for attempt in await _tries(probe, callers):
        if attempt.changes:
            result.effect = attempt
            return result
        result.refused.append(attempt)
    control = await probe.call(probe.admin)
    if control.changes:
        result.control = control
        return result
    inverse = inverse_of(probe.function, probe.ctx.operations)
    if inverse is None:
        return result
    flipped = await probe.call(probe.admin, inverse)
    if not flipped.changes:
        return result
    probe.before = flipped.after  # the other state: now the function has something to do
    for attempt in await _tries(probe, callers):
        if attempt.changes:
            result.effect, result.before = attempt, probe.before
            return result
        result.refused.append(attempt)
    control = await probe.call(probe.admin)
    result.control = control if control.changes else None
    return result


async def run_delete(probe: Probe, callers: list[str]) -> Result:
    """Low-privilege deletes; the control is the privileged delete that cleans up anyway. An
    address that shows another object afterwards (an API that reuses ids) counts as gone, and
    the control never deletes what is not the scanner's."""
    result = Result(before=probe.before)
    for attempt in await _tries(probe, callers):
        if gone(probe, attempt):
            result.effect = replace(attempt, changes={"$": ("present", "gone")})
            return result
        result.refused.append(attempt)
    control = await probe.call(probe.admin)
    result.control = control if gone(probe, control) else None
    return result


def gone(probe: Probe, attempt: Attempt) -> bool:
    return attempt.after.gone or not probe.observer.ours(attempt.after)


async def run_update(probe: Probe, callers: list[str], marker: str, fresh: bytes) -> Result:
    """Low-privilege writes of `marker` (in `probe.body`); the control sends `fresh`, the same
    write with another marker, as the privileged identity."""
    result = Result(before=probe.before)
    for attempt in await _tries(probe, callers):
        if attempt.changes and _shows(attempt.after, marker):
            result.effect = attempt
            return result
        result.refused.append(attempt)
    control = await probe.call(probe.admin, body=fresh)
    result.control = control if control.changes else None
    return result


async def repeat_action(probe: Probe, caller: str) -> Attempt | None:
    """Confirmation: restore the object, then the same low-privilege call changes it again."""
    if not await restore(probe, probe.before):
        return None
    again = await probe.call(caller)
    return again if again.changes else None


async def restore(probe: Probe, wanted: Reading) -> bool:
    """Bring the object back to `wanted` as the privileged identity; True when it is."""
    current = await probe.observer.read()
    if not probe.observer.changes(wanted, current):
        return True
    inverse = inverse_of(probe.function, probe.ctx.operations)
    steps: list[tuple[Operation | None, bytes | None]] = []
    if probe.function.restores_by_body and probe.restore_body is not None:
        steps.append((None, probe.restore_body))
    if inverse is not None:
        steps += [(inverse, None), (None, None)]
    for op, body in steps:
        request = probe.request(probe.admin, op, body)
        await probe.ctx.send(request, identity=probe.admin)
        current = await probe.observer.read()
        if not probe.observer.changes(wanted, current):
            return True
    return False


async def put_back(probe: Probe, what: str) -> None:
    """Restore the original state, or record the object as a leftover."""
    action = probe.function.operation.key
    try:
        if await restore(probe, probe.original):
            return
        changed = sorted(probe.observer.changes(probe.original, await probe.observer.read()))
    except Exception:  # the budget ran out, the target went away: say what is left, go on
        remember_leftover(probe.ctx, f"{what}: the scan stopped before undoing {action}")
        raise
    remember_leftover(probe.ctx, f"{what}: could not be restored after {action} ({changed})")


async def _tries(probe: Probe, callers: list[str]) -> list[Attempt]:
    """Each caller in turn, stopping at the first that changes the object."""
    attempts: list[Attempt] = []
    for caller in callers:
        attempt = await probe.call(caller)
        attempts.append(attempt)
        _check_answer(attempt)
        if attempt.changes:
            break
    return attempts


def _check_answer(attempt: Attempt) -> None:
    if attempt.changes:
        return
    status = attempt.exchange.status
    if status is None or status >= 500:
        raise Inconclusive(
            f"{attempt.caller}'s call answered {status or attempt.exchange.error}: a server "
            "failure cannot be told from a refusal"
        )


def _shows(reading: Reading, marker: str) -> bool:
    return any(marker in (e.response.text if e.response else "") for e in reading.exchanges)
