"""Admin functions: list and inspect users, disable a user, change a role.

Hardened, every handler requires the admin role (the token side reads it from the user store on
every request, so a demotion applies at once), and a role change or a disable revokes the
user's tokens. Flaws:
- `authz-bfla-privileged-function`: `GET /admin/users` only requires a signed-in caller (it was
  opened up for a "user picker" widget);
- `authz-path-variant-bypass`: the admin rule is keyed on the path as the client spelled it
  (`/admin/...`), while routing is case-insensitive and percent-decoded, so `/Admin/users/1` or
  `/%61dmin/users/1` reaches the handler without the rule.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel

from authsift.lab.deps import NOT_FOUND, PROTECTED_ERRORS, Lab, UserCaller, forbidden
from authsift.lab.users import Principal, User

router = APIRouter(prefix="/admin", tags=["admin"], responses=PROTECTED_ERRORS)


class AdminUser(BaseModel):
    id: int
    username: str
    email: str
    full_name: str
    role: str
    disabled: bool


class RoleChange(BaseModel):
    role: Literal["user", "admin", "service"]


def _view(user: User) -> AdminUser:
    return AdminUser(
        id=user.id,
        username=user.username,
        email=user.email,
        full_name=user.full_name,
        role=user.role,
        disabled=user.disabled,
    )


def _path_as_sent(request: Request) -> str:
    raw: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
    return raw.decode("latin-1")


def require_admin(request: Request, caller: UserCaller, lab: Lab) -> Principal:
    if lab.settings.on("authz-path-variant-bypass") and not _path_as_sent(request).startswith(
        "/admin/"
    ):
        # The access rule table lists "/admin/*" literally, as the path arrives.
        return caller
    # The token side resolves the role from the user store on every request (hardened), so a
    # demotion applies at once; see AuthService.principal_from_claims.
    if not caller.is_admin:
        raise forbidden("admin role required")
    return caller


AdminCaller = Annotated[Principal, Depends(require_admin)]


def _user_or_404(lab: Lab, user_id: int) -> User:
    user = lab.users.by_id(user_id)
    if user is None:
        raise HTTPException(status_code=404, detail="user not found")
    return user


@router.get("/users", response_model=list[AdminUser])
def list_users(request: Request, caller: UserCaller, lab: Lab) -> list[AdminUser]:
    if not lab.settings.on("authz-bfla-privileged-function"):
        require_admin(request, caller, lab)
    return [_view(u) for u in lab.users.all()]


@router.get("/users/{user_id}", responses=NOT_FOUND, response_model=AdminUser)
def read_user(user_id: int, _admin: AdminCaller, lab: Lab) -> AdminUser:
    return _view(_user_or_404(lab, user_id))


@router.post("/users/{user_id}/disable", responses=NOT_FOUND, response_model=AdminUser)
def disable_user(user_id: int, _admin: AdminCaller, lab: Lab) -> AdminUser:
    _user_or_404(lab, user_id)
    user = lab.users.update(user_id, disabled=True)
    lab.auth.revoke_user(user_id)
    return _view(user)


@router.put("/users/{user_id}/role", responses=NOT_FOUND, response_model=AdminUser)
def change_role(user_id: int, body: RoleChange, _admin: AdminCaller, lab: Lab) -> AdminUser:
    _user_or_404(lab, user_id)
    user = lab.users.update(user_id, role=body.role)
    lab.auth.revoke_user(user_id)
    return _view(user)
