"""Stored events → published envelopes. The one place the ledger's classes meet the contract.

A domain event class is named exactly as its contract type (`Audit.AuditAllocated` publishes
`AuditAllocated`), so the mapping is by name and a test checks that every one is in `schemas/`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from eventsourcing.domain import DomainEvent
from eventsourcing.utils import get_topic

from schemas.envelope import EventEnvelope, dataschema_uri
from schemas.events import EVENT_TYPES
from services.ledger.domain import PUBLISHED_AGGREGATES
from services.ledger.domain.base import ENVELOPE_ATTRIBUTES

if TYPE_CHECKING:
    from eventsourcing.domain import BaseAggregate


def published_event_classes(aggregates: tuple[type[BaseAggregate[UUID]], ...]) -> dict[str, type[DomainEvent]]:
    """Every event class of the published aggregates, by topic."""
    found: dict[str, type[DomainEvent]] = {}
    for aggregate in aggregates:
        for value in vars(aggregate).values():
            if isinstance(value, type) and issubclass(value, DomainEvent) and value.__name__ in EVENT_TYPES:
                found[get_topic(value)] = value
    return found


PUBLISHED_TOPICS: tuple[str, ...] = tuple(sorted(published_event_classes(PUBLISHED_AGGREGATES)))


def event_id(aggregate_id: UUID, version: int) -> UUID:
    """Stable per (aggregate, version): the same event always has the same id, on every replay."""
    return uuid5(aggregate_id, str(version))


def to_envelope(
    event: Any, position: int, integrityhash: str | None = None, prevhash: str | None = None
) -> EventEnvelope:
    event_type = type(event).__name__
    payload_model = EVENT_TYPES[event_type]
    attributes = {k: v for k, v in event.__dict__.items() if k not in ENVELOPE_ATTRIBUTES}
    data = payload_model.model_validate(attributes).model_dump(mode="json")
    return EventEnvelope(
        id=event_id(event.originator_id, event.originator_version),
        type=event_type,
        subject=str(event.originator_id),
        time=event.timestamp,
        dataschema=dataschema_uri(event_type, payload_model.schema_version),
        schemaversion=payload_model.schema_version,
        aggregatetype=payload_model.aggregate_type,
        aggregateid=event.originator_id,
        aggregateversion=event.originator_version,
        position=position,
        occurredat=event.timestamp,
        recordedat=event.timestamp,
        actorid=event.actor_id,
        actorrole=event.actor_role,
        correlationid=event.correlation_id,
        causationid=event.causation_id,
        integrityhash=integrityhash,
        prevhash=prevhash,
        data=data,
    )
