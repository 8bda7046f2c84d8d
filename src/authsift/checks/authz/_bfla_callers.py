"""Who may be tested against a privileged write, and why they should not perform it.

Callers are the non-privileged identities that are not the privileged identity's own account
under another credential (their identity endpoints name the same user). Among them, the ones
tested are those that should not perform the function: `policy.access` says so, the spec marks
the operation privileged, it is an administrative action on another account, or the caller is
refused when it tries to create such objects itself while the privileged identity may (then a
write to the privileged identity's object is function-level; where every caller creates its own,
writes to another's are object-level, `authz-bola-write`).
"""

from __future__ import annotations

from typing import Any

from authsift.analysis import exchange_json, is_strong_marker, loads_or_none, similarity
from authsift.analysis.bodies import json_leaves, path_keys
from authsift.analysis.volatile import normalized_key
from authsift.checks.authz._bfla_accounts import acts_on_accounts
from authsift.checks.authz._bfla_targets import Acquired, creatable, manages_own
from authsift.checks.authz._bfla_writes import WriteFunction
from authsift.checks.authz._matrix import expected_access, policy_rule, privileged_hint
from authsift.checks.authz._readback import MASK
from authsift.checks.base import Context, Inconclusive
from authsift.model import Evidence, Exchange
from authsift.spec.classify import representative_operations

_WHO_KEY = "authz.bfla.who-am-i"
_SAME_ANSWER = 0.98
# Keys that name the user itself (not its tenant, role or plan).
_SELF_KEYS = frozenset({"id", "uid", "uuid", "sub", "userid", "username", "login", "email"})
_CONTAINERS = frozenset({"user", "data", "me", "account", "profile", "identity", "self"})


async def identities(ctx: Context) -> tuple[list[str], list[str]]:
    """(privileged identities, the others that are not one of their accounts)."""
    admins = [name for name in ctx.identities if ctx.is_privileged(name)]
    callers = []
    for name in ctx.identities:
        if ctx.is_privileged(name):
            continue
        if not any([await _same_account(ctx, name, admin) for admin in admins]):
            callers.append(name)
    if not admins or not callers:
        raise Inconclusive(
            "needs a privileged identity and a non-privileged one of another account"
        )
    return admins, callers


def declared(
    ctx: Context, function: WriteFunction, callers: list[str]
) -> tuple[list[str], str] | None:
    """The callers that should not perform the function and why, as the config or the spec
    says (`policy.access`, admin tags or paths, an administrative verb on an account); None when
    neither says."""
    op = function.operation
    access = ctx.facts.policy.get("access") or {}
    rule = policy_rule(access, op) if isinstance(access, dict) else None
    if rule is not None:
        barred = [c for c in callers if not expected_access(rule, c, ctx.role(c))]
        if not barred:
            raise Inconclusive(f"policy.access lets {', '.join(callers)} call {op.key}")
        return barred, f"policy.access allows only {', '.join(rule)}"
    hint = privileged_hint(op)
    if hint is not None:
        return callers, f"the spec marks it privileged ({hint})"
    if function.admin_verb and acts_on_accounts(ctx, function):
        return callers, f"'{function.verb}' is an administrative action on another account"
    return None


async def by_creation(
    ctx: Context, function: WriteFunction, callers: list[str]
) -> tuple[list[str], str, list[Evidence]]:
    """The callers refused to create such objects (the privileged identity's object is then
    not theirs to write), why, and the evidence; Inconclusive when each creates its own."""
    op = function.operation
    if not creatable(ctx, function):
        raise Inconclusive(
            f"the spec does not mark {op.key} privileged, and the scanner cannot tell who "
            "manages these objects: it needs a JSON POST on their collection and a DELETE on "
            "the object (where each user manages its own, writes to another user's object are "
            "object-level: authz-bola-write)"
        )
    denied: list[str] = []
    evidence: list[Evidence] = []
    own: list[str] = []
    for caller in callers:
        manages, exchange = await manages_own(ctx, function, caller)
        if manages is False and exchange is not None:
            denied.append(caller)
            evidence.append(Evidence(f"{caller} may not create such objects", exchange))
        elif manages:
            own.append(caller)
    if not denied:
        why = (
            "they create these objects themselves, so a write to another user's object is "
            "object-level (authz-bola-write tests it)"
            if own
            else "their attempt to create such an object was neither accepted nor refused"
        )
        raise Inconclusive(f"not a privileged function for {', '.join(own or callers)}: {why}")
    return denied, "only privileged identities may create these objects", evidence[:1]


def strangers(ctx: Context, acquired: Acquired, callers: list[str]) -> list[str]:
    """Callers the target does not name: an object addressed to a caller (its id or e-mail as
    recipient or assignee), or made with a reference to a caller's object, is partly theirs,
    and acting on it may be their right."""
    state = next((s for s in acquired.first.states if s), {})
    values = {str(loads_or_none(v.encode())).lower() for v in state.values() if v != MASK}

    def names(caller: str) -> bool:  # strong markers only: never a bare `1`
        if caller in acquired.related:
            return True
        return any(m.lower() in values for m in ctx.markers(caller) if is_strong_marker(m))

    named = [c for c in callers if names(c)]
    if len(named) == len(callers):
        raise Inconclusive(
            f"the target ({acquired.origin}) names {', '.join(named)}: acting on it may be "
            "their right"
        )
    return [c for c in callers if c not in named]


async def _same_account(ctx: Context, one: str, other: str) -> bool:
    """Two credentials of one user: their identity endpoint answers alike or names the same
    user (id, username, e-mail). Without an identity endpoint, identities are distinct (the
    preflight already refuses two identical credentials)."""
    mine, theirs = await _who(ctx, one), await _who(ctx, other)
    if mine is None or theirs is None or mine.response is None or theirs.response is None:
        return False
    if similarity(mine.response, theirs.response) >= _SAME_ANSWER:
        return True
    return bool(_self_values(exchange_json(mine)) & _self_values(exchange_json(theirs)))


async def _who(ctx: Context, identity: str) -> Exchange | None:
    cache = ctx.shared.setdefault(_WHO_KEY, {})
    assert isinstance(cache, dict)
    if identity not in cache:
        probes = representative_operations(ctx.operations, limit=1)
        answer = None
        if probes:
            request = ctx.build(probes[0], as_identity=identity)
            exchange = await ctx.send(request, identity=identity)
            answer = exchange if exchange.status is not None and exchange.status < 300 else None
        cache[identity] = answer
    found = cache[identity]
    return found if isinstance(found, Exchange) else None


def _self_values(value: Any) -> set[str]:
    found: set[str] = set()
    for path, leaf in json_leaves(value):
        keys = path_keys(path)
        if "[*]" in path or not keys or isinstance(leaf, bool) or leaf in (None, ""):
            continue
        if all(normalized_key(k) in _CONTAINERS for k in keys[:-1]) and (
            normalized_key(keys[-1]) in _SELF_KEYS
        ):
            found.add(str(leaf).lower())
    return found
