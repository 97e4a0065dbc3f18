"""Actions: the board of open actions (by owner, team or area, overdue first) and each action's
progress, due-date and completion forms."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.api import ApiProblem, Caller
from services.web.forms import compact, day, form_errors, text, values_of
from services.web.pages import CallerDep, FormDep, UserDep, WebDep, redirect, render
from services.web.registers import names

router = APIRouter(prefix="/actions")
FORMS = {
    "progress": (["note"], ()),
    "completion": (["outcome"], ()),
    "due-date": (["due_on", "reason"], ("due_on",)),
}


async def board(api: Caller, **filters: Any) -> dict[str, Any] | None:
    try:
        result: dict[str, Any] = await api.get("projections", "/v1/actions/outstanding", **filters)
    except ApiProblem as problem:
        if problem.status == 403:
            return None
        raise
    result["actions"].sort(key=lambda a: (not a["overdue"], a["due_on"]))
    return result


@router.get("")
async def actions_board(
    request: Request,
    site: WebDep,
    user: UserDep,
    api: CallerDep,
    owner: str | None = None,
    team: str | None = None,
    service_area: str | None = None,
) -> Response:
    result = await board(api, owner=owner, team=team, service_area=service_area)
    if result is None:  # not a manager: their own actions only
        result = await board(api, owner=user.subject) or {"actions": [], "open": 0, "overdue": 0}
    return render(
        request,
        "pages/actions.html",
        board=result,
        names=await names(api),
        filters={"owner": owner or "", "team": team or "", "service_area": service_area or ""},
    )


async def find(api: Caller, action_id: UUID, user_id: str) -> dict[str, Any] | None:
    for filters in ({}, {"owner": user_id}):
        result = await board(api, **filters)
        for action in (result or {}).get("actions", []):
            if action["action_id"] == str(action_id):
                return action
    return None


@router.get("/{action_id}")
async def action_page(request: Request, action_id: UUID, site: WebDep, user: UserDep, api: CallerDep) -> Response:
    return render(
        request,
        "pages/action.html",
        action=await find(api, action_id, user.subject or ""),
        action_id=str(action_id),
        names=await names(api),
    )


@router.post("/{action_id}/{step}")
async def action_step(
    request: Request, action_id: UUID, step: str, site: WebDep, user: UserDep, api: CallerDep, form: FormDep
) -> Response:
    if step not in FORMS:
        return render(request, "pages/error.html", 404, title="Page not found", message="")
    fields, dates = FORMS[step]
    body = {f: (day(form, f) if f in dates else text(form, f)) for f in fields}
    try:
        await api.post(f"/v1/actions/{action_id}/{step}", compact(body), idempotency_key=text(form, "form_key"))
    except ApiProblem as problem:
        if problem.status not in (403, 409, 422):
            raise
        return render(
            request,
            "pages/action.html",
            422 if problem.status == 422 else problem.status,
            errors=form_errors(problem, fields, dates=dates),
            values=values_of(form),
            open_form=step,
            action=await find(api, action_id, user.subject or ""),
            action_id=str(action_id),
            names=await names(api),
        )
    done = {"progress": "Progress noted", "completion": "Action completed", "due-date": "Due date changed"}[step]
    return redirect("/actions" if step == "completion" else f"/actions/{action_id}", user, done)
