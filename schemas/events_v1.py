"""Version 1 of every event payload, exactly as published (`schemas/json/events/<Name>.v1.json`).

Frozen: events recorded before contract v2 carry these payloads for ever, and their hash-chain
links (rule 1) were computed over these models' output. Never edit this module; the current
versions are in `schemas/events.py`, and `schemas.registry` upcasts from these to those.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from schemas.vocabulary import (
    ActionSourceKind,
    AuditorGroup,
    AuditTool,
    Grade,
    MeetingFocus,
    MeetingKind,
    NotificationChannel,
    ParticipantCapacity,
    Role,
    ServiceArea,
)

StaffId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{1,63}$")]
ChildRef = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9/_-]{2,31}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=20000)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=500)]
Month = Annotated[str, StringConstraints(pattern=r"^20\d{2}-(0[1-9]|1[0-2])$")]


class Part(BaseModel):
    """A nested value object inside a payload."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class EventPayload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    aggregate_type: ClassVar[str]
    schema_version: ClassVar[int] = 1


# --- StaffMember -------------------------------------------------------------------------------


class StaffMemberRegistered(EventPayload):
    """A member of staff was registered with their roles, team and service area."""

    aggregate_type = "StaffMember"
    staff_id: StaffId
    display_name: ShortText
    email: ShortText
    roles: list[Role] = Field(min_length=1)
    team: ShortText
    service_area: ServiceArea
    auditor_groups: list[AuditorGroup] = []
    manager_id: StaffId | None = None


class StaffRoleChanged(EventPayload):
    """A staff member's roles, groups, team, service area or manager changed (with a reason)."""

    aggregate_type = "StaffMember"
    staff_id: StaffId
    roles: list[Role] = Field(min_length=1)
    auditor_groups: list[AuditorGroup]
    team: ShortText
    service_area: ServiceArea
    manager_id: StaffId | None
    reason: ShortText


class StaffMemberLeft(EventPayload):
    """A staff member left; they can no longer be allocated audits or own actions."""

    aggregate_type = "StaffMember"
    staff_id: StaffId
    left_on: date
    reason: ShortText


# --- AuditCycle --------------------------------------------------------------------------------


class AuditCycleScheduled(EventPayload):
    """An 8-week audit cycle was scheduled; every date is derived from week 1's Monday."""

    aggregate_type = "AuditCycle"
    name: ShortText
    week1_monday: date
    preparation_week_starts: date
    audits_due_on: date
    moderation_week_starts: date
    moderation_week_ends: date
    hos_qa_findings_window_starts: date
    hos_qa_findings_window_ends: date
    adqa_week_starts: date
    ends_on: date
    moderation_floor_percent: int


class AuditCycleClosed(EventPayload):
    """An audit cycle was closed; no further audits may be allocated to it."""

    aggregate_type = "AuditCycle"
    closed_on: date
    reason: ShortText


# --- Audit -------------------------------------------------------------------------------------


class AuditAllocated(EventPayload):
    """A case audit was allocated to an auditor. `flagged_own_service_area` is true when the auditor
    audits inside their own service area without an exempt auditor group.
    """

    aggregate_type = "Audit"
    auditor_id: StaffId
    auditor_service_area: ServiceArea
    child_ref: ChildRef
    case_team: ShortText
    case_service_area: ServiceArea
    tool: AuditTool
    tool_version: int
    cycle_id: UUID | None
    specialist_audit_id: UUID | None
    due_on: date
    within_own_service_area: bool
    exempt_group: AuditorGroup | None
    flagged_own_service_area: bool


class AuditReallocated(EventPayload):
    """An unsubmitted audit moved to another auditor, with a reason."""

    aggregate_type = "Audit"
    from_auditor_id: StaffId
    auditor_id: StaffId
    auditor_service_area: ServiceArea
    within_own_service_area: bool
    exempt_group: AuditorGroup | None
    flagged_own_service_area: bool
    reason: ShortText


class DomainFinding(Part):
    domain: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,64}$")]
    grade: Grade | None = None
    finding: Text


class AuditSubmitted(EventPayload):
    """The allocated auditor submitted the completed audit with findings per domain."""

    aggregate_type = "Audit"
    auditor_id: StaffId
    submitted_on: date
    practice_period_from: date
    practice_period_to: date
    extended_period_reason: ShortText | None
    summary: Text
    strengths: Text
    areas_for_development: Text
    domain_findings: list[DomainFinding]
    practitioners_audited: list[StaffId] = []
    on_time: bool


class AuditGraded(EventPayload):
    """The audit's overall and domain grades, on submission or when an amendment regrades it
    (`previous_grade` and `reason` set).
    """

    aggregate_type = "Audit"
    overall_grade: Grade
    domain_grades: dict[str, Grade]
    previous_grade: Grade | None = None
    reason: ShortText | None = None


class AuditAmended(EventPayload):
    """A correction to a submitted audit's findings; the original stays in the ledger."""

    aggregate_type = "Audit"
    reason: ShortText
    summary: Text | None = None
    strengths: Text | None = None
    areas_for_development: Text | None = None
    domain_findings: list[DomainFinding] | None = None
    overall_grade: Grade | None = None


class DiscussionParticipant(Part):
    participant_id: StaffId
    capacity: ParticipantCapacity


