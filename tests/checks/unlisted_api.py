"""A small billing API on aiohttp with routes its OpenAPI document leaves out, for the two checks
that judge unlisted endpoints (authz-unlisted-endpoint, transport-debug-log-exposure).

Static bearer tokens; `/v1/...` is the JSON API, everything else falls through to a single-page
app that answers 200 HTML to any path (a soft 404). Flaws (off when `hardened`):
`GET /debug/vars` dumps the process environment with its secrets, anonymously;
`GET /v1/export` returns every invoice, anonymously; `GET /v1/internal/users` answers any
signed-in user with the full user table the admin sees. Decoys (always on): the SPA catch-all,
Prometheus `/metrics` without private data, `/v1/admin` (admin only), `/v1/invoices/export`
(each caller's own invoices), `/v1/status` (`{"status": "ok"}`).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

ENV = {"UNLISTED_MIA_TOKEN": "mia-3c0f5b1e9a7d4f26", "UNLISTED_ROOT_TOKEN": "root-8e2a6c4f1b9d0e37"}
USERS = {
    ENV["UNLISTED_MIA_TOKEN"]: {
        "id": 7,
        "name": "mia",
        "email": "mia@billing.example",
        "admin": False,
    },
    ENV["UNLISTED_ROOT_TOKEN"]: {
        "id": 1,
        "name": "root",
        "email": "ops@billing.example",
        "admin": True,
    },
}
INVOICES = [
    {"id": 501, "owner": 7, "amount": "120.00", "customer": "mia@billing.example"},
    {"id": 502, "owner": 7, "amount": "80.50", "customer": "mia@billing.example"},
    {"id": 503, "owner": 9, "amount": "990.00", "customer": "zoe@billing.example"},
]
SPA = (
    "<!doctype html><html><head><title>Billing</title></head><body><div id=app></div></body></html>"
)


def make_app(hardened: bool = False) -> web.Application:
    def caller(request: web.Request) -> dict[str, Any] | None:
        header = request.headers.get("Authorization", "")
        return (
            USERS.get(header.removeprefix("Bearer ").strip())
            if header.startswith("Bearer ")
            else None
        )

    def need(request: web.Request, admin: bool = False) -> dict[str, Any]:
        user = caller(request)
        if user is None:
            raise web.HTTPUnauthorized(
                text='{"error":"login required"}', content_type="application/json"
            )
        if admin and not user["admin"]:
            raise web.HTTPForbidden(text='{"error":"admins only"}', content_type="application/json")
        return user

    def gone() -> web.HTTPNotFound:
        return web.HTTPNotFound(text='{"error":"no such route"}', content_type="application/json")

    async def profile(request: web.Request) -> web.Response:
        user = need(request)
        return web.json_response({"user": user["name"], "email": user["email"], "id": user["id"]})

    async def invoices(request: web.Request) -> web.Response:
        user = need(request)
        return web.json_response([i for i in INVOICES if i["owner"] == user["id"]])

    async def invoice_export(request: web.Request) -> web.Response:
        user = need(request)
        mine = INVOICES if user["admin"] else [i for i in INVOICES if i["owner"] == user["id"]]
        return web.json_response({"rows": mine, "count": len(mine)})

    async def admin_home(request: web.Request) -> web.Response:
        need(request, admin=True)
        return web.json_response({"users": len(USERS), "invoices": len(INVOICES)})

    async def status(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def metrics(request: web.Request) -> web.Response:
        lines = [
            "# HELP http_requests_total Requests served.",
            "# TYPE http_requests_total counter",
        ]
        lines += [
            f'http_requests_total{{route="/v1/{r}"}} {n}'
            for r, n in (("profile", 41), ("invoices", 17))
        ]
        return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")

    async def debug_vars(request: web.Request) -> web.Response:
        if hardened:
            return web.Response(text=SPA, content_type="text/html")
        return web.json_response(
            {
                "cmdline": ["billing", "--port", "8080"],
                "env": {
                    "STRIPE_SECRET_KEY": "sk_live_51HxQk2eZvKYlo2C0aQ9r7pT",
                    "DATABASE_URL": "postgres://billing:Pg-b1ll1ng-2024@db.internal/billing",
                    "LOG_LEVEL": "info",
                },
            }
        )

    async def export_all(request: web.Request) -> web.Response:
        if hardened:
            raise gone()
        return web.json_response({"invoices": INVOICES})

    async def internal_users(request: web.Request) -> web.Response:
        need(request, admin=hardened)
        return web.json_response({"users": [dict(u) for u in USERS.values()]})

    async def unknown_api(request: web.Request) -> web.Response:
        raise gone()

    async def spa(request: web.Request) -> web.Response:
        return web.Response(text=SPA, content_type="text/html")

    app = web.Application()
    app.router.add_get("/v1/profile", profile)
    app.router.add_get("/v1/invoices", invoices)
    app.router.add_get("/v1/invoices/export", invoice_export)
    app.router.add_get("/v1/admin", admin_home)
    app.router.add_get("/v1/status", status)
    app.router.add_get("/v1/export", export_all)
    app.router.add_get("/v1/internal/users", internal_users)
    app.router.add_get("/v1/{tail:.*}", unknown_api)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/debug/vars", debug_vars)
    app.router.add_get("/{tail:.*}", spa)
    return app


def spec() -> dict[str, Any]:
    def read(summary: str) -> dict[str, Any]:
        return {
            "summary": summary,
            "security": [{"bearer": []}],
            "responses": {"200": {"description": "ok"}},
        }

    return {
        "openapi": "3.0.3",
        "info": {"title": "Billing", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/v1/profile": {"get": read("The caller's profile")},
            "/v1/invoices": {"get": read("The caller's invoices")},
        },
    }


def config(url: str, spec_file: str) -> dict[str, Any]:
    return {
        "target": url,
        "spec": spec_file,
        "identities": [
            {
                "name": "mia",
                "role": "user",
                "auth": {"type": "bearer", "token": "${UNLISTED_MIA_TOKEN}"},
            },
            {
                "name": "root",
                "role": "admin",
                "auth": {"type": "bearer", "token": "${UNLISTED_ROOT_TOKEN}"},
            },
        ],
        "privileged_roles": ["admin"],
    }
