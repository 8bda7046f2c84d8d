"""The OpenAPI document and scanner config of tests/checks/bola_write_api.py."""

from __future__ import annotations

from typing import Any

_STR = {"type": "string"}
_INT = {"type": "integer"}


def _obj(props: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = list(required)
    return schema


def _op(
    tags: str,
    *,
    body: dict[str, Any] | None = None,
    example: dict[str, Any] | None = None,
    code: str = "200",
    params: tuple[str, ...] = (),
    public: bool = False,
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "tags": [tags],
        "responses": {code: {"description": "ok", "content": {"application/json": {}}}},
    }
    if params:
        op["parameters"] = [
            {"name": p, "in": "path", "required": True, "schema": _STR} for p in params
        ]
    if body is not None:
        content: dict[str, Any] = {"schema": body}
        if example is not None:
            content["example"] = example
        op["requestBody"] = {"required": True, "content": {"application/json": content}}
    if public:
        op["security"] = []
    return op


def spec() -> dict[str, Any]:
    card = _obj({"title": _STR})
    note = _obj({"title": _STR, "body": _STR})
    board = ("team_id", "board_id")
    cards = "/teams/{team_id}/boards/{board_id}/cards"
    notes = "/users/{username}/notes"
    return {
        "openapi": "3.0.3",
        "info": {"title": "workspace", "version": "1"},
        "security": [{"bearer": []}],
        "paths": {
            "/me": {"get": _op("account"), "delete": _op("account", code="204")},
            "/signup": {
                "post": _op(
                    "account",
                    body=_obj(
                        {"username": _STR, "password": _STR, "display_name": _STR},
                        ("username", "password"),
                    ),
                    code="201",
                    public=True,
                )
            },
            "/login": {
                "post": _op(
                    "auth",
                    body=_obj({"username": _STR, "password": _STR}, ("username", "password")),
                    public=True,
                )
            },
            "/profile": {
                "put": _op(
                    "account",
                    body=_obj({"username": _STR, "display_name": _STR, "bio": _STR}, ("username",)),
                )
            },
            "/teams/{team_id}/boards": {"get": _op("boards", params=("team_id",))},
            "/teams/{team_id}/boards/{board_id}": {"get": _op("boards", params=board)},
            cards: {
                "get": _op("cards", params=board),
                "post": _op("cards", body=card, code="201", params=board),
            },
            cards + "/{card_id}": {
                "get": _op("cards", params=(*board, "card_id")),
                "patch": _op("cards", body=card, params=(*board, "card_id")),
                "delete": _op("cards", code="204", params=(*board, "card_id")),
            },
            "/card-moves": {
                "post": _op(
                    "cards",
                    body=_obj({"card_id": _INT, "to_board_id": _INT}, ("card_id", "to_board_id")),
                    example={"card_id": 2, "to_board_id": 1},
                )
            },
            "/holds": {
                "get": _op("holds"),
                "post": _op(
                    "holds",
                    body=_obj({"book": {"type": "string", "format": "uuid"}}, ("book",)),
                    code="201",
                ),
            },
            "/holds/{hold_id}": {"get": _op("holds", params=("hold_id",))},
            "/holds/{hold_id}/cancel": {"post": _op("holds", params=("hold_id",))},
            "/books": {"get": _op("books", public=True)},
            notes: {
                "get": _op("notes", params=("username",)),
                "post": _op("notes", body=note, code="201", params=("username",)),
            },
            notes + "/{note_id}": {
                "get": _op("notes", params=("username", "note_id")),
                "put": _op("notes", body=note, params=("username", "note_id")),
                "delete": _op("notes", params=("username", "note_id")),
            },
            "/sync/notes": {
                "post": _op(
                    "notes",
                    body=_obj(
                        {"owner": _STR, "id": _STR, "title": _STR, "body": _STR}, ("owner", "id")
                    ),
                    example={"owner": "jdoe", "id": "n_0000", "title": "x", "body": "y"},
                )
            },
            "/appointments": {
                "get": _op("appointments"),
                "post": _op(
                    "appointments",
                    body=_obj(
                        {
                            "doctor_id": _INT,
                            "starts_at": {"type": "string", "format": "date-time"},
                            "reason": _STR,
                        },
                        ("doctor_id", "starts_at"),
                    ),
                    example={"doctor_id": 999, "starts_at": "2024-01-01T09:00:00Z"},
                    code="201",
                ),
            },
            "/appointments/{appointment_id}": {
                "get": _op("appointments", params=("appointment_id",)),
                "delete": _op("appointments", code="204", params=("appointment_id",)),
            },
        },
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


def config(url: str, spec_file: str) -> dict[str, Any]:
    def bearer(name: str, role: str) -> dict[str, Any]:
        token = f"${{{name.upper()}_TOKEN}}"
        return {"name": name, "role": role, "auth": {"type": "bearer", "token": token}}

    return {
        "target": url,
        "spec": spec_file,
        # carol is listed before bob: she is alice's teammate, so bob must play the intruder
        "identities": [
            bearer("alice", "user"),
            bearer("carol", "user"),
            bearer("bob", "user"),
            bearer("ops", "admin"),
        ],
        "privileged_roles": ["admin"],
        "resources": {
            "alice": {"team_id": ["1"], "board_id": ["1"], "username": ["alice"]},
            "carol": {"team_id": ["1"], "board_id": ["2"], "username": ["carol"]},
            "bob": {"team_id": ["2"], "board_id": ["3", "4"], "username": ["bob"]},
        },
    }