class ReflectiveDiscussionHeld(EventPayload):
    """The Team Manager (the Service Manager when the audit is inadequate) logged that the reflective
    case discussion was held, with who took part.
    """

    aggregate_type = "Audit"
    held_on: date
    logged_by_capacity: ParticipantCapacity
    participants: list[DiscussionParticipant]
    service_manager_present: bool
    notes: Text


class AuditModerated(EventPayload):
    """The QA Manager or PSW moderated the audit; agreement compares with the auditor's grade."""

    aggregate_type = "Audit"
    moderator_ids: list[StaffId]
    moderated_on: date
    auditor_grade: Grade
    moderated_grade: Grade
    agrees_with_auditor: bool
    feedback: Text


class AuditWithdrawn(EventPayload):
    """The QA Manager withdrew the audit (e.g. allocated in error), with a reason."""

    aggregate_type = "Audit"
    reason: ShortText


# --- Action ------------------------------------------------------------------------------------


class ActionAgreed(EventPayload):
    """A SMART action was agreed: owner, description, measure of success, due date, source."""

    aggregate_type = "Action"
    owner_id: StaffId
    owner_team: ShortText
    owner_service_area: ServiceArea
    description: Text
    measure_of_success: Text
    due_on: date
    agreed_on: date
    source_kind: ActionSourceKind
    source_id: UUID
    audit_id: UUID | None
    child_ref: ChildRef | None


class ActionProgressNoted(EventPayload):
    """Progress on an action was noted."""

    aggregate_type = "Action"
    note: Text
    noted_on: date


class ActionDueDateChanged(EventPayload):
    """An action's due date was changed, with a reason."""

    aggregate_type = "Action"
    previous_due_on: date
    due_on: date
    reason: ShortText


class ActionCompleted(EventPayload):
    """An action was completed, with the difference it made."""

    aggregate_type = "Action"
    completed_on: date
    outcome: Text


class ActionCancelled(EventPayload):
    """An action was cancelled, with a reason."""

    aggregate_type = "Action"
    reason: ShortText


# --- Meeting -----------------------------------------------------------------------------------


class PresentedReport(Part):
    presenter_id: StaffId
    service_area: ServiceArea | None = None
    strengths: Text
    challenges: Text
    reinforcing_strengths: Text | None = None
    addressing_challenges: Text | None = None
    specialist_audit_learning: Text | None = None


class QAMeetingHeld(EventPayload):
    """A Head of Service QA meeting or the Assistant Director's QA meeting (ADQA) was held.
    `cycle_week` is the cycle week it fell in; `in_expected_week` compares with the guidance.
    """

    aggregate_type = "Meeting"
    kind: MeetingKind
    cycle_id: UUID
    service_area: ServiceArea | None
    focus: MeetingFocus
    held_on: date
    cycle_week: int
    in_expected_week: bool
    chair_id: StaffId
    attendee_ids: list[StaffId]
    invitee_ids: list[StaffId]
    measures_reviewed: list[ShortText]
    reports: list[PresentedReport]
    headline_learning: Text | None
    moderation_learning: Text | None


# --- Programme ---------------------------------------------------------------------------------


class ProgrammeOpened(EventPayload):
    """The specialist audit programme of a financial year (April to March) was opened."""

    aggregate_type = "Programme"
    financial_year: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}$")]


class SpecialistAuditScheduled(EventPayload):
    """A specialist audit month and topic was scheduled for an external auditor."""

    aggregate_type = "Programme"
    specialist_audit_id: UUID
    financial_year: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}$")]
    month: Month
    topic: ShortText
    external_auditor_id: StaffId
    minimum_audits: int = Field(ge=9)


class ThematicAuditRequested(EventPayload):
    """The Assistant Director requested a thematic audit (usually at the ADQA meeting)."""

    aggregate_type = "Programme"
    specialist_audit_id: UUID
    financial_year: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}$")]
    topic: ShortText
    rationale: Text
    meeting_id: UUID | None
    month: Month | None
    minimum_audits: int = Field(ge=1)


# --- Notification ------------------------------------------------------------------------------


class NotificationDelivered(EventPayload):
    """The notifier's receipt: who was told what, by which channel, and when."""

    aggregate_type = "Notification"
    cause_event_id: UUID
    cause_event_type: str
    rule: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_.]{1,64}$")]
    recipient_id: StaffId
    channel: NotificationChannel
    delivered_at: datetime
    subject_line: ShortText


V1_PAYLOADS: dict[str, type[EventPayload]] = {
    cls.__name__: cls
    for cls in (
        StaffMemberRegistered,
        StaffRoleChanged,
        StaffMemberLeft,
        AuditCycleScheduled,
        AuditCycleClosed,
        AuditAllocated,
        AuditReallocated,
        AuditSubmitted,
        AuditGraded,
        AuditAmended,
        ReflectiveDiscussionHeld,
        AuditModerated,
        AuditWithdrawn,
        ActionAgreed,
        ActionProgressNoted,
        ActionDueDateChanged,
        ActionCompleted,
        ActionCancelled,
        QAMeetingHeld,
        ProgrammeOpened,
        SpecialistAuditScheduled,
        ThematicAuditRequested,
        NotificationDelivered,
    )
}
