"""Meetings: record a Head of Service QA meeting or the Assistant Director's QA meeting (ADQA),
with attendance, measures reviewed, reports presented and headline learning."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.api import ApiProblem, Caller
from services.web.forms import compact, day, form_errors, handles, lines, text, values_of
from services.web.pages import QA_STAFF, CallerDep, FormDep, UserDep, redirect, render, require
from services.web.registers import visible
from services.web.routes.cycles import all_cycles

router = APIRouter(prefix="/meetings")
RECORDERS = (*QA_STAFF, "head_of_service")
FIELDS = [
    "kind",
    "focus",
    "cycle_id",
    "service_area",
    "held_on",
    "attendee_ids",
    "invitee_ids",
    "measures_reviewed",
    "reports.0.presenter_id",
    "reports.0.strengths",
    "reports.0.challenges",
    "headline_learning",
    "moderation_learning",
]


async def page(request: Request, api: Caller, status: int = 200, **context: Any) -> Response:
    held = await visible(api, "/v1/registers/meetings") or []
    return render(request, "pages/meetings.html", status, cycles=await all_cycles(api), meetings=held[:20], **context)


@router.get("")
async def meetings(request: Request, user: UserDep, api: CallerDep) -> Response:
    require(user, *RECORDERS)
    return await page(request, api)


@router.post("")
async def record(request: Request, user: UserDep, api: CallerDep, form: FormDep) -> Response:
    require(user, *RECORDERS)
    report = compact(
        {
            "presenter_id": text(form, "reports.0.presenter_id"),
            "service_area": text(form, "reports.0.service_area"),
            "strengths": text(form, "reports.0.strengths"),
            "challenges": text(form, "reports.0.challenges"),
            "specialist_audit_learning": text(form, "reports.0.specialist_audit_learning"),
        }
    )
    body = {
        "kind": text(form, "kind"),
        "focus": text(form, "focus"),
        "cycle_id": text(form, "cycle_id"),
        "service_area": text(form, "service_area"),
        "held_on": day(form, "held_on"),
        "attendee_ids": handles(form, "attendee_ids"),
        "invitee_ids": handles(form, "invitee_ids"),
        "measures_reviewed": lines(form, "measures_reviewed"),
        "reports": [report] if len(report) > 1 or report.get("presenter_id") else [],
        "headline_learning": text(form, "headline_learning"),
        "moderation_learning": text(form, "moderation_learning"),
    }
    try:
        answer = await api.post("/v1/meetings", compact(body), idempotency_key=text(form, "form_key"))
    except ApiProblem as problem:
        if problem.status not in (403, 404, 409, 422):
            raise
        return await page(
            request,
            api,
            422 if problem.status in (404, 422) else problem.status,
            errors=form_errors(problem, FIELDS, dates=("held_on",)),
            values=values_of(form),
        )
    week = answer.body.get("cycle_week")
    expected = answer.body.get("in_expected_week")
    note = f" (week {week}{'' if expected in (None, True) else ', outside its expected week'})" if week else ""
    return redirect("/meetings", user, f"Meeting recorded{note}")
