"""Documents: UUID ids, private by default, optionally public or shared read-only.

Decoys a scanner must not report: the public handbook (`PUBLIC_DOCUMENT_ID`) is readable by
everyone, signed in or not, and the joint garden plan (`SHARED_DOCUMENT_ID`) is shared with bob
read-only, on purpose. Two flaws live here:
- `authz-bola-write`: `PATCH /documents/{id}` checks that the document exists, never who owns it;
- `authz-bfla-method-override`: `GET /documents/{id}` honours legacy verb tunnelling
  (`X-HTTP-Method-Override: DELETE` or `?_method=DELETE`) after only the *read* check, so a
  reader of a public or shared document can delete it.
"""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from authsift.lab.deps import (
    NOT_FOUND,
    PROTECTED_ERRORS,
    Lab,
    MaybeCaller,
    UserCaller,
    require_scope,
    unauthorized,
)
from authsift.lab.store import Document
from authsift.lab.users import Principal

router = APIRouter(tags=["documents"], responses=PROTECTED_ERRORS)

_TUNNEL_HEADERS = ("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override")


class DocumentOut(BaseModel):
    id: uuid.UUID
    owner_id: int
    owner_email: str
    title: str
    body: str
    visibility: Literal["private", "public"]
    shared_with: list[int]
    created_at: str


class DocumentIn(BaseModel):
    title: str = Field(min_length=1, max_length=120)
    body: str = Field(default="", max_length=10_000)
    visibility: Literal["private", "public"] = "private"


class DocumentPatch(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=120)
    body: str | None = Field(default=None, max_length=10_000)
    visibility: Literal["private", "public"] | None = None


def _view(doc: Document) -> DocumentOut:
    return DocumentOut(
        id=uuid.UUID(doc.id),
        owner_id=doc.owner_id,
        owner_email=doc.owner_email,
        title=doc.title,
        body=doc.body,
        visibility=doc.visibility,
        shared_with=sorted(doc.shared_with),
        created_at=doc.created_at,
    )


def _not_found() -> HTTPException:
    return HTTPException(status_code=404, detail="document not found")


def _can_read(doc: Document, caller: Principal | None) -> bool:
    if doc.visibility == "public":
        return True
    return caller is not None and (
        doc.owner_id == caller.user.id or caller.user.id in doc.shared_with
    )


def _owned(lab: Lab, caller: Principal, document_id: uuid.UUID) -> Document:
    doc = lab.domain.document(str(document_id))
    if doc is None or not _can_read(doc, caller):
        raise _not_found()
    if doc.owner_id != caller.user.id:
        raise HTTPException(status_code=403, detail="only the owner may change this document")
    return doc


@router.get("/documents", response_model=list[DocumentOut])
def list_documents(caller: UserCaller, lab: Lab) -> list[DocumentOut]:
    return [_view(d) for d in lab.domain.documents_visible_to(caller.user.id)]


@router.post("/documents", response_model=DocumentOut, status_code=201)
def create_document(body: DocumentIn, caller: UserCaller, lab: Lab) -> DocumentOut:
    require_scope(lab, caller, "write")
    return _view(lab.domain.add_document(caller.user, body.title, body.body, body.visibility))


def _tunnelled_verb(request: Request) -> str | None:
    for header in _TUNNEL_HEADERS:
        if header in request.headers:
            return request.headers[header].strip().upper()
    method = request.query_params.get("_method")
    return method.strip().upper() if method else None


@router.get(
    "/documents/{document_id}",
    responses=NOT_FOUND,
    response_model=DocumentOut,
    openapi_extra={"security": [{}]},  # public documents are readable anonymously
)
def read_document(
    document_id: uuid.UUID, request: Request, caller: MaybeCaller, lab: Lab
) -> DocumentOut | Response:
    doc = lab.domain.document(str(document_id))
    if doc is None:
        raise _not_found()
    if not _can_read(doc, caller):
        if caller is None:
            raise unauthorized()
        raise _not_found()
    if (
        lab.settings.on("authz-bfla-method-override")
        and caller is not None
        and _tunnelled_verb(request) == "DELETE"
    ):
        # Verb tunnelling for old clients that can only send GET, dispatched after the read check.
        lab.domain.delete_document(doc.id)
        return Response(status_code=204)
    return _view(doc)


@router.patch("/documents/{document_id}", responses=NOT_FOUND, response_model=DocumentOut)
def update_document(
    document_id: uuid.UUID, body: DocumentPatch, caller: UserCaller, lab: Lab
) -> DocumentOut:
    require_scope(lab, caller, "write")
    if lab.settings.on("authz-bola-write"):
        # Copied from an internal admin tool, where every caller may edit every document.
        found = lab.domain.document(str(document_id))
        if found is None:
            raise _not_found()
        doc = found
    else:
        doc = _owned(lab, caller, document_id)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    return _view(lab.domain.update_document(doc.id, **changes))


@router.delete(
    "/documents/{document_id}", responses=NOT_FOUND, status_code=204, response_class=Response
)
def delete_document(document_id: uuid.UUID, caller: UserCaller, lab: Lab) -> Response:
    require_scope(lab, caller, "write")
    doc = _owned(lab, caller, document_id)
    lab.domain.delete_document(doc.id)
    return Response(status_code=204)
