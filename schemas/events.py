"""Event payloads: the `data` of each published envelope, one frozen model per event type.

These are the latest versions. Names are past-tense facts and are the contract once published. A
change to a payload (a bound included) is a new `schema_version` with its own JSON Schema file and
an upcaster in `schemas.registry`, never an edit in place; earlier versions stay importable
(`schemas/events_v1.py`). Version 2 bounds every value (`schemas/bounds.py`); its shape is v1's.
Children appear only by their case-system reference (`child_ref`), never by name.
"""

from __future__ import annotations

from typing import Annotated, ClassVar
from uuid import UUID

from schemas.bounds import (
    Bounded,
    CalendarDate,
    ChildRef,
    FinancialYear,
    FreeText,
    Int32,
    Label,
    Month,
    RuleName,
    Slug,
    StaffId,
    Timestamp,
    bounded_list,
    int32,
    single_line,
)
from schemas.vocabulary import (
    AbsenceReason,
    ActionSourceKind,
    AuditorGroup,
    AuditTool,
    EvidenceSource,
    Grade,
    MeetingFocus,
    MeetingKind,
    NotificationChannel,
    ParticipantCapacity,
    Role,
    ServiceArea,
)


class Part(Bounded):
    """A nested value object inside a payload."""


class EventPayload(Bounded):
    aggregate_type: ClassVar[str]
    schema_version: ClassVar[int] = 2


# --- StaffMember -------------------------------------------------------------------------------


class StaffMemberRegistered(EventPayload):
    """A member of staff was registered with their roles, team and service area."""

    aggregate_type = "StaffMember"
    staff_id: StaffId
    display_name: Label
    email: Label
    roles: Annotated[list[Role], bounded_list(20, min_length=1)]
    team: Label
    service_area: ServiceArea
    auditor_groups: Annotated[list[AuditorGroup], bounded_list(20)] = []
    manager_id: StaffId | None = None


class StaffRoleChanged(EventPayload):
    """A staff member's roles, groups, team, service area or manager changed (with a reason)."""

    aggregate_type = "StaffMember"
    staff_id: StaffId
    roles: Annotated[list[Role], bounded_list(20, min_length=1)]
    auditor_groups: Annotated[list[AuditorGroup], bounded_list(20)]
    team: Label
    service_area: ServiceArea
    manager_id: StaffId | None
    reason: Label


class StaffMemberLeft(EventPayload):
    """A staff member left; they can no longer be allocated audits or own actions."""

    aggregate_type = "StaffMember"
    staff_id: StaffId
    left_on: CalendarDate
    reason: Label


# --- AuditCycle --------------------------------------------------------------------------------


class AuditCycleScheduled(EventPayload):
    """An 8-week audit cycle was scheduled; every date is derived from week 1's Monday."""

    aggregate_type = "AuditCycle"
    name: Label
    week1_monday: CalendarDate
    preparation_week_starts: CalendarDate
    audits_due_on: CalendarDate
    moderation_week_starts: CalendarDate
    moderation_week_ends: CalendarDate
    hos_qa_findings_window_starts: CalendarDate
    hos_qa_findings_window_ends: CalendarDate
    adqa_week_starts: CalendarDate
    ends_on: CalendarDate
    moderation_floor_percent: Annotated[int, int32(0, 100)]


class AuditCycleClosed(EventPayload):
    """An audit cycle was closed; no further audits may be allocated to it."""

    aggregate_type = "AuditCycle"
    closed_on: CalendarDate
    reason: Label


# --- Audit -------------------------------------------------------------------------------------


class AuditAllocated(EventPayload):
    """A case audit was allocated to an auditor. The guidance's flags, never refusals:
    `flagged_own_service_area` when the auditor audits inside their own service area without an
    exempt auditor group; `flagged_tool` when their group has its own tool (`expected_tool`: a
    fostering manager completes fostering audits) and the audit uses another. v3 added the tool flag.
    """

    aggregate_type = "Audit"
    schema_version = 3
    auditor_id: StaffId
    auditor_service_area: ServiceArea
    child_ref: ChildRef
    case_team: Label
    case_service_area: ServiceArea
    tool: AuditTool
    tool_version: Annotated[int, int32(1, 1000)]
    cycle_id: UUID | None
    specialist_audit_id: UUID | None
    due_on: CalendarDate
    within_own_service_area: bool
    exempt_group: AuditorGroup | None
    flagged_own_service_area: bool
    expected_tool: AuditTool | None
    flagged_tool: bool


class AuditReallocated(EventPayload):
    """An unsubmitted audit moved to another auditor, with a reason, and the guidance's flags for the
    new auditor (as on `AuditAllocated`). `flagged_tool` is null on events recorded before v3, when
    a reallocation's tool was not checked.
    """

    aggregate_type = "Audit"
    schema_version = 3
    from_auditor_id: StaffId
    auditor_id: StaffId
    auditor_service_area: ServiceArea
    within_own_service_area: bool
    exempt_group: AuditorGroup | None
    flagged_own_service_area: bool
    expected_tool: AuditTool | None
    flagged_tool: bool | None
    reason: Label


