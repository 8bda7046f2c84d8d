#!/usr/bin/env python3
"""Depot: a small web shop's order API with routes its OpenAPI document leaves out.

    python app.py PORT [--hardened]

Standard library only (http.server). The JSON API lives under /api; sessions come from
POST /api/login and go in `Authorization: Depot <session>`. Every path outside /api is the
single-page app's index page (200 text/html), as a static host with an SPA fallback serves it.
The flaws and decoys are listed in ground_truth.json; --hardened fixes the flaws only.
"""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HARDENED = "--hardened" in sys.argv[2:]

_ACCOUNT = ("id", "password", "role", "email")
ACCOUNTS = {
    "ana": dict(
        zip(_ACCOUNT, (11, "Ana-shops-2024", "customer", "ana@depot.example"), strict=True)
    ),
    "ben": dict(
        zip(_ACCOUNT, (12, "Ben-shops-2024", "customer", "ben@depot.example"), strict=True)
    ),
    "root": dict(
        zip(_ACCOUNT, (1, "Root-runs-depot-2024", "admin", "ops@depot.example"), strict=True)
    ),
}
_ORDER = ("ref", "customer", "email", "ship_to", "total")
ORDERS = [
    dict(
        zip(_ORDER, ("D-1001", 11, "ana@depot.example", "4 Elm Row, Leeds", "54.90"), strict=True)
    ),
    dict(
        zip(_ORDER, ("D-1002", 11, "ana@depot.example", "4 Elm Row, Leeds", "12.00"), strict=True)
    ),
    dict(
        zip(_ORDER, ("D-1003", 12, "ben@depot.example", "9 Quay St, Hull", "230.10"), strict=True)
    ),
]
CATALOG = [
    {"sku": "MUG-01", "name": "Enamel mug", "price": "9.50"},
    {"sku": "TOTE-02", "name": "Tote bag", "price": "14.00"},
]
ENVIRONMENT = {
    "DEPOT_ENV": "production",
    "DEPOT_DB_URL": "postgresql://depot:Dep0t-db-pass-77@10.0.4.12:5432/depot",
    "DEPOT_SESSION_SECRET": "c3f1e9a2b7d4405f8e6a1c0b9d2e7f31",
    "PAYMENTS_API_KEY": "pk_live_7Yq2Lr8Vt4Nw1Zx6",
    "WORKERS": "4",
}
RESET_CODE = secrets.token_hex(4)
SESSIONS: dict[str, str] = {}
INDEX = (
    b"<!doctype html><html><head><title>Depot</title><script src=/app.js></script></head>"
    b"<body><div id=root></div></body></html>"
)
DOCS = b"<!doctype html><html><body><h1>Depot API</h1><p>See /openapi.json</p></body></html>"


def spec() -> dict[str, Any]:
    def op(
        summary: str, public: bool = False, params: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "summary": summary,
            "responses": {"200": {"description": "OK"}, "401": {"description": "No session"}},
        }
        if public:
            out["security"] = []
        if params:
            out["parameters"] = params
        return out

    ref = [
        {
            "name": "ref",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "example": "D-1001"},
        }
    ]
    login = op("Log in", public=True)
    login["requestBody"] = {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["user", "password"],
                    "properties": {"user": {"type": "string"}, "password": {"type": "string"}},
                }
            }
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Depot", "version": "2.3.0"},
        "components": {
            "securitySchemes": {
                "depot": {"type": "apiKey", "in": "header", "name": "Authorization"}
            }
        },
        "security": [{"depot": []}],
        "paths": {
            "/api/login": {"post": login},
            "/api/me": {"get": op("The signed-in customer")},
            "/api/catalog": {"get": op("Products for sale", public=True)},
            "/api/orders": {"get": op("The caller's orders")},
            "/api/orders/{ref}": {"get": op("One of the caller's orders", params=ref)},
            "/api/admin/stats": {"get": op("Shop totals (admin)")},
        },
    }


ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("POST", re.compile(r"^/api/login$"), "login"),
    ("GET", re.compile(r"^/api/me$"), "me"),
    ("GET", re.compile(r"^/api/catalog$"), "catalog"),
    ("GET", re.compile(r"^/api/orders$"), "orders"),
    ("GET", re.compile(r"^/api/orders/feed$"), "feed"),
    ("GET", re.compile(r"^/api/orders/export$"), "export"),
    ("GET", re.compile(r"^/api/orders/(?P<ref>[^/]+)$"), "order"),
    ("GET", re.compile(r"^/api/admin/stats$"), "stats"),
    ("GET", re.compile(r"^/api/admin/reset$"), "reset_preview"),
    ("GET", re.compile(r"^/api/internal$"), "health"),
    ("GET", re.compile(r"^/api/_debug$"), "debug"),
    ("GET", re.compile(r"^/openapi\.json$"), "openapi"),
    ("GET", re.compile(r"^/(docs|redoc)$"), "docs"),
)


