"""Helpers for the consumer tests: a feed carrying an event no consumer can apply, and both consumers.

A poisoned event stands for one the ledger accepted before the contract bounded its values (or any
event a consumer's store refuses): the feed is the ledger's own, with one envelope's data replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.feed import LogFeed
from services.feed.base import PositionedConsumer
from services.ledger.application import LedgerApplication
from services.notifier.adapters.channels import FileOutboxChannel
from services.notifier.wiring import build_notifier
from services.projections.wiring import build_projections
from tests.support.projections import projections_url

# A value's own text, so a test can prove no error, status or log line ever quotes it.
PERSONAL = "MOS-654321 Jane Doe"


@dataclass(frozen=True)
class Poison:
    event_type: str
    data: dict[str, Any]


POISONS = {
    # The case: an integer no 32- or 64-bit column holds.
    "overflow": Poison("AuditCycleScheduled", {"moderation_floor_percent": 10**20}),
    # A value that is not what the contract says, quoting personal data in the validator's message.
    "personal": Poison("AuditAllocated", {"due_on": PERSONAL}),
}


def poisoned_feed(ledger: LedgerApplication, poison: Poison, idle_wait: float = 0.0) -> tuple[LogFeed, list[int]]:
    """The ledger's feed with the first event of the poison's type carrying its data instead.

    Returns the feed and a one-element list that holds the poisoned position once it has been read.
    """
    poisoned: list[int] = []

    def read_page(after: int, limit: int) -> tuple[list[Any], int]:
        page = ledger.feed_page(after, limit)
        envelopes = []
        for envelope in page.events:
            if not poisoned and envelope.contract == poison.event_type:
                poisoned.append(envelope.position)
            if poisoned and envelope.position == poisoned[0]:
                envelope = envelope.model_copy(update={"data": {**envelope.data, **poison.data}})
            envelopes.append(envelope)
        return envelopes, page.head

    return LogFeed(read_page, idle_wait=idle_wait), poisoned


def make_consumer(kind: str, database_url: str, tmp_path: Path) -> PositionedConsumer:
    """The projections or the notifier, on a store of the same kind as the ledger's."""
    url = projections_url(database_url, tmp_path, kind)
    if kind == "projections":
        return build_projections(url)
    return build_notifier(url, [FileOutboxChannel(tmp_path / "outbox")], None)


def close_consumer(consumer: Any) -> None:
    store = getattr(consumer, "db", None) or consumer.store
    store.close()
