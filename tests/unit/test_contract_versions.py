"""Versioned payloads: every version ever published stays readable, and reads as the latest."""

from __future__ import annotations

import hashlib
import json
from uuid import uuid4

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from schemas.bounds import FREE_TEXT, SINGLE_LINE
from schemas.events import LATEST_PAYLOADS, ActionCompleted, AuditCycleClosed
from schemas.generate import DIALECT, JSON_DIR, SCHEMAS_DIR, rendered_asyncapi
from schemas.registry import LATEST_VERSION, PAYLOADS, UnknownPayload, read_payload
from services.ledger.domain import INTERNAL_AGGREGATES, PUBLISHED_AGGREGATES
from services.ledger.envelopes import published_event_classes

# sha256 of every file published with contract v1: they never change.
PUBLISHED_V1 = {
    "EventEnvelope.v1.json": "e4de588e24a8f23ad750b0503f6364759b9785b4ad64bf90f2793815ec84645f",
    "events/ActionAgreed.v1.json": "8a94897184d223a58e9a8d0e518c295484819cf0edf19bc4b65c628ca203457d",
    "events/ActionCancelled.v1.json": "670c113e8c26f204aae429efafdfe33266898908ae51d011f306b1db7ac84c03",
    "events/ActionCompleted.v1.json": "24aa0a00549f6d428c5c3b4e4bb82dfe3a30a159a708c7aa4061033e08b58dcb",
    "events/ActionDueDateChanged.v1.json": "82a21de703249816900af09481da7b25dc5026fb5737f65126e3a892798b53f1",
    "events/ActionProgressNoted.v1.json": "5ff367f1e86714b20e1b1f2a232361b61ce502b19b58481a0657a38f1efc76aa",
    "events/AuditAllocated.v1.json": "34df42787f9fcff21b9b0b5db2d94d0622135c525f62dc783323ae36c1eb7703",
    "events/AuditAmended.v1.json": "43a569fa210ae4ccc864456e3df5cda32d4e03da2b96be5d77417c5c1f55a4d8",
    "events/AuditCycleClosed.v1.json": "b548387ba9c919e0b23c5c156584f4f8684a90a21e7382813c7f03c75dc4ffc5",
    "events/AuditCycleScheduled.v1.json": "a96b1aee53fa212ca326030d3cca7341458f1ddb031aa6d317aba5d6ec8ae8ae",
    "events/AuditGraded.v1.json": "8a55b9a6ca68b26991f58c499f7166773b9ac69c0ef967094a60c4a2faef5e85",
    "events/AuditModerated.v1.json": "c9cc16b245e90a86d83c5addf519d80ffc963e8272a320fc1b0af8b9bed20564",
    "events/AuditReallocated.v1.json": "dda748fd285c134bd5f535802982cdba44434841879b0c0a94cbab36e11657ab",
    "events/AuditSubmitted.v1.json": "fea9aef71c7152fd4a54bd633124f040b3c42c5043f81e3904b9175f4d069e1c",
    "events/AuditWithdrawn.v1.json": "f5c63bc1fd789f81b522d2858c6ddd75d277ff2c97b306010dd63645bce0cb34",
    "events/NotificationDelivered.v1.json": "30d58028d48c32c10621d4e966f22e84210274420487ddb64b0575eee47eec27",
    "events/ProgrammeOpened.v1.json": "dd29abe2c311feaf41a29f9a0bb491b8fd9055419cfcd8e96d30e89c330a8d14",
    "events/QAMeetingHeld.v1.json": "ba5e5d512f6c91b17d85a67cd5fcfa6db9e8caaafea10d150db525de174d7c50",
    "events/ReflectiveDiscussionHeld.v1.json": "626a32f02a3bff7c179cb71a524c7476e88bac59eca1a6eb676c7b8e5ea29aa8",
    "events/SpecialistAuditScheduled.v1.json": "877e3dde0f747673b34c0ff9765af2577f8bea3e9df156011efe76cfec22c877",
    "events/StaffMemberLeft.v1.json": "e295e88a360b0b1bf7c8bfecef8311d9f4454587e345725ac90b555226266b96",
    "events/StaffMemberRegistered.v1.json": "aaefe17ad9be98fa56cb3c686cd253b6c9249512913aaed95b4407085ec7357a",
    "events/StaffRoleChanged.v1.json": "2012f5ee6743f3f09fa4426213192b3f22077caf0aba44f0011a1421ee191092",
    "events/ThematicAuditRequested.v1.json": "603ce02e98bfde442f4efb1746a9f9551e37cbe61fa96e78925cec03abda516e",
}


