"""The relay loop: read the ledger's log after the published position, send, flush, then track.

Tracking moves only after the broker acknowledged every record of a batch, so a crash between the
send and the tracking write repeats that batch on restart and never skips one. Consumers drop
repeats by position.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from schemas.envelope import KAFKA_TOPIC
from services.ledger.relay.kafka import ensure_topic, make_producer
from services.ledger.relay.messages import to_record
from services.ledger.relay.tracking import RELAY_NAME, PublishedPosition

if TYPE_CHECKING:
    from kafka import KafkaProducer

    from schemas.envelope import EventEnvelope
    from services.ledger.application import LedgerApplication

log = logging.getLogger("qa_ledger.relay")

MAX_BATCH = 1000  # the most `feed_page` returns


@dataclass(frozen=True)
class RelayStatus:
    topic: str
    published_position: int
    ledger_head: int
    lag: int
    running: bool
    last_error: str | None
    last_published_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        body = asdict(self)
        body["last_published_at"] = self.last_published_at.isoformat() if self.last_published_at else None
        return body


class Relay:
    def __init__(
        self,
        ledger: LedgerApplication,
        bootstrap_servers: str,
        topic: str = KAFKA_TOPIC,
        *,
        batch_size: int = 500,
        idle_interval: float = 1.0,
        send_timeout: float = 30.0,
        name: str = RELAY_NAME,
        producer_settings: dict[str, Any] | None = None,
    ) -> None:
        self.ledger = ledger
        self.bootstrap_servers = bootstrap_servers
        self.topic = topic
        self.batch_size = max(1, min(batch_size, MAX_BATCH))
        self.idle_interval = idle_interval
        self.send_timeout = send_timeout
        self.producer_settings = dict(producer_settings or {})
        self.published = PublishedPosition(ledger.factory.tracking_recorder(), name)
        self.last_error: str | None = None
        self.last_published_at: datetime | None = None
        self._producer: KafkaProducer | None = None
        self._topic_checked = False
        self._lock = threading.Lock()  # one publisher at a time: the thread or a test's direct call
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- publishing ----------------------------------------------------------------------------

    def publish_available(self) -> int:
        """Publish everything committed so far; returns how many envelopes were sent."""
        with self._lock:
            sent = 0
            while True:
                try:
                    count, caught_up = self._publish_batch()
                except Exception:
                    self._discard_producer()
                    raise
                sent += count
                if caught_up:
                    return sent

    def _publish_batch(self) -> tuple[int, bool]:
        after = self.published.get()
        # Read the head before the page: everything up to it is committed, so when the page comes
        # back short the relay may track past trailing internal records without skipping a write
        # that lands in between.
        head = self.ledger.recorder.max_notification_id() or 0
        page = self.ledger.feed_page(after, self.batch_size)
        events = page.events
        if events:
            self._send(events)
            self.last_published_at = datetime.now(UTC)
        caught_up = len(events) < self.batch_size
        reached = events[-1].position if events else after
        if caught_up:
            reached = max(reached, head)
        self.published.advance(reached)
        return len(events), caught_up

    def _send(self, events: list[EventEnvelope]) -> None:
        producer = self._ensure_producer()
        futures = []
        for envelope in events:
            record = to_record(envelope)
            future = producer.send(self.topic, key=record.key, value=record.value, headers=record.headers)
            futures.append(future)
        producer.flush(timeout=self.send_timeout)
        for future in futures:
            future.get(timeout=self.send_timeout)  # raises if the broker did not acknowledge it
        log.info(
            "published positions %s..%s to %s",
            events[0].position,
            events[-1].position,
            self.topic,
            extra={"position": events[-1].position},
        )

    def _ensure_producer(self) -> KafkaProducer:
        if not self._topic_checked:
            ensure_topic(self.bootstrap_servers, self.topic)
            self._topic_checked = True
        if self._producer is None:
            self._producer = make_producer(self.bootstrap_servers, **self.producer_settings)
        return self._producer

    def _discard_producer(self) -> None:
        # After a failed send the producer's sequence state is suspect: start afresh from tracking.
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                producer.close(timeout=5)
            except Exception:  # closing a broken producer must not hide the error that broke it
                log.warning("could not close the Kafka producer cleanly", exc_info=True)

    # --- running as a thread -------------------------------------------------------------------

    def wake(self) -> None:
        """Publish soon: the ledger calls this after each commit."""
        self._wake.set()

    def start(self) -> Relay:
        if self.wake not in self.ledger.after_commit:
            self.ledger.after_commit.append(self.wake)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="ledger-relay", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self.wake in self.ledger.after_commit:
            self.ledger.after_commit.remove(self.wake)
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        with self._lock:
            self._discard_producer()

    def close(self) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.publish_available()
                self.last_error, backoff = None, 0.5
            except Exception as exc:  # keep relaying; the error shows on the status endpoint
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("could not publish to %s; retrying in %.1fs", self.topic, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            self._wake.wait(self.idle_interval)

    # --- status --------------------------------------------------------------------------------

    def status(self) -> RelayStatus:
        published = self.published.get()
        head = self.ledger.recorder.max_notification_id() or 0
        return RelayStatus(
            topic=self.topic,
            published_position=published,
            ledger_head=head,
            lag=max(0, head - published),
            running=self.running,
            last_error=self.last_error,
            last_published_at=self.last_published_at,
        )
