"""Quota compliance per auditor per month, and specialist programme progress."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.platform.problems import PermissionDenied
from services.projections.api.deps import ProjectionsDep, ScopeDep
from services.projections.queries.programme import programme_progress, quota_compliance

router = APIRouter(tags=["read models: quotas and programme"])


@router.get(
    "/quotas",
    summary="Monthly audit quotas per auditor",
    description="Early Help Team Leaders: 2 Early Help audits; Early Help Team Managers: 1 full 10 Domain audit; "
    "Youth Justice auditors: 1 victim audit; counted by the month of submission. Lists who is short.",
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "month": "2026-11",
                        "auditors": [
                            {
                                "staff_id": "eh.leader",
                                "auditor_group": "early_help_team_leader",
                                "tool": "early_help",
                                "required": 2,
                                "completed": 1,
                                "short_by": 1,
                                "met": False,
                            }
                        ],
                        "short": [{"staff_id": "eh.leader", "tool": "early_help", "short_by": 1}],
                    }
                }
            }
        }
    },
)
def get_quotas(
    projections: ProjectionsDep,
    scope: ScopeDep,
    month: Annotated[
        str | None,
        Query(
            pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
            description="YYYY-MM (default: this month)",
            examples=["2026-11"],
        ),
    ] = None,
) -> dict[str, Any]:
    if not scope.managerial:
        raise PermissionDenied("quota compliance is read by managers within their team or service area")
    chosen = month or projections.today().isoformat()[:7]
    with projections.db.snapshot() as tx:
        return quota_compliance(tx, chosen, scope.sees_staff)


@router.get(
    "/programme/progress",
    summary="Specialist audit programme progress",
    description="Each scheduled specialist audit and requested thematic audit with the audits allocated and "
    "submitted against its minimum (9 for the programme).",
)
def get_programme_progress(
    projections: ProjectionsDep,
    scope: ScopeDep,
    financial_year: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", examples=["2026-27"])] = None,
) -> dict[str, Any]:
    if not (scope.everything or scope.areas):
        raise PermissionDenied("programme progress is read by QA staff, Heads of Service and Service Managers")
    with projections.db.snapshot() as tx:
        return programme_progress(tx, financial_year)
