"""Reading audits: the rows of a cycle as known at a point in time, and how one audit is shown
(named people, the child's reference, both grades and the effective one, the reflective discussion).
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

from services.projections.projectors.audits import AUDITS
from services.projections.queries.common import NotFoundError

if TYPE_CHECKING:
    from services.projections.queries.common import PointInTime
    from services.projections.queries.directory import Directory
    from services.projections.store import Row, Tx


def cycle_row(tx: Tx, cycle_id: str, when: PointInTime | None = None) -> Row:
    cycle = tx.one("SELECT * FROM proj_cycles WHERE cycle_id = ?", (cycle_id,))
    if cycle is None:
        raise NotFoundError(f"no audit cycle with id {cycle_id}")
    if when is not None and when.known_at is not None and cycle["recorded_at"] > when.known_at:
        raise NotFoundError(f"the audit cycle {cycle_id} was not yet scheduled at the end of {when.as_of}")
    return cycle


def audits_where(tx: Tx, when: PointInTime, where: str, params: list[Any] | tuple[Any, ...]) -> list[Row]:
    """Audits as known at `when` (withdrawn ones included: callers decide), oldest allocation first."""
    source, source_params = AUDITS.source(when.known_at)
    return tx.all(
        f"SELECT * FROM {source} a WHERE {where} ORDER BY allocated_on, audit_id",
        (*source_params, *params),
    )


def cycle_audits(tx: Tx, cycle_id: str, when: PointInTime) -> list[Row]:
    return audits_where(tx, when, "a.cycle_id = ? AND a.withdrawn = 0", (cycle_id,))


def is_overdue(audit: Row, as_of: date) -> bool:
    return not audit["submitted"] and not audit["withdrawn"] and audit["due_on"] < as_of.isoformat()


def rcd_overdue(audit: Row, as_of: date) -> bool:
    return bool(
        audit["submitted"]
        and not audit["rcd_logged"]
        and audit["rcd_due_on"]
        and audit["rcd_due_on"] < as_of.isoformat()
    )


def status(audit: Row) -> str:
    if audit["withdrawn"]:
        return "withdrawn"
    if audit["moderated"]:
        return "moderated"
    return "submitted" if audit["submitted"] else "allocated"


def grades(audit: Row) -> dict[str, Any]:
    """Both grades and the one that counts (SPEC §7): the moderator's when moderated, else the auditor's latest."""
    return {
        "auditor_grade": audit["auditor_grade"],
        "moderated_grade": audit["moderated_grade"],
        "effective_grade": audit["effective_grade"],
    }


def _flag(value: int | None) -> bool | None:
    return None if value is None else bool(value)


def reflective_discussion(audit: Row, people: Directory, as_of: date) -> dict[str, Any]:
    """The RCD as logged: when, held by whom (the auditor), logged by whom, and everyone it needed or
    invited with whether they attended (and why not); the Service Manager's invitation and attendance."""
    logged = bool(audit["rcd_logged"])
    participants = json.loads(audit["rcd_participants"] or "[]")
    listed = {p["participant_id"] for p in participants}
    return {
        "logged": logged,
        "due_on": audit["rcd_due_on"],
        "overdue": rcd_overdue(audit, as_of),
        "held_on": audit["rcd_held_on"],
        "held_by": people.person(audit["rcd_held_by"]),
        "logged_by": people.person(audit["rcd_logged_by"]),
        "logged_by_capacity": audit["rcd_logged_by_capacity"],
        "participants": [
            {
                "staff_id": p["participant_id"],
                "name": people.name(p["participant_id"]),
                "capacity": p["capacity"],
                "attended": p.get("attended", True),
                "absence_reason": p.get("absence_reason"),
                "absence_note": p.get("absence_note"),
            }
            for p in participants
        ],
        # Others whose practice was audited are invited (guidance §4); one the RCD does not list is shown
        # as not recorded.
        "practitioners_audited_not_recorded": people.people(
            [s for s in json.loads(audit["practitioners_audited"] or "[]") if logged and s not in listed]
        ),
        "service_manager_invited": _flag(audit["service_manager_invited"]),
        "service_manager_attended": _flag(audit["service_manager_attended"]),
    }


def audit_view(audit: Row, people: Directory, as_of: date) -> dict[str, Any]:
    """One audit as a register row or a report line: names and the child's reference beside its id."""
    return {
        "audit_id": audit["audit_id"],
        "child_ref": audit["child_ref"],
        "cycle_id": audit["cycle_id"],
        "specialist_audit_id": audit["specialist_audit_id"],
        "tool": audit["tool"],
        "tool_version": audit["tool_version"],
        "case_team": audit["case_team"],
        "case_service_area": audit["case_service_area"],
        "auditor": people.person(audit["auditor_id"]),
        "auditor_service_area": audit["auditor_service_area"],
        "allocated_on": audit["allocated_on"],
        "allocated_by": people.person(audit["allocated_by"]),
        "due_on": audit["due_on"],
        "status": status(audit),
        "overdue": is_overdue(audit, as_of),
        "submitted_on": audit["submitted_on"],
        "on_time": None if audit["on_time"] is None else bool(audit["on_time"]),
        **grades(audit),
        "moderated": bool(audit["moderated"]),
        "moderated_on": audit["moderated_on"],
        "moderators": people.people(json.loads(audit["moderator_ids"] or "[]")),
        "flagged_own_service_area": bool(audit["flagged_own_service_area"]),
        "flagged_tool": _flag(audit["flagged_tool"]),
        "expected_tool": audit["expected_tool"],
        "flagged_outside_moderation_week": _flag(audit["flagged_outside_moderation_week"]),
        "reflective_discussion": reflective_discussion(audit, people, as_of),
    }
