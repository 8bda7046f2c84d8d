"""What a privileged function may be tried on: an object created for the purpose, by the
privileged identity (or, where it may not create such objects, by a user: `_bfla_owned`); for
user management, a canary account the scanner signs up (`_bfla_accounts`). Never a configured
identity, never an existing object or user of the API.

`created_object` returns the target with the privileged identity's read-back already showing it
(the proof that the object exists and that its state can be observed), and a cleanup that
deletes what was created or lists it in the report's leftovers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from authsift.analysis.wording import human_mapping
from authsift.checks.authz._bfla_create import completion
from authsift.checks.authz._bfla_writes import WriteFunction
from authsift.checks.authz._inventory import request_for
from authsift.checks.authz._objects import (
    Created,
    attempt_create,
    create,
    creator_of,
    operation,
    read_back,
    remember_leftover,
    still_there,
)
from authsift.checks.authz._readback import Observer, Reading, Target, readers_of
from authsift.checks.base import Context
from authsift.model import Evidence, Exchange


@dataclass(slots=True)
class Acquired:
    target: Target
    observer: Observer
    first: Reading  # the privileged identity's reading that shows the object
    origin: str  # "an object carol created", "a canary account (…)"
    evidence: list[Evidence]
    cleanup: Callable[[], Awaitable[None]]
    sent: dict[str, Any]  # what the object was created with (no password)
    owner: str | None = None  # a non-privileged creator (None: the privileged identity's)
    related: frozenset[str] = frozenset()  # identities the object refers to (never intruders)


def spec_path(ctx: Context, template: str) -> str:
    """The object path as the spec spells it (`/recipes/{slug}/` for `/recipes/{slug}`)."""
    base = template.rstrip("/")
    for op in ctx.operations:
        if op.path.rstrip("/") == base and op.method in ("DELETE", "GET"):
            return op.path
    return template


async def created_object(
    ctx: Context, function: WriteFunction, admin: str, creator: str | None = None
) -> Acquired | None:
    """A sacrificial object made by `creator` (default `admin`; canaries in every free text
    field, required references and dates completed), found by `admin`'s read-back."""
    template = spec_path(ctx, function.template)
    maker = creator or admin
    extra, related = _completion(ctx, template, maker)
    obj = await create(ctx, template, maker, extra)
    if obj is None:
        return None
    target = Target(template, obj.params, obj.canaries)
    observer = Observer(ctx, target, admin)
    first = await observer.find(readers_of(template, ctx.operations))
    deleters = [admin] if maker == admin else [admin, maker]

    async def cleanup() -> None:
        what = f"{template} {obj.params} of {maker}"
        await delete_target(ctx, observer, template, obj.params, what, deleters)

    if first is None:
        await cleanup()
        return None
    evidence = [Evidence(f"{maker} creates the object the function acts on", obj.creation)]
    origin = f"an object {maker} created"
    owner = None if maker == admin else maker
    sent = dict(obj.sent)
    return Acquired(
        target, observer, first, origin, evidence, cleanup, sent, owner, frozenset(related)
    )


def _completion(ctx: Context, template: str, creator: str) -> tuple[dict[str, Any], set[str]]:
    post = creator_of(ctx, template)
    return completion(ctx, post, creator) if post is not None else ({}, set())


def creatable(ctx: Context, function: WriteFunction) -> bool:
    return creator_of(ctx, spec_path(ctx, function.template)) is not None


async def manages_own(
    ctx: Context, function: WriteFunction, identity: str
) -> tuple[bool | None, Exchange | None]:
    """Whether `identity` may create objects of this kind itself (then writes to them are
    object-level, not function-level), with its creation attempt; None when the attempt was
    neither accepted nor refused. One attempt per (template, identity) and scan; what it creates
    is deleted again."""
    template = spec_path(ctx, function.template)
    cache = ctx.shared.setdefault("authz.bfla.manages-own", {})
    assert isinstance(cache, dict)
    if (template, identity) not in cache:
        extra, _ = _completion(ctx, template, identity)
        obj, exchange = await attempt_create(ctx, template, identity, extra)
        if obj is not None:
            await _remove(ctx, obj)
        cache[(template, identity)] = (_decision(ctx, obj, exchange), exchange)
    decision, exchange = cache[(template, identity)]
    return decision, exchange


async def _remove(ctx: Context, obj: Created) -> None:
    """Delete a trial object as its creator; gone when its read-back is a 404, or when what
    answers under its id carries none of the canaries its creation answer showed (an API that
    reuses ids may already have given the id to another object). Else a leftover."""
    remover = operation(ctx, "DELETE", obj.template)
    if remover is not None:
        await ctx.send(request_for(ctx, remover, obj.params, obj.owner), identity=obj.owner)
        reading = await read_back(ctx, obj)
        present = still_there(obj, reading)
        if present is False or (
            present and _carries(obj.creation, obj) and not _carries(reading, obj)
        ):
            return
    remember_leftover(ctx, f"{obj.template} ({human_mapping(obj.params)}) owned by {obj.owner}")


def _carries(exchange: Exchange | None, obj: Created) -> bool:
    text = exchange.response.text if exchange is not None and exchange.response else ""
    return any(canary in text for canary in obj.canaries)


def _decision(ctx: Context, obj: Created | None, exchange: Exchange | None) -> bool | None:
    if obj is not None:
        return True
    response = exchange.response if exchange is not None else None
    if response is None:
        return None
    if response.status in (401, 403) or ctx.calibration.looks_like_rejection(response):
        return False
    return None


async def delete_target(
    ctx: Context,
    observer: Observer,
    path: str,
    params: dict[str, str],
    what: str,
    deleters: Sequence[str] = (),
) -> None:
    """Delete as the privileged identity (else as the creator) unless already gone; verify;
    else a leftover. An address that no longer shows the object's markers holds another object
    (an API that reuses ids): it is gone, and what is there now is never deleted."""
    try:
        current = await observer.read()
        if current.gone or not observer.ours(current):
            return
        remover = next(
            (op for op in ctx.operations if op.method == "DELETE" and op.path == path), None
        )
        if remover is not None:
            for deleter in deleters or [observer.identity]:
                await ctx.send(request_for(ctx, remover, params, deleter), identity=deleter)
                current = await observer.read()
                if current.gone or not observer.ours(current):
                    return
    except Exception:  # the budget ran out, the target went away: say what is left, go on
        remember_leftover(ctx, f"{what}: the scan stopped before deleting it")
        raise
    remember_leftover(ctx, f"{what}: could not be deleted")