class Depot(BaseHTTPRequestHandler):
    server_version = "depot/2.3"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # ------------------------------------------------------------------ plumbing
    def do_GET(self) -> None:
        self.dispatch("GET")

    def do_POST(self) -> None:
        self.dispatch("POST")

    def dispatch(self, method: str) -> None:
        path = self.path.split("?", 1)[0]
        for verb, pattern, name in ROUTES:
            match = pattern.match(path)
            if match and verb == method:
                return getattr(self, name)(**match.groupdict())
        if path.startswith("/api/") or method != "GET":
            return self.send(404, {"code": "not_found", "detail": f"no route {method} {path}"})
        return self.send_raw(200, INDEX, "text/html; charset=utf-8")  # the SPA fallback

    def send(self, status: int, payload: Any) -> None:
        self.send_raw(status, json.dumps(payload).encode(), "application/json")

    def send_raw(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def account(self) -> dict[str, Any] | None:
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        name = SESSIONS.get(token) if scheme == "Depot" else None
        return {"user": name, **ACCOUNTS[name]} if name else None

    def need(self, admin: bool = False) -> dict[str, Any] | None:
        who = self.account()
        if who is None:
            self.send(401, {"code": "unauthenticated", "detail": "log in first"})
        elif admin and who["role"] != "admin":
            self.send(403, {"code": "forbidden", "detail": "admins only"})
            return None
        return who

    # ------------------------------------------------------------------ documented
    def login(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return self.send(400, {"code": "bad_json", "detail": "body is not JSON"})
        found = ACCOUNTS.get(str(body.get("user")))
        if not found or found["password"] != body.get("password"):
            return self.send(401, {"code": "bad_credentials", "detail": "wrong user or password"})
        token = secrets.token_urlsafe(24)
        SESSIONS[token] = str(body["user"])
        return self.send(200, {"session": token, "expires_in": 3600})

    def me(self) -> None:
        if who := self.need():
            self.send(
                200,
                {"user": who["user"], "id": who["id"], "email": who["email"], "role": who["role"]},
            )

    def catalog(self) -> None:
        self.send(200, {"products": CATALOG})

    def orders(self) -> None:
        if who := self.need():
            self.send(200, {"orders": [o for o in ORDERS if o["customer"] == who["id"]]})

    def order(self, ref: str) -> None:
        if who := self.need():
            found = [o for o in ORDERS if o["ref"] == ref and o["customer"] == who["id"]]
            self.send(200, found[0]) if found else self.send(
                404, {"code": "not_found", "detail": ref}
            )

    def stats(self) -> None:
        if self.need(admin=True):
            self.send(200, {"orders": len(ORDERS), "customers": 2, "revenue": "297.00"})

    # ------------------------------------------------------------------ not in the spec
    def health(self) -> None:
        self.send(200, {"status": "ok"})

    def debug(self) -> None:
        if HARDENED:
            return self.send(404, {"code": "not_found", "detail": "no route GET /api/_debug"})
        self.send(200, {"pid": 4242, "environ": ENVIRONMENT})

    def feed(self) -> None:
        if HARDENED and not self.need(admin=True):
            return
        self.send(200, {"feed": ORDERS, "cursor": len(ORDERS)})

    def export(self) -> None:
        if who := self.need():
            rows = (
                ORDERS
                if who["role"] == "admin"
                else [o for o in ORDERS if o["customer"] == who["id"]]
            )
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=list(ORDERS[0]))
            writer.writeheader()
            writer.writerows(rows)
            self.send_raw(200, out.getvalue().encode(), "text/csv")

    def reset_preview(self) -> None:
        if self.need(admin=HARDENED):
            self.send(
                200,
                {
                    "wipes": ["orders", "sessions", "carts"],
                    "orders": len(ORDERS),
                    "confirm_with": RESET_CODE,
                    "method": "POST",
                },
            )

    def openapi(self) -> None:
        self.send(200, spec())

    def docs(self) -> None:
        self.send_raw(200, DOCS, "text/html; charset=utf-8")


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8341
    ThreadingHTTPServer(("127.0.0.1", port), Depot).serve_forever()
