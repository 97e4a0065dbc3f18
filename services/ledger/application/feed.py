"""Queries of the ledger itself: the event feed in position order, and one aggregate's stream."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.ledger.application.core import Actor, LedgerCore
from services.ledger.domain.errors import NotFound
from services.ledger.envelopes import PUBLISHED_TOPICS, published

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
        """Published envelopes after a position; internal records are skipped, so pages may be short.

        An event that cannot be published (unreadable, or without its link) raises UnreadableEvent
        naming its position: the feed never skips it, so no consumer can pass it unknowingly."""
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
        return [
            published(self.mapper, event, position, links.get(position), self.presentation)
            for event, position in zip(stored, positions, strict=True)
        ]

    def read_stream(self, actor: Actor, aggregate_id: UUID) -> list[EventEnvelope]:
        self.permit(actor, "read_stream")
        stored = self.recorder.select_events(aggregate_id)
        positions = self.recorder.select_positions(aggregate_id)  # type: ignore[attr-defined]
        mine = [s for s in stored if s.topic in PUBLISHED_TOPICS]
        envelopes = self.envelopes(mine, [positions[s.originator_version] for s in mine])
        if not envelopes:
            raise NotFound(f"no published stream with id {aggregate_id}")
        return envelopes