class DomainFinding(Part):
    domain: Slug
    grade: Grade | None = None
    finding: FreeText


class AuditSubmitted(EventPayload):
    """The allocated auditor submitted the completed audit with findings per domain: its strengths
    and challenges (the guidance's words; `areas_for_development` before v3) and the date its
    reflective case discussion is due (two weeks on; audits outside a cycle are not followed by one).
    """

    aggregate_type = "Audit"
    schema_version = 3
    auditor_id: StaffId
    submitted_on: CalendarDate
    practice_period_from: CalendarDate
    practice_period_to: CalendarDate
    extended_period_reason: Label | None
    summary: FreeText
    strengths: FreeText
    challenges: FreeText
    domain_findings: Annotated[list[DomainFinding], bounded_list()]
    practitioners_audited: Annotated[list[StaffId], bounded_list()] = []
    on_time: bool
    rcd_due_on: CalendarDate


class AuditGraded(EventPayload):
    """The audit's overall and domain grades, on submission or when an amendment regrades it
    (`previous_grade` and `reason` set).
    """

    aggregate_type = "Audit"
    overall_grade: Grade
    domain_grades: Annotated[dict[Slug, Grade], bounded_list()]
    previous_grade: Grade | None = None
    reason: Label | None = None


class AuditAmended(EventPayload):
    """A correction to a submitted audit's findings; the original stays in the ledger.
    (`challenges` was `areas_for_development` before v3.)
    """

    aggregate_type = "Audit"
    schema_version = 3
    reason: Label
    summary: FreeText | None = None
    strengths: FreeText | None = None
    challenges: FreeText | None = None
    domain_findings: Annotated[list[DomainFinding], bounded_list()] | None = None
    overall_grade: Grade | None = None


# Someone who took part in the reflective case discussion (v2, and the command's `participants`).
# No docstring: it would change the published v2 schema file.
class DiscussionParticipant(Part):
    participant_id: StaffId
    capacity: ParticipantCapacity


class DiscussionAttendance(Part):
    """Someone the reflective case discussion needed or invited, and whether they attended; an
    absent allocated practitioner or their manager has a reason (and a note when it is `other`)."""

    participant_id: StaffId
    capacity: ParticipantCapacity
    attended: bool
    absence_reason: AbsenceReason | None = None
    absence_note: Label | None = None


class ReflectiveDiscussionHeld(EventPayload):
    """The reflective case discussion was held by the auditor (`held_by`) and logged by the Team
    Manager of the child's team, or by the Service Manager when the effective grade is inadequate.
    `participants` lists everyone it needed or invited, with whether they attended: the allocated
    practitioner and their manager attend or have a recorded reason; others whose practice was
    audited were invited. On an inadequate grade the Service Manager is invited
    (`service_manager_invited`) and their attendance recorded. v3 added attendance; before it,
    everyone listed attended and `held_by` is the auditor among them, if listed.
    """

    aggregate_type = "Audit"
    schema_version = 3
    held_on: CalendarDate
    held_by: StaffId | None
    logged_by_capacity: ParticipantCapacity
    participants: Annotated[list[DiscussionAttendance], bounded_list()]
    service_manager_invited: bool
    service_manager_attended: bool
    notes: FreeText


class AuditModerated(EventPayload):
    """The QA Manager or PSW moderated the audit; agreement compares with the auditor's grade, and
    the moderated grade becomes the audit's effective grade. `cycle_week` is the week of the audit's
    cycle it fell in and `flagged_outside_moderation_week` marks one outside week 3 (a flag, not a
    refusal); both are null for an audit outside a cycle and on events recorded before v3.
    """

    aggregate_type = "Audit"
    schema_version = 3
    moderator_ids: Annotated[list[StaffId], bounded_list()]
    moderated_on: CalendarDate
    auditor_grade: Grade
    moderated_grade: Grade
    agrees_with_auditor: bool
    feedback: FreeText
    cycle_week: Int32 | None
    flagged_outside_moderation_week: bool | None


class AuditWithdrawn(EventPayload):
    """The QA Manager withdrew the audit (e.g. allocated in error), with a reason."""

    aggregate_type = "Audit"
    reason: Label


# --- Action ------------------------------------------------------------------------------------


class ActionAgreed(EventPayload):
    """A SMART action was agreed: owner, description, measure of success, due date, source."""

    aggregate_type = "Action"
    owner_id: StaffId
    owner_team: Label
    owner_service_area: ServiceArea
    description: FreeText
    measure_of_success: FreeText
    due_on: CalendarDate
    agreed_on: CalendarDate
    source_kind: ActionSourceKind
    source_id: UUID
    audit_id: UUID | None
    child_ref: ChildRef | None


