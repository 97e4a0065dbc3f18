"""What contract v3 changed, as steps that reshape a v2 payload into v3, in place.

The same step reshapes a `data` dict read from an envelope (`schemas.registry`) and the state of
an event stored as v2 when the ledger loads it (eventsourcing's upcasting, `LedgerAggregate.Event`),
so it touches only the keys it names and takes dates as `date` or ISO text alike.

- AuditSubmitted, AuditAmended: `areas_for_development` is `challenges`, the guidance's word;
  AuditSubmitted gains `rcd_due_on`, two weeks after `submitted_on`.
- ReflectiveDiscussionHeld: everyone listed attended; `held_by` is the auditor among them (if
  listed); the Service Manager was invited when they logged it (the inadequate rule), and
  `service_manager_present` is `service_manager_attended`.
- AuditAllocated, AuditReallocated: `expected_tool` is the fostering tool for a fostering manager;
  `flagged_tool` says whether the allocation used another (null for a v2 reallocation, which does
  not name its tool).
- AuditModerated: `cycle_week` and `flagged_outside_moderation_week` are null (not checked then).
- QAMeetingHeld: `pdl_post_vacant` is false (no vacancy could be recorded then).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from schemas.vocabulary import GROUP_TOOLS, ParticipantCapacity

State = dict[str, Any]
RCD_DUE_WITHIN_DAYS = 14  # SPEC 7: the reflective case discussion is due two weeks after submission


def rcd_due_on(submitted_on: date) -> date:
    return submitted_on + timedelta(days=RCD_DUE_WITHIN_DAYS)


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _rename_challenges(state: State) -> None:
    state["challenges"] = state.pop("areas_for_development", None)


def audit_submitted(state: State) -> None:
    _rename_challenges(state)
    state["rcd_due_on"] = rcd_due_on(_day(state["submitted_on"]))


def audit_amended(state: State) -> None:
    _rename_challenges(state)


def discussion_held(state: State) -> None:
    people = state["participants"]
    state["participants"] = [
        {**dict(p), "attended": True, "absence_reason": None, "absence_note": None} for p in people
    ]
    auditors = [p["participant_id"] for p in people if p["capacity"] == ParticipantCapacity.AUDITOR.value]
    state["held_by"] = auditors[0] if auditors else None
    state["service_manager_invited"] = state["logged_by_capacity"] == ParticipantCapacity.SERVICE_MANAGER.value
    state["service_manager_attended"] = state.pop("service_manager_present")


def _expected_tool(state: State) -> str | None:
    # v2 recorded only the first exempt group; a fostering manager's is theirs.
    tools = {group.value: tool.value for group, tool in GROUP_TOOLS.items()}
    group = state.get("exempt_group")
    return tools.get(str(group)) if group is not None else None


def audit_allocated(state: State) -> None:
    expected = _expected_tool(state)
    state["expected_tool"] = expected
    state["flagged_tool"] = expected is not None and str(state["tool"]) != expected


def audit_reallocated(state: State) -> None:
    state["expected_tool"] = _expected_tool(state)
    state["flagged_tool"] = None


def audit_moderated(state: State) -> None:
    state["cycle_week"] = None
    state["flagged_outside_moderation_week"] = None


def meeting_held(state: State) -> None:
    state["pdl_post_vacant"] = False


V2_TO_V3: dict[str, Callable[[State], None]] = {
    "AuditAllocated": audit_allocated,
    "AuditReallocated": audit_reallocated,
    "AuditSubmitted": audit_submitted,
    "AuditAmended": audit_amended,
    "ReflectiveDiscussionHeld": discussion_held,
    "AuditModerated": audit_moderated,
    "QAMeetingHeld": meeting_held,
}