def test_files_published_with_v1_are_unchanged() -> None:
    for name, digest in PUBLISHED_V1.items():
        assert hashlib.sha256((JSON_DIR / name).read_bytes()).hexdigest() == digest, name


def test_the_asyncapi_document_lists_every_contract_and_version_as_generated() -> None:
    assert (SCHEMAS_DIR / "asyncapi.yaml").read_text() == rendered_asyncapi(), "run `make schemas`"


def test_every_contract_has_every_version_and_a_file_for_each() -> None:
    for name, latest in LATEST_VERSION.items():
        for version in range(1, latest + 1):
            assert (name, version) in PAYLOADS
            assert (JSON_DIR / "events" / f"{name}.v{version}.json").exists()


def test_files_after_v1_declare_json_schema_2020_12_and_are_valid_schemas() -> None:
    for path in JSON_DIR.rglob("*.json"):
        document = json.loads(path.read_text())
        Draft202012Validator.check_schema(document)
        if not path.name.endswith(".v1.json"):
            assert document["$schema"] == DIALECT, path.name


def test_domain_event_classes_carry_their_contracts_latest_version() -> None:
    for event_class in published_event_classes(PUBLISHED_AGGREGATES).values():
        assert event_class.class_version == LATEST_VERSION[event_class.__name__], event_class  # type: ignore[attr-defined]
    for aggregate in INTERNAL_AGGREGATES:
        assert all(getattr(v, "class_version", 1) == 1 for v in vars(aggregate).values() if isinstance(v, type))


def test_an_old_payload_outside_the_new_bounds_reads_as_the_nearest_bounded_value() -> None:
    v1 = {
        "specialist_audit_id": str(uuid4()),
        "financial_year": "2026-27",
        "topic": "a\u0000b",
        "rationale": "one\ntwo\u0007",
        "meeting_id": None,
        "month": None,
        "minimum_audits": 10**400,
    }
    latest = read_payload("ThematicAuditRequested", 1, v1)
    assert type(latest) is LATEST_PAYLOADS["ThematicAuditRequested"]
    assert (latest.topic, latest.rationale, latest.minimum_audits) == ("a\ufffdb", "one\ntwo\ufffd", 1000)  # type: ignore[attr-defined]
    assert v1["topic"] == "a\u0000b"  # the caller's data is not changed


def test_a_payload_within_bounds_reads_unchanged_and_an_unknown_version_is_named() -> None:
    data = {"closed_on": "2026-12-01", "reason": "Cycle complete"}
    assert read_payload("AuditCycleClosed", 1, data) == AuditCycleClosed.model_validate(data)
    with pytest.raises(UnknownPayload, match="AuditCycleClosed v9"):
        read_payload("AuditCycleClosed", 9, data)


@pytest.mark.parametrize("free_text", [False, True])
def test_the_json_schema_pattern_and_the_model_agree_on_every_character(free_text: bool) -> None:
    pattern = Draft202012Validator({"type": "string", "pattern": FREE_TEXT if free_text else SINGLE_LINE})
    for code in [*range(0, 0x250), 0x2028, 0xFEFF, 0xFFFD, 0x1F600]:
        text = f"a{chr(code)}b"
        try:
            if free_text:
                ActionCompleted(completed_on="2026-12-01", outcome=text)  # type: ignore[arg-type]
            else:
                AuditCycleClosed(closed_on="2026-12-01", reason=text)  # type: ignore[arg-type]
            accepted = True
        except ValidationError:
            accepted = False
        assert accepted == pattern.is_valid(text), hex(code)
