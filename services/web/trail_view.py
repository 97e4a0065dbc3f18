"""Reading a trail (the envelopes the projections return) as people read it: an audit's state at a
glance and a timeline of who did what, when, with the grade in force after each step.

The effective grade is the moderator's once moderated, else the auditor's latest (SPEC §7); the
timeline shows both as they were recorded, so nothing here decides anything the ledger did not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemas.integrity import contract_name

TITLES = {
    "AuditAllocated": "Audit allocated",
    "AuditReallocated": "Audit reallocated",
    "AuditSubmitted": "Audit submitted",
    "AuditGraded": "Grade recorded",
    "AuditAmended": "Audit amended",
    "ReflectiveDiscussionHeld": "Reflective case discussion logged",
    "AuditModerated": "Audit moderated",
    "AuditWithdrawn": "Audit withdrawn",
    "ActionAgreed": "Action agreed",
    "ActionProgressNoted": "Action progress noted",
    "ActionDueDateChanged": "Action due date changed",
    "ActionCompleted": "Action completed",
    "ActionCancelled": "Action cancelled",
    "NotificationDelivered": "Notice sent",
}


@dataclass
class TimelineEntry:
    position: int
    type: str
    title: str
    actor_id: str
    actor_role: str
    time: str
    details: list[tuple[str, str]]
    effective_grade: str | None
    aggregate_id: str
    integrity_hash: str


@dataclass
class AuditState:
    audit_id: str
    version: int = 0
    child_ref: str = ""
    case_team: str = ""
    case_service_area: str = ""
    auditor_id: str = ""
    tool: str = "ten_domain"
    tool_version: int | None = None
    cycle_id: str | None = None
    due_on: str = ""
    flagged_own_service_area: bool = False
    submitted_on: str | None = None
    auditor_grade: str | None = None
    moderated_grade: str | None = None
    rcd_held_on: str | None = None
    withdrawn: bool = False
    submission: dict[str, Any] = field(default_factory=dict)
    actions: dict[str, dict[str, Any]] = field(default_factory=dict)
    notices: list[dict[str, Any]] = field(default_factory=list)

    @property
    def effective_grade(self) -> str | None:
        return self.moderated_grade or self.auditor_grade

    @property
    def status(self) -> str:
        if self.withdrawn:
            return "Withdrawn"
        if self.moderated_grade:
            return "Moderated"
        if self.submitted_on:
            return "Submitted"
        return "Allocated"


def read_audit(audit_id: str, events: list[dict[str, Any]]) -> tuple[AuditState, list[TimelineEntry]]:
    state = AuditState(audit_id=audit_id)
    timeline: list[TimelineEntry] = []
    for envelope in events:
        data, kind = envelope.get("data") or {}, contract_name(envelope["type"])
        if str(envelope.get("aggregateid")) == audit_id:
            state.version = max(state.version, int(envelope.get("aggregateversion") or 0))
        apply(state, kind, data, str(envelope.get("aggregateid")))
        timeline.append(
            TimelineEntry(
                position=int(envelope["position"]),
                type=kind,
                title=TITLES.get(kind, kind),
                actor_id=str(envelope.get("actorid") or ""),
                actor_role=str(envelope.get("actorrole") or ""),
                time=str(envelope.get("time") or ""),
                details=details(kind, data),
                effective_grade=state.effective_grade,
                aggregate_id=str(envelope.get("aggregateid")),
                integrity_hash=str(envelope.get("integrityhash") or ""),
            )
        )
    return state, timeline


def apply(state: AuditState, kind: str, data: dict[str, Any], aggregate_id: str) -> None:
    if kind == "AuditAllocated":
        state.child_ref, state.case_team = data["child_ref"], data["case_team"]
        state.case_service_area, state.auditor_id = data["case_service_area"], data["auditor_id"]
        state.tool, state.tool_version, state.cycle_id = data["tool"], data.get("tool_version"), data.get("cycle_id")
        state.due_on, state.flagged_own_service_area = str(data["due_on"]), bool(data["flagged_own_service_area"])
    elif kind == "AuditReallocated":
        state.auditor_id, state.flagged_own_service_area = data["auditor_id"], bool(data["flagged_own_service_area"])
    elif kind == "AuditSubmitted":
        state.submitted_on, state.submission = str(data["submitted_on"]), dict(data)
    elif kind == "AuditGraded":
        state.auditor_grade = data["overall_grade"]
    elif kind == "AuditAmended":
        state.submission.update({k: v for k, v in data.items() if v is not None and k != "reason"})
    elif kind == "ReflectiveDiscussionHeld":
        state.rcd_held_on = str(data["held_on"])
    elif kind == "AuditModerated":
        state.moderated_grade = data["moderated_grade"]
    elif kind == "AuditWithdrawn":
        state.withdrawn = True
    elif kind == "ActionAgreed":
        state.actions[aggregate_id] = {**data, "action_id": aggregate_id, "status": "open"}
    elif kind in ("ActionCompleted", "ActionCancelled") and aggregate_id in state.actions:
        state.actions[aggregate_id]["status"] = "completed" if kind == "ActionCompleted" else "cancelled"
    elif kind == "ActionDueDateChanged" and aggregate_id in state.actions:
        state.actions[aggregate_id]["due_on"] = data["due_on"]
    elif kind == "NotificationDelivered":
        state.notices.append(data)


def details(kind: str, data: dict[str, Any]) -> list[tuple[str, str]]:
    """The few facts of each step a reader needs; the full payload is in the JSON export."""
    pick: dict[str, tuple[str, ...]] = {
        "AuditAllocated": ("auditor_id", "child_ref", "case_team", "due_on", "flagged_own_service_area"),
        "AuditReallocated": ("from_auditor_id", "auditor_id", "reason"),
        "AuditSubmitted": ("practice_period_from", "practice_period_to", "on_time"),
        "AuditGraded": ("overall_grade", "previous_grade", "reason"),
        "AuditAmended": ("reason",),
        "ReflectiveDiscussionHeld": ("held_on", "service_manager_present"),
        "AuditModerated": ("auditor_grade", "moderated_grade", "agrees_with_auditor", "feedback"),
        "AuditWithdrawn": ("reason",),
        "ActionAgreed": ("owner_id", "description", "due_on"),
        "ActionProgressNoted": ("note",),
        "ActionDueDateChanged": ("previous_due_on", "due_on", "reason"),
        "ActionCompleted": ("outcome",),
        "ActionCancelled": ("reason",),
        "NotificationDelivered": ("recipient_id", "channel", "subject_line"),
    }
    out = []
    for key in pick.get(kind, ()):
        value = data.get(key)
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            value = "yes" if value else "no"
        elif key.endswith("grade"):
            value = GRADES.get(str(value), value)
        out.append((LABELS.get(key) or key.replace("_", " ").capitalize(), str(value)))
    return out


GRADES = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires_improvement": "Requires improvement",
    "inadequate": "Inadequate",
}
LABELS = {
    "auditor_id": "Auditor",
    "from_auditor_id": "From auditor",
    "child_ref": "Child's case reference",
    "case_team": "Child's team",
    "due_on": "Due",
    "flagged_own_service_area": "Within the auditor's own service area (flagged)",
    "owner_id": "Owner",
    "recipient_id": "Told",
    "on_time": "By the due date",
    "service_manager_present": "Service Manager present",
    "agrees_with_auditor": "Agrees with the auditor",
}
