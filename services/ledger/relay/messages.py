"""One envelope → one Kafka record: the CloudEvents Kafka binding in structured mode.

The value is the whole envelope as CloudEvents JSON; the `ce_type`, `ce_id` and `position` headers
repeat what a consumer needs to route or skip a record without parsing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from schemas.envelope import EventEnvelope

CONTENT_TYPE = "application/cloudevents+json; charset=UTF-8"


@dataclass(frozen=True)
class OutgoingRecord:
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


def to_record(envelope: EventEnvelope) -> OutgoingRecord:
    # Keyed by aggregate so a future multi-partition topic would still keep each stream in order.
    return OutgoingRecord(
        key=str(envelope.aggregateid).encode(),
        value=envelope.model_dump_json().encode(),
        headers=[
            ("content-type", CONTENT_TYPE.encode()),
            ("ce_type", envelope.type.encode()),
            ("ce_id", str(envelope.id).encode()),
            ("position", str(envelope.position).encode()),
        ],
    )
