"""Reports as pages with a print stylesheet (A4, page numbers), downloadable as Markdown and CSV:
the Head of Service report, and the QA Manager's 6-monthly report. The text is the projections'
own draft, so a page, a download and an API answer never disagree."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markdown_it import MarkdownIt
from markupsafe import Markup

from services.web.pages import CallerDep, UserDep, WebDep, render
from services.web.routes.cycles import all_cycles

router = APIRouter(prefix="/reports")
MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


def as_html(markdown: str) -> Markup:
    """Raw HTML in a draft is shown as text (`html: False`), never run."""
    return Markup(MARKDOWN.render(markdown))


def as_csv(report: dict[str, Any]) -> str:
    """The report's figures, one row per value: section, item, value."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", "item", "value"])
    for key, value in report.items():
        if key != "markdown":
            flatten(writer, key, "", value)
    return out.getvalue()


def flatten(writer: Any, section: str, item: str, value: Any) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            flatten(writer, section, f"{item}.{k}" if item else str(k), v)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            flatten(writer, section, f"{item}[{i}]" if item else f"[{i}]", v)
    else:
        writer.writerow([section, item, "" if value is None else value])


def download(body: str, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("")
async def reports(request: Request, user: UserDep, api: CallerDep) -> Response:
    return render(request, "pages/reports.html", cycles=await all_cycles(api))


@router.get("/head-of-service")
async def head_of_service(
    request: Request, user: UserDep, api: CallerDep, cycle: str, service_area: str, format: str = "html"
) -> Response:
    report = await api.get("projections", "/v1/reports/head-of-service", cycle=cycle, service_area=service_area)
    name = f"head-of-service-report-{service_area}-{cycle[:8]}"
    if format == "markdown":
        return download(report["markdown"], "text/markdown; charset=utf-8", f"{name}.md")
    if format == "csv":
        return download(as_csv(report), "text/csv; charset=utf-8", f"{name}.csv")
    query = f"cycle={cycle}&service_area={service_area}"
    return render(
        request,
        "pages/report.html",
        title="Head of Service report",
        body=as_html(report["markdown"]),
        downloads=f"/reports/head-of-service?{query}",
    )


@router.get("/cycle")
async def cycle_report(request: Request, user: UserDep, api: CallerDep, cycle: str, format: str = "html") -> Response:
    """The QA Manager's report on a cycle for the ADQA meeting: headlines and moderation learning."""
    report = await api.get("projections", "/v1/reports/cycle", cycle=cycle)
    name = f"qa-manager-cycle-report-{cycle[:8]}"
    if format == "markdown":
        return download(report["markdown"], "text/markdown; charset=utf-8", f"{name}.md")
    if format == "csv":
        return download(as_csv(report), "text/csv; charset=utf-8", f"{name}.csv")
    return render(
        request,
        "pages/report.html",
        title="QA Manager's cycle report",
        body=as_html(report["markdown"]),
        downloads=f"/reports/cycle?cycle={cycle}",
    )


@router.get("/six-monthly")
async def six_monthly(
    request: Request, site: WebDep, user: UserDep, api: CallerDep, to: date | None = None, format: str = "html"
) -> Response:
    end = to or site.today()
    report = await api.get("projections", "/v1/reports/six-monthly", to=end.isoformat())
    name = f"six-monthly-qa-report-{end.isoformat()}"
    if format == "markdown":
        return download(report["markdown"], "text/markdown; charset=utf-8", f"{name}.md")
    if format == "csv":
        return download(as_csv(report), "text/csv; charset=utf-8", f"{name}.csv")
    return render(
        request,
        "pages/report.html",
        title="Six-monthly QA report",
        body=as_html(report["markdown"]),
        downloads=f"/reports/six-monthly?to={end.isoformat()}",
    )
