"""The OpenAPI 3.0 document of Trackly, built in code and served at /openapi.json."""

from __future__ import annotations

from typing import Any


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def ok(schema: dict[str, Any], status: str = "200", text: str = "OK") -> dict[str, Any]:
    return {status: {"description": text, "content": {"application/json": {"schema": schema}}}}


def ints(*names: str) -> list[dict[str, Any]]:
    return [
        {"name": n, "in": "path", "required": True, "schema": {"type": "integer"}} for n in names
    ]


def body(schema: dict[str, Any], example: dict[str, Any]) -> dict[str, Any]:
    content = {"application/json": {"schema": schema, "example": example}}
    return {"required": True, "content": content}


ERRORS = {
    "401": {
        "description": "No or expired session",
        "content": {"application/json": {"schema": ref("Error")}},
    },
    "404": {
        "description": "Not found (or not visible to the caller)",
        "content": {"application/json": {"schema": ref("Error")}},
    },
}


def op(summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "responses": {**responses, **ERRORS}, **extra}


CARD_PATH = "/api/teams/{team_id}/boards/{board_id}/cards/{card_id}"
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Trackly API",
        "version": "2.4.0",
        "description": "Teams, boards and cards. Log in with POST /api/sessions and send the "
        "token in X-Session-Token.",
    },
    "servers": [{"url": "/"}],
    "security": [{"session": []}],
    "paths": {
        "/api/sessions": {
            "post": op(
                "Log in",
                ok(ref("Session"), "201", "Session created"),
                security=[],
                tags=["auth"],
                requestBody=body(
                    {
                        "type": "object",
                        "required": ["email", "password"],
                        "properties": {
                            "email": {"type": "string", "format": "email"},
                            "password": {"type": "string"},
                        },
                    },
                    {"email": "alice@acme.example", "password": "********"},
                ),
            )
        },
        "/api/sessions/current": {
            "delete": op("Log out", {"204": {"description": "Logged out"}}, tags=["auth"])
        },
        "/api/me": {"get": op("The caller's account and team memberships", ok(ref("Me")))},
        "/api/users/{user_id}": {
            "get": op(
                "Directory entry of a user", ok(ref("UserPublic")), parameters=ints("user_id")
            )
        },
        "/api/teams": {
            "get": op("Teams the caller belongs to", ok({"type": "array", "items": ref("Team")}))
        },
        "/api/teams/{team_id}": {
            "get": op("A team with its members", ok(ref("Team")), parameters=ints("team_id"))
        },
        "/api/teams/{team_id}/members/{user_id}": {
            "put": op(
                "Change a member's role in the team (team admins)",
                ok(ref("Membership")),
                parameters=ints("team_id", "user_id"),
                requestBody=body(
                    {
                        "type": "object",
                        "required": ["role"],
                        "properties": {"role": {"type": "string", "enum": ["member", "admin"]}},
                    },
                    {"role": "member"},
                ),
            )
        },
        "/api/teams/{team_id}/billing": {
            "get": op(
                "The team's plan, payment method and invoices (team admins)",
                ok(ref("Billing")),
                parameters=ints("team_id"),
            )
        },
        "/api/teams/{team_id}/boards": {
            "get": op(
                "Boards of a team",
                ok({"type": "array", "items": ref("Board")}),
                parameters=ints("team_id"),
            )
        },
        "/api/teams/{team_id}/boards/{board_id}": {
            "get": op(
                "A board (public boards need no session)",
                ok(ref("Board")),
                parameters=ints("team_id", "board_id"),
                security=[{}, {"session": []}],
            )
        },
        "/api/teams/{team_id}/boards/{board_id}/cards": {
            "get": op(
                "Cards of a board",
                ok({"type": "array", "items": ref("Card")}),
                parameters=ints("team_id", "board_id"),
            ),
            "post": op(
                "Create a card",
                ok(ref("Card"), "201", "Created"),
                parameters=ints("team_id", "board_id"),
                requestBody=body(
                    ref("CardInput"), {"title": "Update the favicon", "description": "SVG please"}
                ),
            ),
        },
        CARD_PATH: {
            "get": op("A card", ok(ref("Card")), parameters=ints("team_id", "board_id", "card_id")),
            "patch": op(
                "Edit a card",
                ok(ref("Card")),
                parameters=ints("team_id", "board_id", "card_id"),
                requestBody=body(ref("CardInput"), {"status": "done"}),
            ),
            "delete": op(
                "Delete a card (author or team admin)",
                {"204": {"description": "Deleted"}},
                parameters=ints("team_id", "board_id", "card_id"),
            ),
        },
        "/api/cards/{card_id}": {
            "get": op("A card by its permalink", ok(ref("Card")), parameters=ints("card_id"))
        },
        "/api/boards/{board_id}/activity": {
            "get": op(
                "Activity feed of a board",
                ok({"type": "array", "items": ref("Activity")}),
                parameters=ints("board_id"),
            )
        },
        "/api/card-moves": {
            "post": op(
                "Move a card to another board",
                ok(ref("Card")),
                requestBody=body(
                    {
                        "type": "object",
                        "required": ["card_id", "to_board_id"],
                        "properties": {
                            "card_id": {"type": "integer"},
                            "to_board_id": {"type": "integer"},
                        },
                    },
                    {"card_id": 2, "to_board_id": 1},
                ),
            )
        },
        "/api/admin/users": {
            "get": op(
                "Every user (staff)", ok({"type": "array", "items": ref("Me")}), tags=["admin"]
            )
        },
        "/api/admin/audit-log": {
            "get": op(
                "Logins and events of every team (staff)", ok({"type": "object"}), tags=["admin"]
            )
        },
    },
    "components": {
        "securitySchemes": {
            "session": {"type": "apiKey", "in": "header", "name": "X-Session-Token"}
        },
        "schemas": {
            "Error": {
                "type": "object",
                "properties": {
                    "error": {
                        "type": "object",
                        "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                    }
                },
            },
            "Session": {
                "type": "object",
                "properties": {
                    "token": {"type": "string"},
                    "expires_in": {"type": "integer"},
                    "user": ref("UserPublic"),
                },
            },
            "UserPublic": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "username": {"type": "string"},
                    "display_name": {"type": "string"},
                    "avatar_url": {"type": "string"},
                },
            },
            "Me": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "username": {"type": "string"},
                    "email": {"type": "string"},
                    "display_name": {"type": "string"},
                    "is_staff": {"type": "boolean"},
                    "last_login": {"type": "string", "nullable": True},
                    "teams": {"type": "array", "items": {"type": "object"}},
                },
            },
            "Team": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "slug": {"type": "string"},
                    "name": {"type": "string"},
                    "members": {"type": "array", "items": {"type": "object"}},
                },
            },
            "Membership": {
                "type": "object",
                "properties": {
                    "team_id": {"type": "integer"},
                    "user_id": {"type": "integer"},
                    "role": {"type": "string"},
                },
            },
            "Billing": {
                "type": "object",
                "properties": {
                    "team_id": {"type": "integer"},
                    "plan": {"type": "string"},
                    "billing_email": {"type": "string"},
                    "card": {"type": "object"},
                    "vat_id": {"type": "string"},
                    "invoices": {"type": "array", "items": {"type": "object"}},
                },
            },
            "Board": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "team_id": {"type": "integer"},
                    "name": {"type": "string"},
                    "public": {"type": "boolean"},
                },
            },
            "CardInput": {
                "type": "object",
                "properties": {
                    "title": {"type": "string"},
                    "description": {"type": "string"},
                    "status": {"type": "string", "enum": ["open", "doing", "done"]},
                },
            },
            "Card": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "board_id": {"type": "integer"},
                    "team_id": {"type": "integer"},
                    "title": {"type": "string"},
                    "description": {"type": "string"},
                    "status": {"type": "string"},
                    "author_id": {"type": "integer"},
                    "author": ref("UserPublic"),
                    "created_at": {"type": "string", "format": "date-time"},
                },
            },
            "Activity": {
                "type": "object",
                "properties": {
                    "board_id": {"type": "integer"},
                    "actor": {"type": "string"},
                    "action": {"type": "string"},
                    "card_id": {"type": "integer"},
                    "card_title": {"type": "string"},
                },
            },
        },
    },
}
