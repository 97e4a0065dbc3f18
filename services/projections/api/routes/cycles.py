"""Per-cycle read models: moderation coverage, the cycle dashboard and the evidence of its meetings."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from schemas.vocabulary import ServiceArea
from services.projections.api.deps import PointInTimeDep, ProjectionsDep, ScopeDep
from services.projections.queries.cycles import dashboard, moderation_coverage
from services.projections.queries.meetings import meetings_evidence

router = APIRouter(prefix="/cycles", tags=["read models: cycles"])
AreaQuery = Annotated[ServiceArea | None, Query(description="Only this service area (Heads of Service: their own).")]

COVERAGE_EXAMPLE = {
    "cycle_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "cycle_name": "Cycle 3 2026/27",
    "as_of": "2026-11-20",
    "known_at": None,
    "moderation_week_starts": "2026-11-16",
    "floor_percent": 15,
    "service_areas": None,
    "teams": [],
    "submitted": 20,
    "moderated": 3,
    "percent_moderated": 15.0,
    "meets_floor": True,
    "moderations_agreeing": 2,
    "moderator_agreement_rate": 0.667,
    "moderator_agreement_percent": 66.7,
    "by_service_area": [],
    "inadequate_audits": [
        {
            "audit_id": "5b1c...",
            "child_ref": "MOS-100001",
            "case_team": "Children in Care 1",
            "case_service_area": "supporting_our_children",
            "auditor_id": "aud.mash",
            "auditor_name": "Sam Patel",
            "auditor_grade": "requires_improvement",
            "moderated_grade": "inadequate",
            "effective_grade": "inadequate",
            "moderated": True,
            "sent_to_ad_and_hos": True,
            "sent_to": [
                {"staff_id": "ad.hughes", "name": "Owen Hughes", "delivered_at": "2026-11-18T10:02:00.000000Z"}
            ],
        }
    ],
}


@router.get(
    "/{cycle_id}/moderation-coverage",
    summary="Moderation coverage of a cycle against the 15% floor",
    description="Submitted and moderated audits (overall and per service area of the child's case), whether the "
    "floor is met, the moderator agreement rate, and every audit whose effective grade (the moderator's grade when "
    "moderated, else the auditor's) is inadequate, with whether the notifier's receipts show it was sent to the AD "
    "and HoS, and to whom.",
    responses={
        200: {"content": {"application/json": {"example": COVERAGE_EXAMPLE}}},
        404: {"description": "Unknown cycle"},
    },
)
def get_moderation_coverage(
    cycle_id: UUID, projections: ProjectionsDep, scope: ScopeDep, when: PointInTimeDep, service_area: AreaQuery = None
) -> dict[str, Any]:
    audience = scope.audience(service_area.value if service_area else None, "moderation coverage")
    with projections.db.snapshot() as tx:
        return moderation_coverage(tx, str(cycle_id), when, audience)


@router.get(
    "/{cycle_id}/dashboard",
    summary="Cycle dashboard",
    description="Completion by day 14 and overdue audits, attributed to the auditor's service area and its Head of "
    "Service; findings (effective grades, inadequate audits and whether they reached the AD and HoS) for the "
    "service area of the child's case; reflective case discussions logged and overdue (due 2 weeks after "
    "submission); cross-service auditing; flagged allocations; meetings missing or held outside their week. "
    "A Head of Service sees their auditors' audits and their area's cases; a Team Manager their team's.",
    responses={404: {"description": "Unknown cycle (or not yet scheduled at `as_of`)"}},
)
def get_dashboard(
    cycle_id: UUID,
    projections: ProjectionsDep,
    scope: ScopeDep,
    when: PointInTimeDep,
    service_area: AreaQuery = None,
) -> dict[str, Any]:
    audience = scope.audience(service_area.value if service_area else None, "the cycle dashboard", teams=True)
    with projections.db.snapshot() as tx:
        return dashboard(tx, str(cycle_id), when, audience)


@router.get(
    "/{cycle_id}/meetings",
    summary="Evidence that the cycle's QA meetings were held",
    description="Each Head of Service QA meeting expected (week 1 on performance data; weeks 4-5 on audit findings) "
    "for every service area with a Head of Service in post, and the ADQA meeting (week 6): held, missing or not yet "
    "due; in the expected week or not; the chair; whether the Practice Development Leader was invited (or the post "
    "is vacant); the reports presented; and the actions and thematic audit requests it set.",
    responses={404: {"description": "Unknown cycle"}},
)
def get_meetings_evidence(
    cycle_id: UUID, projections: ProjectionsDep, scope: ScopeDep, when: PointInTimeDep, service_area: AreaQuery = None
) -> dict[str, Any]:
    audience = scope.audience(service_area.value if service_area else None, "the meetings evidence")
    with projections.db.snapshot() as tx:
        return meetings_evidence(tx, str(cycle_id), when, audience)
