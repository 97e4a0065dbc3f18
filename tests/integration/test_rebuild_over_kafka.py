"""A rebuild over Kafka reads to the ledger's head, not to the first empty poll (issue 15 §3).

`python -m services.projections rebuild` with KAFKA_BOOTSTRAP_SERVERS used to print "rebuilt all
projections up to position 0" and exit 0: its consumer group had not joined yet, the first polls came
back empty, and it stopped there after clearing the tables. Ledger and read models on SQLite and
PostgreSQL; the topic on the Tansu broker, published by the ledger's own relay.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.feed import Follower
from services.feed.kafka import KafkaFeed
from services.ledger.application import LedgerApplication
from services.ledger.relay import Relay
from services.projections.consumer import Projections
from services.projections.rebuild import RebuildFailed
from tests.conftest import Clock
from tests.support.projections import busy_department, ledger_feed, new_projections, table_dump
from tests.support.world import World

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(120)]


@pytest.fixture
def bootstrap(kafka_broker: Any) -> str:
    return str(kafka_broker.bootstrap_servers)


@pytest.fixture
def topic() -> str:
    return f"rebuild-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def department(ledger: LedgerApplication) -> World:
    world = World(ledger).register_everyone()
    busy_department(world, lambda: None)
    return world


@pytest.fixture
def live(database_url: str, tmp_path: Path, clock: Clock, department: World) -> Iterator[Projections]:
    projections = new_projections(database_url, tmp_path, clock, "live")
    Follower(ledger_feed(department.ledger), projections).catch_up()
    yield projections
    projections.db.close()


def kafka_feed(bootstrap: str, topic: str, ledger: LedgerApplication | None) -> KafkaFeed:
    head = (lambda: ledger.feed_page(0, 1).head) if ledger is not None else None
    return KafkaFeed(bootstrap, topic, f"rebuild-{uuid.uuid4().hex[:8]}", ledger_head=head)


def test_a_rebuild_over_kafka_reaches_the_ledgers_head_even_while_the_relay_catches_up(
    department: World, live: Projections, bootstrap: str, topic: str, database_url: str, tmp_path: Path, clock: Clock
) -> None:
    ledger = department.ledger
    relay = Relay(ledger, bootstrap, topic, batch_size=10)
    relay.publish_available()  # the relay has sent everything so far...
    department.allocate(department.cycle(date(2026, 12, 7), name="Next"), child_ref="MOS-940000")  # ...not this
    head = ledger.feed_page(0, 1).head

    def relay_later() -> None:
        time.sleep(3)
        relay.publish_available()

    late = threading.Thread(target=relay_later)
    late.start()
    feed = kafka_feed(bootstrap, topic, ledger)
    try:
        position = live.rebuild(feed, batch_size=50, patience=30)
    finally:
        feed.close()
        late.join()
        relay.stop()
    assert position == head and live.position() == head
    reference = new_projections(database_url, tmp_path, clock, "reference")
    try:
        reference.rebuild(ledger_feed(ledger))
        assert table_dump(live) == table_dump(reference)
    finally:
        reference.db.close()


def test_a_rebuild_over_kafka_that_cannot_ask_the_ledger_fails_loudly(
    department: World, live: Projections, bootstrap: str, topic: str
) -> None:
    before = table_dump(live)
    relay = Relay(department.ledger, bootstrap, topic)
    relay.publish_available()
    relay.stop()
    feed = kafka_feed(bootstrap, topic, None)
    try:
        with pytest.raises(RebuildFailed, match=r"cannot ask the ledger for its head.*QA_LEDGER_URL"):
            live.rebuild(feed)
    finally:
        feed.close()
    assert table_dump(live) == before
