"""The envelope every published event travels in: CloudEvents 1.0 attributes plus extensions.

Version 2 (`schemas/json/EventEnvelope.v2.json`). CloudEvents extension names must be lower-case
alphanumerics, hence `aggregateid` rather than `aggregate_id`. The envelope is the same on the
HTTP feed, on Kafka and in trail exports. What each attribute means, and how a subscriber proves
it missed nothing (`sequence`, `prevhash`, `integrityhash`), is in `schemas.integrity`.

Three attributes are deployment presentation, set by the ledger's settings (`Presentation`):
`type` (a reverse-DNS prefix, then the contract name), `source` (the producing component) and
`dataschema` (where the payload's JSON Schema is served). They are not covered by the hash
chain, so a deployment may change them without breaking verification; dispatch on `contract`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from schemas.bounds import INT32_MAX, Timestamp, single_line
from schemas.events import EventPayload
from schemas.integrity import contract_name
from schemas.registry import read_payload

ENVELOPE_VERSION = 2
KAFKA_TOPIC = "qa-ledger.events.v1"
CONTENT_TYPE = "application/cloudevents+json; charset=UTF-8"
# The component that produced each contract; every other contract is the ledger's own.
PRODUCERS = {"NotificationDelivered": "notifier"}

Hash = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Position = Annotated[int, Field(ge=1, le=INT32_MAX)]  # CloudEvents Integer: 32-bit


@dataclass(frozen=True)
class Presentation:
    """How this deployment names its events. `public_url` is where `GET /v1/schemas/...` answers."""

    type_prefix: str = "uk.gov.blackpool.qa-ledger"
    source_base: str = "urn:qa-ledger"
    public_url: str = "http://127.0.0.1:8000"

    def type(self, contract: str) -> str:
        return f"{self.type_prefix}.{contract}"

    def source(self, contract: str) -> str:
        component = PRODUCERS.get(contract, "ledger")
        separator = ":" if self.source_base.startswith("urn:") else "/"
        return f"{self.source_base.rstrip('/:')}{separator}{component}"

    def dataschema(self, contract: str, version: int) -> str:
        return f"{self.public_url.rstrip('/')}/v1/schemas/json/events/{contract}.v{version}.json"


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    role: str


class EventEnvelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", title="EventEnvelope")

    specversion: Literal["1.0"]
    id: UUID = Field(description="Event id: uuid5 of the aggregate id and version, so it is stable.")
    source: Annotated[str, single_line(500)] = Field(
        description="The producing component, e.g. urn:qa-ledger:ledger or urn:qa-ledger:notifier."
    )
    type: Annotated[str, StringConstraints(pattern=r"^([A-Za-z0-9-]+\.)+[A-Z][A-Za-z0-9]{0,63}$")] = Field(
        description="Reverse-DNS prefix, then the contract name, e.g. uk.gov.blackpool.qa-ledger.AuditAllocated."
    )
    subject: Annotated[str, single_line(100)] = Field(description="The aggregate id, as text (CloudEvents subject).")
    time: Timestamp = Field(description="When the ledger recorded the event (UTC).")
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: Annotated[str, single_line(500)] = Field(description="URL of the payload's JSON Schema.")
    schemaversion: int = Field(ge=1, le=1000, description="Version of the payload (`data`) schema.")
    aggregatetype: Annotated[str, single_line(64)]
    aggregateid: UUID
    aggregateversion: int = Field(ge=1, le=INT32_MAX)
    position: Position = Field(description="Position in the ledger's log: increasing, may skip numbers.")
    sequence: Position = Field(description="Published sequence number: 1, 2, 3... with no gap (the chain index).")
    occurredat: Timestamp
    recordedat: Timestamp
    actorid: Annotated[str, single_line(64)]
    actorrole: Annotated[str, single_line(64)]
    correlationid: Annotated[str, single_line(200, min_length=0)]
    causationid: Annotated[str, single_line(200, min_length=0)] | None = None
    integrityscheme: Literal[1, 2] = Field(description="The rule that made integrityhash (schemas.integrity).")
    integrityhash: Hash = Field(description="SHA-256 of this link of the chain (schemas.integrity).")
    prevhash: Hash | None = Field(description="The previous link's integrityhash; null for sequence 1.")
    partitionkey: Annotated[str, single_line(100)] = Field(
        description="CloudEvents Partitioning extension: the aggregate id, also the Kafka record key."
    )
    data: dict[str, Any]

    @property
    def contract(self) -> str:
        """The contract name (e.g. `AuditAllocated`): what consumers dispatch on."""
        return contract_name(self.type)

    def payload(self) -> EventPayload:
        """The payload as the latest model of its contract, upcast from the version it was recorded with."""
        return read_payload(self.contract, self.schemaversion, self.data)
