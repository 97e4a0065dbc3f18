"""KafkaFeed: a consumer group on the ledger's topic, with positions kept by the consumer.

The ledger runs on SQLite here (the relay's backends are covered in test_relay.py); each test
pays one ~2 s group join per KafkaFeed it starts on Tansu.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient, KafkaProducer, TopicPartition

from schemas.envelope import EventEnvelope
from services.feed.base import Batch
from services.feed.follower import Follower
from services.feed.kafka import KafkaFeed, UndecodableRecord
from services.ledger.adapters.store import eventsourcing_env
from services.ledger.application import LedgerApplication
from services.ledger.relay import Relay, to_record
from tests.support.kafka_broker import create_topic
from tests.support.world import World

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(60)]


class AppliedLog:
    """A consumer with its own SQLite store: each applied envelope and the position, in one transaction."""

    name = "applied-log"

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.handed_again: list[int] = []
        with self.db:
            self.db.execute("CREATE TABLE applied (position INTEGER PRIMARY KEY, id TEXT, type TEXT)")
            self.db.execute("CREATE TABLE tracking (name TEXT PRIMARY KEY, position INTEGER)")

    def position(self) -> int:
        row = self.db.execute("SELECT position FROM tracking WHERE name = ?", (self.name,)).fetchone()
        return row[0] if row else 0

    def apply(self, batch: Batch) -> None:
        with self.db:
            current = self.position()
            for envelope in batch.envelopes:
                if envelope.position <= current:
                    self.handed_again.append(envelope.position)  # the feed should have dropped it
                    continue  # already applied: idempotent on replays
                # A primary key violation here would mean the same position was applied twice.
                row = (envelope.position, str(envelope.id), envelope.contract)
                self.db.execute("INSERT INTO applied VALUES (?, ?, ?)", row)
                current = envelope.position
            self.db.execute(
                "INSERT INTO tracking VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = ?",
                (self.name, current, current),
            )

    def applied_positions(self) -> list[int]:
        return [row[0] for row in self.db.execute("SELECT position FROM applied ORDER BY position")]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def follow(feed: KafkaFeed, consumer: AppliedLog, until: int, max_events: int = 500) -> None:
    """Poll and apply until the consumer's position reaches `until`."""
    deadline = time.monotonic() + 20
    while consumer.position() < until and time.monotonic() < deadline:
        after = consumer.position()
        batch = feed.poll(after, max_events, timeout=0.5)
        returned = [e.position for e in batch.envelopes]
        # The feed's contract: only what is new to the consumer, in strictly increasing order.
        assert all(p > after for p in returned), (after, returned)
        assert returned == sorted(set(returned)), returned
        if batch.envelopes:
            consumer.apply(batch)
    assert consumer.position() >= until, f"consumer stuck at {consumer.position()}, wanted {until}"


def committed_offset(bootstrap: str, group: str, topic: str) -> int | None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        offsets = admin.list_group_offsets({group: [TopicPartition(topic, 0)]})[group]
    finally:
        admin.close()
    meta = offsets.get(TopicPartition(topic, 0))
    return None if meta is None else meta.offset


@pytest.fixture
def bootstrap(kafka_broker: Any) -> str:
    return str(kafka_broker.bootstrap_servers)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[LedgerApplication]:
    app = LedgerApplication(env=eventsourcing_env(f"sqlite:///{tmp_path}/ledger.sqlite3"))
    yield app
    app.close()


@pytest.fixture
def published(ledger: LedgerApplication, bootstrap: str) -> tuple[str, list[EventEnvelope]]:
    """A topic holding a small department's events, published by the relay."""
    world = World(ledger).register_everyone()
    cycle = world.cycle()
    for n in range(3):
        audit = world.allocate(cycle, child_ref=f"MOS-10000{n}")
        world.submit(audit)
    relay = Relay(ledger, bootstrap, unique("feed"))
    try:
        relay.publish_available()
    finally:
        relay.stop()
    return relay.topic, ledger.feed_page(0, 1000).events


def test_a_consumer_restarted_mid_stream_applies_every_position_exactly_once(
    published: tuple[str, list[EventEnvelope]], bootstrap: str, tmp_path: Path
) -> None:
    topic, stored = published
    positions = [e.position for e in stored]
    consumer, group = AppliedLog(tmp_path / "consumer.sqlite3"), unique("group")

    first = KafkaFeed(bootstrap, topic, group)
    follow(first, consumer, until=positions[9], max_events=5)
    stopped_at = consumer.position()
    # Stopped mid-stream, right after applying a batch it has not yet acknowledged with a poll: that
    # batch's offsets stay uncommitted, so the next member is sent it again.
    first.close()
    committed = committed_offset(bootstrap, group, topic)
    assert committed is not None and 0 < committed < positions.index(stopped_at) + 1

    # The replacement runs as it does in a service: a Follower thread.
    second = KafkaFeed(bootstrap, topic, group)
    follower = Follower(second, consumer, batch_size=7).start()
    try:
        deadline = time.monotonic() + 20
        while consumer.position() < positions[-1] and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        follower.stop()
    assert (follower.lag, follower.last_error) == (0, None)

    assert consumer.applied_positions() == positions
    assert consumer.handed_again == []  # the uncommitted batch came again and the feed dropped it
    assert committed_offset(bootstrap, group, topic) == len(stored)


def test_duplicates_are_ignored_and_unapplied_envelopes_come_again(
    published: tuple[str, list[EventEnvelope]], bootstrap: str, tmp_path: Path
) -> None:
    topic, stored = published
    positions = [e.position for e in stored]
    # The same envelopes again: a relay that crashed before tracking, and a stray redelivery.
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    for envelope in [*stored[3:6], stored[0], stored[-1]]:
        record = to_record(envelope)
        producer.send(topic, key=record.key, value=record.value, headers=record.headers)
    producer.flush(timeout=10)
    producer.close(timeout=5)

    consumer, feed = AppliedLog(tmp_path / "consumer.sqlite3"), KafkaFeed(bootstrap, topic, unique("group"))
    try:
        first = feed.poll(0, max_events=5, timeout=10)
        assert [e.position for e in first.envelopes] == positions[:5]
        # The consumer failed to apply that batch: asking again from 0 hands out the same envelopes.
        assert feed.poll(0, max_events=5, timeout=0).envelopes == first.envelopes
        consumer.apply(first)

        follow(feed, consumer, until=positions[-1])
        assert consumer.handed_again == []
        # Nothing more: the repeated envelopes at the end of the topic are all at or below the position.
        later = feed.poll(consumer.position(), timeout=0.5)
        assert later.envelopes == []
        assert later.head == positions[-1]
        # That poll acknowledged everything, so the group's offset is past the repeats as well.
        assert committed_offset(bootstrap, feed.group_id, topic) == len(stored) + 5
    finally:
        feed.close()
    assert consumer.applied_positions() == positions


def test_a_record_that_is_not_an_envelope_stops_the_feed_instead_of_being_skipped(
    bootstrap: str, tmp_path: Path
) -> None:
    topic = unique("feed-bad")
    create_topic(bootstrap, topic, partitions=1)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    producer.send(topic, key=b"x", value=b"not json")
    producer.flush(timeout=10)
    producer.close(timeout=5)

    feed = KafkaFeed(bootstrap, topic, unique("group"))
    try:
        deadline = time.monotonic() + 15
        with pytest.raises(UndecodableRecord, match="not an envelope"):
            while time.monotonic() < deadline:
                feed.poll(0, timeout=0.5)
        with pytest.raises(UndecodableRecord):  # still there on the next poll
            feed.poll(0, timeout=2)
    finally:
        feed.close()
