"""The topic as an integrating team meets it (issue 14): what the AsyncAPI says is what the relay
sends, the CloudEvents SDK's own Kafka binding decodes every record into exactly the HTTP feed's
envelope, and the schema files `dataschema` names are served without a token.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from cloudevents.v1.conversion import to_json
from cloudevents.v1.kafka import KafkaMessage, from_structured
from fastapi.testclient import TestClient

from schemas.envelope import KAFKA_TOPIC, EventEnvelope
from schemas.registry import LATEST_VERSION, PAYLOADS
from services.feed.kafka import TOPIC_CONFIGS
from services.ledger.application import LedgerApplication
from services.ledger.relay import Relay, to_record
from tests.integration.test_relay import read_topic, unique_topic
from tests.support.projections import busy_department
from tests.support.world import World

SCHEMAS = Path(__file__).parents[2] / "schemas"
Auth = Callable[..., dict[str, str]]


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


def test_the_channel_is_the_one_partition_topic_kept_for_ever(asyncapi: dict[str, Any]) -> None:
    channel = asyncapi["channels"]["ledgerEvents"]
    assert asyncapi["asyncapi"].startswith("3.")
    assert channel["address"] == KAFKA_TOPIC
    binding = channel["bindings"]["kafka"]
    assert binding["partitions"] == 1
    assert binding["topicConfiguration"] == {
        "cleanup.policy": [TOPIC_CONFIGS["cleanup.policy"]],
        "retention.ms": int(TOPIC_CONFIGS["retention.ms"]),
        "retention.bytes": int(TOPIC_CONFIGS["retention.bytes"]),
    }


def test_the_server_entry_names_a_module_that_starts_a_broker(asyncapi: dict[str, Any]) -> None:
    description = asyncapi["servers"]["local"]["description"]
    assert "python -m devtools.kafka_broker" in description
    assert "def main(" in (SCHEMAS.parent / "devtools" / "kafka_broker.py").read_text()


def test_every_contract_has_a_message_with_every_payload_version(asyncapi: dict[str, Any]) -> None:
    messages = asyncapi["components"]["messages"]
    assert set(messages) == set(LATEST_VERSION) == set(asyncapi["channels"]["ledgerEvents"]["messages"])
    for name, latest in LATEST_VERSION.items():
        refinement = messages[name]["payload"]["allOf"][1]
        assert refinement["properties"]["type"]["pattern"] == rf"\.{name}$"
        versions = {
            v["properties"]["schemaversion"]["const"]: v["properties"]["data"]["$ref"] for v in refinement["oneOf"]
        }
        assert versions == {v: f"./json/events/{name}.v{v}.json" for v in range(1, latest + 1)}
        assert all((name, v) in PAYLOADS for v in versions)


def test_every_referenced_schema_file_exists_and_every_local_ref_resolves(asyncapi: dict[str, Any]) -> None:
    assert asyncapi["components"]["schemas"]["EventEnvelope"]["$ref"] == "./json/EventEnvelope.v2.json"
    for ref in file_refs(asyncapi):
        assert json.loads((SCHEMAS / ref).read_text())["$id"].startswith("urn:qa-ledger:schema:")
    for line in (SCHEMAS / "asyncapi.yaml").read_text().splitlines():
        if "$ref: '#/" in line:
            assert local(asyncapi, line.split("'")[1]) is not None


@pytest.fixture
def world(ledger: LedgerApplication) -> World:
    return World(ledger).register_everyone()


def test_a_record_is_the_envelope_keyed_by_its_partition_key_with_no_headers(world: World) -> None:
    world.allocate(world.cycle())
    for envelope in world.ledger.feed_page(0, 1000).events:
        record = to_record(envelope)
        assert (
            record.headers == [] and record.key == envelope.partitionkey.encode() == str(envelope.aggregateid).encode()
        )
        assert EventEnvelope.model_validate_json(record.value) == envelope


@pytest.mark.kafka
@pytest.mark.timeout(120)
def test_the_cloudevents_sdk_decodes_every_record_into_the_http_feeds_envelope(
    world: World, client: TestClient, auth: Auth, kafka_broker: Any
) -> None:
    busy_department(world, lambda: None)
    relay = Relay(world.ledger, str(kafka_broker.bootstrap_servers), unique_topic("sdk"))
    try:
        sent = relay.publish_available()
    finally:
        relay.stop()
    feed = client.get("/v1/events", params={"limit": 1000}, headers=auth("svc", "service")).json()["events"]
    records = read_topic(str(kafka_broker.bootstrap_servers), relay.topic, sent)
    assert len(records) == len(feed) > 40
    for record, http in zip(records, feed, strict=True):
        event = from_structured(KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value))
        decoded = {**event.get_attributes(), "data": event.get_data()}
        assert decoded.keys() == http.keys()
        for name, value in http.items():
            assert decoded[name] == value, (http["sequence"], name)
        json.loads(to_json(event))  # and the SDK can write it out again


def test_the_schema_files_dataschema_names_are_served_without_a_token(
    world: World, client: TestClient, ledger: LedgerApplication
) -> None:
    world.allocate(world.cycle())
    for envelope in ledger.feed_page(0, 1000).events:
        path = envelope.dataschema.removeprefix(ledger.presentation.public_url)
        served = client.get(path)
        assert served.status_code == 200 and served.headers["content-type"] == "application/schema+json"
        assert served.content == (SCHEMAS / path.removeprefix("/v1/schemas/")).read_bytes()
    document = client.get("/v1/schemas/asyncapi.yaml")
    assert document.status_code == 200 and yaml.safe_load(document.text)["asyncapi"].startswith("3.")
    for ref in file_refs(yaml.safe_load(document.text)):  # relative refs resolve beside the document
        assert client.get(f"/v1/schemas/{ref.removeprefix('./')}").status_code == 200
    assert len(client.get("/v1/schemas").json()["files"]) == len(list((SCHEMAS / "json").rglob("*.json"))) + 1
    missing = client.get("/v1/schemas/../services/ledger/config.py")
    assert missing.status_code == 404
