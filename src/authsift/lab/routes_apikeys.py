"""Key management for the signed-in user: list, issue (scopes read/write), revoke.

The key value is returned once, at issuance, with `Cache-Control: no-store` (RFC 9111 §5.2.2.5);
listings show only the indexed prefix. Revocation semantics (and the flaw that breaks them)
live in `apikeys.ApiKeyStore`.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from authsift.lab.apikeys import ApiKey
from authsift.lab.deps import (
    NOT_FOUND,
    PROTECTED_ERRORS,
    AnyCaller,
    Lab,
    UserCaller,
    presented_api_key,
    require_scope,
)

router = APIRouter(tags=["api-keys"], responses=PROTECTED_ERRORS)


class ApiKeyOut(BaseModel):
    id: str
    name: str
    scopes: list[str]
    prefix: str
    revoked: bool
    created_at: str


class CallingKey(BaseModel):
    """What an integration learns about the key it calls with: no user data (it is not a user)."""

    id: str
    name: str
    scopes: list[str]
    prefix: str


class ApiKeyIssued(ApiKeyOut):
    key: str = Field(description="the key itself; shown only once")


class ApiKeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=60)
    scopes: list[Literal["read", "write"]] = Field(min_length=1)


def _view(key: ApiKey) -> ApiKeyOut:
    return ApiKeyOut(
        id=key.id,
        name=key.name,
        scopes=sorted(key.scopes),
        prefix=key.indexed_prefix[:8],
        revoked=key.revoked,
        created_at=key.created_at,
    )


@router.get("/api-keys", response_model=list[ApiKeyOut])
def list_keys(caller: UserCaller, lab: Lab) -> list[ApiKeyOut]:
    return [_view(k) for k in lab.api_keys.keys_of(caller.user.id)]


@router.get("/api-keys/self", response_model=CallingKey, responses=NOT_FOUND)
def calling_key(caller: AnyCaller, lab: Lab, request: Request) -> CallingKey:
    """Key introspection for integrations (the way they check their configuration works)."""
    if caller.via != "apikey":
        raise HTTPException(status_code=404, detail="this request was not made with an API key")
    key = lab.api_keys.authenticate(presented_api_key(request, lab) or "")
    if key is None:
        raise HTTPException(status_code=404, detail="this request was not made with an API key")
    return CallingKey(
        id=key.id, name=key.name, scopes=sorted(key.scopes), prefix=key.indexed_prefix[:8]
    )


@router.post("/api-keys", response_model=ApiKeyIssued, status_code=201)
def issue_key(body: ApiKeyIn, caller: UserCaller, lab: Lab, response: Response) -> ApiKeyIssued:
    require_scope(lab, caller, "write")
    if caller.via == "apikey" and not set(body.scopes) <= caller.scopes:
        raise HTTPException(status_code=403, detail="a key cannot mint a key wider than itself")
    key, value = lab.api_keys.issue(caller.user.id, body.name, frozenset(body.scopes))
    response.headers["Cache-Control"] = "no-store"
    return ApiKeyIssued(**_view(key).model_dump(), key=value)


@router.delete("/api-keys/{key_id}", responses=NOT_FOUND, status_code=204, response_class=Response)
def revoke_key(key_id: str, caller: UserCaller, lab: Lab) -> Response:
    require_scope(lab, caller, "write")
    key = lab.api_keys.get(key_id)
    if key is None or key.owner_id != caller.user.id:
        raise HTTPException(status_code=404, detail="API key not found")
    lab.api_keys.revoke(key.id)
    return Response(status_code=204)
