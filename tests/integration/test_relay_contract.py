"""schemas/asyncapi.yaml says what the relay actually sends: topic, headers, every event type."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import yaml

from schemas.envelope import KAFKA_TOPIC, EventEnvelope, dataschema_uri
from schemas.events import EVENT_TYPES
from services.ledger.relay import CONTENT_TYPE, to_record

SCHEMAS = Path(__file__).parents[2] / "schemas"


@pytest.fixture(scope="module")
def asyncapi() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((SCHEMAS / "asyncapi.yaml").read_text())
    return document


def file_refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        found = [ref] if isinstance(ref, str) and not ref.startswith("#") else []
        return found + [ref for value in node.values() for ref in file_refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in file_refs(value)]
    return []


def local(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_the_channel_is_the_one_partition_topic(asyncapi: dict[str, Any]) -> None:
    channel = asyncapi["channels"]["ledgerEvents"]
    assert asyncapi["asyncapi"].startswith("3.")
    assert channel["address"] == KAFKA_TOPIC
    assert channel["bindings"]["kafka"]["partitions"] == 1


def test_every_event_type_has_a_message_with_its_payload_schema(asyncapi: dict[str, Any]) -> None:
    messages = asyncapi["components"]["messages"]
    assert set(messages) == set(EVENT_TYPES)
    assert set(asyncapi["channels"]["ledgerEvents"]["messages"]) == set(EVENT_TYPES)
    for name, model in EVENT_TYPES.items():
        refinement = messages[name]["payload"]["allOf"][1]["properties"]
        assert refinement["type"]["const"] == name
        assert refinement["dataschema"]["const"] == dataschema_uri(name, model.schema_version)
        assert refinement["data"]["$ref"] == f"./json/events/{name}.v{model.schema_version}.json"


def test_every_referenced_schema_file_exists_and_every_local_ref_resolves(asyncapi: dict[str, Any]) -> None:
    for ref in file_refs(asyncapi):
        assert json.loads((SCHEMAS / ref).read_text())["$id"].startswith("urn:qa-ledger:schema:")
    text = (SCHEMAS / "asyncapi.yaml").read_text()
    for line in text.splitlines():
        if "$ref: '#/" in line:
            assert local(asyncapi, line.split("'")[1]) is not None


def test_the_documented_headers_are_the_ones_the_relay_sends(asyncapi: dict[str, Any]) -> None:
    envelope = EventEnvelope(
        id=uuid4(),
        type="StaffMemberLeft",
        subject="x",
        time=datetime.now(UTC),
        dataschema=dataschema_uri("StaffMemberLeft", 1),
        schemaversion=1,
        aggregatetype="StaffMember",
        aggregateid=uuid4(),
        aggregateversion=2,
        position=7,
        occurredat=datetime.now(UTC),
        recordedat=datetime.now(UTC),
        actorid="qa.manager",
        actorrole="qa_manager",
        correlationid="c",
        data={},
    )
    record = to_record(envelope)
    headers = asyncapi["components"]["schemas"]["KafkaHeaders"]
    assert [name for name, _ in record.headers] == headers["required"]
    assert headers["properties"]["content-type"]["const"] == CONTENT_TYPE
    assert EventEnvelope.model_validate_json(record.value) == envelope
    assert record.key == str(envelope.aggregateid).encode()
