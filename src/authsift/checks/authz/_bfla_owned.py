"""Objects that users create and only privileged identities manage: the target is made by a
non-privileged owner, and only callers who may not even read it are tried.

Some objects are never the privileged identity's own: patients book appointments, the admin
may not (a 403), yet the admin cancels any of them. Acting on an object one did not create is
then the privileged identity's function, and the callers it is tried as are those the API
itself keeps away from the object: their `GET` of it is refused (401/403, a refusal page, a
404) while the privileged identity reads it. A caller who may read it (the owner's doctor, a
teammate, a recipient) may have a right to act on it too, and is never tried; neither is an
identity the object refers to (a seeded reference in its create body).
"""

from __future__ import annotations

from authsift.checks.authz._bfla_targets import Acquired, created_object, manages_own
from authsift.checks.authz._bfla_writes import WriteFunction
from authsift.checks.authz._producers import last_param
from authsift.checks.authz._readback import Observer, Reading
from authsift.checks.base import Context, Inconclusive
from authsift.model import Evidence, Operation


async def creators(ctx: Context, function: WriteFunction, callers: list[str]) -> list[str]:
    """The callers that create such objects themselves (one attempt each, deleted, cached)."""
    return [c for c in callers if (await manages_own(ctx, function, c))[0] is True]


async def admins_create(ctx: Context, function: WriteFunction, admins: list[str]) -> bool:
    """Whether a privileged identity creates such objects itself (one attempt, deleted)."""
    return any([(await manages_own(ctx, function, admin))[0] is True for admin in admins])


async def owned_target(
    ctx: Context, function: WriteFunction, admins: list[str], callers: list[str]
) -> tuple[Acquired, str, list[str], list[Evidence]] | None:
    """An object a non-privileged owner created, the privileged identity that reads it, the
    callers refused to read it, and the evidence that no privileged identity may create such
    objects and that those callers may not read it. None when no caller creates such objects."""
    owners = await creators(ctx, function, callers)
    if not owners:
        return None
    refusals = [
        Evidence(f"{admin} may not create such objects", exchange)
        for admin in admins
        if (exchange := (await manages_own(ctx, function, admin))[1]) is not None
    ][:1]
    readable: dict[str, list[str]] = {}
    for owner in owners:
        acquired, admin = None, ""
        for admin in admins:
            acquired = await created_object(ctx, function, admin, creator=owner)
            if acquired is not None:
                break
        if acquired is None:
            continue
        blind, gate = await _blind_callers(ctx, acquired, [c for c in callers if c != owner])
        if blind:
            return acquired, admin, blind, [*refusals, *gate]
        readable[owner] = [c for c in callers if c != owner]
        await acquired.cleanup()
    op = function.operation.key
    if not readable:
        raise Inconclusive(
            f"no privileged identity ({', '.join(admins)}) may create an object for {op}, and "
            f"none reads back the one {', '.join(owners)} created: the effect cannot be observed"
        )
    shown = "; ".join(f"{', '.join(v)} on {k}'s" for k, v in readable.items())
    raise Inconclusive(
        f"the objects {op} acts on are created by {', '.join(owners)}, and every other "
        f"identity may read them ({shown}): acting on them may be their right (a relationship "
        "the API grants), so who may do so is object-level (authz-bola-write)"
    )


def managed_why(owner: str, blind: list[str]) -> str:
    return (
        "privileged identities act on these objects but may not create them, and "
        f"{', '.join(blind)} may not even read the one {owner} created"
    )


async def _blind_callers(
    ctx: Context, acquired: Acquired, callers: list[str]
) -> tuple[list[str], list[Evidence]]:
    """The callers refused the object's `GET` (through the privileged identity's readers, none
    of which shows it to them), with their first refused read."""
    blind: list[str] = []
    evidence: list[Evidence] = []
    for caller in callers:
        if caller in acquired.related:
            continue
        own = acquired.observer
        reading = await Observer(ctx, own.target, caller, list(own.readers)).read()
        if _refused(ctx, reading, own.readers):
            blind.append(caller)
            evidence.append(Evidence(f"{caller} may not read it", reading.shown))
    return blind, evidence[:1]


def _refused(ctx: Context, reading: Reading, readers: list[Operation]) -> bool:
    """No reader shows the object to this caller, and its own `GET` (not only a listing)
    refuses it: 401/403, a refusal page, or a 404 for an object that exists."""
    if not reading.states:
        return False
    refused = False
    for exchange, state, reader in zip(reading.exchanges, reading.states, readers, strict=True):
        response = exchange.response
        if state or response is None:
            return False  # it shows the object, or did not answer
        own_get = last_param(reader.path) is not None
        if state is None:  # a 404, or a listing without it
            refused = refused or own_get
            continue
        if response.status not in (401, 403) and not ctx.calibration.looks_like_rejection(response):
            return False  # a 2xx that says nothing, a 5xx: not a refusal
        refused = refused or own_get
    return refused
