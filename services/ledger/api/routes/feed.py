from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel

from schemas.audit_tools import all_tools
from schemas.envelope import KAFKA_TOPIC, EventEnvelope
from services.ledger.api.deps import ActorDep, LedgerDep

router = APIRouter(tags=["event feed"])
MAX_POSITION = 2**63 - 1  # positions are 64-bit in both stores


class FeedPagePublic(BaseModel):
    events: list[EventEnvelope]
    next_after: int
    head: int
    topic: str = KAFKA_TOPIC


@router.get("/events", response_model=FeedPagePublic, summary="The event feed, in global position order")
def events(
    ledger: LedgerDep,
    actor: ActorDep,
    after: Annotated[int, Query(ge=0, le=MAX_POSITION, description="Return events after this position.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> FeedPagePublic:
    """Envelopes (CloudEvents 1.0 attributes plus extensions) after `after`. Page on with
    `after=next_after`; when `next_after` equals `head` you have everything. QA Manager,
    inspector and `service` tokens."""
    page = ledger.read_feed(actor, after, limit)
    return FeedPagePublic(events=page.events, next_after=page.next_after, head=page.head)


@router.get("/streams/{aggregate_id}", response_model=list[EventEnvelope], summary="One aggregate's history")
def stream(aggregate_id: UUID, ledger: LedgerDep, actor: ActorDep) -> list[EventEnvelope]:
    return ledger.read_stream(actor, aggregate_id)


@router.get("/tools", summary="Audit tools and their domains (versioned data)")
def tools() -> list[dict[str, object]]:
    """The domain ids to use in `domain_findings`. Every tool's domains are a marked sample: `note` says
    what the guidance says of the tool (it names the tools but lists none of their domains)."""
    return [
        {
            "tool": t.tool.value,
            "version": t.version,
            "title": t.title,
            "used_by": t.used_by,
            "sample_domains": t.sample_domains,
            "note": t.note,
            "domains": [{"id": d.id, "title": d.title} for d in t.domains],
        }
        for t in all_tools()
    ]
