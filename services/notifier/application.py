"""The notifier's use cases: apply events (read model + event rules + outbox, with the position,
in one transaction), evaluate deadlines once each, and dispatch the outbox with retries.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from schemas.events import EVENT_TYPES
from services.notifier.adapters.store import Delivery, NotifierStore
from services.notifier.deadlines import DEADLINE_RULES
from services.notifier.ports import Channel, DeliveryFailed, OutgoingMessage, Receipt, ReceiptSink
from services.notifier.readmodel import PROJECTORS
from services.notifier.rules import EVENT_RULES

if TYPE_CHECKING:
    from services.feed.base import Batch

log = logging.getLogger("qa_ledger.notifier")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: attempt n (after the first) waits base * factor**(n-1); then dead letter."""

    max_attempts: int = 6
    base_delay: timedelta = timedelta(seconds=30)
    factor: float = 2.0

    def next_attempt(self, failed_attempts: int, now: datetime) -> datetime | None:
        if failed_attempts >= self.max_attempts:
            return None
        return now + self.base_delay * (self.factor ** (failed_attempts - 1))


@dataclass
class DispatchReport:
    sent: int = 0
    failed: int = 0
    dead_lettered: int = 0
    receipts_recorded: int = 0
    receipt_errors: list[str] = field(default_factory=list)


