"""What the notifier needs from the outside world, each a one-method interface it owns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class OutgoingMessage:
    message_id: UUID
    rule: str
    cause_event_id: UUID
    cause_event_type: str
    recipient_id: str
    recipient_email: str
    recipient_name: str
    subject_line: str
    body: str
    subject_id: str


class DeliveryFailed(Exception):
    """A channel could not deliver; the dispatcher retries with backoff, then dead-letters."""


class Channel(Protocol):
    """One way of telling someone. `name` is the receipt's channel: "email" or "webhook"."""

    name: str

    def send(self, message: OutgoingMessage) -> None:
        """Deliver or raise `DeliveryFailed`. Must tolerate the same message twice (at least once)."""
        ...


@dataclass(frozen=True)
class Receipt:
    """Body of the ledger's RecordNotificationDelivered command."""

    cause_event_id: UUID
    cause_event_type: str
    rule: str
    recipient_id: str
    channel: str
    subject_line: str
    # The ledger refuses a receipt unless the cause event exists: it finds it in this aggregate.
    cause_aggregate_id: UUID

    def as_json(self) -> dict[str, str]:
        return {
            "cause_event_id": str(self.cause_event_id),
            "cause_aggregate_id": str(self.cause_aggregate_id),
            "cause_event_type": self.cause_event_type,
            "rule": self.rule,
            "recipient_id": self.recipient_id,
            "channel": self.channel,
            "subject_line": self.subject_line,
        }


class ReceiptSink(Protocol):
    """Records a delivery in the ledger as NotificationDelivered (idempotent on the ledger's side)."""

    def record(self, receipt: Receipt) -> None: ...
