"""How far each read model has got, and how far behind the ledger it is."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from services.projections.api.deps import ProjectionsDep, ScopeDep
from services.projections.projectors import READ_MODELS

router = APIRouter(prefix="/projections", tags=["operations"])


@router.get(
    "/status",
    summary="Position and lag of each read model",
    description="Each projection's last applied ledger position and its lag behind the ledger head (as last seen "
    "by the follower; null before the first poll). `stalled` names the position, event type and error when the "
    "read models cannot apply an event (they stop there and retry; see docs/operations.md).",
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "head": 120,
                        "position": 118,
                        "lag": 2,
                        "following": True,
                        "last_error": None,
                        "stalled": None,
                        "projections": [
                            {
                                "name": "audits",
                                "position": 118,
                                "lag": 2,
                                "read_models": ["moderation coverage"],
                            }
                        ],
                    }
                }
            }
        }
    },
)
def get_status(request: Request, projections: ProjectionsDep, scope: ScopeDep) -> dict[str, Any]:
    scope.require_status()
    follower = getattr(request.app.state, "projections_follower", None)
    head = follower.head if follower is not None else None
    positions = projections.positions()
    return {
        "head": head,
        "position": min(positions.values(), default=0),
        "lag": follower.lag if follower is not None else None,
        "following": follower is not None,
        "last_error": follower.last_error if follower is not None else None,
        "stalled": follower.stall.as_dict() if follower is not None and follower.stall is not None else None,
        "projections": [
            {
                "name": name,
                "position": position,
                "lag": None if head is None else max(0, head - position),
                "read_models": list(READ_MODELS.get(name, ())),
            }
            for name, position in positions.items()
        ],
    }
