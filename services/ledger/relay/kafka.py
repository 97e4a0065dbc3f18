"""The relay's Kafka plumbing: an idempotent producer and the one-partition topic."""

from __future__ import annotations

from typing import Any

from kafka import KafkaAdminClient, KafkaProducer
from kafka.errors import TopicAlreadyExistsError

PRODUCER_SETTINGS: dict[str, Any] = {
    "acks": "all",
    "enable_idempotence": True,
    # One request in flight: a retried batch can never land behind the one after it.
    "max_in_flight_requests_per_connection": 1,
    "linger_ms": 5,
    "request_timeout_ms": 10_000,
    "delivery_timeout_ms": 30_000,
    "max_block_ms": 10_000,
}


class TopicMisconfigured(RuntimeError):
    """The topic exists with more than one partition, so global position order cannot hold."""


def make_producer(bootstrap_servers: str, **overrides: Any) -> KafkaProducer:
    return KafkaProducer(
        bootstrap_servers=bootstrap_servers, client_id="qa-ledger-relay", **{**PRODUCER_SETTINGS, **overrides}
    )


def ensure_topic(bootstrap_servers: str, topic: str, timeout: float = 10.0) -> None:
    """Create the topic with one partition, or check that an existing one has exactly one.

    Brokers auto-create unknown topics with several partitions, so the relay creates it first.
    """
    timeout_ms = int(timeout * 1000)
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers, client_id="qa-ledger-relay-admin", request_timeout_ms=timeout_ms
    )
    try:
        try:
            admin.create_topics(
                {topic: {"num_partitions": 1, "replication_factor": 1}},
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
