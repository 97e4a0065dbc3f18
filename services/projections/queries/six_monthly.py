"""The 6-monthly QA report (guidance §4: "a fuller report drawing out the learning from the last 6 months
of audit activity"): the QA Manager's cycle report over the window, with trends per cycle and month and
the headline learning of every meeting in it.
"""

from __future__ import annotations

from calendar import monthrange
from collections import defaultdict
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from services.projections.queries.audits import audits_where
from services.projections.queries.common import PointInTime, area_title, domain_profile, grade_distribution, percent
from services.projections.queries.directory import directory
from services.projections.queries.learning import (
    action_lines,
    action_summary,
    actions_from,
    early_help_learning,
    moderation_learning,
    outside_cycle_audits,
    specialist_learning,
    strengths_and_challenges,
    wider_evidence,
)
from services.projections.queries.reports import meeting_label, meetings_known

if TYPE_CHECKING:
    from services.projections.store import Row, Tx


def six_months_before(day: date) -> date:
    """The first day of the 6 months that end on `day` (inclusive): the day after `day`, six calendar
    months earlier. When that month is too short for the day, the window starts on the 1st of the next
    month, so it is never a day longer than six months (30 September → from 1 April)."""
    after = day + timedelta(days=1)
    year, month = (after.year, after.month - 6) if after.month > 6 else (after.year - 1, after.month + 6)
    if after.day > monthrange(year, month)[1]:
        return date(year, month, monthrange(year, month)[1]) + timedelta(days=1)
    return date(year, month, after.day)


def cycle_trends(tx: Tx, when: PointInTime, start: str, end: str) -> list[dict[str, Any]]:
    sql, params = "SELECT * FROM proj_cycles WHERE week1_monday BETWEEN ? AND ?", [start, end]
    if when.known_at is not None:
        sql += " AND recorded_at <= ?"
        params.append(when.known_at)
    trends = []
    for cycle in tx.all(sql + " ORDER BY week1_monday, cycle_id", params):
        audits = audits_where(tx, when, "a.cycle_id = ? AND a.withdrawn = 0", [cycle["cycle_id"]])
        submitted = [a for a in audits if a["submitted"]]
        on_time = sum(1 for a in submitted if a["on_time"])
        moderated = sum(1 for a in submitted if a["moderated"])
        trends.append(
            {
                "cycle_id": cycle["cycle_id"],
                "cycle_name": cycle["name"],
                "week1_monday": cycle["week1_monday"],
                "allocated": len(audits),
                "submitted": len(submitted),
                "percent_by_day_14": percent(on_time, len(audits)),
                "percent_moderated": percent(moderated, len(submitted)),
                "grades": grade_distribution(a["effective_grade"] for a in submitted),
            }
        )
    return trends


def six_monthly_report(tx: Tx, to: date, when: PointInTime | None = None) -> dict[str, Any]:
    when = when or PointInTime(to)
    start = six_months_before(to)
    window = [start.isoformat(), to.isoformat()]
    people = directory(tx, when)
    submitted = audits_where(tx, when, "a.submitted = 1 AND a.withdrawn = 0 AND a.submitted_on BETWEEN ? AND ?", window)
    due = audits_where(tx, when, "a.withdrawn = 0 AND a.due_on BETWEEN ? AND ?", window)
    moderated = audits_where(tx, when, "a.moderated = 1 AND a.withdrawn = 0 AND a.moderated_on BETWEEN ? AND ?", window)
    meetings = meetings_known(tx, when, "held_on BETWEEN ? AND ?", window)
    actions = action_lines(
        actions_from(tx, when, "a.agreed_on BETWEEN ? AND ?", window),
        people,
        to,
        {m["meeting_id"]: meeting_label(m) for m in meetings},
    )
    by_month: dict[str, list[Row]] = defaultdict(list)
    by_area: dict[str, list[Row]] = defaultdict(list)
    for audit in submitted:
        by_month[audit["submitted_on"][:7]].append(audit)
        by_area[audit["case_service_area"]].append(audit)
    on_time = sum(1 for a in due if a["submitted"] and a["on_time"])
    return {
        "kind": "six_monthly_qa_report",
        "from": window[0],
        "to": window[1],
        "known_at": when.known_at,
        "audits": {
            "submitted": len(submitted),
            "due_in_window": len(due),
            "submitted_by_due_date": on_time,
            "percent_by_due_date": percent(on_time, len(due)),
            "by_service_area": [
                {
                    "service_area": area,
                    "title": area_title(area),
                    "submitted": len(rows),
                    "grades": grade_distribution(a["effective_grade"] for a in rows),
                    "domains": domain_profile(rows, top=2),
                }
                for area, rows in sorted(by_area.items())
            ],
        },
        "grade_distribution": grade_distribution(a["effective_grade"] for a in submitted),
        "trend_by_cycle": cycle_trends(tx, when, *window),
        "grade_trend": [
            {"month": month, "submitted": len(rows), "grades": grade_distribution(a["effective_grade"] for a in rows)}
            for month, rows in sorted(by_month.items())
        ],
        "domains": domain_profile(submitted),
        "strengths_and_challenges": strengths_and_challenges(submitted, people),
        "headline_learning": [
            {
                "meeting": meeting_label(m),
                "service_area": m["service_area"],
                "service_area_title": area_title(m["service_area"]),
                "learning": m["headline_learning"],
            }
            for m in meetings
            if m["headline_learning"]
        ],
        "moderation": {
            "percent_of_submitted": percent(len(moderated), len(submitted)),
            **moderation_learning(moderated, meetings, people),
        },
        "actions": {**action_summary(actions), "outcomes": [a for a in actions if a["status"] == "completed"]},
        "specialist_audits": specialist_programme(tx, window, submitted),
        "specialist_and_thematic_learning": specialist_learning(tx, when, window[0], window[1], people, meetings),
        "outside_the_cycle": outside_cycle_audits(tx, when, window[0], window[1], people),
        "wider_evidence": wider_evidence(tx, when, window[0], window[1], people),
        "early_help_learning": early_help_learning(tx, when, window[0], window[1], people),
    }


def specialist_programme(tx: Tx, window: list[str], submitted: list[Row]) -> list[dict[str, Any]]:
    items = tx.all(
        "SELECT item_id, topic, month, minimum_audits FROM proj_programme_items WHERE month BETWEEN ? AND ?"
        " ORDER BY month, position",
        (window[0][:7], window[1][:7]),
    )
    programme = []
    for item in items:
        total = int(
            tx.scalar(
                "SELECT COUNT(*) AS n FROM proj_audits"
                " WHERE specialist_audit_id = ? AND submitted = 1 AND withdrawn = 0",
                (item["item_id"],),
            )
            or 0
        )
        programme.append(
            {
                "specialist_audit_id": item["item_id"],
                "topic": item["topic"],
                "month": item["month"],
                "minimum_audits": int(item["minimum_audits"]),
                "submitted": total,
                "submitted_in_window": sum(1 for a in submitted if a["specialist_audit_id"] == item["item_id"]),
                "meets_minimum": total >= int(item["minimum_audits"]),
            }
        )
    return programme
