"""How far the relay has published, kept in the ledger's own database.

An eventsourcing tracking record named `ledger-relay`, on the same SQLite file or PostgreSQL schema
as the events: it moves only after the broker acknowledged everything up to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.persistence import Tracking

if TYPE_CHECKING:
    from eventsourcing.persistence import TrackingRecorder

RELAY_NAME = "ledger-relay"


class PublishedPosition:
    def __init__(self, recorder: TrackingRecorder, name: str = RELAY_NAME) -> None:
        self.recorder = recorder
        self.name = name

    def get(self) -> int:
        return self.recorder.max_tracking_id(self.name) or 0

    def advance(self, position: int) -> None:
        """Record `position` as published; never moves backwards."""
        if position > self.get():
            self.recorder.insert_tracking(Tracking(self.name, position))
