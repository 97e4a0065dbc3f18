"""Relay throughput to Kafka against a bare kafka-python producer sending the same bytes."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING

from kafka import KafkaProducer

from bench.stats import Figure, median
from services.feed.kafka import ensure_topic
from services.ledger.relay import Relay, to_record

if TYPE_CHECKING:
    from collections.abc import Callable

    from services.ledger.application import LedgerApplication


def relay_rate(ledger: LedgerApplication, bootstrap: str) -> tuple[int, float]:
    topic = f"bench-relay-{uuid.uuid4().hex[:8]}"
    relay = Relay(ledger, bootstrap, topic, batch_size=1000, name=f"bench-{topic}")
    ensure_topic(bootstrap, topic)
    relay._ensure_producer()  # connect first: the figure is the steady rate, not the handshake
    started = time.perf_counter()
    sent = relay.publish_available()
    seconds = time.perf_counter() - started
    relay.stop()
    return sent, seconds


def bare_rate(ledger: LedgerApplication, bootstrap: str) -> tuple[int, float]:
    """kafka-python's defaults, the records the relay sends, already serialised: only the sending is timed."""
    records, after = [], 0
    while True:
        page = ledger.feed_page(after, 1000)
        if not page.events:
            break
        records.extend(to_record(e) for e in page.events)
        after = page.events[-1].position
    topic = f"bench-bare-{uuid.uuid4().hex[:8]}"
    ensure_topic(bootstrap, topic)
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    producer.send(topic, b"warm-up").get(10)
    started = time.perf_counter()
    for r in records:
        producer.send(topic, key=r.key, value=r.value, headers=r.headers)
    producer.flush()
    seconds = time.perf_counter() - started
    producer.close()
    return len(records), seconds


def measure(
    store: str, ledger: LedgerApplication, bootstrap: str, runs: int, progress: Callable[[str], None]
) -> list[Figure]:
    relay, bare = [], []
    for run in range(runs):
        sent, seconds = relay_rate(ledger, bootstrap)
        relay.append(sent / seconds)
        count, bare_seconds = bare_rate(ledger, bootstrap)
        bare.append(count / bare_seconds)
        progress(f"relay {store} run {run + 1}: relay {relay[-1]:,.0f}/s, bare producer {bare[-1]:,.0f}/s ({sent:,})")
    return [
        Figure(
            "relay",
            store,
            f"relay → Kafka, {sent:,} events (ev/s)",
            median(relay),
            "ev/s",
            "bare kafka-python producer",
            median(bare),
            "≥ 0.5x",
            median(relay) >= 0.5 * median(bare),
        ),
    ]
