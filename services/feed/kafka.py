"""A feed from the ledger's Kafka topic (distributed mode), for projections and the notifier.

The consumer's durable position lives in its own database; Kafka offsets only save re-reading.
`poll(after)` is also the acknowledgement: every record at or below `after` has been applied, so
its offset may be committed. What was returned but not yet acknowledged is returned again, and
anything at or below `after` (a relay repeat, a redelivery after a rebalance) is dropped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import CommitFailedError, KafkaError, TopicAlreadyExistsError
from kafka.structs import OffsetAndMetadata

from schemas.envelope import KAFKA_TOPIC, EventEnvelope
from services.feed.base import Batch, HeadUnavailable
from services.platform.failures import describe

log = logging.getLogger("qa_ledger.feed.kafka")

# Low timeouts: a group join costs ~session_timeout/2 on Tansu, and a stopped consumer is replaced fast.
CONSUMER_SETTINGS: dict[str, Any] = {
    "auto_offset_reset": "earliest",
    "enable_auto_commit": False,
    "session_timeout_ms": 3000,
    "heartbeat_interval_ms": 1000,
    "max_poll_interval_ms": 3000,
    "fetch_max_wait_ms": 10,
}


LEDGER_HEAD_INTERVAL = 1.0  # seconds between questions to the ledger about its head


class TopicMisconfigured(RuntimeError):
    """The topic exists with more than one partition, so global position order cannot hold."""


# The log is the history, not latest state: keep every record for ever, never compact (keys are
# aggregate ids, not latest-state keys). docs/kafka.md, schemas/asyncapi.yaml.
TOPIC_CONFIGS = {"retention.ms": "-1", "retention.bytes": "-1", "cleanup.policy": "delete"}


def ensure_topic(bootstrap_servers: str, topic: str, timeout: float = 10.0) -> None:
    """Create the topic with one partition, or check that an existing one has exactly one.

    Both ends call this first: a broker auto-creates an unknown topic with several partitions
    when a producer or even a consumer first names it (Tansu ignores `allow_auto_create_topics`).
    """
    timeout_ms = int(timeout * 1000)
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers, client_id="qa-ledger-topic-admin", request_timeout_ms=timeout_ms
    )
    try:
        try:
            admin.create_topics(
                {topic: {"num_partitions": 1, "replication_factor": 1, "configs": TOPIC_CONFIGS}},
                timeout_ms=timeout_ms,
                wait_for_metadata=True,
            )
        except TopicAlreadyExistsError:
            described = admin.describe_topics([topic])
            partitions = len(described[0]["partitions"]) if described else 0
            if partitions != 1:
                raise TopicMisconfigured(
                    f"topic {topic!r} has {partitions} partitions; the ledger's events need exactly 1 "
                    "to keep global position order"
                ) from None
    finally:
        admin.close()


class UndecodableRecord(RuntimeError):
    """A record on the topic is not an event envelope; the feed stops on it rather than skip it."""


@dataclass(frozen=True)
class _Delivered:
    envelope: EventEnvelope
    partition: TopicPartition
    next_offset: int  # what to commit once this envelope is applied


class KafkaFeed:
    def __init__(
        self,
        bootstrap_servers: str,
        topic: str = KAFKA_TOPIC,
        group_id: str = "qa-ledger-consumer",
        *,
        client_id: str | None = None,
        create_topic: bool = True,
        ledger_head: Callable[[], int] | None = None,
        **consumer_settings: Any,
    ) -> None:
        """`ledger_head` asks the ledger for its published head (see `services.feed.log.ledger_head`):
        the topic cannot say what the ledger holds, only what the relay has sent so far. With it, each
        batch's `head` is the ledger's (asked at most once a second, when a poll brings nothing or
        before the first answer), and None until the ledger has answered."""
        self.topic = topic
        self._ledger_head = ledger_head
        self._ledger_known: int | None = None
        self._ledger_asked = 0.0
        self.group_id = group_id
        if create_topic:
            ensure_topic(bootstrap_servers, topic)
        self._consumer = KafkaConsumer(
            topic,
            bootstrap_servers=bootstrap_servers,
            group_id=group_id,
            client_id=client_id or group_id,
            **{**CONSUMER_SETTINGS, **consumer_settings},
        )
        self._unacknowledged: list[_Delivered] = []
        self._safe_offsets: dict[TopicPartition, int] = {}
        self._committed: dict[TopicPartition, int] = {}
        self._head: int | None = None
        self._lock = threading.Lock()  # KafkaConsumer is not thread-safe; close() may come from elsewhere
        self._closed = False

    def poll(self, after: int, max_events: int = 500, timeout: float = 0.5) -> Batch:
        with self._lock:
            if self._closed:
                return Batch([], self._head_for(after))
            self._acknowledge(after)
            if self._unacknowledged:  # returned before, not applied: hand them out again
                again = [d.envelope for d in self._unacknowledged[:max_events]]
                return Batch(again, self._head_for(after))
            delivered = self._fetch(after, max_events, timeout)
            self._unacknowledged = delivered
            self._commit()
            if not delivered or self._ledger_known is None:
                self._ask_ledger()
            return Batch([d.envelope for d in delivered], self._head_for(after))

    def head(self) -> int:
        if self._ledger_head is None:
            raise HeadUnavailable(
                "a Kafka feed cannot ask the ledger for its head: set QA_LEDGER_URL (and QA_LEDGER_SERVICE_TOKEN)"
            )
        return self._ledger_head()

    def close(self, applied: int | None = None) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                if applied is not None:
                    self._acknowledge(applied)
                self._commit()
                self._consumer.close(autocommit=False)  # leaves the group: the next member joins at once

    # --- internals -----------------------------------------------------------------------------

    def _acknowledge(self, after: int) -> None:
        kept = []
        for delivered in self._unacknowledged:
            if delivered.envelope.position <= after:
                self._safe_offsets[delivered.partition] = delivered.next_offset
            else:
                kept.append(delivered)
        self._unacknowledged = kept

    def _fetch(self, after: int, max_events: int, timeout: float) -> list[_Delivered]:
        deadline = time.monotonic() + timeout
        delivered: list[_Delivered] = []
        newest = after
        while not delivered:
            remaining_ms = max(0, int((deadline - time.monotonic()) * 1000))
            records = self._consumer.poll(timeout_ms=remaining_ms, max_records=max_events)
            for partition, batch in records.items():
                for record in batch:
                    try:
                        envelope = EventEnvelope.model_validate_json(record.value)
                    except (ValueError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
                        # Come back to it on the next poll, after handing out what came before it.
                        self._consumer.seek(partition, record.offset)
                        if delivered:
                            return delivered
                        raise UndecodableRecord(  # described, not quoted: the record may hold personal data
                            f"{record.topic}[{record.partition}]@{record.offset} is not an envelope: {describe(exc)}"
                        ) from exc
                    self._head = max(self._head or 0, envelope.position)
                    if envelope.position > newest:
                        newest = envelope.position
                        delivered.append(_Delivered(envelope, partition, record.offset + 1))
                    elif delivered and delivered[-1].partition == partition:
                        # A repeat behind an undelivered envelope: skip it when that one is applied.
                        last = delivered[-1]
                        delivered[-1] = _Delivered(last.envelope, partition, record.offset + 1)
                    else:
                        self._safe_offsets[partition] = record.offset + 1  # already applied
            if remaining_ms == 0:
                break
        return delivered

    def _commit(self) -> None:
        pending = {
            tp: OffsetAndMetadata(offset, "", -1)
            for tp, offset in self._safe_offsets.items()
            if self._committed.get(tp) != offset
        }
        if not pending:
            return
        try:
            self._consumer.commit(pending)
            for tp, meta in pending.items():
                self._committed[tp] = meta.offset
        except (CommitFailedError, KafkaError) as exc:
            # Offsets only save re-reading: positions keep delivery correct, so retry on the next poll.
            log.warning("could not commit offsets for %s: %s", self.group_id, exc)

    def _ask_ledger(self) -> None:
        if self._ledger_head is None or time.monotonic() - self._ledger_asked < LEDGER_HEAD_INTERVAL:
            return
        self._ledger_asked = time.monotonic()
        try:
            self._ledger_known = self._ledger_head()
        except Exception as exc:  # the topic still works; the head stays as last known
            log.warning("could not ask the ledger for its head: %s", describe(exc))

    def _head_for(self, after: int) -> int | None:
        seen = max(self._head or 0, after)
        if self._ledger_head is None:
            return seen  # what the topic has shown: all we know without the ledger
        return None if self._ledger_known is None else max(seen, self._ledger_known)
