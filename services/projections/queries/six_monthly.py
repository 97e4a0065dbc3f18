"""Figures for the 6-monthly QA report: the last 6 months of audit activity, department-wide."""

from __future__ import annotations

from calendar import monthrange
from collections import defaultdict
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from services.projections.queries.common import area_title, domain_profile, grade_distribution, percent
from services.projections.queries.reports import action_summary, moderation_learning, specialist_learning

if TYPE_CHECKING:
    from services.projections.store import Row, Tx


def six_months_before(day: date) -> date:
    """The first day of the 6-month window that ends on `day` (inclusive)."""
    year, month = (day.year, day.month - 6) if day.month > 6 else (day.year - 1, day.month + 6)
    return date(year, month, min(day.day, monthrange(year, month)[1])) + timedelta(days=1)


def six_monthly_report(tx: Tx, to: date) -> dict[str, Any]:
    start = six_months_before(to)
    window = (start.isoformat(), to.isoformat())
    submitted = tx.all(
        "SELECT * FROM proj_audits WHERE submitted = 1 AND withdrawn = 0 AND submitted_on BETWEEN ? AND ?"
        " ORDER BY submitted_on, audit_id",
        window,
    )
    allocated = tx.all(
        "SELECT audit_id, due_on, submitted, on_time FROM proj_audits WHERE withdrawn = 0 AND due_on BETWEEN ? AND ?",
        window,
    )
    moderated = tx.all(
        "SELECT * FROM proj_audits WHERE moderated = 1 AND withdrawn = 0"
        " AND moderated_on BETWEEN ? AND ? ORDER BY moderated_on, audit_id",
        window,
    )
    meetings = tx.all("SELECT * FROM proj_meetings WHERE held_on BETWEEN ? AND ? ORDER BY held_on, meeting_id", window)
    actions = tx.all("SELECT * FROM proj_actions WHERE agreed_on BETWEEN ? AND ? ORDER BY agreed_on, action_id", window)
    items = tx.all(
        "SELECT item_id, topic, month, minimum_audits FROM proj_programme_items WHERE month BETWEEN ? AND ?"
        " ORDER BY month, position",
        (start.isoformat()[:7], to.isoformat()[:7]),
    )
    by_month: dict[str, list[Row]] = defaultdict(list)
    by_area: dict[str, list[Row]] = defaultdict(list)
    for audit in submitted:
        by_month[audit["submitted_on"][:7]].append(audit)
        by_area[audit["case_service_area"]].append(audit)
    specialist = []
    for item in items:
        done = [a for a in submitted if a["specialist_audit_id"] == item["item_id"]]
        total = int(
            tx.scalar(
                "SELECT COUNT(*) AS n FROM proj_audits WHERE specialist_audit_id = ? AND submitted = 1"
                " AND withdrawn = 0",
                (item["item_id"],),
            )
            or 0
        )
        specialist.append(
            {
                "specialist_audit_id": item["item_id"],
                "topic": item["topic"],
                "month": item["month"],
                "minimum_audits": int(item["minimum_audits"]),
                "submitted": total,
                "submitted_in_window": len(done),
                "meets_minimum": total >= int(item["minimum_audits"]),
            }
        )
    return {
        "kind": "six_monthly_qa_report",
        "from": window[0],
        "to": window[1],
        "audits": {
            "submitted": len(submitted),
            "due_in_window": len(allocated),
            "submitted_by_due_date": sum(1 for a in allocated if a["submitted"] and a["on_time"]),
            "percent_by_due_date": percent(
                sum(1 for a in allocated if a["submitted"] and a["on_time"]), len(allocated)
            ),
            "by_service_area": [
                {
                    "service_area": area,
                    "title": area_title(area),
                    "submitted": len(rows),
                    "grades": grade_distribution(a["overall_grade"] for a in rows),
                }
                for area, rows in sorted(by_area.items())
            ],
        },
        "grade_distribution": grade_distribution(a["overall_grade"] for a in submitted),
        "grade_trend": [
            {
                "month": month,
                "submitted": len(rows),
                "grades": grade_distribution(a["overall_grade"] for a in rows),
            }
            for month, rows in sorted(by_month.items())
        ],
        "domains": domain_profile([a["domain_grades"] for a in submitted]),
        "moderation": {
            "percent_of_submitted": percent(len(moderated), len(submitted)),
            **moderation_learning(moderated, meetings),
        },
        "actions": action_summary(actions, to),
        "specialist_audits": specialist,
        "specialist_audit_learning": specialist_learning(meetings, None),
    }
