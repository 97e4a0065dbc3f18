"""Per-cycle read models: moderation coverage against the floor, and the cycle dashboard.

Both count the effective grade. The dashboard keeps the guidance's two attributions apart and names
them: completion (overdue, not submitted) belongs to the auditor's service area and its Head of Service;
findings belong to the child's case's service area.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

from services.projections.queries.audits import cycle_audits, cycle_row, grades, is_overdue, rcd_overdue
from services.projections.queries.common import (
    EVERYONE,
    Audience,
    PointInTime,
    area_title,
    grade_distribution,
    percent,
    ratio,
)
from services.projections.queries.directory import Directory, directory
from services.projections.queries.meetings import meetings_evidence
from services.projections.queries.receipts import SENT_TO_AD_AND_HOS_RULES, receipts, recipients

if TYPE_CHECKING:
    from services.projections.store import Row, Tx

COMPLETION_ATTRIBUTION = (
    "the auditor's service area and its Head of Service (guidance §4: Heads of Service ensure their auditors "
    "complete their audits)"
)
FINDINGS_ATTRIBUTION = "the service area of the child's case"


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
        "moderator_agreement_percent": percent(len(agreeing), len(moderated)),
    }


def inadequate_audits(tx: Tx, audits: list[Row], when: PointInTime, people: Directory) -> list[dict[str, Any]]:
    """Every submitted audit whose effective grade is inadequate, and whether the notifier's receipts show
    it was sent to the Assistant Director and the Head of Service."""
    inadequate = [a for a in audits if a["submitted"] and a["effective_grade"] == "inadequate"]
    sent = receipts(tx, [a["audit_id"] for a in inadequate], SENT_TO_AD_AND_HOS_RULES, when)
    return [
        {
            "audit_id": a["audit_id"],
            "child_ref": a["child_ref"],
            "case_team": a["case_team"],
            "case_service_area": a["case_service_area"],
            "auditor_id": a["auditor_id"],
            "auditor_name": people.name(a["auditor_id"]),
            **grades(a),
            "moderated": bool(a["moderated"]),
            "sent_to_ad_and_hos": bool(sent.get(a["audit_id"])),
            "sent_to": recipients(sent.get(a["audit_id"], []), people),
        }
        for a in inadequate
    ]


def moderation_coverage(tx: Tx, cycle_id: str, when: PointInTime, audience: Audience = EVERYONE) -> dict[str, Any]:
    """Moderation is about the cases: an area's coverage counts the audits of its cases."""
    cycle = cycle_row(tx, cycle_id, when)
    floor = int(cycle["moderation_floor_percent"])
    people = directory(tx, when)
    audits = [a for a in cycle_audits(tx, cycle_id, when) if audience.findings(a)]
    by_area: dict[str, list[Row]] = defaultdict(list)
    for audit in audits:
        by_area[audit["case_service_area"]].append(audit)
    return {
        "cycle_id": cycle_id,
        "cycle_name": cycle["name"],
        "as_of": when.as_of.isoformat(),
        "known_at": when.known_at,
        "moderation_week_starts": cycle["moderation_week_starts"],
        "floor_percent": floor,
        **audience.describe(),
        **coverage_figures(audits, floor),
        "by_service_area": [
            {"service_area": area, "title": area_title(area), **coverage_figures(rows, floor)}
            for area, rows in sorted(by_area.items())
        ],
        "inadequate_audits": inadequate_audits(tx, audits, when, people),
    }


def completion(rows: list[Row], as_of: date) -> dict[str, Any]:
    by_due = sum(1 for a in rows if a["submitted"] and a["on_time"])
    return {
        "allocated": len(rows),
        "submitted": sum(1 for a in rows if a["submitted"]),
        "submitted_by_day_14": by_due,
        "percent_by_day_14": percent(by_due, len(rows)),
        "overdue": sum(1 for a in rows if is_overdue(a, as_of)),
    }


def completion_by_head_of_service(rows: list[Row], people: Directory, as_of: date) -> list[dict[str, Any]]:
    per_head: dict[str, dict[str, Any]] = {}
    by_area: dict[str, list[Row]] = defaultdict(list)
    for audit in rows:
        by_area[audit["auditor_service_area"]].append(audit)
    for area, audits in sorted(by_area.items()):
        for head in people.heads_of_service(area):
            entry = per_head.setdefault(
                head["staff_id"],
                {"head_of_service_id": head["staff_id"], "display_name": head["name"], "service_areas": [], "rows": []},
            )
            entry["service_areas"].append(area)
            entry["rows"].extend(audits)
    return [
        {k: v for k, v in entry.items() if k != "rows"} | completion(entry["rows"], as_of)
        for _, entry in sorted(per_head.items())
    ]


