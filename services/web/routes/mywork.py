"""My work: what the signed-in person has to do, from the read models and notices sent to them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.api import ApiProblem, Caller
from services.web.pages import CallerDep, UserDep, WebDep, render

router = APIRouter()


def subject_link(notice: dict[str, Any]) -> str | None:
    rule = str(notice.get("rule", ""))
    if rule.startswith(("audit.", "rcd.")):
        return f"/audits/{notice['subject_id']}"
    if rule.startswith("action."):
        return f"/actions/{notice['subject_id']}"
    return None


async def optional(api: Caller, service: Any, path: str, **params: Any) -> Any:
    """A read model the person's scope may not reach: their page simply has no such section."""
    try:
        return await api.get(service, path, **params)
    except ApiProblem as problem:
        if problem.status == 403:
            return None
        raise


@router.get("/")
async def my_work(request: Request, site: WebDep, user: UserDep, api: CallerDep) -> Response:
    notices = (await api.get("notifier", "/v1/notifications", recipient=user.subject, limit=50))["items"]
    for notice in notices:
        notice["link"] = subject_link(notice)
    allocated = [n for n in notices if n["rule"] == "audit.allocated"]
    actions = await optional(api, "projections", "/v1/actions/outstanding", owner=user.subject)
    mine = sorted((actions or {}).get("actions", []), key=lambda a: (not a["overdue"], a["due_on"]))
    members = await site.directory.refresh()
    return render(
        request,
        "pages/my_work.html",
        notices=notices,
        allocated=allocated,
        actions=mine,
        names={k: m.display_name for k, m in members.items()},
    )
