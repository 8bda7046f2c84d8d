"""authz-bopla-excessive-exposure and the caller's own data (issue 8, the hardened tracker's
false positive): an undeclared property is exposure when it belongs to another account or the
shared classifier (analysis/sensitivity.py) recognises it as private, never because the caller
sees its own role in its own team.

A small teams API on 127.0.0.1: `GET /teams` lists the caller's teams with its own membership
`role`, which the spec's Team schema does not declare (both variants: no finding, the task
passed); `GET /teams/{team_id}/members` returns, in the vulnerable variant, each member's
undeclared `role`, `banned` flag, `phone` and `internal_note` (fires: the other member's
record, and the internal note on anyone's), in the hardened one the declared properties only
(passed). `GET /loans/{id}`, DRF style, is seeded with one list of every kind of id (the
account's own id first, which the route answers 404): the check tries the caller's objects in
turn.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiohttp import web
from rich.console import Console

from authsift.analysis.sensitivity import recognised_private
from authsift.app.workflow import ScanJob, execute
from authsift.config import load_config
from authsift.model import ScanResult
from tests.apps.toy_api import serve_in_thread
from tests.checks.authz_helpers import findings_of, fired_on, outcomes_of, passed_on
from tests.conftest import write_yaml

CHECK = "authz-bopla-excessive-exposure"
TOKENS = {"tok-ana-51c0e2b9d7": 1, "tok-bob-8e3f17a4c2": 2}
USERS = {
    1: {"id": 1, "email": "ana@teams.example", "name": "Ana", "role": "admin", "banned": False},
    2: {"id": 2, "email": "bob@teams.example", "name": "Bob", "role": "member", "banned": True},
}


def _app(vulnerable: bool) -> web.Application:
    def caller(request: web.Request) -> dict[str, Any]:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in TOKENS:
            raise web.HTTPUnauthorized(text='{"error": "login"}', content_type="application/json")
        return USERS[TOKENS[token]]

    async def me(request: web.Request) -> web.Response:
        user = caller(request)
        return web.json_response({k: user[k] for k in ("id", "email", "name")})

    async def teams(request: web.Request) -> web.Response:
        user = caller(request)  # the caller's own role in its team: not in the spec's schema
        return web.json_response([{"id": 1, "name": "Core", "role": user["role"]}])

    async def members(request: web.Request) -> web.Response:
        caller(request)
        listed = []
        for user in USERS.values():
            member = {k: user[k] for k in ("id", "email", "name")}
            if vulnerable:  # the raw membership rows
                member |= {"role": user["role"], "banned": user["banned"]}
                member["internal_note"] = f"{user['name']} asked for a refund twice"
                member["phone"] = f"+44 20 7946 09{user['id']:02d}"
            listed.append(member)
        return web.json_response(listed)

    async def loan(request: web.Request) -> web.Response:
        user = caller(request)  # DRF style: every route takes `{id}`; only loan ids are loans
        if request.match_info["id"] != f"loan-{user['id']}":
            raise web.HTTPNotFound(text='{"detail": "Not found."}', content_type="application/json")
        record = {"id": f"loan-{user['id']}", "book": "Dune"}
        if vulnerable:
            record["internal_note"] = "late twice, flagged for review"
        return web.json_response(record)

    async def billing(request: web.Request) -> web.Response:
        caller(request)  # owners only, and no configured identity is one
        raise web.HTTPForbidden(text='{"error": "owners only"}', content_type="application/json")

    async def readme(request: web.Request) -> web.Response:
        caller(request)
        return web.Response(text="Core team: ship on Fridays", content_type="text/plain")

    application = web.Application()
    application.router.add_get("/loans/{id}", loan)
    application.router.add_get("/teams/{team_id}/billing", billing)
    application.router.add_get("/teams/{team_id}/readme", readme)
    application.router.add_get("/me", me)
    application.router.add_get("/teams", teams)
    application.router.add_get("/teams/{team_id}/members", members)
    return application


def _spec() -> dict[str, Any]:
    def answer(schema: dict[str, Any]) -> dict[str, Any]:
        return {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}

    def obj(*names: str) -> dict[str, Any]:
        kinds = {"id": {"type": "integer"}}
        return {
            "type": "object",
            "properties": {n: kinds.get(n, {"type": "string"}) for n in names},
        }

    team_id = {
        "name": "team_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer"},
        "example": 1,
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "teams", "version": "1"},
        "paths": {
            "/me": {"get": {"responses": answer(obj("id", "email", "name"))}},
            "/teams": {"get": {"responses": answer({"type": "array", "items": obj("id", "name")})}},
            "/loans/{id}": {
                "get": {
                    "parameters": [{**team_id, "name": "id", "schema": {"type": "string"}}],
                    "responses": answer(obj("id", "book")),
                }
            },
            "/teams/{team_id}/billing": {
                "get": {"parameters": [team_id], "responses": answer(obj("plan", "card"))}
            },
            "/teams/{team_id}/readme": {
                "get": {
                    "parameters": [team_id],
                    "responses": {
                        "200": {"description": "ok", "content": {"text/plain": {"schema": {}}}}
                    },
                }
            },
            "/teams/{team_id}/members": {
                "get": {
                    "parameters": [team_id],
                    "responses": answer({"type": "array", "items": obj("id", "email", "name")}),
                }
            },
        },
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    }


def _scan(tmp_path: Path, vulnerable: bool) -> tuple[dict[str, Any], ScanResult]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    spec_path = tmp_path / "spec.json"
    spec_path.write_text(json.dumps(_spec()))
    with serve_in_thread(_app(vulnerable)) as url:
        identities = [
            {"name": name, "role": "user", "auth": {"type": "bearer", "token": token}}
            for name, token in zip(("ana", "bob"), TOKENS, strict=True)
        ]
        config = {
            "target": url,
            "spec": str(spec_path),
            "identities": identities,
            # one seed list for every kind of object, the account's own id first (shelf)
            "resources": {
                name: {"id": [str(number), f"loan-{number}"]}
                for name, number in (("ana", 1), ("bob", 2))
            },
            "checks": {"include": [CHECK]},
            "report": {"formats": ["json"], "dir": str(tmp_path)},
            "limits": {"rate": 200, "concurrency": 4, "timeout": 2, "max_time": 60},
        }
        path = write_yaml(tmp_path / "authsift.yaml", config)
        job = ScanJob(config=load_config(path), config_dir=tmp_path, output=tmp_path)
        quiet = Console(quiet=True)
        outcome = execute(job, quiet, quiet)
    assert outcome.result is not None, outcome.error
    report_path = next(p for p in outcome.written if p.suffix == ".json")
    report: dict[str, Any] = json.loads(report_path.read_text())
    return report, outcome.result


def test_other_members_undeclared_role_and_private_note_fire(tmp_path: Path) -> None:
    report, _ = _scan(tmp_path, vulnerable=True)
    assert fired_on(report, CHECK) == {"GET /teams/{team_id}/members", "GET /loans/{id}"}
    finding = next(f for f in findings_of(report, CHECK) if "members" in f["operation"]["path"])
    assert finding["severity"] == "medium"
    flagged = set(finding["details"]["undeclared_sensitive"])
    # the other member's record (his e-mail in it): his role and ban; anyone's note
    other = "$[1]" if finding["identity"] == "ana" else "$[0]"
    own = "$[0]" if other == "$[1]" else "$[1]"
    assert {f"{other}.role", f"{other}.banned", f"{other}.phone"} <= flagged
    # what the operator keeps about the caller is exposure on its own record too
    assert {"$[0].internal_note", "$[1].internal_note"} <= flagged
    # the caller's own role, flag and phone on its own record are its own to see
    assert not {f"{own}.role", f"{own}.banned", f"{own}.phone"} & flagged


def test_a_seed_list_of_every_kind_is_tried_until_the_route_answers(tmp_path: Path) -> None:
    report, _ = _scan(tmp_path, vulnerable=True)
    loan = next(f for f in findings_of(report, CHECK) if f["operation"]["path"] == "/loans/{id}")
    assert loan["details"]["undeclared_sensitive"] == ["$.internal_note"]
    assert "/loans/loan-" in loan["evidence"][0]["request"]["url"]


def test_own_team_role_is_not_exposure_and_the_task_passed(tmp_path: Path) -> None:
    for vulnerable in (True, False):
        report, result = _scan(tmp_path / str(vulnerable), vulnerable)
        assert "GET /teams" not in fired_on(report, CHECK)
        passed = passed_on(result, CHECK)
        assert "GET /teams" in passed, outcomes_of(result, CHECK)
        if not vulnerable:
            assert fired_on(report, CHECK) == set()
            assert "GET /teams/{team_id}/members" in passed, outcomes_of(result, CHECK)
            assert "GET /loans/{id}" in passed, outcomes_of(result, CHECK)


def test_recognised_private_needs_a_private_name_or_value_shape() -> None:
    assert recognised_private("internal_note", "asked for a refund")
    assert recognised_private("contact", "ana@teams.example")  # an e-mail by its shape
    assert recognised_private("phone", "+44 20 7946 0958")
    assert not recognised_private("role", "member")  # a role word: directory data
    assert not recognised_private("banned", "True")  # unknown either way: not private here
    assert not recognised_private("internal_id", "42")  # a reference, whatever it refers to


def test_refused_to_every_reader_passes_and_a_text_answer_says_why(tmp_path: Path) -> None:
    _, result = _scan(tmp_path, vulnerable=False)
    assert "GET /teams/{team_id}/billing" in passed_on(result, CHECK), outcomes_of(result, CHECK)
    reason = outcomes_of(result, CHECK)["GET /teams/{team_id}/readme"]
    assert reason.startswith("inconclusive: ") and "text/plain" in reason and "not JSON" in reason
