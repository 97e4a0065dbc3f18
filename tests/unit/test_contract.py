"""The published contract: JSON Schema files match the models, and the ledger publishes only it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import uuid4

from schemas.audit_tools import all_tools
from schemas.envelope import EventEnvelope
from schemas.events import EVENT_TYPES
from schemas.generate import JSON_DIR, rendered
from schemas.integrity import integrity_hash
from services.ledger.domain import INTERNAL_AGGREGATES, PUBLISHED_AGGREGATES
from services.ledger.envelopes import PUBLISHED_TOPICS, published_event_classes


def test_committed_json_schemas_match_the_models() -> None:
    expected = rendered()
    committed = {p.relative_to(JSON_DIR).as_posix(): p.read_text() for p in JSON_DIR.rglob("*.json")}
    drifted = sorted(name for name in expected.keys() | committed.keys() if expected.get(name) != committed.get(name))
    assert not drifted, f"schemas/json drifted from the models: run `make schemas` ({drifted})"


def test_every_domain_event_is_a_contract_type_and_back() -> None:
    published = {cls.__name__ for cls in published_event_classes(PUBLISHED_AGGREGATES).values()}
    assert published == set(EVENT_TYPES)
    assert len(PUBLISHED_TOPICS) == len(EVENT_TYPES)


def test_internal_records_are_not_in_the_contract() -> None:
    internal = published_event_classes(INTERNAL_AGGREGATES)
    assert internal == {}, "an internal aggregate's event shares a contract name"


def test_every_payload_has_an_aggregate_type_and_version() -> None:
    for name, model in EVENT_TYPES.items():
        assert model.aggregate_type in {
            "StaffMember",
            "AuditCycle",
            "Audit",
            "Action",
            "Meeting",
            "Programme",
            "Notification",
            "WiderEvidence",
            "EarlyHelpLearning",
        }, name
        assert model.schema_version >= 1 and model.__doc__, name


def sample_envelope(**data: object) -> EventEnvelope:
    return EventEnvelope(
        specversion="1.0",
        id=uuid4(),
        source="urn:qa-ledger:ledger",
        type="uk.gov.example.qa-ledger.AuditWithdrawn",
        subject="s",
        time=datetime.now(UTC),
        dataschema="https://qa-ledger.example/v1/schemas/events/AuditWithdrawn.v1.json",
        schemaversion=1,
        aggregatetype="Audit",
        aggregateid=uuid4(),
        aggregateversion=2,
        position=7,
        occurredat=datetime.now(UTC),
        recordedat=datetime.now(UTC),
        actorid="qa.manager",
        actorrole="qa_manager",
        correlationid="c",
        sequence=5,
        integrityscheme=2,
        integrityhash="0" * 64,
        prevhash="1" * 64,
        partitionkey="s",
        data=data or {"reason": "Allocated in error"},
    )


def test_envelope_uses_cloudevents_names_and_round_trips() -> None:
    envelope = sample_envelope()
    again = EventEnvelope.model_validate_json(envelope.model_dump_json())
    assert again == envelope and again.payload().reason == "Allocated in error"  # type: ignore[attr-defined]
    cloudevents = {"specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema", "data"}
    extensions = set(json.loads(envelope.model_dump_json())) - cloudevents
    assert all(name.isalnum() and name.islower() for name in extensions), extensions


def test_rule_2_covers_what_the_ledger_decided_and_not_the_deployments_presentation() -> None:
    envelope = sample_envelope(reason="r").model_dump(mode="json")
    h = integrity_hash(envelope)
    for name, value in [("prevhash", "2" * 64), ("data", {"reason": "R"}), ("sequence", 6), ("position", 8)]:
        assert integrity_hash({**envelope, name: value}) != h, name
    assert integrity_hash({**envelope, "type": "uk.gov.example.qa-ledger.AuditCycleClosed"}) != h  # the contract
    for name, value in [
        ("type", "org.other-council.AuditWithdrawn"),
        ("source", "https://ledger.example/"),
        ("dataschema", "https://elsewhere.example/AuditWithdrawn.v1.json"),
        ("integrityhash", "3" * 64),
    ]:
        assert integrity_hash({**envelope, name: value}) == h, name


def test_audit_tools_are_versioned_data_and_the_ten_domains_are_marked_sample() -> None:
    tools = {t.tool.value: t for t in all_tools()}
    assert set(tools) == {"ten_domain", "early_help", "fostering", "victim", "specialist"}
    assert len(tools["ten_domain"].domains) == 10 and tools["ten_domain"].sample_domains
    assert all(t.version >= 1 and len(t.domain_ids) == len(t.domains) for t in tools.values())


def test_each_tools_note_says_what_the_guidance_says_of_that_tool() -> None:
    from schemas.audit_tools import TOOLS_DIR

    notes = {p.name.split(".")[0]: json.loads(p.read_text())["note"] for p in TOOLS_DIR.glob("*.json")}
    # Only the 10 Domain tool has "ten domain titles" the guidance leaves out.
    assert "ten domain titles" in notes["ten_domain"]
    assert all("ten domain" not in note.lower() for tool, note in notes.items() if tool != "ten_domain")
    for tool, words in {
        "early_help": "Early Help Team Leaders have their own Early Help audit tool",
        "fostering": "Fostering managers",
        "victim": "victim audit",
    }.items():
        assert words in notes[tool] and "does not describe" in notes[tool], tool
    assert "names no specialist audit tool" in notes["specialist"]
    assert all(note.startswith("SAMPLE") for note in notes.values())