class Notifier:
    """A `PositionedConsumer` of the event feed, plus the scheduler and dispatcher it needs."""

    name = "notifier"

    def __init__(
        self,
        store: NotifierStore,
        channels: Sequence[Channel],
        receipts: ReceiptSink | None,
        today: Callable[[], date],
        now: Callable[[], datetime] = utc_now,
        retry: RetryPolicy | None = None,
    ) -> None:
        names = [c.name for c in channels]
        if len(set(names)) != len(names):
            raise ValueError(f"one channel per kind: got {names}")
        self.store = store
        self.channels = {c.name: c for c in channels}
        self.receipts = receipts
        self.today = today
        self.now = now
        self.retry = retry or RetryPolicy()
        self.caught_up: Callable[[], bool] = lambda: True  # set by the wiring from the feed it follows
        self._dispatching = threading.Lock()

    # --- PositionedConsumer -----------------------------------------------------------------------

    def position(self) -> int:
        with self.store.transaction() as tx:
            return tx.position(self.name)

    def apply(self, batch: Batch) -> None:
        with self.store.transaction() as tx:
            position = tx.position(self.name, lock=True)
            queued = 0
            for envelope in batch.envelopes:
                if envelope.position <= position:
                    continue  # at least once delivery: already applied
                if envelope.contract in EVENT_TYPES:
                    payload = envelope.payload()
                    project = PROJECTORS.get(envelope.contract)
                    if project is not None:
                        project(tx, envelope, payload)
                    for rule in EVENT_RULES.get(envelope.contract, ()):
                        for notification in rule(envelope, payload, tx):
                            queued += tx.enqueue(notification, list(self.channels), self.now())
                else:
                    log.warning("skipping unknown event type %s at %s", envelope.contract, envelope.position)
                position = envelope.position
            tx.set_position(self.name, position, batch.head, self.now())
        if queued:
            log.info("queued %d notifications up to position %d", queued, position)

    def rewind(self, position: int = 0) -> None:
        """Re-apply the log from `position` (a replay): the outbox keys keep it from sending again."""
        with self.store.transaction() as tx:
            tx.set_position(self.name, position, None, self.now())

    # --- scheduler --------------------------------------------------------------------------------

    def evaluate_deadlines(self) -> int:
        """Evaluate every deadline that has come and was not evaluated before; returns messages queued.

        Skipped while the consumer is behind the feed: a submission not yet applied must not
        look like a missed deadline.
        """
        if not self.caught_up():
            return 0
        today, queued = self.today(), 0
        with self.store.transaction() as tx:
            for candidates in DEADLINE_RULES:
                for deadline, decide in list(candidates(tx, today)):
                    if not tx.claim_deadline(deadline, today):
                        continue
                    notifications = decide()
                    for notification in notifications:
                        queued += tx.enqueue(notification, list(self.channels), self.now())
                    tx.mark_deadline_notified(deadline, len(notifications))
        if queued:
            log.info("deadlines of %s queued %d notifications", today.isoformat(), queued)
        return queued

    # --- dispatcher -------------------------------------------------------------------------------

    def dispatch(self, limit: int = 100) -> DispatchReport:
        """Send what is due, then record receipts in the ledger. One dispatcher per store at a time.

        Waits while the consumer is behind the feed: receipts later in the log may show that a
        queued message was already delivered (a replay into a fresh store).
        """
        report = DispatchReport()
        if not self.caught_up():
            return report
        with self._dispatching:
            with self.store.transaction() as tx:
                due = tx.deliveries_due(self.now(), limit)
            for delivery in due:
                self._deliver(delivery, report)
            self._record_receipts(limit, report)
        return report

    def _deliver(self, delivery: Delivery, report: DispatchReport) -> None:
        channel = self.channels.get(delivery.channel)
        try:
            if channel is None:
                raise DeliveryFailed(f"no {delivery.channel} channel is configured")
            channel.send(outgoing(delivery))
        except DeliveryFailed as exc:
            failed_attempts = delivery.attempts + 1
            retry_at = self.retry.next_attempt(failed_attempts, self.now())
            with self.store.transaction() as tx:
                tx.mark_failed(delivery.message_id, delivery.channel, str(exc), retry_at)
            if retry_at is None:
                report.dead_lettered += 1
                log.error(
                    "dead-lettered %s to %s by %s after %d attempts: %s",
                    delivery.rule,
                    delivery.recipient_id,
                    delivery.channel,
                    failed_attempts,
                    exc,
                )
            else:
                report.failed += 1
                log.warning(
                    "%s to %s by %s failed (attempt %d), retry at %s: %s",
                    delivery.rule,
                    delivery.recipient_id,
                    delivery.channel,
                    failed_attempts,
                    retry_at.isoformat(),
                    exc,
                )
            return
        with self.store.transaction() as tx:
            tx.mark_sent(delivery.message_id, delivery.channel, self.now())
        report.sent += 1

    def _record_receipts(self, limit: int, report: DispatchReport) -> None:
        if self.receipts is None:
            return
        with self.store.transaction() as tx:
            unrecorded = tx.receipts_due(limit)
        for delivery in unrecorded:
            receipt = Receipt(
                delivery.cause_event_id,
                delivery.cause_event_type,
                delivery.rule,
                delivery.recipient_id,
                delivery.channel,
                delivery.subject_line,
                UUID(delivery.subject_id),  # every rule's subject is the aggregate of its cause event
            )
            try:
                self.receipts.record(receipt)
            except Exception as exc:  # the ledger may be down: keep the receipt for the next pass
                report.receipt_errors.append(str(exc))
                log.warning("receipt for %s to %s not recorded yet: %s", delivery.rule, delivery.recipient_id, exc)
                return
            with self.store.transaction() as tx:
                tx.mark_receipt_recorded(delivery.message_id, delivery.channel, self.now())
            report.receipts_recorded += 1

    def tick(self) -> DispatchReport:
        """One scheduler pass: deadlines, then delivery and receipts."""
        self.evaluate_deadlines()
        return self.dispatch()

    def requeue_dead_letter(self, message_id: UUID, channel: str) -> bool:
        with self.store.transaction() as tx:
            return tx.requeue(message_id, channel, self.now())


def outgoing(delivery: Delivery) -> OutgoingMessage:
    return OutgoingMessage(
        delivery.message_id,
        delivery.rule,
        delivery.cause_event_id,
        delivery.cause_event_type,
        delivery.recipient_id,
        delivery.recipient_email,
        delivery.recipient_name,
        delivery.subject_line,
        delivery.body,
        delivery.subject_id,
    )
