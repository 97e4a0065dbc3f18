"""A consumer wrapper that logs each newly applied envelope with the correlation id it carries, so
one search finds a command in the ledger's logs and its effects in every consumer's."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from schemas.envelope import EventEnvelope
    from services.feed.base import Batch, PositionedConsumer

log = logging.getLogger("qa_ledger.feed")


class LoggedConsumer:
    def __init__(self, consumer: PositionedConsumer, on_applied: Callable[[EventEnvelope], None] | None = None) -> None:
        self.consumer = consumer
        self.name = consumer.name
        self.on_applied = on_applied

    def position(self) -> int:
        return self.consumer.position()

    def apply(self, batch: Batch) -> None:
        before = self.consumer.position()
        self.consumer.apply(batch)
        for envelope in batch.envelopes:
            if envelope.position <= before:
                continue
            if self.on_applied is not None:
                self.on_applied(envelope)
            log.info(
                "%s applied %s at position %d",
                self.name,
                envelope.contract,
                envelope.position,
                extra={
                    "service": self.name,
                    "correlation_id": envelope.correlationid,
                    "position": envelope.position,
                    "event_type": envelope.contract,
                },
            )
