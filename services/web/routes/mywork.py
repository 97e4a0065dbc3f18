"""My work: audits allocated to me, reflective case discussions to hold or log, actions I own (overdue
first), meetings in my part of the service, and the notices sent to me. Each list is a register read
with my own token, so it holds what my scope allows and nothing else."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.api import ApiProblem, Caller
from services.web.pages import CallerDep, UserDep, render
from services.web.registers import every, visible

router = APIRouter()
RCD_LOGGERS = ("team_manager", "service_manager")


def subject_link(notice: dict[str, Any]) -> str | None:
    rule = str(notice.get("rule", ""))
    if rule.startswith(("audit.", "rcd.")):
        return f"/audits/{notice['subject_id']}"
    if rule.startswith("action."):
        return f"/actions/{notice['subject_id']}"
    return None


async def notices_to(api: Caller, subject: str) -> list[dict[str, Any]]:
    try:
        items: list[dict[str, Any]] = (await api.get("notifier", "/v1/notifications", recipient=subject, limit=20))[
            "items"
        ]
    except ApiProblem as problem:
        if problem.status == 403:
            return []
        raise
    for notice in items:
        notice["link"] = subject_link(notice)
    return items


@router.get("/")
async def my_work(request: Request, user: UserDep, api: CallerDep) -> Response:
    me = user.subject or ""
    mine = [a for a in await every(api, "/v1/registers/audits", auditor=me) if a["status"] != "withdrawn"]
    to_log: list[dict[str, Any]] = []
    if user.holds(*RCD_LOGGERS):
        in_scope = await visible(api, "/v1/registers/audits", status="submitted") or []
        in_scope += await visible(api, "/v1/registers/audits", status="moderated") or []
        to_log = [a for a in in_scope if not a["reflective_discussion"]["logged"] and a["auditor"]["staff_id"] != me]
    actions = await visible(api, "/v1/registers/actions", owner=me, status="open") or []
    actions.sort(key=lambda a: (not a.get("overdue"), a["due_on"]))
    meetings = (
        (await visible(api, "/v1/registers/meetings") or [])[:5]
        if user.holds(
            "head_of_service", "service_manager", "assistant_director", "qa_manager", "practice_development_leader"
        )
        else []
    )
    return render(
        request,
        "pages/my_work.html",
        audits=mine,
        to_hold=[a for a in mine if a["status"] != "allocated" and not a["reflective_discussion"]["logged"]],
        to_log=to_log,
        actions=actions,
        meetings=meetings,
        notices=await notices_to(api, me),
    )
