"""Meetings: record a Head of Service QA meeting or the Assistant Director's QA meeting (ADQA),
with attendance, measures reviewed, reports presented and headline learning."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

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
    position = answer.headers.get("Ledger-Position")
    return redirect(
        f"/meetings/{answer.body['id']}" + (f"?after={position}" if position else ""), user, "Meeting recorded"
    )


async def find(api: Caller, meeting_id: UUID, after: int | None) -> dict[str, Any] | None:
    """The meeting from the register; just recorded, it reaches the read models a moment later."""
    for _ in range(60 if after else 1):
        held = await visible(api, "/v1/registers/meetings") or []
        found = next((m for m in held if m["meeting_id"] == str(meeting_id)), None)
        if found or not after:
            return found
        await asyncio.sleep(0.05)
    return None


ACTION_FIELDS = ["owner_id", "description", "measure_of_success", "due_on"]


async def meeting_page(
    request: Request, api: Caller, meeting_id: UUID, after: int | None = None, status: int = 200, **context: Any
) -> Response:
    meeting = await find(api, meeting_id, after)
    return render(request, "pages/meeting.html", status, meeting=meeting, meeting_id=str(meeting_id), **context)


@router.get("/{meeting_id}")
async def meeting(
    request: Request, meeting_id: UUID, user: UserDep, api: CallerDep, after: int | None = None
) -> Response:
    return await meeting_page(request, api, meeting_id, after)


@router.post("/{meeting_id}/actions")
async def agree_action(request: Request, meeting_id: UUID, user: UserDep, api: CallerDep, form: FormDep) -> Response:
    """Actions set at the meeting: SMART, with the meeting as their source."""
    body = {
        "owner_id": text(form, "owner_id"),
        "description": text(form, "description"),
        "measure_of_success": text(form, "measure_of_success"),
        "due_on": day(form, "due_on"),
        "source_kind": text(form, "source_kind"),
        "source_id": str(meeting_id),
    }
    try:
        await api.post("/v1/actions", compact(body), idempotency_key=text(form, "form_key"))
    except ApiProblem as problem:
        if problem.status not in (403, 404, 409, 422):
            raise
        return await meeting_page(
            request,
            api,
            meeting_id,
            status=422 if problem.status in (404, 422) else problem.status,
            errors=form_errors(problem, ACTION_FIELDS, dates=("due_on",)),
            values=values_of(form),
        )
    return redirect(f"/meetings/{meeting_id}", user, "Action agreed")
