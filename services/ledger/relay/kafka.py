"""The relay's Kafka plumbing: an idempotent producer for the one-partition topic.

The topic itself is checked or created by `services.feed.kafka.ensure_topic`, which both ends
share: whichever side first names the topic must create it with one partition.
"""

from __future__ import annotations

from typing import Any

from kafka import KafkaProducer

from services.feed.kafka import TopicMisconfigured, ensure_topic

__all__ = ["PRODUCER_SETTINGS", "TopicMisconfigured", "ensure_topic", "make_producer"]

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


def make_producer(bootstrap_servers: str, **overrides: Any) -> KafkaProducer:
    return KafkaProducer(
        bootstrap_servers=bootstrap_servers, client_id="qa-ledger-relay", **{**PRODUCER_SETTINGS, **overrides}
    )
