"""A reference subscriber to QA Ledger's event topic, written as another team would write one:
aiokafka, the CloudEvents SDK, jsonschema and `schemas.integrity` — not the project's KafkaFeed.

It reads the topic from the beginning, decodes each record with the SDK's own Kafka binding,
validates the envelope and its payload against the schemas the ledger serves, checks continuity
(sequence, prevhash, integrityhash), and applies the event to its own SQLite store in the same
transaction as its resume point, so a restart resumes exactly where it stopped.

    python -m examples.subscriber --bootstrap 127.0.0.1:9092 --db warehouse.sqlite3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
from typing import Any

import httpx
import jsonschema
from aiokafka import AIOKafkaConsumer, TopicPartition
from cloudevents.v1.kafka import KafkaMessage, from_structured

from schemas.integrity import continuity_problem

TOPIC = "qa-ledger.events.v1"
# Group joins take about session_timeout_ms / 2 on the dev broker: 6 s is the least Apache Kafka
# accepts by default (group.min.session.timeout.ms), so ~3 s per join (docs/kafka.md).
CONSUMER_SETTINGS: dict[str, Any] = {
    "auto_offset_reset": "earliest",
    "enable_auto_commit": False,
    "session_timeout_ms": 6000,
    "heartbeat_interval_ms": 1000,
    "fetch_max_wait_ms": 100,
}


class BrokenChain(Exception):
    """Continuity failed: events were missed, or one was altered. Stop; never skip."""


class Store:
    """The subscriber's own database: what it applied, and the last envelope, in one transaction."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE IF NOT EXISTS applied (sequence INTEGER PRIMARY KEY, id TEXT UNIQUE, type TEXT)")
        self.db.execute("CREATE TABLE IF NOT EXISTS resume (one INTEGER PRIMARY KEY CHECK (one = 1), envelope TEXT)")

    def last(self) -> dict[str, Any] | None:
        row = self.db.execute("SELECT envelope FROM resume").fetchone()
        return json.loads(row[0]) if row else None

    def apply(self, envelope: dict[str, Any]) -> None:
        with self.db:  # one transaction: the event's effect and the resume point
            self.db.execute(
                "INSERT INTO applied VALUES (?, ?, ?)", (envelope["sequence"], envelope["id"], envelope["type"])
            )
            self.db.execute("INSERT OR REPLACE INTO resume VALUES (1, ?)", (json.dumps(envelope),))


class Schemas:
    """JSON Schemas fetched from the URLs the envelopes name (`dataschema`), once each."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.cache: dict[str, dict[str, Any]] = {}

    def get(self, url: str) -> dict[str, Any]:
        if url not in self.cache:
            response = self.http.get(url)
            response.raise_for_status()
            self.cache[url] = response.json()
        return self.cache[url]

    def validate(self, envelope: dict[str, Any]) -> None:
        envelope_schema = envelope["dataschema"].rsplit("/events/", 1)[0] + "/EventEnvelope.v2.json"
        jsonschema.validate(envelope, self.get(envelope_schema))
        jsonschema.validate(envelope["data"], self.get(envelope["dataschema"]))


def decode(record: Any) -> dict[str, Any]:
    event = from_structured(KafkaMessage(headers=dict(record.headers or ()), key=record.key, value=record.value))
    return {**event.get_attributes(), "data": event.get_data()}


async def follow(
    bootstrap: str,
    store: Store,
    schemas: Schemas,
    *,
    topic: str = TOPIC,
    group: str = "subscriber",
    stop_at: int | None = None,
    idle_seconds: float | None = None,
) -> int:
    """Apply every new event in order; returns how many. Stops at sequence `stop_at`, or after
    `idle_seconds` without a record (for tests and batch runs); otherwise runs until cancelled."""
    previous, applied = store.last(), 0
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, **CONSUMER_SETTINGS)
    await consumer.start()
    try:
        while stop_at is None or (previous or {}).get("sequence", 0) < stop_at:
            batches = await consumer.getmany(timeout_ms=int((idle_seconds or 1) * 1000))
            if not batches and idle_seconds is not None:
                break
            for record in [r for records in batches.values() for r in records]:
                envelope = decode(record)
                if previous and envelope["sequence"] <= previous["sequence"]:
                    continue  # delivered again (at least once): already applied
                schemas.validate(envelope)
                if problem := continuity_problem(previous, envelope):
                    raise BrokenChain(problem)
                store.apply(envelope)
                previous, applied = envelope, applied + 1
                # Offsets only save re-reading (the store holds the resume point): commit what was applied.
                await consumer.commit({TopicPartition(record.topic, record.partition): record.offset + 1})
                if envelope["sequence"] == stop_at:
                    break
    finally:
        await consumer.stop()
    return applied


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--topic", default=TOPIC)
    parser.add_argument("--group", default="subscriber")
    parser.add_argument("--db", default="subscriber.sqlite3")
    args = parser.parse_args(argv)
    with httpx.Client(timeout=10) as http:
        asyncio.run(follow(args.bootstrap, Store(args.db), Schemas(http), topic=args.topic, group=args.group))
    return 0
