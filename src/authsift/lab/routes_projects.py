"""Org projects (slugs under a parent, nested ownership by org membership) and org reports.

These are the integration-facing resources: API keys are accepted here (read scope to read,
write scope to create). Flaws:
- `authz-unauthenticated-access`: `GET /orgs/{org}/projects/{slug}` made its caller optional
  (for a "public projects" feature that never shipped) and skips membership for anonymous calls;
- `authz-bopla-excessive-exposure`: `GET /orgs/{org}/projects` returns the raw records, with the
  finance-only budget and the creator's account record, instead of the response model.
Decoy: `GET /reports/{report_id}` answers 200 `{"error": "report not found"}` for unknown ids
and for other orgs' reports alike, which is not a finding.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from authsift.lab.deps import (
    NOT_FOUND,
    PROTECTED_ERRORS,
    AnyCaller,
    Lab,
    MaybeCaller,
    require_scope,
    unauthorized,
)
from authsift.lab.store import Org, Project
from authsift.lab.users import Principal

router = APIRouter(tags=["projects"], responses=PROTECTED_ERRORS)


class ProjectOut(BaseModel):
    org: str
    slug: str
    name: str
    description: str
    created_by: int
    created_at: str


class ProjectIn(BaseModel):
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    name: str = Field(min_length=1, max_length=80)
    description: str = Field(default="", max_length=500)


class ReportOut(BaseModel):
    id: str
    org: str
    title: str
    rows: list[tuple[str, int]]


class ReportError(BaseModel):
    error: str


def _view(project: Project) -> ProjectOut:
    return ProjectOut(
        org=project.org,
        slug=project.slug,
        name=project.name,
        description=project.description,
        created_by=project.created_by,
        created_at=project.created_at,
    )


def _member_org(lab: Lab, caller: Principal, org_slug: str) -> Org:
    org = lab.domain.org(org_slug)
    if org is None or caller.user.id not in org.members:
        # 404 rather than 403: do not confirm that another organisation exists.
        raise HTTPException(status_code=404, detail="organisation not found")
    return org


def _raw_record(lab: Lab, project: Project) -> dict[str, Any]:
    """The project row as the data layer returns it, joined with its creator's account."""
    creator = lab.users.by_id(project.created_by)
    record: dict[str, Any] = _view(project).model_dump()
    record["internal_budget_cents"] = project.internal_budget_cents
    if creator is not None:
        record["created_by_user"] = {
            "id": creator.id,
            "username": creator.username,
            "email": creator.email,
            "full_name": creator.full_name,
            "role": creator.role,
            "disabled": creator.disabled,
            "password_version": creator.password_version,
        }
    return record


@router.get("/orgs/{org}/projects", responses=NOT_FOUND, response_model=list[ProjectOut])
def list_projects(org: str, caller: AnyCaller, lab: Lab) -> list[ProjectOut] | JSONResponse:
    require_scope(lab, caller, "read")
    member_of = _member_org(lab, caller, org)
    projects = lab.domain.projects_of(member_of.slug)
    if lab.settings.on("authz-bopla-excessive-exposure"):
        # Returns the records as loaded, bypassing the response model that would filter them.
        return JSONResponse([_raw_record(lab, p) for p in projects])
    return [_view(p) for p in projects]


@router.post(
    "/orgs/{org}/projects", responses=NOT_FOUND, response_model=ProjectOut, status_code=201
)
def create_project(org: str, body: ProjectIn, caller: AnyCaller, lab: Lab) -> ProjectOut:
    require_scope(lab, caller, "write")
    member_of = _member_org(lab, caller, org)
    project = Project(member_of.slug, body.slug, body.name, body.description, caller.user.id)
    if not lab.domain.add_project(project):
        raise HTTPException(status_code=409, detail="a project with this slug already exists")
    return _view(project)


@router.get("/orgs/{org}/projects/{slug}", responses=NOT_FOUND, response_model=ProjectOut)
def read_project(org: str, slug: str, caller: MaybeCaller, lab: Lab) -> ProjectOut:
    if caller is None:
        if not lab.settings.on("authz-unauthenticated-access"):
            raise unauthorized()
        # Anonymous callers were meant to see public projects only; the flag was never added,
        # so membership is simply not checked for them.
        project = lab.domain.project(org, slug)
    else:
        require_scope(lab, caller, "read")
        project = lab.domain.project(_member_org(lab, caller, org).slug, slug)
    if project is None:
        raise HTTPException(status_code=404, detail="project not found")
    return _view(project)


@router.get("/reports/{report_id}", response_model=ReportOut | ReportError)
def read_report(report_id: str, caller: AnyCaller, lab: Lab) -> ReportOut | ReportError:
    """Unknown ids answer 200 with an error body (a legacy client contract, not a flaw)."""
    require_scope(lab, caller, "read")
    report = lab.domain.report(report_id)
    member_orgs = {o.slug for o in lab.domain.orgs_of(caller.user.id)}
    if report is None or report.org not in member_orgs:
        return ReportError(error="report not found")
    return ReportOut(id=report.id, org=report.org, title=report.title, rows=list(report.rows))
