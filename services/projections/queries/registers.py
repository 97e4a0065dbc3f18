"""Registers: find an audit, cycle, member of staff, meeting or action without knowing its id.

Every register is keyset-paged (services/platform/paging.py), filtered and scoped in SQL, and shows
people by name and children by case reference beside each id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from services.platform.paging import PageRequest, keyset
from services.projections.queries.audits import audit_view
from services.projections.queries.common import PointInTime, area_title
from services.projections.queries.directory import directory

if TYPE_CHECKING:
    from services.projections.store import Row, Tx


@dataclass(frozen=True)
class Visibility:
    """What a reader may list: everything, or rows of their service areas and teams, or their own."""

    everything: bool
    areas: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()
    subject: str | None = None


@dataclass
class Where:
    """A WHERE clause built from optional filters, with its parameters in order."""

    parts: list[str] = field(default_factory=lambda: ["1 = 1"])
    params: list[Any] = field(default_factory=list)

    def add(self, sql: str, *params: Any) -> None:
        self.parts.append(sql)
        self.params.extend(params)

    def equal(self, column: str, value: Any) -> None:
        if value is not None:
            self.add(f"{column} = ?", value)

    def any_of(self, alternatives: list[tuple[str, list[Any]]]) -> None:
        """Rows matching at least one alternative; none at all when there are no alternatives."""
        usable = [(sql, params) for sql, params in alternatives if params]
        if not usable:
            self.add("1 = 0")
            return
        self.add("(" + " OR ".join(sql for sql, _ in usable) + ")", *[p for _, params in usable for p in params])

    @property
    def sql(self) -> str:
        return " AND ".join(self.parts)


def _in(column: str, values: frozenset[str] | list[str]) -> tuple[str, list[Any]]:
    ordered = sorted(values)
    return f"{column} IN ({', '.join('?' for _ in ordered)})", ordered


def _team_members(tx: Tx, teams: frozenset[str]) -> list[str]:
    if not teams:
        return []
    sql, params = _in("team", teams)
    return [row["staff_id"] for row in tx.all(f"SELECT staff_id FROM proj_staff WHERE {sql}", params)]


@dataclass(frozen=True)
class AuditFilters:
    cycle_id: str | None = None
    auditor_id: str | None = None
    service_area: str | None = None  # the case's service area
    auditor_service_area: str | None = None
    team: str | None = None  # the case's team
    status: str | None = None  # allocated, submitted, moderated, withdrawn
    effective_grade: str | None = None
    overdue: bool | None = None
    moderated: bool | None = None


STATUS_SQL = {
    "allocated": "a.submitted = 0 AND a.withdrawn = 0",
    "submitted": "a.submitted = 1 AND a.moderated = 0 AND a.withdrawn = 0",
    "moderated": "a.moderated = 1 AND a.withdrawn = 0",
    "withdrawn": "a.withdrawn = 1",
}
OVERDUE_SQL = "(a.submitted = 0 AND a.withdrawn = 0 AND a.due_on < ?)"


def audits_register(tx: Tx, page: PageRequest, wanted: AuditFilters, who: Visibility, today: date) -> dict[str, Any]:
    """Newest allocation first. A Head of Service sees the audits of their area's cases and of their
    area's auditors; a Team Manager those of their team's cases and auditors; an auditor their own."""
    where = Where()
    where.equal("a.cycle_id", wanted.cycle_id)
    where.equal("a.auditor_id", wanted.auditor_id)
    where.equal("a.case_service_area", wanted.service_area)
    where.equal("a.auditor_service_area", wanted.auditor_service_area)
    where.equal("a.case_team", wanted.team)
    where.equal("a.effective_grade", wanted.effective_grade)
    if wanted.status is not None:
        where.add(STATUS_SQL[wanted.status])
    if wanted.overdue is not None:
        where.add(OVERDUE_SQL if wanted.overdue else f"NOT {OVERDUE_SQL}", today.isoformat())
    if wanted.moderated is not None:
        where.add("a.moderated = ?", int(wanted.moderated))
    if not who.everything:
        where.any_of(
            [
                _in("a.case_service_area", who.areas),
                _in("a.auditor_service_area", who.areas),
                _in("a.case_team", who.teams),
                _in("a.auditor_id", _team_members(tx, who.teams)),
                ("a.auditor_id = ?", [who.subject] if who.subject else []),
            ]
        )
    after, params = keyset(("a.allocated_on", "a.audit_id"), page.after("audits", 2), descending=True)
    rows = tx.all(
        f"SELECT * FROM proj_audits a WHERE {where.sql}{after} ORDER BY a.allocated_on DESC, a.audit_id DESC LIMIT ?",
        [*where.params, *params, page.fetch],
    )
    people = directory(tx, PointInTime(today))
    return page.answer(
        "audits", rows, key=lambda r: (r["allocated_on"], r["audit_id"]), render=lambda r: audit_view(r, people, today)
    )


def cycles_register(tx: Tx, page: PageRequest) -> dict[str, Any]:
    """Newest cycle first, with how many audits each holds (withdrawn ones aside)."""
    after, params = keyset(("c.week1_monday", "c.cycle_id"), page.after("cycles", 2), descending=True)
    rows = tx.all(
        "SELECT c.*, (SELECT COUNT(*) FROM proj_audits a WHERE a.cycle_id = c.cycle_id AND a.withdrawn = 0) AS audits,"
        " (SELECT COUNT(*) FROM proj_audits a WHERE a.cycle_id = c.cycle_id AND a.withdrawn = 0 AND a.submitted = 1)"
        f" AS submitted FROM proj_cycles c WHERE 1 = 1{after} ORDER BY c.week1_monday DESC, c.cycle_id DESC LIMIT ?",
        [*params, page.fetch],
    )

    def render(row: Row) -> dict[str, Any]:
        return {
            **{
                k: row[k]
                for k in (
                    "cycle_id",
                    "name",
                    "week1_monday",
                    "audits_due_on",
                    "moderation_week_starts",
                    "hos_qa_findings_window_starts",
                    "adqa_week_starts",
                    "ends_on",
                    "moderation_floor_percent",
                    "closed_on",
                )
            },
            "audits": int(row["audits"]),
            "submitted": int(row["submitted"]),
        }

    return page.answer("cycles", rows, key=lambda r: (r["week1_monday"], r["cycle_id"]), render=render)


@dataclass(frozen=True)
class StaffFilters:
    service_area: str | None = None
    team: str | None = None
    role: str | None = None
    status: str = "all"  # current, left, all


def staff_register(tx: Tx, page: PageRequest, wanted: StaffFilters, who: Visibility) -> dict[str, Any]:
    """Everyone, leavers included (with the day they left), by handle."""
    where = Where()
    where.equal("s.service_area", wanted.service_area)
    where.equal("s.team", wanted.team)
    if wanted.role is not None:
        where.add("s.roles LIKE ?", f'%"{wanted.role}"%')
    if wanted.status == "current":
        where.add("s.left_on IS NULL")
    elif wanted.status == "left":
        where.add("s.left_on IS NOT NULL")
    if not who.everything:
        where.any_of([_in("s.service_area", who.areas), _in("s.team", who.teams)])
    after, params = keyset(("s.staff_id",), page.after("staff", 1))
    rows = tx.all(
        f"SELECT * FROM proj_staff s WHERE {where.sql}{after} ORDER BY s.staff_id LIMIT ?",
        [*where.params, *params, page.fetch],
    )
    names = directory(tx, PointInTime(date.max))

    def render(row: Row) -> dict[str, Any]:
        return {
            "staff_id": row["staff_id"],
            "name": row["display_name"],
            "roles": json.loads(row["roles"]),
            "team": row["team"],
            "service_area": row["service_area"],
            "service_area_title": area_title(row["service_area"]),
            "auditor_groups": json.loads(row["auditor_groups"]),
            "manager": names.person(row["manager_id"]),
            "left_on": row["left_on"],
            "current": row["left_on"] is None,
        }

    return page.answer("staff", rows, key=lambda r: (r["staff_id"],), render=render)


@dataclass(frozen=True)
class MeetingFilters:
    cycle_id: str | None = None
    kind: str | None = None
    service_area: str | None = None


def meetings_register(tx: Tx, page: PageRequest, wanted: MeetingFilters, who: Visibility) -> dict[str, Any]:
    """Meetings held, newest first; a Head of Service's area's meetings and every ADQA meeting."""
    where = Where()
    where.equal("m.cycle_id", wanted.cycle_id)
    where.equal("m.kind", wanted.kind)
    where.equal("m.service_area", wanted.service_area)
    if not who.everything:
        where.any_of([_in("m.service_area", who.areas), ("m.kind = ?", ["adqa"] if who.areas else [])])
    after, params = keyset(("m.held_on", "m.meeting_id"), page.after("meetings", 2), descending=True)
    rows = tx.all(
        f"SELECT m.*, c.name AS cycle_name FROM proj_meetings m LEFT JOIN proj_cycles c ON c.cycle_id = m.cycle_id"
        f" WHERE {where.sql}{after} ORDER BY m.held_on DESC, m.meeting_id DESC LIMIT ?",
        [*where.params, *params, page.fetch],
    )
    names = directory(tx, PointInTime(date.max))

    def render(row: Row) -> dict[str, Any]:
        reports = json.loads(row["reports"])
        return {
            "meeting_id": row["meeting_id"],
            "kind": row["kind"],
            "focus": row["focus"],
            "cycle_id": row["cycle_id"],
            "cycle_name": row["cycle_name"],
            "service_area": row["service_area"],
            "service_area_title": area_title(row["service_area"]),
            "held_on": row["held_on"],
            "cycle_week": row["cycle_week"],
            "in_expected_week": bool(row["in_expected_week"]),
            "chair": names.person(row["chair_id"]),
            "reports_presented_by": names.people([r["presenter_id"] for r in reports]),
            "headline_learning": row["headline_learning"],
        }

    return page.answer("meetings", rows, key=lambda r: (r["held_on"], r["meeting_id"]), render=render)


@dataclass(frozen=True)
class ActionFilters:
    status: str | None = None  # open, completed, cancelled
    owner_id: str | None = None
    team: str | None = None
    service_area: str | None = None
    source_kind: str | None = None
    overdue: bool | None = None


def actions_register(tx: Tx, page: PageRequest, wanted: ActionFilters, who: Visibility, today: date) -> dict[str, Any]:
    """Every action, open or not, soonest due first; a manager's team or area's, and anyone's own."""
    where = Where()
    where.equal("a.status", wanted.status)
    where.equal("a.owner_id", wanted.owner_id)
    where.equal("a.owner_team", wanted.team)
    where.equal("a.owner_service_area", wanted.service_area)
    where.equal("a.source_kind", wanted.source_kind)
    overdue = "(a.status = 'open' AND a.due_on < ?)"
    if wanted.overdue is not None:
        where.add(overdue if wanted.overdue else f"NOT {overdue}", today.isoformat())
    if not who.everything:
        where.any_of(
            [
                _in("a.owner_service_area", who.areas),
                _in("a.owner_team", who.teams),
                ("a.owner_id = ?", [who.subject] if who.subject else []),
            ]
        )
    after, params = keyset(("a.due_on", "a.action_id"), page.after("actions", 2))
    rows = tx.all(
        f"SELECT * FROM proj_actions a WHERE {where.sql}{after} ORDER BY a.due_on, a.action_id LIMIT ?",
        [*where.params, *params, page.fetch],
    )
    names = directory(tx, PointInTime(today))

    def render(row: Row) -> dict[str, Any]:
        return {
            "action_id": row["action_id"],
            "description": row["description"],
            "measure_of_success": row["measure_of_success"],
            "owner": names.person(row["owner_id"]),
            "owner_team": row["owner_team"],
            "owner_service_area": row["owner_service_area"],
            "agreed_on": row["agreed_on"],
            "agreed_by": names.person(row["agreed_by"]),
            "due_on": row["due_on"],
            "status": row["status"],
            "overdue": row["status"] == "open" and row["due_on"] < today.isoformat(),
            "source_kind": row["source_kind"],
            "source_id": row["source_id"],
            "audit_id": row["audit_id"],
            "child_ref": row["child_ref"],
            "completed_on": row["completed_on"],
            "outcome": row["outcome"],
            "cancel_reason": row["cancel_reason"],
            "progress_notes": row["progress_notes"],
        }

    return page.answer("actions", rows, key=lambda r: (r["due_on"], r["action_id"]), render=render)
