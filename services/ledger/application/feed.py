"""Queries of the ledger itself: the event feed in position order, and one aggregate's stream."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.ledger.application.core import Actor, LedgerCore
from services.ledger.domain.errors import NotFound
from services.ledger.envelopes import PUBLISHED_TOPICS, to_envelope

if TYPE_CHECKING:
    from collections.abc import Sequence
    from uuid import UUID

    from eventsourcing.persistence import StoredEvent

    from schemas.envelope import EventEnvelope

MAX_PAGE = 1000


@dataclass(frozen=True)
class FeedPage:
    events: list[EventEnvelope]
    next_after: int
    head: int


class FeedQueries(LedgerCore):
    def read_feed(self, actor: Actor, after: int = 0, limit: int = 100) -> FeedPage:
        self.permit(actor, "read_feed")
        return self.feed_page(after, limit)

    def feed_page(self, after: int, limit: int) -> FeedPage:
        """Published envelopes after a position; internal records are skipped, so pages may be short."""
        limit = max(1, min(limit, MAX_PAGE))
        # Read the head first: an event committed after this read is beyond it, so a short page
        # can never claim to have covered a position it did not return. The head is the last
        # *published* position, so a caught-up consumer shows no lag behind internal records.
        head = self.recorder.max_published_position()  # type: ignore[attr-defined]
        notifications = self.recorder.select_notifications(
            start=after, limit=limit, topics=PUBLISHED_TOPICS, inclusive_of_start=False
        )
        events = self.envelopes(notifications, [n.id for n in notifications])
        # A full page ends at its last event; a short page has read everything up to the head.
        last = events[-1].position if events else after
        next_after = last if len(events) == limit else max(head, after, last)
        return FeedPage(events, next_after, head)

    def envelopes(self, stored: Sequence[StoredEvent], positions: Sequence[int]) -> list[EventEnvelope]:
        """Published envelopes with their hash-chain links filled in."""
        if not stored:
            return []
        links = self.recorder.select_links(min(positions), max(positions))  # type: ignore[attr-defined]
        envelopes = []
        for event, position in zip(stored, positions, strict=True):
            link = links.get(position)
            envelopes.append(
                to_envelope(
                    self.mapper.to_domain_event(event),
                    position,
                    integrityhash=link.hash if link else None,
                    prevhash=link.prevhash if link else None,
                )
            )
        return envelopes

    def read_stream(self, actor: Actor, aggregate_id: UUID) -> list[EventEnvelope]:
        self.permit(actor, "read_stream")
        stored = self.recorder.select_events(aggregate_id)
        positions = self.recorder.select_positions(aggregate_id)  # type: ignore[attr-defined]
        published = [s for s in stored if s.topic in PUBLISHED_TOPICS]
        envelopes = self.envelopes(published, [positions[s.originator_version] for s in published])
        if not envelopes:
            raise NotFound(f"no published stream with id {aggregate_id}")
        return envelopes
