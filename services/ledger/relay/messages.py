"""One envelope → one Kafka record: the CloudEvents Kafka binding in structured mode.

The value is the whole envelope as CloudEvents JSON, and the key is its `partitionkey` (the
aggregate id), as the CloudEvents SDK's own binding maps it. The record carries no headers: the
Python SDK (`cloudevents.v1.kafka.from_structured`) copies every header into the event as an
attribute — `content-type` included, which would overwrite `datacontenttype` — so an envelope
decoded from Kafka equals the HTTP feed's, attribute for attribute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from schemas.envelope import EventEnvelope


@dataclass(frozen=True)
class OutgoingRecord:
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


def to_record(envelope: EventEnvelope) -> OutgoingRecord:
    # Keyed by aggregate so a future multi-partition topic would still keep each stream in order.
    return OutgoingRecord(key=envelope.partitionkey.encode(), value=envelope.model_dump_json().encode(), headers=[])
