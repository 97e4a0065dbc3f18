"""The ledger → Kafka relay against a real broker, on SQLite and on PostgreSQL.

Records are read back with a plain partition assignment (no consumer group), so no test here pays
for a group join.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.cryptography import AESCipher
from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from schemas.envelope import EventEnvelope
from services.ledger.adapters.store import eventsourcing_env
from services.ledger.application import LedgerApplication
from services.ledger.relay import PublishedPosition, Relay
from services.ledger.relay.kafka import TopicMisconfigured
from tests.support.kafka_broker import create_topic
from tests.support.world import World

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(60)]


def unique_topic(prefix: str = "relay") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def read_topic(bootstrap: str, topic: str, expected: int, timeout: float = 15.0) -> list[ConsumerRecord]:
    """Every record on partition 0, from the start; waits for `expected` and checks nothing follows."""
    create_topic(bootstrap, topic, partitions=1)  # as KafkaFeed does: naming it would auto-create 4
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, fetch_max_wait_ms=10)
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        records: list[ConsumerRecord] = []
        deadline = time.monotonic() + timeout
        while len(records) < expected and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=200).values():
                records.extend(batch)
        for batch in consumer.poll(timeout_ms=300).values():
            records.extend(batch)
        assert len(records) == expected, f"expected {expected} records on {topic}, found {len(records)}"
        return records
    finally:
        consumer.close(autocommit=False)


def stored_envelopes(ledger: LedgerApplication) -> list[EventEnvelope]:
    return ledger.feed_page(0, 1000).events


def envelopes(records: list[ConsumerRecord]) -> list[EventEnvelope]:
    return [EventEnvelope.model_validate_json(r.value) for r in records]


@pytest.fixture
def bootstrap(kafka_broker: Any) -> str:
    return str(kafka_broker.bootstrap_servers)


@pytest.fixture
def world(ledger: LedgerApplication) -> World:
    return World(ledger).register_everyone()


@pytest.fixture
def relay(ledger: LedgerApplication, bootstrap: str) -> Iterator[Relay]:
    relay = Relay(ledger, bootstrap, unique_topic())
    yield relay
    relay.stop()


def some_audit_work(world: World) -> None:
    cycle = world.cycle()
    audit = world.allocate(cycle)
    world.submit(audit)
    world.discuss(audit)


class TestPublishing:
    def test_every_stored_event_goes_out_in_position_order_with_its_key(
        self, world: World, relay: Relay, bootstrap: str
    ) -> None:
        some_audit_work(world)
        stored = stored_envelopes(world.ledger)

        assert relay.publish_available() == len(stored)

        records = read_topic(bootstrap, relay.topic, len(stored))
        assert envelopes(records) == stored
        assert [r.offset for r in records] == list(range(len(stored)))
        positions = [e.position for e in stored]
        assert positions == sorted(positions) and len(set(positions)) == len(positions)
        for record, envelope in zip(records, stored, strict=True):
            assert record.partition == 0
            assert record.key == str(envelope.aggregateid).encode()
            assert not record.headers  # the SDK would copy any header into the event (schemas/asyncapi.yaml)

    def test_the_published_position_is_tracked_in_the_ledger_store(self, world: World, relay: Relay) -> None:
        some_audit_work(world)
        relay.publish_available()

        status = relay.status()
        head = world.ledger.recorder.max_notification_id()
        assert (status.published_position, status.ledger_head, status.lag) == (head, head, 0)
        assert status.last_error is None
        # A second look finds nothing new to send.
        assert relay.publish_available() == 0

    def test_small_batches_publish_everything_in_order(self, world: World, bootstrap: str) -> None:
        some_audit_work(world)
        stored = stored_envelopes(world.ledger)
        relay = Relay(world.ledger, bootstrap, unique_topic(), batch_size=4)
        try:
            assert relay.publish_available() == len(stored)
        finally:
            relay.stop()
        assert envelopes(read_topic(bootstrap, relay.topic, len(stored))) == stored

    def test_a_topic_with_several_partitions_is_refused(self, world: World, bootstrap: str) -> None:
        topic = unique_topic("relay-partitioned")
        create_topic(bootstrap, topic, partitions=2)
        relay = Relay(world.ledger, bootstrap, topic)
        try:
            with pytest.raises(TopicMisconfigured, match="exactly 1"):
                relay.publish_available()
            assert relay.status().published_position == 0
        finally:
            relay.stop()


class TestRestarts:
    def test_a_restarted_relay_publishes_only_the_rest(self, world: World, bootstrap: str) -> None:
        topic = unique_topic()
        first = Relay(world.ledger, bootstrap, topic)
        published_first = first.publish_available()
        first.stop()

        some_audit_work(world)  # written while no relay runs
        second = Relay(world.ledger, bootstrap, topic)
        try:
            published_second = second.publish_available()
            assert second.status().lag == 0
        finally:
            second.stop()

        stored = stored_envelopes(world.ledger)
        assert published_first + published_second == len(stored)
        assert envelopes(read_topic(bootstrap, topic, len(stored))) == stored

    def test_a_crash_between_send_and_tracking_repeats_and_never_skips(
        self, world: World, bootstrap: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        topic = unique_topic()
        first = Relay(world.ledger, bootstrap, topic)
        first.publish_available()
        before_crash = first.published.get()
        some_audit_work(world)

        # The process dies after the broker acknowledged the batch, before tracking moved.
        def crash(position: int) -> None:
            raise SystemExit("relay killed before tracking")

        monkeypatch.setattr(first.published, "advance", crash)
        with pytest.raises(SystemExit):
            first.publish_available()
        first.stop()
        assert first.published.get() == before_crash

        second = Relay(world.ledger, bootstrap, topic)
        try:
            second.publish_available()
        finally:
            second.stop()

        stored = stored_envelopes(world.ledger)
        repeated = [e for e in stored if e.position > before_crash]
        on_topic = envelopes(read_topic(bootstrap, topic, len(stored) + len(repeated)))
        # Everything, then the unacknowledged-by-tracking batch once more: repeats, no gaps.
        assert on_topic == stored + repeated
        assert second.status().published_position == world.ledger.recorder.max_notification_id()


class TestRunningAsAThread:
    def test_the_relay_thread_follows_new_commits(self, world: World, relay: Relay, bootstrap: str) -> None:
        relay.start()
        assert relay.wake in world.ledger.after_commit
        some_audit_work(world)
        head = world.ledger.recorder.max_notification_id()

        deadline = time.monotonic() + 15
        while relay.status().published_position < head and time.monotonic() < deadline:
            time.sleep(0.05)

        status = relay.status()
        assert status.running and status.lag == 0 and status.last_error is None
        assert status.as_dict()["published_position"] == head
        stored = stored_envelopes(world.ledger)
        assert envelopes(read_topic(bootstrap, relay.topic, len(stored))) == stored

        relay.stop()
        assert not relay.status().running
        assert relay.wake not in world.ledger.after_commit


def test_the_entry_point_relays_a_ledger_database(tmp_path: Path, bootstrap: str) -> None:
    url = f"sqlite:///{tmp_path}/ledger.sqlite3"
    cipher_key = AESCipher.create_key(32)  # the relay must hold the ledger's keys to read its events
    ledger = LedgerApplication(env=eventsourcing_env(url, cipher_key))
    try:
        World(ledger).register_everyone()
        stored = stored_envelopes(ledger)
        topic = unique_topic("relay-main")
        env = {
            **os.environ,
            "LEDGER_DATABASE_URL": url,
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "KAFKA_TOPIC": topic,
            "RELAY_POLL_SECONDS": "0.1",
            "QA_LEDGER_CIPHER_KEY": cipher_key,
            "QA_LEDGER_DATA_DIR": str(tmp_path),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "services.ledger.relay"], env=env, cwd=Path(__file__).parents[2]
        )
        try:
            assert envelopes(read_topic(bootstrap, topic, len(stored), timeout=30)) == stored
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=15) == 0
        tracked = PublishedPosition(ledger.factory.tracking_recorder()).get()
        assert tracked == ledger.recorder.max_notification_id()
    finally:
        ledger.close()
