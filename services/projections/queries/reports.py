"""Figures for the Head of Service report draft (per cycle and service area) and the 6-monthly QA report."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

from services.projections.queries.common import area_title, domain_profile, grade_distribution, percent, ratio
from services.projections.queries.cycles import coverage_figures, cycle_row, heads_of_service

if TYPE_CHECKING:
    from services.projections.store import Row, Tx

TREND_CYCLES = 4  # this cycle and the three before it


def action_summary(actions: list[Row], as_of: date) -> dict[str, Any]:
    completed = [a for a in actions if a["status"] == "completed"]
    open_ = [a for a in actions if a["status"] == "open"]
    overdue = [a for a in open_ if a["due_on"] < as_of.isoformat()]
    on_time = [a for a in completed if a["completed_on"] <= a["due_on"]]
    by_source: dict[str, int] = defaultdict(int)
    for action in actions:
        by_source[action["source_kind"]] += 1
    return {
        "agreed": len(actions),
        "completed": len(completed),
        "completed_by_due_date": len(on_time),
        "cancelled": sum(1 for a in actions if a["status"] == "cancelled"),
        "open": len(open_),
        "overdue": len(overdue),
        "completion_rate": ratio(len(completed), len(actions) - sum(1 for a in actions if a["status"] == "cancelled")),
        "by_source": dict(sorted(by_source.items())),
        "outcomes": [
            {"action_id": a["action_id"], "description": a["description"], "outcome": a["outcome"]} for a in completed
        ],
    }


def moderation_learning(audits: list[Row], meetings: list[Row]) -> dict[str, Any]:
    moderated = [a for a in audits if a["moderated"]]
    return {
        "moderated": len(moderated),
        "agreement_rate": ratio(sum(1 for a in moderated if a["agrees_with_auditor"]), len(moderated)),
        "regraded": [
            {
                "audit_id": a["audit_id"],
                "auditor_grade": a["moderation_auditor_grade"],
                "moderated_grade": a["moderated_grade"],
                "feedback": a["moderation_feedback"],
            }
            for a in moderated
            if not a["agrees_with_auditor"]
        ],
        "feedback": [a["moderation_feedback"] for a in moderated],
        "from_meetings": [m["moderation_learning"] for m in meetings if m["moderation_learning"]],
    }


def specialist_learning(meetings: list[Row], area: str | None) -> list[dict[str, Any]]:
    learning = []
    for meeting in meetings:
        for report in json.loads(meeting["reports"]):
            if report.get("specialist_audit_learning") and (area is None or report.get("service_area") == area):
                learning.append(
                    {
                        "held_on": meeting["held_on"],
                        "presenter_id": report["presenter_id"],
                        "service_area": report.get("service_area"),
                        "learning": report["specialist_audit_learning"],
                    }
                )
    return learning


def head_of_service_report(tx: Tx, cycle_id: str, area: str, as_of: date) -> dict[str, Any]:
    cycle = cycle_row(tx, cycle_id)
    audits = tx.all(
        "SELECT * FROM proj_audits WHERE cycle_id = ? AND case_service_area = ? AND withdrawn = 0 ORDER BY audit_id",
        (cycle_id, area),
    )
    submitted = [a for a in audits if a["submitted"]]
    earlier = tx.all(
        "SELECT cycle_id, name FROM proj_cycles WHERE week1_monday <= ? ORDER BY week1_monday DESC",
        (cycle["week1_monday"],),
    )[:TREND_CYCLES]
    trend = []
    for past in reversed(earlier):
        grades = tx.all(
            "SELECT overall_grade FROM proj_audits WHERE cycle_id = ? AND case_service_area = ?"
            " AND withdrawn = 0 AND submitted = 1",
            (past["cycle_id"], area),
        )
        trend.append(
            {
                "cycle_id": past["cycle_id"],
                "cycle_name": past["name"],
                "submitted": len(grades),
                "grades": grade_distribution(g["overall_grade"] for g in grades),
            }
        )
    meetings = tx.all("SELECT * FROM proj_meetings WHERE cycle_id = ? ORDER BY held_on, meeting_id", (cycle_id,))
    audit_ids = [a["audit_id"] for a in audits]
    area_meetings = [m["meeting_id"] for m in meetings if m["service_area"] == area]
    sources = audit_ids + area_meetings
    marks = ", ".join("?" for _ in sources) or "NULL"
    actions = (
        tx.all(
            f"SELECT * FROM proj_actions WHERE audit_id IN ({marks}) OR source_id IN ({marks})"
            " ORDER BY agreed_on, action_id",
            (*sources, *sources),
        )
        if sources
        else []
    )
    on_time = sum(1 for a in submitted if a["on_time"])
    return {
        "kind": "head_of_service_report",
        "cycle_id": cycle_id,
        "cycle_name": cycle["name"],
        "service_area": area,
        "service_area_title": area_title(area),
        "heads_of_service": [h["staff_id"] for h in heads_of_service(tx).get(area, [])],
        "as_of": as_of.isoformat(),
        "audits": {
            "allocated": len(audits),
            "submitted": len(submitted),
            "submitted_by_day_14": on_time,
            "percent_by_day_14": percent(on_time, len(audits)),
            "overdue": sum(1 for a in audits if not a["submitted"] and a["due_on"] < as_of.isoformat()),
            "reflective_discussions_logged": sum(1 for a in submitted if a["rcd_logged"]),
        },
        "grade_distribution": grade_distribution(a["overall_grade"] for a in submitted),
        "grade_trend": trend,
        "domains": domain_profile([a["domain_grades"] for a in submitted]),
        "moderation": {
            **coverage_figures(audits, int(cycle["moderation_floor_percent"])),
            **moderation_learning(submitted, meetings),
        },
        "actions": action_summary(actions, as_of),
        "specialist_audit_learning": specialist_learning(meetings, area),
        "headline_learning": [
            m["headline_learning"] for m in meetings if m["headline_learning"] and m["service_area"] in (area, None)
        ],
    }
