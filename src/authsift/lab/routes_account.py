"""The caller's own account: `GET /me` and `PATCH /me`.

`/me` is the identity endpoint every check uses as its baseline (CHECKS.md §1.2): its body holds
caller-unique markers (id, username, e-mail). `PATCH /me` is where `authz-bopla-mass-assignment`
lives: the flawed handler copies every property of the body onto the account record, `role`
included, the way an ORM `update(**body)` does.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from authsift.lab.deps import PROTECTED_ERRORS, ErrorBody, Lab, UserCaller
from authsift.lab.users import User

router = APIRouter(tags=["account"], responses=PROTECTED_ERRORS)

# What a client may change about itself. Everything else on the record is server-controlled.
_SELF_EDITABLE = frozenset({"email", "full_name"})
_NEVER_ASSIGNABLE = frozenset({"id"})


class Me(BaseModel):
    id: int
    username: str
    email: str
    full_name: str
    role: str


class MeUpdate(BaseModel):
    # extra="allow" keeps undeclared properties so the flawed handler can (wrongly) apply them;
    # the hardened handler reads only the declared ones.
    model_config = ConfigDict(extra="allow")

    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    full_name: str | None = Field(default=None, max_length=120)


def me_view(user: User) -> Me:
    return Me(
        id=user.id,
        username=user.username,
        email=user.email,
        full_name=user.full_name,
        role=user.role,
    )


@router.get("/me", response_model=Me)
def read_me(caller: UserCaller, lab: Lab) -> Me:
    user = lab.users.by_id(caller.user.id) or caller.user
    return me_view(user)


@router.patch(
    "/me",
    response_model=Me,
    responses={409: {"model": ErrorBody, "description": "e-mail already in use"}},
)
def update_me(body: MeUpdate, caller: UserCaller, lab: Lab) -> Me:
    submitted: dict[str, Any] = body.model_dump(exclude_unset=True)
    if lab.settings.on("authz-bopla-mass-assignment"):
        # Every column the body names is assigned: `role`, `disabled`, `password_version`...
        columns = {f.name for f in dataclasses.fields(User)} - _NEVER_ASSIGNABLE
        changes = _coerced(caller.user, {k: v for k, v in submitted.items() if k in columns})
    else:
        changes = {k: v for k, v in submitted.items() if k in _SELF_EDITABLE and v is not None}
    if "email" in changes and _email_taken(lab, str(changes["email"]), caller.user.id):
        raise HTTPException(status_code=409, detail="e-mail already in use")
    user = lab.users.update(caller.user.id, **changes) if changes else caller.user
    return me_view(user)


def _coerced(current: User, changes: dict[str, Any]) -> dict[str, Any]:
    """Cast each value to its column type, as an ORM would; values that do not cast are dropped."""
    cast: dict[str, Any] = {}
    for name, value in changes.items():
        column_type = type(getattr(current, name))
        if (column_type is bool and isinstance(value, bool)) or (
            column_type is int and isinstance(value, int) and not isinstance(value, bool)
        ):
            cast[name] = value
        elif column_type is str and isinstance(value, str | int | float):
            cast[name] = str(value)
    return cast


def _email_taken(lab: Lab, email: str, own_id: int) -> bool:
    return any(u.email == email and u.id != own_id for u in lab.users.all())