class ActionProgressNoted(EventPayload):
    """Progress on an action was noted."""

    aggregate_type = "Action"
    note: FreeText
    noted_on: CalendarDate


class ActionDueDateChanged(EventPayload):
    """An action's due date was changed, with a reason."""

    aggregate_type = "Action"
    previous_due_on: CalendarDate
    due_on: CalendarDate
    reason: Label


class ActionCompleted(EventPayload):
    """An action was completed, with the difference it made."""

    aggregate_type = "Action"
    completed_on: CalendarDate
    outcome: FreeText


class ActionCancelled(EventPayload):
    """An action was cancelled, with a reason."""

    aggregate_type = "Action"
    reason: Label


# --- Meeting -----------------------------------------------------------------------------------


class PresentedReport(Part):
    presenter_id: StaffId
    service_area: ServiceArea | None = None
    strengths: FreeText
    challenges: FreeText
    reinforcing_strengths: FreeText | None = None
    addressing_challenges: FreeText | None = None
    specialist_audit_learning: FreeText | None = None


class QAMeetingHeld(EventPayload):
    """A Head of Service QA meeting or the Assistant Director's QA meeting (ADQA) was held.
    `cycle_week` is the cycle week it fell in; `in_expected_week` compares with the guidance. The
    Practice Development Leader is always invited to a Head of Service QA meeting, unless the post
    is vacant (`pdl_post_vacant`, added in v3).
    """

    aggregate_type = "Meeting"
    schema_version = 3
    kind: MeetingKind
    cycle_id: UUID
    service_area: ServiceArea | None
    focus: MeetingFocus
    held_on: CalendarDate
    cycle_week: Int32
    in_expected_week: bool
    chair_id: StaffId
    attendee_ids: Annotated[list[StaffId], bounded_list()]
    invitee_ids: Annotated[list[StaffId], bounded_list()]
    pdl_post_vacant: bool
    measures_reviewed: Annotated[list[Label], bounded_list()]
    reports: Annotated[list[PresentedReport], bounded_list()]
    headline_learning: FreeText | None
    moderation_learning: FreeText | None


# --- Programme ---------------------------------------------------------------------------------


class ProgrammeOpened(EventPayload):
    """The specialist audit programme of a financial year (April to March) was opened."""

    aggregate_type = "Programme"
    financial_year: FinancialYear


class SpecialistAuditScheduled(EventPayload):
    """A specialist audit month and topic was scheduled for an external auditor."""

    aggregate_type = "Programme"
    specialist_audit_id: UUID
    financial_year: FinancialYear
    month: Month
    topic: Label
    external_auditor_id: StaffId
    minimum_audits: Annotated[int, int32(9, 1000)]


class ThematicAuditRequested(EventPayload):
    """The Assistant Director requested a thematic audit (usually at the ADQA meeting)."""

    aggregate_type = "Programme"
    specialist_audit_id: UUID
    financial_year: FinancialYear
    topic: Label
    rationale: FreeText
    meeting_id: UUID | None
    month: Month | None
    minimum_audits: Annotated[int, int32(1, 1000)]


# --- Wider evidence and Early Help learning -----------------------------------------------------


class WiderEvidenceRecorded(EventPayload):
    """A piece of the wider evidence the guidance uses beside audits (section 2): a complaint, a
    compliment, a Service Quality Review, feedback from children, young people and families, or an
    inspection finding, recorded for a service area by a manager or the QA Manager.
    """

    aggregate_type = "WiderEvidence"
    schema_version = 1
    source: EvidenceSource
    received_on: CalendarDate
    service_area: ServiceArea
    team: Label | None
    child_ref: ChildRef | None
    summary: FreeText


class EarlyHelpLearningSummarised(EventPayload):
    """An Early Help Service Manager's monthly summary of the learning from the Early Help audits
    they read (guidance section 5), with the audits it draws on.
    """

    aggregate_type = "EarlyHelpLearning"
    schema_version = 1
    service_manager_id: StaffId
    month: Month
    audit_ids: Annotated[list[UUID], bounded_list()]
    learning: FreeText


# --- Notification ------------------------------------------------------------------------------


class NotificationDelivered(EventPayload):
    """The notifier's receipt: who was told what, by which channel, and when."""

    aggregate_type = "Notification"
    cause_event_id: UUID
    cause_event_type: Annotated[str, single_line(200)]
    rule: RuleName
    recipient_id: StaffId
    channel: NotificationChannel
    delivered_at: Timestamp
    subject_line: Label


LATEST_PAYLOADS: dict[str, type[EventPayload]] = {
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
        WiderEvidenceRecorded,
        EarlyHelpLearningSummarised,
    )
}

# The latest payload model per contract name (every version: `schemas.registry.PAYLOADS`).
EVENT_TYPES = LATEST_PAYLOADS
