"""Events stored before contract v3 load as v3 (eventsourcing's upcasting), on SQLite and PostgreSQL.

The stored events come from `tests/fixtures/legacy_v1_store.json`, written by the first release
(contract v1): they take the v1 -> v2 -> v3 steps. Nothing stored is rewritten.
"""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from services.ledger.application import LedgerApplication
from services.ledger.domain import Audit

FIXTURE = Path(__file__).parents[1] / "fixtures" / "legacy_v1_store.json"


def legacy_audit_events() -> list[dict[str, Any]]:
    events = json.loads(FIXTURE.read_text())["events"]
    return [e for e in events if ":Audit." in e["topic"] or ":AuditCycle." in e["topic"]]


def store_as_written(ledger: LedgerApplication, events: list[dict[str, Any]]) -> None:
    ledger.recorder.insert_events(
        [
            StoredEvent(
                originator_id=UUID(e["originator_id"]),
                originator_version=e["originator_version"],
                topic=e["topic"],
                state=base64.b64decode(e["state"]),
            )
            for e in events
        ]
    )


def test_an_audit_stored_as_v1_loads_with_the_v3_shape(ledger: LedgerApplication) -> None:
    events = legacy_audit_events()
    store_as_written(ledger, events)
    audit_id = UUID(next(e for e in events if e["topic"].endswith(":Audit.AuditAllocated"))["originator_id"])

    audit = ledger.repository.get(audit_id)
    assert isinstance(audit, Audit)
    assert audit.submitted_on == date(2026, 11, 26)
    assert audit.rcd_due_on == audit.submitted_on + timedelta(days=14)
    assert audit.discussion_logged and audit.effective_grade == "good" and audit.flagged_tool is False

    stored = {s.topic.rsplit(".", 1)[-1]: s for s in ledger.recorder.select_events(audit_id)}
    submitted = ledger.mapper.to_domain_event(stored["AuditSubmitted"])
    assert submitted.challenges == "Chronology needs updating."  # type: ignore[attr-defined]
    assert not hasattr(submitted, "areas_for_development")
    discussion = ledger.mapper.to_domain_event(stored["ReflectiveDiscussionHeld"])
    assert discussion.held_by == "aud.mash"  # type: ignore[attr-defined]
    assert all(p["attended"] for p in discussion.participants)  # type: ignore[attr-defined]
    assert (discussion.service_manager_invited, discussion.service_manager_attended) == (False, False)  # type: ignore[attr-defined]
    moderated = ledger.mapper.to_domain_event(stored["AuditModerated"])
    assert moderated.flagged_outside_moderation_week is None  # type: ignore[attr-defined]


def test_loading_rewrites_nothing(ledger: LedgerApplication) -> None:
    events = legacy_audit_events()
    store_as_written(ledger, events)
    audit_id = UUID(events[1]["originator_id"])
    ledger.repository.get(audit_id)
    again = {s.originator_version: s.state for s in ledger.recorder.select_events(audit_id)}
    written = {e["originator_version"]: base64.b64decode(e["state"]) for e in events[1:]}
    assert again == written
