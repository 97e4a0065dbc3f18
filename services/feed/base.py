"""The feed contract: envelopes in position order, at-least-once, consumer-tracked positions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from schemas.envelope import EventEnvelope


@dataclass(frozen=True)
class Batch:
    envelopes: list[EventEnvelope]
    head: int | None = None  # the ledger's head position when known, for lag

    @property
    def last_position(self) -> int | None:
        return self.envelopes[-1].position if self.envelopes else None


class EventFeed(Protocol):
    def poll(self, after: int, max_events: int = 500, timeout: float = 0.5) -> Batch:
        """Envelopes with position > `after`, in position order.

        Delivery is at least once: an envelope may come again (after a restart, a rebalance, a
        retry), so consumers keep their own position and ignore what they have already applied.
        Waits up to `timeout` seconds when nothing is new.
        """
        ...

    def head(self) -> int:
        """The ledger's last published position now, asked of the ledger (not of the transport).

        A rebuild reads until it reaches this; raises `HeadUnavailable` when it cannot be asked.
        """
        ...

    def close(self, applied: int | None = None) -> None:
        """Stop reading. `applied`: the consumer's position, so a feed that keeps offsets (Kafka)
        can commit everything up to it on a clean stop instead of handing it out again."""
        ...


class HeadUnavailable(RuntimeError):
    """The feed cannot ask the ledger for its head (e.g. a Kafka feed with no ledger URL)."""


class PositionedConsumer(Protocol):
    """What a follower drives: projections and the notifier each implement this."""

    name: str

    def position(self) -> int:
        """The last position applied durably (0 before the first)."""
        ...

    def apply(self, batch: Batch) -> None:
        """Apply envelopes after `position()`, recording the new position in the same transaction."""
        ...
