"""The staff register (QA Manager): who is in it, and registering someone new."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.api import ApiProblem, Caller
from services.web.forms import compact, form_errors, text, texts, values_of
from services.web.pages import CallerDep, FormDep, UserDep, redirect, render, require
from services.web.registers import visible

router = APIRouter(prefix="/staff")
FIELDS = ["staff_id", "display_name", "email", "roles", "team", "service_area", "auditor_groups", "manager_id"]
GROUPS = [
    ("early_help_team_leader", "Early Help Team Leader (2 Early Help audits a month)"),
    ("early_help_team_manager", "Early Help Team Manager (1 full 10 Domain audit a month)"),
    ("leaving_care", "Leaving Care auditor"),
    ("youth_justice", "Youth Justice auditor (1 victim audit a month)"),
    ("fostering_manager", "Fostering manager (completes fostering audits)"),
    ("external", "External auditor"),
]


async def page(request: Request, api: Caller, status: int = 200, **context: Any) -> Response:
    members = await visible(api, "/v1/registers/staff", status="current") or []
    return render(request, "pages/staff.html", status, members=members, groups=GROUPS, **context)


@router.get("")
async def staff_register(request: Request, user: UserDep, api: CallerDep) -> Response:
    require(user, "qa_manager")
    return await page(request, api)


@router.post("")
async def register(request: Request, user: UserDep, api: CallerDep, form: FormDep) -> Response:
    require(user, "qa_manager")
    body = {
        "staff_id": text(form, "staff_id"),
        "display_name": text(form, "display_name"),
        "email": text(form, "email"),
        "roles": texts(form, "roles"),
        "team": text(form, "team"),
        "service_area": text(form, "service_area"),
        "auditor_groups": texts(form, "auditor_groups"),
        "manager_id": text(form, "manager_id"),
    }
    try:
        await api.post("/v1/staff", compact(body), idempotency_key=text(form, "form_key"))
    except ApiProblem as problem:
        if problem.status not in (403, 409, 422):
            raise
        return await page(
            request,
            api,
            422 if problem.status == 422 else problem.status,
            errors=form_errors(problem, FIELDS),
            values=values_of(form),
            checked={"roles": texts(form, "roles"), "auditor_groups": texts(form, "auditor_groups")},
        )
    return redirect("/staff", user, f"{body['display_name']} is in the staff register")
