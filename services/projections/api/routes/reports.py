"""Report drafts: the Head of Service report per cycle and service area, and the 6-monthly QA report."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from schemas.vocabulary import ServiceArea
from services.projections.api.deps import AsOfDep, ProjectionsDep, ScopeDep
from services.projections.queries.markdown import head_of_service_markdown, six_monthly_markdown
from services.projections.queries.reports import head_of_service_report
from services.projections.queries.six_monthly import six_monthly_report

router = APIRouter(prefix="/reports", tags=["read models: reports"])
Format = Annotated[
    Literal["json", "markdown"],
    Query(
        description="`markdown` returns the draft as text/markdown; "
        "JSON carries the figures and the draft in `markdown`."
    ),
]
RESPONSES: dict[int | str, dict[str, Any]] = {200: {"content": {"application/json": {}, "text/markdown": {}}}}


def _answer(report: dict[str, Any], markdown: str, fmt: str) -> Response:
    if fmt == "markdown":
        return Response(markdown, media_type="text/markdown; charset=utf-8")
    return JSONResponse({**report, "markdown": markdown})


@router.get(
    "/head-of-service",
    summary="Head of Service report draft for a cycle and service area",
    description="Audits, grade distribution and trend over recent cycles, domain strengths and challenges, "
    "moderation learning, actions and their completion, and specialist audit learning.",
    responses=RESPONSES,
    response_class=JSONResponse,
)
def get_head_of_service_report(
    projections: ProjectionsDep,
    scope: ScopeDep,
    as_of: AsOfDep,
    cycle: Annotated[UUID, Query(description="The audit cycle")],
    service_area: Annotated[ServiceArea, Query(description="The Head of Service's service area")],
    format: Format = "json",
) -> Response:
    scope.area_filter(service_area.value, "the Head of Service report")
    with projections.db.snapshot() as tx:
        report = head_of_service_report(tx, str(cycle), service_area.value, as_of)
    return _answer(report, head_of_service_markdown(report), format)


@router.get(
    "/six-monthly",
    summary="The 6-monthly QA report",
    description="The QA Manager's report over the 6 months ending on `to`: audits, grades and their trend by month, "
    "domain strengths and challenges, moderation learning, actions and their completion, specialist audits.",
    responses=RESPONSES,
    response_class=JSONResponse,
)
def get_six_monthly_report(
    projections: ProjectionsDep,
    scope: ScopeDep,
    to: Annotated[
        date | None, Query(description="Last day of the window (default: today)", examples=["2026-12-31"])
    ] = None,
    format: Format = "json",
) -> Response:
    scope.require_everything("the 6-monthly QA report")
    with projections.db.snapshot() as tx:
        report = six_monthly_report(tx, to or projections.today())
    return _answer(report, six_monthly_markdown(report), format)
