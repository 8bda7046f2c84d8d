"""A real generator's output: the OpenAPI 3.1 document FastAPI writes for a small API.

Hand-written fixtures only cover what their author thought of; FastAPI's `anyOf` + `null` for
optional fields, `$ref`s to its validation-error models and its security schemes are what the
lab and many real targets serve.
"""

from __future__ import annotations

from typing import Annotated

import jsonschema
from fastapi import Cookie, Depends, FastAPI, Header, Query
from fastapi.security import APIKeyHeader, HTTPBearer, OAuth2PasswordBearer
from pydantic import BaseModel, Field

from authsift.model import ParamLocation
from authsift.spec import parse_spec


class NewNote(BaseModel):
    title: str = Field(min_length=3)
    body: str | None = None
    priority: int = Field(default=1, ge=1, le=5)


class Note(NewNote):
    id: int


def build_app() -> FastAPI:
    app = FastAPI(title="Notes", version="0.3.0")
    bearer = HTTPBearer()
    api_key = APIKeyHeader(name="X-API-Key")
    oauth = OAuth2PasswordBearer(tokenUrl="/token", scopes={"notes:write": "write notes"})

    @app.get("/notes/{note_id}", tags=["notes"])
    def read_note(
        note_id: int,
        verbose: Annotated[bool, Query()] = False,
        x_trace: Annotated[str | None, Header()] = None,
        session: Annotated[str | None, Cookie()] = None,
        _: object = Depends(bearer),
    ) -> Note:
        raise NotImplementedError

    @app.post("/notes", status_code=201)
    def create_note(note: NewNote, _: object = Depends(api_key)) -> Note:
        raise NotImplementedError

    @app.delete("/notes/{note_id}")
    def delete_note(note_id: int, _: object = Depends(oauth)) -> None:
        raise NotImplementedError

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def test_fastapi_document() -> None:
    spec = parse_spec(build_app().openapi(), source="fastapi")
    assert spec.openapi_version.startswith("3.1")
    by_key = {op.key: op for op in spec.operations}
    assert set(by_key) == {"GET /notes/{note_id}", "POST /notes", "DELETE /notes/{note_id}",
                           "GET /health"}  # fmt: skip

    read = by_key["GET /notes/{note_id}"]
    assert [(p.name, p.location) for p in read.parameters] == [
        ("note_id", ParamLocation.PATH),
        ("verbose", ParamLocation.QUERY),
        ("x-trace", ParamLocation.HEADER),
        ("session", ParamLocation.COOKIE),
    ]
    assert [p.example for p in read.parameters] == [1, False, "string", "string"]
    assert read.security == ({"HTTPBearer": ()},)
    assert read.tags == ("notes",)
    assert set(read.responses) == {"200", "422"}
    assert read.responses["200"]["required"] == ["title", "id"]

    create = by_key["POST /notes"]
    body = create.request_body
    assert body is not None and body.content_type == "application/json" and body.required
    assert body.example == {"title": "string"}
    jsonschema.Draft202012Validator(body.schema).validate(body.example)
    assert create.security == ({"APIKeyHeader": ()},)

    assert by_key["DELETE /notes/{note_id}"].security == ({"OAuth2PasswordBearer": ()},)
    assert by_key["GET /health"].security is None

    schemes = spec.security_schemes
    assert (schemes["HTTPBearer"].type, schemes["HTTPBearer"].scheme) == ("http", "bearer")
    assert schemes["APIKeyHeader"].param_name == "X-API-Key"
    assert schemes["OAuth2PasswordBearer"].flows["password"]["tokenUrl"] == "/token"
