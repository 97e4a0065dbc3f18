"""Version 1 of the envelope, exactly as published (`schemas/json/EventEnvelope.v1.json`).

Frozen: the hash-chain links of events recorded before contract v2 (integrity rule 1) were
computed over this model's canonical JSON, so `schemas.integrity` rebuilds it to verify them.
Never edit this module; the current envelope is `schemas.envelope.EventEnvelope`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

SOURCE = "urn:qa-ledger:ledger"


def dataschema_uri(event_type: str, version: int) -> str:
    return f"urn:qa-ledger:schema:{event_type}:v{version}"


class EventEnvelopeV1(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", title="EventEnvelope")

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
