"""Outstanding actions, with ageing as of a date."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from schemas.bounds import SINGLE_LINE
from schemas.vocabulary import ActionSourceKind, ServiceArea
from services.platform.problems import PermissionDenied
from services.projections.api.deps import PointInTimeDep, ProjectionsDep, ScopeDep
from services.projections.queries.actions import ActionFilter, outstanding_actions

router = APIRouter(prefix="/actions", tags=["read models: actions"])

EXAMPLE = {
    "as_of": "2026-12-11",
    "known_at": "2026-12-11T23:59:59.999999Z",
    "open": 1,
    "overdue": 1,
    "actions": [
        {
            "action_id": "9d0c...",
            "owner_id": "tm.cic1",
            "owner_name": "Tess Jones",
            "owner_team": "Children in Care 1",
            "owner_service_area": "supporting_our_children",
            "source_kind": "reflective_discussion",
            "source_id": "5b1c...",
            "audit_id": "5b1c...",
            "child_ref": "MOS-100001",
            "description": "Update the chronology",
            "measure_of_success": "Chronology current",
            "agreed_on": "2026-11-26",
            "due_on": "2026-12-10",
            "days_open": 15,
            "overdue": True,
            "days_overdue": 1,
            "progress_notes": 0,
        }
    ],
    "by_owner": {"tm.cic1": {"open": 1, "overdue": 1}},
    "by_team": {},
    "by_service_area": {},
    "by_source": {},
}


@router.get(
    "/outstanding",
    summary="Open and overdue actions",
    description="Open actions by owner, team, service area and source, with days open and days overdue as of a "
    "date. An action is overdue from the day after its due date. With `as_of`, the actions open at the end of that "
    "day as the ledger then knew them (one completed later is still listed); completed and cancelled ones leave.",
    responses={200: {"content": {"application/json": {"example": EXAMPLE}}}},
)
def get_outstanding_actions(
    projections: ProjectionsDep,
    scope: ScopeDep,
    when: PointInTimeDep,
    owner: Annotated[
        str | None, Query(pattern=r"^[a-z0-9][a-z0-9._-]{1,63}$", description="Owner's staff handle")
    ] = None,
    team: Annotated[
        str | None, Query(min_length=1, max_length=500, pattern=SINGLE_LINE, description="Owner's team")
    ] = None,
    service_area: Annotated[ServiceArea | None, Query(description="Owner's service area")] = None,
    source: Annotated[ActionSourceKind | None, Query(description="Where the action came from")] = None,
) -> dict[str, Any]:
    if not scope.managerial:
        raise PermissionDenied("outstanding actions are read by managers within their team or service area")
    wanted = ActionFilter(
        owner_id=owner,
        team=team,
        service_area=service_area.value if service_area else None,
        source_kind=source.value if source else None,
        scope_teams=None if scope.everything else scope.teams,
        scope_areas=None if scope.everything else scope.areas,
    )
    with projections.db.snapshot() as tx:
        return outstanding_actions(tx, when, wanted)
