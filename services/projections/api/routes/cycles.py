"""Per-cycle read models: moderation coverage and the cycle dashboard."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from schemas.vocabulary import ServiceArea
from services.projections.api.deps import AsOfDep, ProjectionsDep, ScopeDep
from services.projections.queries.cycles import dashboard, moderation_coverage

router = APIRouter(prefix="/cycles", tags=["read models: cycles"])
AreaQuery = Annotated[ServiceArea | None, Query(description="Only this service area (Heads of Service: their own).")]

COVERAGE_EXAMPLE = {
    "cycle_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "cycle_name": "Cycle 3 2026/27",
    "moderation_week_starts": "2026-11-16",
    "floor_percent": 15,
    "service_areas": None,
    "submitted": 20,
    "moderated": 3,
    "percent_moderated": 15.0,
    "meets_floor": True,
    "moderations_agreeing": 2,
    "moderator_agreement_rate": 0.667,
    "by_service_area": [],
    "inadequate_audits": [
        {
            "audit_id": "5b1c...",
            "child_ref": "MOS-100001",
            "case_team": "Children in Care 1",
            "case_service_area": "supporting_our_children",
            "auditor_id": "aud.mash",
            "moderated": False,
            "escalation_due": True,
            "escalated": False,
        }
    ],
}


@router.get(
    "/{cycle_id}/moderation-coverage",
    summary="Moderation coverage of a cycle against the 15% floor",
    description="Submitted and moderated audits (overall and per service area), whether the floor is met, "
    "each inadequate audit with whether it was moderated and escalated, and the moderator agreement rate.",
    responses={
        200: {"content": {"application/json": {"example": COVERAGE_EXAMPLE}}},
        404: {"description": "Unknown cycle"},
    },
)
def get_moderation_coverage(
    cycle_id: UUID, projections: ProjectionsDep, scope: ScopeDep, service_area: AreaQuery = None
) -> dict[str, Any]:
    areas = scope.area_filter(service_area.value if service_area else None, "moderation coverage")
    with projections.db.snapshot() as tx:
        return moderation_coverage(tx, str(cycle_id), areas)


@router.get(
    "/{cycle_id}/dashboard",
    summary="Cycle dashboard",
    description="Completion by day 14 per service area and Head of Service, overdue audits, grade distribution, "
    "reflective discussions logged, Service Manager presence on inadequate audits, cross-service auditing.",
    responses={404: {"description": "Unknown cycle"}},
)
def get_dashboard(
    cycle_id: UUID,
    projections: ProjectionsDep,
    scope: ScopeDep,
    as_of: AsOfDep,
    service_area: AreaQuery = None,
) -> dict[str, Any]:
    areas = scope.area_filter(service_area.value if service_area else None, "the cycle dashboard")
    with projections.db.snapshot() as tx:
        return dashboard(tx, str(cycle_id), as_of, areas)
