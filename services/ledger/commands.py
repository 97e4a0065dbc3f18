"""Commands the ledger accepts: imperative, strict (unknown fields refused), validated at the edge.

The same models are the HTTP request bodies, so the OpenAPI page documents exactly what the
application receives. Rules that need the ledger's state are checked by the domain, not here.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from schemas.bounds import (
    CalendarDate,
    ChildRef,
    FreeText,
    Label,
    Month,
    RuleName,
    StaffId,
    bounded_list,
    int32,
    single_line,
)
from schemas.events import DiscussionParticipant, DomainFinding, PresentedReport
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

# The contract's bounded types (schemas/bounds.py): the ledger refuses what no consumer could store.
ShortText = Label
Text = FreeText
Team = Annotated[str, single_line(100)]
# Casework dates, tighter than the contract's, so that date arithmetic (cycle weeks, 6-month
# windows) cannot overflow.
Day = Annotated[CalendarDate, Field(ge=date(2000, 1, 1), le=date(2099, 12, 31))]
Email = Annotated[
    str,
    StringConstraints(
        pattern=r"^[^@\s\u0000-\u001f\u007f-\u009f]+@[^@\s\u0000-\u001f\u007f-\u009f]+\.[^@\s\u0000-\u001f\u007f-\u009f]+$",
        max_length=254,
    ),
]
# Staff lists (attendees, moderators, participants...) and lists of findings or reports.
Few = bounded_list()


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class RegisterStaff(Command):
    staff_id: StaffId = Field(description="Stable staff handle, also the `sub` of their token.")
    display_name: ShortText
    email: Email
    roles: list[Role] = Field(min_length=1, max_length=20)
    team: Team
    service_area: ServiceArea
    auditor_groups: list[AuditorGroup] = Field(default=[], max_length=20)
    manager_id: StaffId | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "staff_id": "sam.auditor",
                "display_name": "Sam Patel",
                "email": "sam.patel@example.gov.uk",
                "roles": ["auditor", "team_manager"],
                "team": "Assessment Team 2",
                "service_area": "mash_assessment_support_awaken",
                "auditor_groups": [],
                "manager_id": "sara.sm",
            }
        },
    )


class ChangeStaffRoles(Command):
    roles: list[Role] = Field(min_length=1, max_length=20)
    auditor_groups: list[AuditorGroup] = Field(default=[], max_length=20)
    team: Team
    service_area: ServiceArea
    manager_id: StaffId | None = None
    reason: ShortText


class RecordStaffLeaving(Command):
    left_on: Day
    reason: ShortText


class ScheduleCycle(Command):
    name: ShortText = Field(examples=["Cycle 3 2026/27"])
    week1_monday: Day = Field(description="The Monday of week 1; every other date is derived.")


class CloseCycle(Command):
    reason: ShortText


class AllocateAudit(Command):
    auditor_id: StaffId
    child_ref: ChildRef = Field(description="The child's case-system reference. Never a name.")
    case_team: Team = Field(description="The team the child is allocated to (whose Team Manager logs the RCD).")
    case_service_area: ServiceArea
    tool: AuditTool = AuditTool.TEN_DOMAIN
    tool_version: Annotated[int, int32(1, 1000)] | None = Field(
        default=None, description="Defaults to the tool's latest version."
    )
    cycle_id: UUID | None = None
    specialist_audit_id: UUID | None = None
    due_on: Day | None = Field(
        default=None,
        description="Required outside a cycle. In a cycle: day 14, or for an audit allocated after week 1 "
        "the date the allocator sets (default 14 days on).",
    )

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "auditor_id": "sam.auditor",
                "child_ref": "MOS-123456",
                "case_team": "Children in Care Team 1",
                "case_service_area": "supporting_our_children",
                "tool": "ten_domain",
                "cycle_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
            }
        },
    )

    @model_validator(mode="after")
    def _needs_a_due_date(self) -> AllocateAudit:
        if self.cycle_id is None and self.due_on is None:
            raise ValueError("due_on is required when the audit is not part of a cycle (cycle_id)")
        return self


class ReallocateAudit(Command):
    auditor_id: StaffId
    reason: ShortText


class SubmitAudit(Command):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "practice_period_from": "2026-06-01",
                "practice_period_to": "2026-11-20",
                "summary": "Practice is child-centred; the plan is reviewed on time.",
                "strengths": "The child's voice is clear throughout the record.",
                "challenges": "The chronology has not been updated since the strategy meeting.",
                "domain_findings": [{"domain": "voice_of_child", "grade": "good", "finding": "Direct work recorded"}],
                "overall_grade": "good",
                "practitioners_audited": ["alex.sw"],
            }
        }
    )

    practice_period_from: Day
    practice_period_to: Day
    extended_period_reason: ShortText | None = Field(
        default=None, description="Required when the period starts more than 6 months before submission."
    )
    summary: Text
    strengths: Text
    challenges: Text = Field(
        validation_alias=AliasChoices("challenges", "areas_for_development"),
        description="The guidance's word; `areas_for_development`, its name until 2026-12, is still accepted.",
    )
    domain_findings: list[DomainFinding] = Field(
        max_length=200, description="One finding and grade for every domain of the tool."
    )
    overall_grade: Grade
    practitioners_audited: Annotated[list[StaffId], Few] = []


class AmendAudit(Command):
    reason: ShortText
    summary: Text | None = None
    strengths: Text | None = None
    challenges: Text | None = Field(
        default=None,
        validation_alias=AliasChoices("challenges", "areas_for_development"),
        description="The guidance's word; `areas_for_development`, its name until 2026-12, is still accepted.",
    )
    domain_findings: Annotated[list[DomainFinding], Few] | None = None
    overall_grade: Grade | None = None


class DiscussionAbsence(Command):
    participant_id: StaffId
    capacity: ParticipantCapacity
    reason: AbsenceReason | None = Field(
        default=None, description="Required for the allocated practitioner and their manager."
    )
    note: ShortText | None = Field(default=None, description="Required when the reason is `other`.")


class RecordReflectiveDiscussion(Command):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "held_on": "2026-11-25",
                "participants": [
                    {"participant_id": "sam.auditor", "capacity": "auditor"},
                    {"participant_id": "tess.tm", "capacity": "practitioner_manager"},
                ],
                "absences": [
                    {"participant_id": "alex.sw", "capacity": "allocated_practitioner", "reason": "left_the_service"}
                ],
                "notes": "Agreed to update the chronology and share the plan with the family.",
            }
        }
    )

    held_on: Day
    participants: list[DiscussionParticipant] = Field(
        min_length=1, max_length=200, description="Who took part: the auditor, who holds it, always."
    )
    absences: list[DiscussionAbsence] = Field(
        default=[],
        max_length=200,
        description="Who the discussion needed or invited but did not take part, and why. Others whose practice "
        "was audited and are not listed as taking part are recorded as invited, not attending.",
    )
    notes: Text


class ModerateAudit(Command):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "moderated_grade": "requires_improvement",
                "feedback": "Findings support requires improvement: management oversight is not evidenced.",
                "co_moderator_ids": ["psw.one"],
            }
        }
    )

    moderated_grade: Grade
    feedback: Text
    co_moderator_ids: list[StaffId] = Field(
        default=[], max_length=20, description="Fellow moderators, e.g. the PSW, or an Early Help Service Manager."
    )


class WithdrawAudit(Command):
    reason: ShortText


class AgreeAction(Command):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "owner_id": "tess.tm",
                "description": "Update the chronology and share it with the family",
                "measure_of_success": "Chronology current at the next supervision audit",
                "due_on": "2026-12-18",
                "source_kind": "reflective_discussion",
                "source_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
            }
        }
    )

    owner_id: StaffId
    description: Text = Field(description="Specific: what will be done.")
    measure_of_success: Text = Field(description="Measurable: how we will know it made a difference.")
    due_on: Day = Field(description="Time-bound: when it will be done by.")
    source_kind: ActionSourceKind
    source_id: UUID = Field(description="The audit (for an RCD or moderation) or the meeting it came from.")


class NoteActionProgress(Command):
    note: Text


class CompleteAction(Command):
    outcome: Text


class ChangeActionDueDate(Command):
    due_on: Day
    reason: ShortText


class CancelAction(Command):
    reason: ShortText


class RecordMeeting(Command):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "kind": "hos_qa",
                "focus": "audit_findings",
                "cycle_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                "service_area": "supporting_our_children",
                "held_on": "2026-12-09",
                "attendee_ids": ["hos.soc", "sm.soc", "pdl.soc"],
                "measures_reviewed": ["Visits, including child seen alone", "Stability of placements"],
                "headline_learning": "Chronologies lag behind events in two teams.",
            }
        }
    )

    kind: MeetingKind
    focus: MeetingFocus
    cycle_id: UUID
    service_area: ServiceArea | None = None
    held_on: Day
    attendee_ids: list[StaffId] = Field(min_length=1, max_length=200)
    invitee_ids: Annotated[list[StaffId], Few] = []
    pdl_post_vacant: bool = Field(
        default=False, description="The area's Practice Development Leader post is vacant, so none was invited."
    )
    measures_reviewed: Annotated[list[ShortText], Few] = []
    reports: Annotated[list[PresentedReport], Few] = []
    headline_learning: Text | None = None
    moderation_learning: Text | None = None


class ScheduleSpecialistAudit(Command):
    month: Month = Field(examples=["2026-04"])
    topic: ShortText = Field(examples=["Private fostering"])
    external_auditor_id: StaffId
    minimum_audits: int = Field(default=9, ge=1, le=1000)


class RequestThematicAudit(Command):
    topic: ShortText
    rationale: Text
    meeting_id: UUID = Field(
        description="The ADQA meeting at which the thematic audit was agreed (guidance section 5)."
    )
    month: Month | None = None
    minimum_audits: int = Field(default=9, ge=1, le=1000)


class RecordWiderEvidence(Command):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "source": "family_feedback",
                "received_on": "2026-11-20",
                "service_area": "supporting_our_children",
                "team": "Children in Care 1",
                "summary": "A carer wrote that the new social worker visits when she says she will.",
            }
        }
    )

    source: EvidenceSource
    received_on: Day
    service_area: ServiceArea
    team: Team | None = None
    child_ref: ChildRef | None = Field(default=None, description="The case reference, when it is about one child.")
    summary: Text = Field(description="What it says, as the Head of Service report will quote it.")


class SummariseEarlyHelpLearning(Command):
    month: Month = Field(examples=["2026-11"])
    audit_ids: list[UUID] = Field(default=[], max_length=200, description="The Early Help audits read.")
    learning: Text


class RecordNotificationDelivered(Command):
    cause_event_id: UUID
    cause_aggregate_id: UUID = Field(description="The aggregate of the cause event (its envelope's `aggregateid`).")
    cause_event_type: ShortText
    rule: RuleName
    recipient_id: StaffId
    channel: NotificationChannel
    subject_line: ShortText
