"""Version 2 of the payloads that changed shape in contract v3, exactly as published
(`schemas/json/events/<Name>.v2.json`).

Frozen: events recorded between contract v2 and v3 carry these payloads for ever. Never edit this
module; `schemas.registry` upcasts from these to the latest versions in `schemas/events.py`.
Contracts not listed here are still at v2 in `schemas/events.py`.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from schemas.bounds import (
    CalendarDate,
    ChildRef,
    FreeText,
    Int32,
    Label,
    StaffId,
    bounded_list,
    int32,
)
from schemas.events import DiscussionParticipant, DomainFinding, EventPayload, PresentedReport
from schemas.vocabulary import (
    AuditorGroup,
    AuditTool,
    Grade,
    MeetingFocus,
    MeetingKind,
    ParticipantCapacity,
    ServiceArea,
)


class AuditAllocated(EventPayload):
    """A case audit was allocated to an auditor. `flagged_own_service_area` is true when the auditor
    audits inside their own service area without an exempt auditor group.
    """

    aggregate_type = "Audit"
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


class AuditReallocated(EventPayload):
    """An unsubmitted audit moved to another auditor, with a reason."""

    aggregate_type = "Audit"
    from_auditor_id: StaffId
    auditor_id: StaffId
    auditor_service_area: ServiceArea
    within_own_service_area: bool
    exempt_group: AuditorGroup | None
    flagged_own_service_area: bool
    reason: Label


class AuditSubmitted(EventPayload):
    """The allocated auditor submitted the completed audit with findings per domain."""

    aggregate_type = "Audit"
    auditor_id: StaffId
    submitted_on: CalendarDate
    practice_period_from: CalendarDate
    practice_period_to: CalendarDate
    extended_period_reason: Label | None
    summary: FreeText
    strengths: FreeText
    areas_for_development: FreeText
    domain_findings: Annotated[list[DomainFinding], bounded_list()]
    practitioners_audited: Annotated[list[StaffId], bounded_list()] = []
    on_time: bool


class AuditAmended(EventPayload):
    """A correction to a submitted audit's findings; the original stays in the ledger."""

    aggregate_type = "Audit"
    reason: Label
    summary: FreeText | None = None
    strengths: FreeText | None = None
    areas_for_development: FreeText | None = None
    domain_findings: Annotated[list[DomainFinding], bounded_list()] | None = None
    overall_grade: Grade | None = None


class ReflectiveDiscussionHeld(EventPayload):
    """The Team Manager (the Service Manager when the audit is inadequate) logged that the reflective
    case discussion was held, with who took part.
    """

    aggregate_type = "Audit"
    held_on: CalendarDate
    logged_by_capacity: ParticipantCapacity
    participants: Annotated[list[DiscussionParticipant], bounded_list()]
    service_manager_present: bool
    notes: FreeText


class AuditModerated(EventPayload):
    """The QA Manager or PSW moderated the audit; agreement compares with the auditor's grade."""

    aggregate_type = "Audit"
    moderator_ids: Annotated[list[StaffId], bounded_list()]
    moderated_on: CalendarDate
    auditor_grade: Grade
    moderated_grade: Grade
    agrees_with_auditor: bool
    feedback: FreeText


class QAMeetingHeld(EventPayload):
    """A Head of Service QA meeting or the Assistant Director's QA meeting (ADQA) was held.
    `cycle_week` is the cycle week it fell in; `in_expected_week` compares with the guidance.
    """

    aggregate_type = "Meeting"
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
    measures_reviewed: Annotated[list[Label], bounded_list()]
    reports: Annotated[list[PresentedReport], bounded_list()]
    headline_learning: FreeText | None
    moderation_learning: FreeText | None


V2_PAYLOADS: dict[str, type[EventPayload]] = {
    cls.__name__: cls
    for cls in (
        AuditAllocated,
        AuditReallocated,
        AuditSubmitted,
        AuditAmended,
        ReflectiveDiscussionHeld,
        AuditModerated,
        QAMeetingHeld,
    )
}
