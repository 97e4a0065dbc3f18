"""Report drafts that carry the learning: the Head of Service report, the QA Manager's cycle report and
the six-monthly QA report, each as JSON (with the Markdown draft in `markdown`) or as Markdown alone."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from schemas.vocabulary import ServiceArea
from services.projections.api.deps import PointInTimeDep, ProjectionsDep, ScopeDep
from services.projections.queries.common import PointInTime
from services.projections.queries.cycle_report import cycle_report
from services.projections.queries.report_markdown import (
    cycle_report_markdown,
    head_of_service_markdown,
    six_monthly_markdown,
)
from services.projections.queries.reports import head_of_service_report
from services.projections.queries.six_monthly import six_monthly_report

router = APIRouter(prefix="/reports", tags=["read models: reports"])
Format = Annotated[
    Literal["json", "markdown"],
    Query(
        description="`markdown` returns the draft as text/markdown, ready to paste; "
        "JSON carries the figures, the learning and the draft in `markdown`."
    ),
]
CycleQuery = Annotated[UUID, Query(description="The audit cycle")]
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, "text/markdown": {}}},
    404: {"description": "Unknown cycle"},
}


def _answer(report: dict[str, Any], markdown: str, fmt: str) -> Response:
    if fmt == "markdown":
        return Response(markdown, media_type="text/markdown; charset=utf-8")
    return JSONResponse({**report, "markdown": markdown})


@router.get(
    "/head-of-service",
    summary="Head of Service report draft for a cycle and service area",
    description="What the Head of Service presents at the ADQA meeting: strengths and challenges in the auditors' "
    "own words grouped by domain (with the case reference and auditor beside each), headline learning from the "
    "weeks 4-5 meeting, what is being done, specialist and thematic audit learning from the last cycle, Early Help "
    "and victim audits outside the cycle, the impact of actions set at previous meetings, moderation learning, and "
    "the figures: completion by the area's auditors, effective grades of the area's cases and their trend.",
    responses=RESPONSES,
    response_class=JSONResponse,
)
def get_head_of_service_report(
    projections: ProjectionsDep,
    scope: ScopeDep,
    when: PointInTimeDep,
    cycle: CycleQuery,
    service_area: Annotated[ServiceArea, Query(description="The Head of Service's service area")],
    format: Format = "json",
) -> Response:
    scope.audience(service_area.value, "the Head of Service report")
    with projections.db.snapshot() as tx:
        report = head_of_service_report(tx, str(cycle), service_area.value, when)
    return _answer(report, head_of_service_markdown(report), format)


@router.get(
    "/cycle",
    summary="QA Manager's cycle report for the ADQA meeting",
    description="Headlines across the service areas, moderation learning (agreement, the grades moderators "
    "changed with their feedback), coverage, completion per Head of Service, inadequate audits and whether they "
    "reached the AD and HoS, flagged allocations, missing meetings and audits outside the cycle.",
    responses=RESPONSES,
    response_class=JSONResponse,
)
def get_cycle_report(
    projections: ProjectionsDep, scope: ScopeDep, when: PointInTimeDep, cycle: CycleQuery, format: Format = "json"
) -> Response:
    scope.require_everything("the QA Manager's cycle report")
    with projections.db.snapshot() as tx:
        report = cycle_report(tx, str(cycle), when)
    return _answer(report, cycle_report_markdown(report), format)


@router.get(
    "/six-monthly",
    summary="The 6-monthly QA report",
    description="The QA Manager's report over the 6 months ending on `to` (from the same day six months earlier, "
    "the day after): the learning from every meeting in it, audits and effective grades with trends per cycle and "
    "month, strengths and challenges per audit tool, moderation, actions and their impact, specialist and thematic "
    "audits, and audits outside the cycle.",
    responses=RESPONSES,
    response_class=JSONResponse,
)
def get_six_monthly_report(
    projections: ProjectionsDep,
    scope: ScopeDep,
    to: Annotated[
        date | None, Query(description="Last day of the window (default: today)", examples=["2026-12-31"])
    ] = None,
    as_of: Annotated[
        date | None, Query(description="What the system knew at the end of this day (default: everything so far)")
    ] = None,
    format: Format = "json",
) -> Response:
    scope.require_everything("the 6-monthly QA report")
    end = to or projections.today()
    when = PointInTime.end_of(as_of) if as_of else PointInTime(end)
    with projections.db.snapshot() as tx:
        report = six_monthly_report(tx, end, when)
    return _answer(report, six_monthly_markdown(report), format)
