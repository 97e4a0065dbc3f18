"""Contract v3: payloads published as v1 or v2 read as v3 through `schemas.registry`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from schemas.events import AuditAllocated, AuditReallocated, AuditSubmitted, QAMeetingHeld, ReflectiveDiscussionHeld
from schemas.registry import LATEST_VERSION, read_payload

FIXTURE = Path(__file__).parents[1] / "fixtures" / "legacy_v1_store.json"


def published(event_type: str) -> dict[str, Any]:
    envelopes = json.loads(FIXTURE.read_text())["published"]
    return next(e for e in envelopes if e["type"] == event_type)


def test_a_v1_submission_reads_with_challenges_and_its_rcd_due_date() -> None:
    envelope = published("AuditSubmitted")
    payload = read_payload("AuditSubmitted", envelope["schemaversion"], envelope["data"])
    assert isinstance(payload, AuditSubmitted) and LATEST_VERSION["AuditSubmitted"] == 3
    assert payload.challenges == envelope["data"]["areas_for_development"]
    assert payload.rcd_due_on == date(2026, 12, 10)  # submitted 26 Nov: two weeks on
    assert "areas_for_development" in envelope["data"]  # what was published stays as it was


def test_a_v1_discussion_reads_as_everyone_listed_attending() -> None:
    envelope = published("ReflectiveDiscussionHeld")
    payload = read_payload("ReflectiveDiscussionHeld", 1, envelope["data"])
    assert isinstance(payload, ReflectiveDiscussionHeld)
    assert payload.held_by == "aud.mash" and all(p.attended for p in payload.participants)
    assert len(payload.participants) == len(envelope["data"]["participants"])
    assert (payload.service_manager_invited, payload.service_manager_attended) == (False, False)


def test_a_v2_payload_takes_the_v3_step_too() -> None:
    v2 = {**published("AuditAllocated")["data"], "exempt_group": "fostering_manager"}
    allocated = read_payload("AuditAllocated", 2, v2)
    assert isinstance(allocated, AuditAllocated)
    assert (allocated.expected_tool, allocated.flagged_tool) == ("fostering", True)  # a 10 Domain audit
    moved = {
        "from_auditor_id": "a.one",
        "auditor_id": "b.two",
        "auditor_service_area": "adolescent",
        "within_own_service_area": False,
        "exempt_group": None,
        "flagged_own_service_area": False,
        "reason": "Leave",
    }
    reallocated = read_payload("AuditReallocated", 2, moved)
    assert isinstance(reallocated, AuditReallocated) and reallocated.flagged_tool is None  # not checked then
    meeting = read_payload(
        "QAMeetingHeld",
        2,
        {
            "kind": "hos_qa",
            "cycle_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
            "service_area": "adolescent",
            "focus": "performance_data",
            "held_on": "2026-11-02",
            "cycle_week": 1,
            "in_expected_week": True,
            "chair_id": "hos.one",
            "attendee_ids": ["hos.one"],
            "invitee_ids": ["pdl.one"],
            "measures_reviewed": [],
            "reports": [],
            "headline_learning": None,
            "moderation_learning": None,
        },
    )
    assert isinstance(meeting, QAMeetingHeld) and meeting.pdl_post_vacant is False