def dashboard(tx: Tx, cycle_id: str, when: PointInTime, audience: Audience = EVERYONE) -> dict[str, Any]:
    cycle = cycle_row(tx, cycle_id, when)
    people = directory(tx, when)
    as_of = when.as_of
    audits = cycle_audits(tx, cycle_id, when)
    auditors_audits = [a for a in audits if audience.completion(a, people.team_of(a["auditor_id"]))]
    cases_audits = [a for a in audits if audience.findings(a)]
    by_auditor_area: dict[str, list[Row]] = defaultdict(list)
    for audit in auditors_audits:
        by_auditor_area[audit["auditor_service_area"]].append(audit)
    by_case_area: dict[str, list[Row]] = defaultdict(list)
    for audit in cases_audits:
        by_case_area[audit["case_service_area"]].append(audit)
    submitted = [a for a in cases_audits if a["submitted"]]
    inadequate = inadequate_audits(tx, submitted, when, people)
    inadequate_rows = [a for a in submitted if a["effective_grade"] == "inadequate"]
    cross_service = [a for a in auditors_audits if not a["within_own_service_area"]]
    board: dict[str, Any] = {
        "cycle_id": cycle_id,
        "cycle_name": cycle["name"],
        "as_of": as_of.isoformat(),
        "known_at": when.known_at,
        "audits_due_on": cycle["audits_due_on"],
        **audience.describe(),
        "completion_by_day_14": {
            "attributed_to": COMPLETION_ATTRIBUTION,
            **completion(auditors_audits, as_of),
            "by_service_area": [
                {
                    "service_area": area,
                    "title": area_title(area),
                    "heads_of_service": people.heads_of_service(area),
                    **completion(rows, as_of),
                }
                for area, rows in sorted(by_auditor_area.items())
            ],
            "by_head_of_service": completion_by_head_of_service(auditors_audits, people, as_of),
        },
        "overdue_audits": [
            {
                "audit_id": a["audit_id"],
                "child_ref": a["child_ref"],
                "auditor_id": a["auditor_id"],
                "auditor_name": people.name(a["auditor_id"]),
                "auditor_service_area": a["auditor_service_area"],
                "heads_of_service": people.heads_of_service(a["auditor_service_area"]),
                "case_team": a["case_team"],
                "case_service_area": a["case_service_area"],
                "due_on": a["due_on"],
                "days_overdue": (as_of - date.fromisoformat(a["due_on"])).days,
            }
            for a in auditors_audits
            if is_overdue(a, as_of)
        ],
        "findings": {
            "attributed_to": FINDINGS_ATTRIBUTION,
            "submitted": len(submitted),
            "by_service_area": [
                {
                    "service_area": area,
                    "title": area_title(area),
                    "submitted": sum(1 for a in rows if a["submitted"]),
                    "grades": grade_distribution(a["effective_grade"] for a in rows if a["submitted"]),
                }
                for area, rows in sorted(by_case_area.items())
            ],
        },
        "grade_distribution": grade_distribution(a["effective_grade"] for a in submitted),
        "reflective_discussions": {
            "submitted": len(submitted),
            "logged": sum(1 for a in submitted if a["rcd_logged"]),
            "overdue": [
                {
                    "audit_id": a["audit_id"],
                    "child_ref": a["child_ref"],
                    "case_team": a["case_team"],
                    "case_service_area": a["case_service_area"],
                    "effective_grade": a["effective_grade"],
                    # Guidance §4: the Team Manager of the child's team logs it; the Service Manager when inadequate.
                    "to_be_logged_by": "service_manager" if a["effective_grade"] == "inadequate" else "team_manager",
                    "submitted_on": a["submitted_on"],
                    "due_on": a["rcd_due_on"],
                    "days_overdue": (as_of - date.fromisoformat(a["rcd_due_on"])).days,
                }
                for a in submitted
                if rcd_overdue(a, as_of)
            ],
        },
        "inadequate_audits": {
            "count": len(inadequate_rows),
            "reflective_discussion_logged": sum(1 for a in inadequate_rows if a["rcd_logged"]),
            "service_manager_invited": sum(1 for a in inadequate_rows if a["service_manager_invited"]),
            "service_manager_present": sum(1 for a in inadequate_rows if a["service_manager_attended"]),
            "sent_to_ad_and_hos": sum(1 for a in inadequate if a["sent_to_ad_and_hos"]),
            "audits": inadequate,
        },
        "cross_service_auditing": {
            "allocations": len(auditors_audits),
            "cross_service": len(cross_service),
            "ratio": ratio(len(cross_service), len(auditors_audits)),
        },
        "flagged_own_area_allocations": [
            {
                "audit_id": a["audit_id"],
                "child_ref": a["child_ref"],
                "auditor_id": a["auditor_id"],
                "auditor_name": people.name(a["auditor_id"]),
                "allocated_by": people.person(a["allocated_by"]),
                "case_service_area": a["case_service_area"],
            }
            for a in auditors_audits
            if a["flagged_own_service_area"]
        ],
        "meetings": None,
    }
    if audience.areas is None or audience.areas:
        evidence = meetings_evidence(tx, cycle_id, when, audience)
        board["meetings"] = {
            "missing": evidence["missing"],
            "held_outside_expected_week": evidence["held_outside_expected_week"],
        }
    return board
