"""Cycles (QA Manager, Heads of Service, AD): the 8-week calendar with today marked, completion,
moderation coverage against the floor, charts, and allocating auditors to cases."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from schemas.vocabulary import CROSS_SERVICE_EXEMPT_GROUPS, SERVICE_AREA_TITLES, ServiceArea
from services.web.api import ApiProblem, Caller, read_after
from services.web.charts import GRADE_COLOURS, Bar, bar_chart
from services.web.forms import compact, day, form_errors, text, values_of
from services.web.pages import (
    CYCLE_READERS,
    GRADE_TITLES,
    CallerDep,
    FormDep,
    UserDep,
    Web,
    WebDep,
    redirect,
    render,
    require,
)
from services.web.registers import every, visible
from services.web.sampling import propose

router = APIRouter(prefix="/cycles")
ALLOCATORS = ("qa_manager", "head_of_service")
WEEKS = {
    1: "Audits start. Head of Service QA meeting on performance data.",
    2: "Audits due by the end of day 14, with the reflective case discussion.",
    3: "Moderation: at least 15% by the QA Manager and PSW.",
    4: "Head of Service QA meeting on audit findings (weeks 4 to 5).",
    5: "Head of Service QA meeting on audit findings (weeks 4 to 5).",
    6: "Assistant Director's QA meeting: Head of Service reports.",
    7: "Actions followed up.",
    8: "Preparation: every auditor allocated an audit for the next cycle.",
}


async def all_cycles(api: Caller) -> list[dict[str, Any]]:
    return sorted(await visible(api, "/v1/registers/cycles") or [], key=lambda c: c["week1_monday"], reverse=True)


@router.get("")
async def cycles(request: Request, user: UserDep, api: CallerDep) -> Response:
    require(user, *CYCLE_READERS)
    return render(request, "pages/cycles.html", cycles=await all_cycles(api))


@router.post("")
async def schedule(request: Request, site: WebDep, user: UserDep, api: CallerDep, form: FormDep) -> Response:
    body = {"name": text(form, "name"), "week1_monday": day(form, "week1_monday")}
    try:
        answer = await api.post("/v1/cycles", compact(body), idempotency_key=text(form, "form_key"))
    except ApiProblem as problem:
        if problem.status not in (403, 409, 422):
            raise
        return render(
            request,
            "pages/cycles.html",
            422 if problem.status == 422 else problem.status,
            errors=form_errors(problem, ["name", "week1_monday"], dates=("week1_monday",)),
            values=values_of(form),
            cycles=await all_cycles(api),
        )
    position = answer.headers.get("Ledger-Position")
    return redirect(
        f"/cycles/{answer.body['id']}" + (f"?after={position}" if position else ""),
        user,
        f"{body['name']} is scheduled",
    )


def calendar(cycle: dict[str, Any], today: date) -> list[dict[str, Any]]:
    monday = date.fromisoformat(str(cycle["week1_monday"]))
    weeks = []
    for week in range(1, 9):
        starts = monday + timedelta(weeks=week - 1)
        weeks.append(
            {"week": week, "starts": starts, "what": WEEKS[week], "today": starts <= today < starts + timedelta(days=7)}
        )
    return weeks


def charts(dashboard: dict[str, Any], coverage: dict[str, Any]) -> dict[str, Any]:
    grades = dashboard.get("grade_distribution") or {}
    counts = grades.get("counts", grades) if isinstance(grades, dict) else {}
    grade_bars = [
        Bar(GRADE_TITLES[g], float(counts.get(g, 0) or 0), str(counts.get(g, 0) or 0), GRADE_COLOURS[g])
        for g in GRADE_TITLES
    ]
    areas = dashboard["completion_by_day_14"]["by_service_area"]
    completion = [
        Bar(
            SERVICE_AREA_TITLES.get(ServiceArea(a["service_area"]), a["service_area"])[:60],
            float(a["percent_by_day_14"] or 0),
            f"{a['submitted_by_day_14']} of {a['allocated']}",
        )
        for a in areas
    ]
    coverage_bars = [
        Bar(
            "Whole cycle",
            float(coverage["percent_moderated"] or 0),
            f"{coverage['moderated']} of {coverage['submitted']}",
        )
    ]
    coverage_bars += [
        Bar(a["title"][:60], float(a["percent_moderated"] or 0), f"{a['moderated']} of {a['submitted']}")
        for a in coverage["by_service_area"]
    ]
    floor = float(coverage["floor_percent"])
    return {
        "grades": bar_chart("Grade distribution of submitted audits", grade_bars),
        "completion": bar_chart("Audits submitted by day 14, per cent, by service area", completion, 100),
        "coverage": bar_chart(
            "Audits moderated, per cent, against the floor", coverage_bars, 100, (floor, f"{floor:g}% floor")
        ),
    }


async def cycle_context(site: Web, api: Caller, cycle_id: UUID, after: int | None = None) -> dict[str, Any]:
    # Just scheduled: the read models learn of the cycle a moment after the ledger records it.
    dashboard = await read_after(api, "projections", f"/v1/cycles/{cycle_id}/dashboard", after)
    coverage = await api.get("projections", f"/v1/cycles/{cycle_id}/moderation-coverage")
    cycle = next((c for c in await all_cycles(api) if c["cycle_id"] == str(cycle_id)), None)
    audits = await every(api, "/v1/registers/audits", cycle=str(cycle_id))
    staff = await visible(api, "/v1/registers/staff", status="current") or []
    auditors = sorted((s for s in staff if {"auditor", "external_auditor"} & set(s["roles"])), key=lambda s: s["name"])
    allocated = {a["auditor"]["staff_id"] for a in audits if a["status"] != "withdrawn"}
    return {
        "cycle_id": str(cycle_id),
        "dashboard": dashboard,
        "coverage": coverage,
        "cycle": cycle,
        "calendar": calendar(cycle, site.today()) if cycle else [],
        "charts": charts(dashboard, coverage),
        "audits": audits,
        "proposed": propose(audits, int(coverage["floor_percent"])),
        "auditors": auditors,
        "unallocated": [s for s in auditors if s["staff_id"] not in allocated],
        "names": {s["staff_id"]: s["name"] for s in staff},
    }


@router.get("/{cycle_id}")
async def cycle_page(
    request: Request, cycle_id: UUID, site: WebDep, user: UserDep, api: CallerDep, after: int | None = None
) -> Response:
    require(user, *CYCLE_READERS)
    return render(request, "pages/cycle.html", **await cycle_context(site, api, cycle_id, after))


ALLOCATION_FIELDS = ["auditor_id", "child_ref", "case_team", "case_service_area", "tool"]


async def placement(api: Caller, auditor_id: str | None, case_area: str | None) -> dict[str, Any] | None:
    """The cross-service rule, shown before the allocation is made (the ledger records the flag)."""
    staff = await visible(api, "/v1/registers/staff", status="current") or []
    member = next((s for s in staff if s["staff_id"] == auditor_id), None)
    if member is None or not case_area:
        return None
    exempt = sorted(set(member["auditor_groups"]) & {g.value for g in CROSS_SERVICE_EXEMPT_GROUPS})
    within = member["service_area"] == case_area
    return {"auditor": member, "within": within, "exempt": exempt, "flagged": within and not exempt}


@router.post("/{cycle_id}/allocations")
async def allocate(
    request: Request, cycle_id: UUID, site: WebDep, user: UserDep, api: CallerDep, form: FormDep
) -> Response:
    """Two steps: check (the cross-service rule shown), then confirm (the command is sent)."""
    require(user, *ALLOCATORS)
    body = {
        "auditor_id": text(form, "auditor_id"),
        "child_ref": text(form, "child_ref"),
        "case_team": text(form, "case_team"),
        "case_service_area": text(form, "case_service_area"),
        "tool": text(form, "tool"),
        "cycle_id": str(cycle_id),
    }
    if form.get("confirm") != "yes":
        check = await placement(api, body["auditor_id"], body["case_service_area"])
        if check is not None and all(body[f] for f in ("child_ref", "case_team")):
            return render(
                request,
                "pages/allocation_check.html",
                body=body,
                check=check,
                cycle_id=str(cycle_id),
                values=values_of(form),
            )
    try:
        answer = await api.post("/v1/audits", compact(body), idempotency_key=text(form, "form_key"))
    except ApiProblem as problem:
        if problem.status not in (403, 404, 409, 422):
            raise
        context = await cycle_context(site, api, cycle_id)
        return render(
            request,
            "pages/cycle.html",
            422 if problem.status in (404, 422) else problem.status,
            errors=form_errors(problem, ALLOCATION_FIELDS),
            values=values_of(form),
            **context,
        )
    position = answer.headers.get("Ledger-Position")
    return redirect(
        f"/audits/{answer.body['id']}" + (f"?after={position}" if position else ""),
        user,
        f"Audit of {body['child_ref']} allocated",
    )
