"""Registers: keyset-paged lists to find audits, cycles, staff, meetings and actions without an id.

Under /v1/registers/ so that every path stays unique across the services (the ledger owns
`POST /v1/audits`, `GET /v1/audits/{id}` and the like), as a gateway routes by path.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query

from schemas.bounds import SINGLE_LINE
from schemas.vocabulary import ActionSourceKind, Grade, MeetingKind, Role, ServiceArea
from services.platform.paging import PageDep
from services.platform.problems import PermissionDenied
from services.projections.api.deps import ProjectionsDep, ScopeDep
from services.projections.queries.registers import (
    ActionFilters,
    AuditFilters,
    MeetingFilters,
    StaffFilters,
    actions_register,
    audits_register,
    cycles_register,
    meetings_register,
    staff_register,
)

router = APIRouter(prefix="/registers", tags=["registers"])
StaffHandle = Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9._-]{1,63}$", description="A staff handle")]
Team = Annotated[str | None, Query(min_length=1, max_length=500, pattern=SINGLE_LINE, description="A team's name")]
Area = Annotated[ServiceArea | None, Query(description="A service area")]
PAGING = (
    "Keyset-paged: at most `limit` items (default 50, at most 500) and `next_cursor` when more follow; pass it back "
    "as `cursor` for the next page (null on the last)."
)


def _value(value: Any) -> Any:
    return None if value is None else getattr(value, "value", value)


@router.get(
    "/audits",
    summary="Register of audits",
    description="Audits, newest allocation first, each with the child's case reference, the auditor by name, its "
    "status, both grades and the effective one, and the reflective case discussion (participants, attendance, due "
    "date). QA staff and inspectors see all; a Head of Service the audits of their area's cases and of their "
    "area's auditors; a Team Manager their team's; an auditor their own. " + PAGING,
)
def get_audits_register(
    projections: ProjectionsDep,
    scope: ScopeDep,
    page: PageDep,
    cycle: Annotated[UUID | None, Query(description="Only this audit cycle")] = None,
    auditor: StaffHandle = None,
    service_area: Annotated[ServiceArea | None, Query(description="The service area of the child's case")] = None,
    auditor_service_area: Annotated[ServiceArea | None, Query(description="The auditor's service area")] = None,
    team: Annotated[
        str | None, Query(min_length=1, max_length=500, pattern=SINGLE_LINE, description="The child's case team")
    ] = None,
    status: Annotated[Literal["allocated", "submitted", "moderated", "withdrawn"] | None, Query()] = None,
    effective_grade: Annotated[
        Grade | None, Query(description="Moderated grade if moderated, else the auditor's")
    ] = None,
    overdue: Annotated[bool | None, Query(description="Not submitted by its due date (as of today)")] = None,
    moderated: Annotated[bool | None, Query()] = None,
) -> dict[str, Any]:
    who = scope.visibility("the audits register", own=True)
    wanted = AuditFilters(
        cycle_id=str(cycle) if cycle else None,
        auditor_id=auditor,
        service_area=_value(service_area),
        auditor_service_area=_value(auditor_service_area),
        team=team,
        status=status,
        effective_grade=_value(effective_grade),
        overdue=overdue,
        moderated=moderated,
    )
    with projections.db.snapshot() as tx:
        return audits_register(tx, page, wanted, who, projections.today())


@router.get(
    "/cycles",
    summary="Register of audit cycles",
    description="Every audit cycle, newest first, with its dates and how many audits it holds. " + PAGING,
)
def get_cycles_register(projections: ProjectionsDep, scope: ScopeDep, page: PageDep) -> dict[str, Any]:
    scope.visibility("the cycles register", own=True)
    with projections.db.snapshot() as tx:
        return cycles_register(tx, page)


@router.get(
    "/staff",
    summary="Register of staff (leavers included)",
    description="Everyone registered, by handle, with roles, team, service area, auditor groups, manager and the "
    "day they left if they did. QA staff and inspectors see all; managers their service area or team. " + PAGING,
)
def get_staff_register(
    projections: ProjectionsDep,
    scope: ScopeDep,
    page: PageDep,
    service_area: Area = None,
    team: Team = None,
    role: Annotated[Role | None, Query()] = None,
    status: Annotated[Literal["current", "left", "all"], Query(description="Leavers, current staff or both")] = "all",
) -> dict[str, Any]:
    who = scope.visibility("the staff register")
    wanted = StaffFilters(service_area=_value(service_area), team=team, role=_value(role), status=status)
    with projections.db.snapshot() as tx:
        return staff_register(tx, page, wanted, who)


@router.get(
    "/meetings",
    summary="Register of QA meetings held",
    description="Head of Service QA and ADQA meetings, newest first: chair, week, whether in the expected week, "
    "who presented and the headline learning. Heads of Service see their area's and every ADQA. " + PAGING,
)
def get_meetings_register(
    projections: ProjectionsDep,
    scope: ScopeDep,
    page: PageDep,
    cycle: Annotated[UUID | None, Query(description="Only this audit cycle")] = None,
    kind: Annotated[MeetingKind | None, Query()] = None,
    service_area: Area = None,
) -> dict[str, Any]:
    who = scope.visibility("the meetings register")
    if not (who.everything or who.areas):
        raise PermissionDenied("the meetings register is read by QA staff, inspectors and service-area managers")
    wanted = MeetingFilters(
        cycle_id=str(cycle) if cycle else None, kind=_value(kind), service_area=_value(service_area)
    )
    with projections.db.snapshot() as tx:
        return meetings_register(tx, page, wanted, who)


@router.get(
    "/actions",
    summary="Register of SMART actions",
    description="Every action, open, completed or cancelled, soonest due first, with its owner by name, source, "
    "outcome and whether it is overdue (as of today). Managers see their team's or area's; anyone their own. " + PAGING,
)
def get_actions_register(
    projections: ProjectionsDep,
    scope: ScopeDep,
    page: PageDep,
    status: Annotated[Literal["open", "completed", "cancelled"] | None, Query()] = None,
    owner: StaffHandle = None,
    team: Team = None,
    service_area: Area = None,
    source: Annotated[ActionSourceKind | None, Query()] = None,
    overdue: Annotated[bool | None, Query()] = None,
) -> dict[str, Any]:
    who = scope.visibility("the actions register", own=True)
    wanted = ActionFilters(
        status=status,
        owner_id=owner,
        team=team,
        service_area=_value(service_area),
        source_kind=_value(source),
        overdue=overdue,
    )
    with projections.db.snapshot() as tx:
        return actions_register(tx, page, wanted, who, projections.today())
