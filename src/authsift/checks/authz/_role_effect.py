"""Does a writable `role` property actually grant the role? (CHECKS.md #25 step 3)

Only after a harmless canary role was shown to persist, and only on the caller's own profile:
the role is set to the *name of a privileged role the scan already knows* (an admin identity's
role from the config), an admin operation that refused the caller before is tried again, and the
original role is written back whatever happens.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from authsift.analysis import SIMILARITY_THRESHOLD, similarity
from authsift.analysis.wording import human_value
from authsift.checks.authz._objects import remember_leftover
from authsift.checks.base import Context
from authsift.model import Exchange
from authsift.spec.classify import looks_privileged

_REFUSED = frozenset({401, 403, 404})


@dataclass(frozen=True, slots=True)
class RoleEffect:
    role: str
    before: Exchange  # the admin operation as the caller, refused
    after: Exchange  # the same request after the role change
    granted: bool


async def try_role(
    ctx: Context,
    identity: str,
    set_role: Callable[[str], Awaitable[bool]],
    original: str,
) -> RoleEffect | None:
    """Set the role to a privileged role name, re-test an admin GET, restore `original`.

    `set_role(value)` writes the role and returns whether the read-back shows it. None when no
    privileged role or admin operation is known, or the admin operation is not refused before.
    """
    admins = [name for name in ctx.identities if ctx.is_privileged(name)]
    admin_ops = [
        op
        for op in ctx.operations
        if op.method == "GET" and looks_privileged(op) and "{" not in op.path
    ]
    if not admins or not admin_ops:
        return None
    role = ctx.role(admins[0])
    admin_op = admin_ops[0]
    request = ctx.build(admin_op, as_identity=identity)
    before = await ctx.send(request, identity=identity)
    if before.status not in _REFUSED:
        return None  # already allowed (that is BFLA) or unclear: no effect can be shown
    reference = await ctx.send(request, identity=admins[0])
    try:
        if not await set_role(role):
            return None
        after = await ctx.send(request, identity=identity)
    finally:
        if not await set_role(original):
            remember_leftover(
                ctx,
                f"{identity}'s role may be left at {human_value(role)} "
                f"(was {human_value(original)})",
            )
    granted = (
        after.response is not None
        and reference.response is not None
        and 200 <= after.response.status < 300
        and after.response.status == reference.response.status
        and similarity(after.response, reference.response) >= SIMILARITY_THRESHOLD
    )
    return RoleEffect(role, before, after, granted)
