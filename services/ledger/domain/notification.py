"""NotificationReceipt: the notifier's proof that someone was told, one per (event, rule, recipient)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import event

from services.ledger.domain.base import LedgerAggregate, derived_id

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID


class NotificationReceipt(LedgerAggregate):
    @staticmethod
    def id_for(cause_event_id: UUID, rule: str, recipient_id: str, channel: str) -> UUID:
        return derived_id("notification", cause_event_id, rule, recipient_id, channel)

    @classmethod
    def create_id(cls, *, cause_event_id: UUID, rule: str, recipient_id: str, channel: str, **_: object) -> UUID:
        return cls.id_for(cause_event_id, rule, recipient_id, channel)

    @event("NotificationDelivered")
    def __init__(
        self,
        *,
        cause_event_id: UUID,
        cause_event_type: str,
        rule: str,
        recipient_id: str,
        channel: str,
        delivered_at: datetime,
        subject_line: str,
    ) -> None:
        self.recipient_id = recipient_id
