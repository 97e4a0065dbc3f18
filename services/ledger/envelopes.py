"""Stored events → published envelopes. The one place the ledger's classes meet the contract.

The published envelope of an event is a pure function of the *raw* stored event (its state as
recorded, decoded without eventsourcing's upcasting), its position and its link of the hash
chain, plus the deployment's presentation (type prefix, source, schema URL). So published
history never changes when a domain event class gets a new version: an event recorded as v1
keeps `schemaversion` 1 and its v1 payload for ever; consumers upcast with `schemas.registry`.

A domain event class is named exactly as its contract type (`Audit.AuditAllocated` publishes
`AuditAllocated`), so the mapping is by name and a test checks that every one is in `schemas/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5

from eventsourcing.domain import DomainEvent
from eventsourcing.utils import get_topic

from schemas.envelope import EventEnvelope, Presentation
from schemas.events import LATEST_PAYLOADS
from schemas.integrity import CURRENT_RULE, integrity_hash
from schemas.registry import payload_model
from services.ledger.adapters.recorders import Link
from services.ledger.domain import PUBLISHED_AGGREGATES
from services.ledger.domain.base import ENVELOPE_ATTRIBUTES

if TYPE_CHECKING:
    from eventsourcing.domain import BaseAggregate
    from eventsourcing.persistence import Mapper, StoredEvent


def published_event_classes(aggregates: tuple[type[BaseAggregate[UUID]], ...]) -> dict[str, type[DomainEvent]]:
    """Every event class of the published aggregates, by topic."""
    found: dict[str, type[DomainEvent]] = {}
    for aggregate in aggregates:
        for value in vars(aggregate).values():
            if isinstance(value, type) and issubclass(value, DomainEvent) and value.__name__ in LATEST_PAYLOADS:
                found[get_topic(value)] = value
    return found


PUBLISHED_TOPICS: tuple[str, ...] = tuple(sorted(published_event_classes(PUBLISHED_AGGREGATES)))


class UnreadableEvent(Exception):
    """A stored event that cannot be turned into its envelope: named by position, never skipped."""

    def __init__(self, position: int, reason: str) -> None:
        super().__init__(f"the stored event at position {position} cannot be published: {reason}")
        self.position = position


def event_id(aggregate_id: UUID, version: int) -> UUID:
    """Stable per (aggregate, version): the same event always has the same id, on every replay."""
    return uuid5(aggregate_id, str(version))


@dataclass(frozen=True)
class RawEvent:
    """A stored event's state as recorded: decrypted and decoded, not upcast."""

    contract: str
    version: int
    originator_id: UUID
    originator_version: int
    state: dict[str, Any]


def raw_event(mapper: Mapper[UUID], stored: StoredEvent) -> RawEvent:
    data: Any = stored.state
    if mapper.cipher:
        data = mapper.cipher.decrypt(data)
    if mapper.compressor:
        data = mapper.compressor.decompress(data)
    state: dict[str, Any] = mapper.transcoder.decode(data)
    version = state.pop("class_version", 1)
    originator_id = stored.originator_id if isinstance(stored.originator_id, UUID) else UUID(stored.originator_id)
    return RawEvent(stored.topic.rsplit(".", 1)[-1], version, originator_id, stored.originator_version, state)


def to_envelope(raw: RawEvent, position: int, link: Link, presentation: Presentation) -> EventEnvelope:
    """The envelope as published, with its link of the chain."""
    model = payload_model(raw.contract, raw.version)
    attributes = {k: v for k, v in raw.state.items() if k not in ENVELOPE_ATTRIBUTES}
    state = raw.state
    return EventEnvelope(
        specversion="1.0",
        id=event_id(raw.originator_id, raw.originator_version),
        source=presentation.source(raw.contract),
        type=presentation.type(raw.contract),
        subject=str(raw.originator_id),
        time=state["timestamp"],
        dataschema=presentation.dataschema(raw.contract, raw.version),
        schemaversion=raw.version,
        aggregatetype=model.aggregate_type,  # type: ignore[attr-defined]
        aggregateid=raw.originator_id,
        aggregateversion=raw.originator_version,
        position=position,
        sequence=link.sequence,
        occurredat=state["timestamp"],
        recordedat=state["timestamp"],
        actorid=state["actor_id"],
        actorrole=state["actor_role"],
        correlationid=state["correlation_id"],
        causationid=state["causation_id"],
        integrityscheme=link.scheme,  # type: ignore[arg-type]
        integrityhash=link.hash,
        prevhash=link.prevhash,
        partitionkey=str(raw.originator_id),
        data=model.model_validate(attributes).model_dump(mode="json"),
    )


def published(
    mapper: Mapper[UUID], stored: StoredEvent, position: int, link: Link | None, presentation: Presentation
) -> EventEnvelope:
    """The envelope of a stored, published event; UnreadableEvent names its position otherwise."""
    if link is None:
        raise UnreadableEvent(position, "it has no link in the hash chain")
    try:
        return to_envelope(raw_event(mapper, stored), position, link, presentation)
    except Exception as exc:  # a damaged record may not even decode; say where, not what it holds
        raise UnreadableEvent(position, type(exc).__name__) from exc


def new_link_hash(raw: RawEvent, position: int, sequence: int, prevhash: str | None) -> str:
    """The hash a new link gets by the current rule, over the envelope it will be published in
    (the rule covers neither `integrityhash` itself nor the deployment's presentation)."""
    unhashed = Link(sequence, position, CURRENT_RULE, "0" * 64, prevhash)
    return integrity_hash(to_envelope(raw, position, unhashed, Presentation()).model_dump(mode="json"))
