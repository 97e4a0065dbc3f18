"""Per-cycle read models: moderation coverage against the floor, and the cycle dashboard."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

from services.projections.queries.common import (
    ALL_AREAS,
    AreaFilter,
    NotFoundError,
    area_title,
    grade_distribution,
    percent,
    ratio,
)

if TYPE_CHECKING:
    from services.projections.store import Row, Tx


def cycle_row(tx: Tx, cycle_id: str) -> Row:
    cycle = tx.one("SELECT * FROM proj_cycles WHERE cycle_id = ?", (cycle_id,))
    if cycle is None:
        raise NotFoundError(f"no audit cycle with id {cycle_id}")
    return cycle


def cycle_audits(tx: Tx, cycle_id: str, scope: AreaFilter) -> list[Row]:
    where, params = scope.sql("case_service_area")
    return tx.all(
        f"SELECT * FROM proj_audits WHERE cycle_id = ? AND withdrawn = 0{where} ORDER BY allocated_on, audit_id",
        (cycle_id, *params),
    )


def coverage_figures(audits: list[Row], floor_percent: int) -> dict[str, Any]:
    submitted = [a for a in audits if a["submitted"]]
    moderated = [a for a in submitted if a["moderated"]]
    agreeing = [a for a in moderated if a["agrees_with_auditor"]]
    return {
        "submitted": len(submitted),
        "moderated": len(moderated),
        "percent_moderated": percent(len(moderated), len(submitted)),
        # Integer arithmetic: 3 of 20 is exactly 15% and meets a 15% floor.
        "meets_floor": len(moderated) * 100 >= floor_percent * len(submitted),
        "moderations_agreeing": len(agreeing),
        "moderator_agreement_rate": ratio(len(agreeing), len(moderated)),
    }


def moderation_coverage(tx: Tx, cycle_id: str, scope: AreaFilter = ALL_AREAS) -> dict[str, Any]:
    cycle = cycle_row(tx, cycle_id)
    floor = int(cycle["moderation_floor_percent"])
    audits = cycle_audits(tx, cycle_id, scope)
    by_area: dict[str, list[Row]] = defaultdict(list)
    for audit in audits:
        by_area[audit["case_service_area"]].append(audit)
    inadequate = [a for a in audits if a["submitted"] and a["overall_grade"] == "inadequate"]
    return {
        "cycle_id": cycle_id,
        "cycle_name": cycle["name"],
        "moderation_week_starts": cycle["moderation_week_starts"],
        "floor_percent": floor,
        "service_areas": None if scope.areas is None else sorted(scope.areas),
        **coverage_figures(audits, floor),
        "by_service_area": [
            {"service_area": area, "title": area_title(area), **coverage_figures(rows, floor)}
            for area, rows in sorted(by_area.items())
        ],
        "inadequate_audits": [
            {
                "audit_id": a["audit_id"],
                "child_ref": a["child_ref"],
                "case_team": a["case_team"],
                "case_service_area": a["case_service_area"],
                "auditor_id": a["auditor_id"],
                "moderated": bool(a["moderated"]),
                # Due for every inadequate audit; done once the notifier's receipt is in the ledger.
                "escalation_due": True,
                "escalated": bool(a["escalated"]),
            }
            for a in inadequate
        ],
    }


def heads_of_service(tx: Tx) -> dict[str, list[Row]]:
    """Service area → the Heads of Service currently in post there."""
    heads: dict[str, list[Row]] = defaultdict(list)
    for row in tx.all(
        "SELECT staff_id, display_name, roles, service_area FROM proj_staff WHERE left_on IS NULL ORDER BY staff_id"
    ):
        if '"head_of_service"' in row["roles"]:
            heads[row["service_area"]].append(row)
    return heads


def completion(rows: list[Row]) -> dict[str, Any]:
    by_due = sum(1 for a in rows if a["submitted"] and a["on_time"])
    return {
        "allocated": len(rows),
        "submitted": sum(1 for a in rows if a["submitted"]),
        "submitted_by_day_14": by_due,
        "percent_by_day_14": percent(by_due, len(rows)),
    }


def dashboard(tx: Tx, cycle_id: str, as_of: date, scope: AreaFilter = ALL_AREAS) -> dict[str, Any]:
    cycle = cycle_row(tx, cycle_id)
    audits = cycle_audits(tx, cycle_id, scope)
    by_area: dict[str, list[Row]] = defaultdict(list)
    for audit in audits:
        by_area[audit["case_service_area"]].append(audit)
    heads = heads_of_service(tx)
    per_head: dict[str, dict[str, Any]] = {}
    for area, rows in sorted(by_area.items()):
        for head in heads.get(area, []):
            entry = per_head.setdefault(
                head["staff_id"],
                {
                    "head_of_service_id": head["staff_id"],
                    "display_name": head["display_name"],
                    "service_areas": [],
                    "rows": [],
                },
            )
            entry["service_areas"].append(area)
            entry["rows"].extend(rows)
    submitted = [a for a in audits if a["submitted"]]
    inadequate = [a for a in submitted if a["overall_grade"] == "inadequate"]
    overdue = [a for a in audits if not a["submitted"] and a["due_on"] < as_of.isoformat()]
    cross_service = [a for a in audits if not a["within_own_service_area"]]
    return {
        "cycle_id": cycle_id,
        "cycle_name": cycle["name"],
        "as_of": as_of.isoformat(),
        "audits_due_on": cycle["audits_due_on"],
        "service_areas": None if scope.areas is None else sorted(scope.areas),
        "completion_by_day_14": {
            **completion(audits),
            "by_service_area": [
                {"service_area": area, "title": area_title(area), **completion(rows)}
                for area, rows in sorted(by_area.items())
            ],
            "by_head_of_service": [
                {k: v for k, v in entry.items() if k != "rows"} | completion(entry["rows"])
                for _, entry in sorted(per_head.items())
            ],
        },
        "overdue_audits": [
            {
                "audit_id": a["audit_id"],
                "child_ref": a["child_ref"],
                "auditor_id": a["auditor_id"],
                "case_service_area": a["case_service_area"],
                "due_on": a["due_on"],
                "days_overdue": (as_of - date.fromisoformat(a["due_on"])).days,
            }
            for a in overdue
        ],
        "grade_distribution": grade_distribution(a["overall_grade"] for a in submitted),
        "reflective_discussions": {
            "submitted": len(submitted),
            "logged": sum(1 for a in submitted if a["rcd_logged"]),
        },
        "inadequate_audits": {
            "count": len(inadequate),
            "reflective_discussion_logged": sum(1 for a in inadequate if a["rcd_logged"]),
            "service_manager_present": sum(1 for a in inadequate if a["service_manager_present"]),
        },
        "cross_service_auditing": {
            "allocations": len(audits),
            "cross_service": len(cross_service),
            "ratio": ratio(len(cross_service), len(audits)),
        },
        "flagged_own_area_allocations": [
            {
                "audit_id": a["audit_id"],
                "auditor_id": a["auditor_id"],
                "case_service_area": a["case_service_area"],
            }
            for a in audits
            if a["flagged_own_service_area"]
        ],
    }
