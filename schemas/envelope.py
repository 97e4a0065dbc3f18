"""The envelope every published event travels in: CloudEvents 1.0 attributes plus extensions.

CloudEvents extension names must be lower-case alphanumerics, hence `aggregateid` rather than
`aggregate_id`. The envelope is the same on the HTTP feed, on Kafka and in trail exports.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from schemas.events import EventPayload
from schemas.registry import read_payload

SOURCE = "urn:qa-ledger:ledger"
KAFKA_TOPIC = "qa-ledger.events.v1"


def dataschema_uri(event_type: str, version: int) -> str:
    return f"urn:qa-ledger:schema:{event_type}:v{version}"


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    role: str


class EventEnvelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: Literal["1.0"] = "1.0"
    id: UUID = Field(description="Event id: uuid5 of the aggregate id and version, so it is stable.")
    source: str = SOURCE
    type: str = Field(description="Contract name of the event, e.g. AuditAllocated.")
    subject: str = Field(description="The aggregate id, as text (CloudEvents subject).")
    time: datetime = Field(description="When the ledger recorded the event (UTC).")
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str
    schemaversion: int
    aggregatetype: str
    aggregateid: UUID
    aggregateversion: int = Field(ge=1)
    position: int = Field(ge=1, description="Global position in the ledger (gap-free order, may skip).")
    occurredat: datetime
    recordedat: datetime
    actorid: str
    actorrole: str
    correlationid: str
    causationid: str | None = None
    integrityhash: str | None = Field(default=None, description="SHA-256 over this envelope and prevhash.")
    prevhash: str | None = None
    data: dict[str, Any]

    @property
    def contract(self) -> str:
        """The contract name (e.g. `AuditAllocated`): what consumers dispatch on."""
        return self.type.rsplit(".", 1)[-1]

    def payload(self) -> EventPayload:
        """The payload as the latest model of its contract, upcast from the version it was recorded with."""
        return read_payload(self.contract, self.schemaversion, self.data)


def canonical_bytes(envelope: EventEnvelope) -> bytes:
    """Canonical JSON of an envelope without its hash fields: what the integrity hash covers."""
    body = envelope.model_dump(mode="json", exclude={"integrityhash", "prevhash"})
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(envelope: EventEnvelope, prevhash: str | None) -> str:
    digest = hashlib.sha256()
    digest.update((prevhash or "").encode())
    digest.update(canonical_bytes(envelope))
    return digest.hexdigest()
