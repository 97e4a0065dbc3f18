"""FastAPI dependencies of the projections API: the read models, the caller's scope, query dates."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Query, Request

from services.platform.http import PrincipalDep
from services.projections.api.access import Scope, scope_of
from services.projections.queries.common import PointInTime

if TYPE_CHECKING:
    from services.projections.consumer import Projections


def get_projections(request: Request) -> Projections:
    return request.app.state.projections  # type: ignore[no-any-return]


ProjectionsDep = Annotated["Projections", Depends(get_projections)]


def get_scope(principal: PrincipalDep, request: Request) -> Scope:
    projections = get_projections(request)
    with projections.db.snapshot() as tx:
        return scope_of(principal, tx, projections.today())


ScopeDep = Annotated[Scope, Depends(get_scope)]


def as_of_date(
    request: Request,
    as_of: Annotated[
        date | None,
        Query(
            description="Ageing and lateness as of this date (default: today, London).",
            examples=["2026-12-01"],
        ),
    ] = None,
) -> date:
    return as_of or get_projections(request).today()


AsOfDep = Annotated[date, Depends(as_of_date)]


def point_in_time(
    request: Request,
    as_of: Annotated[
        date | None,
        Query(
            description="What the system knew at the end of this day (London), by event time, with lateness and "
            "ageing measured on it. Default: everything recorded so far, measured today.",
            examples=["2026-12-01"],
        ),
    ] = None,
) -> PointInTime:
    if as_of is None:
        return PointInTime(get_projections(request).today())
    return PointInTime.end_of(as_of)


PointInTimeDep = Annotated[PointInTime, Depends(point_in_time)]
