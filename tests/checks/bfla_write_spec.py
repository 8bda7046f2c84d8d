"""The OpenAPI document of the back office in bfla_write_api.py, and the scanner config for it:
admin operations tagged `admin`, bearer security everywhere, a public sign-up."""

from __future__ import annotations

from typing import Any


def _id(name: str) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}]


def spec(*, account_delete: bool = True) -> dict[str, Any]:
    """The OpenAPI document: admin operations tagged `admin`, bearer security everywhere."""
    admin = {"tags": ["admin"], "responses": {"200": {"description": "ok"}}}
    plain = {"responses": {"200": {"description": "ok"}}}
    text = {"type": "string"}
    user_ops: dict[str, Any] = {"get": {**admin, "parameters": _id("user_id")}}
    if account_delete:
        user_ops["delete"] = {**admin, "parameters": _id("user_id")}
    paths: dict[str, Any] = {
        "/me": {"get": plain},
        "/signup": {
            "post": {
                **plain,
                "security": [],
                "requestBody": _json(
                    {
                        "username": {"type": "string", "pattern": "^[a-z0-9_]{3,30}$"},
                        "email": {"type": "string", "format": "email"},
                        "password": {"type": "string", "minLength": 10},
                    },
                    ["username", "email", "password"],
                ),
            }
        },
        "/admin/users": {"get": admin},
        "/admin/users/{user_id}": user_ops,
        "/admin/users/{user_id}/role": {
            "put": {
                **admin,
                "parameters": _id("user_id"),
                "requestBody": _json(
                    {"role": {"type": "string", "enum": ["user", "support", "admin"]}}, ["role"]
                ),
            }
        },
        "/products": {
            "get": plain,
            "post": {**plain, "requestBody": _json({"name": text, "description": text}, ["name"])},
        },
        "/products/{product_id}": {
            "get": {**plain, "parameters": _id("product_id")},
            "patch": {
                **admin,
                "parameters": _id("product_id"),
                "requestBody": _json({"name": text}, ["name"]),
            },
            "delete": {**plain, "parameters": _id("product_id")},
        },
        "/messages": {
            "post": {
                **plain,
                "requestBody": _json(
                    {
                        "to": {"type": "string", "format": "email", "example": "uma@shop.example"},
                        "text": text,
                    },
                    ["to", "text"],
                ),
            }
        },
        "/messages/{message_id}": {
            "get": {**plain, "parameters": _id("message_id")},
            "delete": {**plain, "parameters": _id("message_id")},
        },
        "/notes": {"get": plain, "post": {**plain, "requestBody": _json({"text": text}, ["text"])}},
        "/notes/{note_id}": {
            "get": {**plain, "parameters": _id("note_id")},
            "delete": {**plain, "parameters": _id("note_id")},
        },
    }
    for verb in ("ban", "unban", "suspend", "unsuspend"):
        paths[f"/admin/users/{{user_id}}/{verb}"] = {
            "post": {**admin, "parameters": _id("user_id")}
        }
    return {
        "openapi": "3.0.3",
        "info": {"title": "shop back office", "version": "1"},
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": paths,
    }


def _json(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def config(url: str, spec_file: str) -> dict[str, Any]:
    def bearer(name: str, role: str, env: str) -> dict[str, Any]:
        return {"name": name, "role": role, "auth": {"type": "bearer", "token": f"${{{env}}}"}}

    return {
        "target": url,
        "spec": spec_file,
        "identities": [
            bearer("uma", "user", "UMA_TOKEN"),
            bearer("ben", "user", "BEN_TOKEN"),
            bearer("ada", "admin", "ADA_TOKEN"),
        ],
    }
