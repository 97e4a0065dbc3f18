"""Inspection-ready trails per audit, child and team: JSON or CSV, as they stood at any instant."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response

from schemas.bounds import SINGLE_LINE
from services.platform.problems import PermissionDenied
from services.projections.api.access import Scope, log_trail_read
from services.projections.api.deps import ProjectionsDep, ScopeDep
from services.projections.consumer import Projections
from services.projections.queries.common import InvalidQuery
from services.projections.queries.trails import parse_as_of, trail, trail_csv
from services.projections.trail_reads import trail_reads

router = APIRouter(tags=["read models: audit trails"])

AsOfInstant = Annotated[
    str | None,
    Query(
        description="Omit events recorded after this ISO instant, or after the end of this date (London).",
        examples=["2026-11-20", "2026-11-20T15:30:00Z"],
    ),
]
Format = Annotated[Literal["json", "csv"], Query(description="`csv` exports the trail as text/csv.")]
TRAIL_DOC = (
    "Every envelope about the subject in ledger order: who (actorid, actorrole), when (time), what (type, data), "
    "position, event id and the integrity hash fields (integrityhash, prevhash) verbatim. Actions agreed at the "
    "audit's reflective discussion and notifications about the audit are part of its trail. Each read is logged."
)
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "application/json": {
                "example": {
                    "subject": {"kind": "audit", "id": "5b1c..."},
                    "as_of": None,
                    "audits": ["5b1c..."],
                    "partial": False,
                    "count": 1,
                    "events": [
                        {
                            "position": 42,
                            "type": "AuditAllocated",
                            "actorid": "qa.manager",
                            "actorrole": "qa_manager",
                            "time": "2026-11-02T09:00:00Z",
                            "data": {},
                            "integrityhash": "ab12...",
                            "prevhash": "cd34...",
                        }
                    ],
                }
            },
            "text/csv": {},
        }
    },
    403: {"description": "Outside the caller's scope"},
    404: {"description": "Nothing known about the subject"},
}


def _read(projections: Projections, scope: Scope, kind: str, key: str, as_of: str | None, fmt: str) -> Response:
    try:
        instant = parse_as_of(as_of)
    except ValueError:
        raise InvalidQuery("as_of", "must be an ISO date (YYYY-MM-DD) or date-time") from None
    with projections.db.snapshot() as tx:
        try:
            result = trail(tx, kind, key, instant, scope.sees_trail)
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from None
    log_trail_read(projections.db, scope, kind, key, instant, result, fmt)
    if fmt == "csv":
        filename = f"trail-{kind}-{key}.csv".replace("/", "_")
        return Response(
            trail_csv(result),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return JSONResponse(result)


@router.get(
    "/audits/{audit_id}/trail",
    summary="Audit trail of one audit",
    description=TRAIL_DOC,
    responses=RESPONSES,
    response_class=JSONResponse,
)
def get_audit_trail(
    audit_id: UUID,
    projections: ProjectionsDep,
    scope: ScopeDep,
    as_of: AsOfInstant = None,
    format: Format = "json",
) -> Response:
    return _read(projections, scope, "audit", str(audit_id), as_of, format)


@router.get(
    "/children/{child_ref}/trail",
    summary="Audit trail of one child (by case reference)",
    description=TRAIL_DOC,
    responses=RESPONSES,
    response_class=JSONResponse,
)
def get_child_trail(
    child_ref: Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9/_-]{2,31}$", examples=["MOS-100001"])],
    projections: ProjectionsDep,
    scope: ScopeDep,
    as_of: AsOfInstant = None,
    format: Format = "json",
) -> Response:
    return _read(projections, scope, "child", child_ref, as_of, format)


@router.get(
    "/teams/{team}/trail",
    summary="Audit trail of one team's audited cases",
    description=TRAIL_DOC,
    responses=RESPONSES,
    response_class=JSONResponse,
)
def get_team_trail(
    team: Annotated[str, Path(min_length=1, max_length=500, pattern=SINGLE_LINE, examples=["Children in Care 1"])],
    projections: ProjectionsDep,
    scope: ScopeDep,
    as_of: AsOfInstant = None,
    format: Format = "json",
) -> Response:
    return _read(projections, scope, "team", team, as_of, format)


@router.get(
    "/trail-reads",
    summary="Who read which trail, and when (QA Manager, PSW, Assistant Director, inspectors)",
)
def read_log(
    projections: ProjectionsDep,
    scope: ScopeDep,
    kind: Annotated[Literal["audit", "child", "team"] | None, Query()] = None,
    subject: Annotated[
        str | None, Query(max_length=500, pattern=SINGLE_LINE, description="An audit id, child reference or team")
    ] = None,
    reader: Annotated[str | None, Query(max_length=64, pattern=SINGLE_LINE)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Every read of a trail is recorded here, newest first: the reader, their roles, the subject,
    the `as_of` asked for, how many events were shown and in which format."""
    scope.require_everything("the log of trail reads")
    return {"reads": trail_reads(projections.db, kind, subject, reader, limit)}
