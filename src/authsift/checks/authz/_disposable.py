"""Objects the operator declares disposable (`policy.disposable`): the target of a privileged
action the scanner cannot make a target for itself.

A user-management function (`POST /companies/{cid}/drivers/{did}/deactivate`, `PUT
/teams/{tid}/members/{uid}` with a role) on an API without sign-up can only be tested on an
existing account. The scanner never picks one itself; the operator may name one (a test user,
not a configured identity) by the path parameters that address it. Only actions are tried on
it, never a delete: the probe's own restore (the inverse action, or the old values written
back) puts it back, and anything it could not restore is listed under leftovers.

The object is found the way a scanner-made one is (`_readback`), plus through its parent's
`GET` (`GET /teams/{tid}` listing its members with their roles), where the membership's state
shows when the API has no `GET` of the membership itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from authsift.analysis.volatile import normalized_key
from authsift.analysis.wording import human_mapping
from authsift.checks.authz._bfla_targets import Acquired
from authsift.checks.authz._bfla_writes import WriteFunction
from authsift.checks.authz._producers import last_param, path_params
from authsift.checks.authz._readback import Observer, Target, readers_of
from authsift.checks.base import Context
from authsift.model import Evidence, Operation


def hint(template: str) -> str:
    """How to make a function on `template` testable: declare an object of it disposable."""
    shown = ", ".join(f"{name}: …" for name in path_params(template))
    return (
        "; or name a throwaway object or account it may act on (and restore) under "
        f"policy.disposable: `- {{{shown}}}`"
    )


def declared_entries(ctx: Context) -> list[Mapping[str, Any]]:
    entries = ctx.facts.policy.get("disposable") or []
    return [e for e in entries if isinstance(e, Mapping)] if isinstance(entries, list) else []


def params_for(template: str, entry: Mapping[str, Any]) -> dict[str, str] | None:
    """The entry's values for every path parameter of `template` (names compared in any case
    style: `driverId` fills `{driver_id}`); None when it does not address such an object."""
    by_key = {normalized_key(str(k)): v for k, v in entry.items()}
    wanted = path_params(template)
    if not wanted or len(by_key) != len(wanted):
        return None
    found = {name: by_key.get(normalized_key(name)) for name in wanted}
    if any(v is None or isinstance(v, bool) for v in found.values()):
        return None
    return {k: str(v) for k, v in found.items()}


def parent_readers(template: str, operations: Sequence[Operation]) -> list[Operation]:
    """`GET /teams/{tid}` for `/teams/{tid}/members/{uid}`: the parent object, whose answer
    may list the child with its state."""
    parent = template.rstrip("/").rsplit("/", 2)[0]
    if last_param(parent) is None:
        return []
    return [op for op in operations if op.method == "GET" and op.path.rstrip("/") == parent]


def _configured(ctx: Context, target: Target) -> str | None:
    """The configured identity the object is, if any: its id, username or e-mail as the
    identity endpoint showed them, or its own `resources` seed under the same parameter."""
    wanted = target.object_id.lower()
    param = normalized_key(last_param(target.template) or "")
    for name in ctx.identities:
        seeds = ctx.facts.resources.get(name, {})
        own = {v for k, vs in seeds.items() if normalized_key(k) == param for v in vs}
        if wanted in {m.lower() for m in ctx.markers(name)} | {v.lower() for v in own}:
            return name
    return None


async def disposable_target(
    ctx: Context, function: WriteFunction, admins: Sequence[str]
) -> tuple[Acquired, str] | str:
    """A declared object for `function`, found by one of `admins`, with that admin; else why
    none could be used."""
    if function.kind != "action":
        return "policy.disposable objects are only acted on, never deleted or rewritten"
    entries = [p for e in declared_entries(ctx) if (p := params_for(function.template, e))]
    if not entries:
        return f"policy.disposable names no object of {function.template}"
    own = readers_of(function.template, ctx.operations)
    parents = [r for r in parent_readers(function.template, ctx.operations) if r not in own]
    reasons: list[str] = []
    for params in entries:
        shown = human_mapping(params)
        target = Target(function.template, params)
        # the parent's own id must not be taken for the child's (team 5, member 5)
        ambiguous = list(params.values()).count(target.object_id) > 1
        readers = own if ambiguous else own + parents
        who = _configured(ctx, target)
        if who is not None:
            reasons.append(f"the policy.disposable object ({shown}) is {who}'s own account")
            continue
        for admin in admins:
            observer = Observer(ctx, target, admin)
            first = await observer.find(readers)
            if first is None:
                continue
            said = f"{admin} reads the object policy.disposable declares"
            evidence = [Evidence(said, first.shown)]
            origin = f"the object ({shown}) that policy.disposable declares"

            async def cleanup() -> None:  # nothing was created; the probe restores the state
                return None

            return Acquired(target, observer, first, origin, evidence, cleanup, {}), admin
        reasons.append(
            f"no privileged identity ({', '.join(admins)}) sees the policy.disposable object "
            f"({shown}) through {', '.join(r.key for r in readers) or 'any GET'}"
        )
    return "; ".join(reasons)
