"""The reference subscriber (examples/subscriber) against the Tansu broker and a short scenario:
it sees every event once — across a restart and a relay that sent everything twice — validates
each against the served schemas, and stops at a record that breaks the chain.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from kafka import KafkaProducer

from examples.subscriber.subscriber import BrokenChain, Schemas, Store, follow
from services.ledger.application import LedgerApplication
from services.ledger.relay import Relay
from tests.integration.test_relay import read_topic, unique_topic
from tests.support.world import World

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(120)]


@pytest.fixture
def world(ledger: LedgerApplication) -> World:
    world = World(ledger).register_everyone()
    audit = world.allocate(world.cycle())
    world.submit(audit)
    world.discuss(audit)
    return world


def publish(world: World, bootstrap: str, topic: str, name: str = "ledger-relay") -> int:
    relay = Relay(world.ledger, bootstrap, topic, name=name)
    try:
        return relay.publish_available()
    finally:
        relay.stop()


def test_it_applies_every_event_once_across_a_restart_and_a_repeated_batch(
    world: World, client: TestClient, kafka_broker: Any, tmp_path: Path
) -> None:
    bootstrap, topic = str(kafka_broker.bootstrap_servers), unique_topic("subscriber")
    schemas = Schemas(client)  # the ledger's app serves GET /v1/schemas/... (dataschema URLs)
    store = Store(str(tmp_path / "subscriber.sqlite3"))
    publish(world, bootstrap, topic)

    applied = asyncio.run(follow(bootstrap, store, schemas, topic=topic, stop_at=10))
    assert applied == 10
    world.allocate(world.cycle(date(2027, 1, 4)), child_ref="MOS-200002")  # more history meanwhile
    publish(world, bootstrap, topic)  # the rest...
    publish(world, bootstrap, topic, name="second-relay")  # ...and all of it again: at least once

    total = len(world.ledger.feed_page(0, 1000).events)
    restarted = Store(str(tmp_path / "subscriber.sqlite3"))
    assert asyncio.run(follow(bootstrap, restarted, schemas, topic=topic, idle_seconds=3)) == total - 10
    feed = world.ledger.feed_page(0, 1000).events
    rows = restarted.db.execute("SELECT sequence, id FROM applied ORDER BY sequence").fetchall()
    assert rows == [(e.sequence, str(e.id)) for e in feed] and len(rows) == total
    assert len(schemas.cache) > 3  # payload and envelope schemas, fetched from dataschema


def test_a_record_that_breaks_the_chain_stops_it(
    world: World, client: TestClient, kafka_broker: Any, tmp_path: Path
) -> None:
    bootstrap, source, forged = str(kafka_broker.bootstrap_servers), unique_topic("clean"), unique_topic("forged")
    sent = publish(world, bootstrap, source)
    records = read_topic(bootstrap, source, sent)
    read_topic(bootstrap, forged, 0)  # create it with one partition
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for n, record in enumerate(records):
        value = json.loads(record.value)
        if n == 5:
            value["data"] = {**value["data"], "display_name": "Someone Else"}  # altered in transit
        producer.send(forged, key=record.key, value=json.dumps(value).encode())
    producer.flush()
    producer.close()
    store = Store(str(tmp_path / "subscriber.sqlite3"))
    with pytest.raises(BrokenChain, match="sequence 6: the envelope does not match its integrityhash"):
        asyncio.run(follow(bootstrap, store, Schemas(client), topic=forged, idle_seconds=3))
    assert store.db.execute("SELECT MAX(sequence) FROM applied").fetchone() == (5,)


def test_the_schemas_come_from_the_urls_the_envelopes_name(world: World, client: TestClient) -> None:
    envelope = world.ledger.feed_page(0, 1).events[0].model_dump(mode="json")
    assert envelope["dataschema"].startswith("http://127.0.0.1:8000/v1/schemas/json/events/")
    Schemas(client).validate(envelope)
    assert isinstance(client, httpx.Client)
