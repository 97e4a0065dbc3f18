"""Audit: allocation, submission and grading, the reflective case discussion, moderation.

Rules that need only the audit's own state are checked here; rules that need another aggregate
(the auditor's service area, the logger's team, the cycle's weeks) are decided by the application
and passed in. The audit's effective grade (SPEC 7) is the moderator's when moderated, else the
auditor's latest: it decides who logs the reflective case discussion.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event

from schemas.reshape_v3 import rcd_due_on
from schemas.vocabulary import Grade, ParticipantCapacity, ServiceArea
from services.ledger.domain.base import LedgerAggregate
from services.ledger.domain.discussion import Attendance, discussion_attendance
from services.ledger.domain.errors import InvalidCommand, NotPermitted, StateConflict
from services.ledger.domain.findings import check_domain_findings, check_practice_period

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date
    from uuid import UUID

    from services.ledger.domain.allocation import AllocationFlags

ALLOCATED, SUBMITTED, WITHDRAWN = "allocated", "submitted", "withdrawn"
MODERATION_WEEK = 3


class Audit(LedgerAggregate):
    @classmethod
    def allocate(
        cls,
        *,
        auditor_id: str,
        auditor_service_area: ServiceArea,
        flags: AllocationFlags,
        child_ref: str,
        case_team: str,
        case_service_area: ServiceArea,
        tool: str,
        tool_version: int,
        cycle_id: UUID | None,
        specialist_audit_id: UUID | None,
        due_on: date,
    ) -> Audit:
        return cls(
            auditor_id=auditor_id,
            auditor_service_area=auditor_service_area.value,
            child_ref=child_ref,
            case_team=case_team,
            case_service_area=case_service_area.value,
            tool=tool,
            tool_version=tool_version,
            cycle_id=cycle_id,
            specialist_audit_id=specialist_audit_id,
            due_on=due_on,
            **flags.as_event_fields(),
        )

    @event("AuditAllocated")
    def __init__(
        self,
        *,
        auditor_id: str,
        auditor_service_area: str,
        child_ref: str,
        case_team: str,
        case_service_area: str,
        tool: str,
        tool_version: int,
        cycle_id: UUID | None,
        specialist_audit_id: UUID | None,
        due_on: date,
        within_own_service_area: bool,
        exempt_group: str | None,
        flagged_own_service_area: bool,
        expected_tool: str | None,
        flagged_tool: bool,
    ) -> None:
        self.auditor_id = auditor_id
        self.auditor_service_area = ServiceArea(auditor_service_area)
        self.child_ref = child_ref
        self.case_team = case_team
        self.case_service_area = ServiceArea(case_service_area)
        self.tool = tool
        self.tool_version = tool_version
        self.cycle_id = cycle_id
        self.specialist_audit_id = specialist_audit_id
        self.due_on = due_on
        self.flagged_own_service_area = flagged_own_service_area
        self.flagged_tool: bool | None = flagged_tool
        self.status = ALLOCATED
        self.submitted_on: date | None = None
        self.rcd_due_on: date | None = None
        self.practitioners_audited: list[str] = []
        self.overall_grade: Grade | None = None  # the auditor's latest, amendments included
        self.moderated_grade: Grade | None = None
        self.discussion_logged = False
        self.moderated = False

    # --- guards ----------------------------------------------------------------------------------

    def check_not_withdrawn(self) -> None:
        if self.status == WITHDRAWN:
            raise StateConflict("the audit has been withdrawn")

    def check_submitted(self, doing: str) -> None:
        self.check_not_withdrawn()
        if self.status != SUBMITTED:
            raise StateConflict(f"cannot {doing}: the audit has not been submitted yet")

    def check_is_auditor(self, staff_id: str, doing: str) -> None:
        if staff_id != self.auditor_id:
            raise NotPermitted(f"only the allocated auditor ({self.auditor_id}) may {doing} this audit")

    # --- reallocation ----------------------------------------------------------------------------

    def reallocate(
        self, *, auditor_id: str, auditor_service_area: ServiceArea, flags: AllocationFlags, reason: str
    ) -> None:
        self.check_not_withdrawn()
        if self.status != ALLOCATED:
            raise StateConflict("a submitted audit cannot be reallocated")
        if auditor_id == self.auditor_id:
            raise InvalidCommand("auditor_id", f"the audit is already allocated to {auditor_id}")
        self._reallocate(
            from_auditor_id=self.auditor_id,
            auditor_id=auditor_id,
            auditor_service_area=auditor_service_area.value,
            reason=reason,
            **flags.as_event_fields(),
        )

    @event("AuditReallocated")
    def _reallocate(
        self,
        *,
        from_auditor_id: str,
        auditor_id: str,
        auditor_service_area: str,
        within_own_service_area: bool,
        exempt_group: str | None,
        flagged_own_service_area: bool,
        expected_tool: str | None,
        flagged_tool: bool | None,
        reason: str,
    ) -> None:
        self.auditor_id = auditor_id
        self.auditor_service_area = ServiceArea(auditor_service_area)
        self.flagged_own_service_area = flagged_own_service_area
        self.flagged_tool = flagged_tool

    # --- submission and grading ------------------------------------------------------------------

    def submit(
        self,
        *,
        auditor_id: str,
        submitted_on: date,
        practice_period_from: date,
        practice_period_to: date,
        extended_period_reason: str | None,
        summary: str,
        strengths: str,
        challenges: str,
        domain_findings: list[dict[str, Any]],
        practitioners_audited: list[str],
        overall_grade: Grade,
        tool_domains: frozenset[str],
    ) -> None:
        self.check_is_auditor(auditor_id, "submit")
        self.check_not_withdrawn()
        if self.status == SUBMITTED:
            raise StateConflict("the audit has already been submitted; correct it with an amendment")
        check_practice_period(practice_period_from, practice_period_to, submitted_on, extended_period_reason)
        domain_grades = check_domain_findings(domain_findings, tool_domains)
        self._submit(
            auditor_id=auditor_id,
            submitted_on=submitted_on,
            practice_period_from=practice_period_from,
            practice_period_to=practice_period_to,
            extended_period_reason=extended_period_reason,
            summary=summary,
            strengths=strengths,
            challenges=challenges,
            domain_findings=domain_findings,
            practitioners_audited=practitioners_audited,
            on_time=submitted_on <= self.due_on,
            rcd_due_on=rcd_due_on(submitted_on),
        )
        self._grade(overall_grade=overall_grade.value, domain_grades=domain_grades, previous_grade=None, reason=None)

    @event("AuditSubmitted")
    def _submit(
        self,
        *,
        auditor_id: str,
        submitted_on: date,
        practice_period_from: date,
        practice_period_to: date,
        extended_period_reason: str | None,
        summary: str,
        strengths: str,
        challenges: str,
        domain_findings: list[dict[str, Any]],
        practitioners_audited: list[str],
        on_time: bool,
        rcd_due_on: date,
    ) -> None:
        self.status = SUBMITTED
        self.submitted_on = submitted_on
        self.rcd_due_on = rcd_due_on
        self.practitioners_audited = list(practitioners_audited)

    @event("AuditGraded")
    def _grade(
        self,
        *,
        overall_grade: str,
        domain_grades: dict[str, str],
        previous_grade: str | None,
        reason: str | None,
    ) -> None:
        self.overall_grade = Grade(overall_grade)
        self.domain_grades = domain_grades

    def amend(
        self,
        *,
        auditor_id: str,
        reason: str,
        summary: str | None,
        strengths: str | None,
        challenges: str | None,
        domain_findings: list[dict[str, Any]] | None,
        overall_grade: Grade | None,
        tool_domains: frozenset[str],
    ) -> None:
        self.check_is_auditor(auditor_id, "amend")
        self.check_submitted("amend")
        changes = [summary, strengths, challenges, domain_findings, overall_grade]
        if all(change is None for change in changes):
            raise InvalidCommand("amendment", "name at least one field to correct")
        domain_grades = self.domain_grades
        if domain_findings is not None:
            domain_grades = check_domain_findings(domain_findings, tool_domains)
        self._amend(
            reason=reason,
            summary=summary,
            strengths=strengths,
            challenges=challenges,
            domain_findings=domain_findings,
            overall_grade=overall_grade.value if overall_grade else None,
        )
        new_grade = overall_grade or self.overall_grade
        if new_grade != self.overall_grade or domain_grades != self.domain_grades:
            assert self.overall_grade is not None and new_grade is not None
            self._grade(
                overall_grade=new_grade.value,
                domain_grades=domain_grades,
                previous_grade=self.overall_grade.value,
                reason=reason,
            )

    @event("AuditAmended")
    def _amend(
        self,
        *,
        reason: str,
        summary: str | None,
        strengths: str | None,
        challenges: str | None,
        domain_findings: list[dict[str, Any]] | None,
        overall_grade: str | None,
    ) -> None:
        pass

    # --- reflective case discussion --------------------------------------------------------------

    @property
    def effective_grade(self) -> Grade | None:
        """SPEC 7: the moderator's grade when moderated, else the auditor's latest. Every rule uses it."""
        return self.moderated_grade or self.overall_grade

    @property
    def is_inadequate(self) -> bool:
        return self.effective_grade == Grade.INADEQUATE

    def required_logger(self) -> ParticipantCapacity:
        """Who logs the RCD: the Service Manager when the overall grade is inadequate."""
        return ParticipantCapacity.SERVICE_MANAGER if self.is_inadequate else ParticipantCapacity.TEAM_MANAGER

    def hold_reflective_discussion(
        self,
        *,
        logged_by: str,
        logged_by_capacity: ParticipantCapacity,
        held_on: date,
        today: date,
        took_part: Sequence[Attendance],
        absent: Sequence[Attendance],
        notes: str,
    ) -> None:
        self.check_submitted("log the reflective discussion")
        if self.discussion_logged:
            raise StateConflict("the reflective discussion for this audit has already been logged")
        if held_on > today:
            raise InvalidCommand("held_on", "a reflective discussion cannot be logged before it is held")
        if logged_by_capacity != self.required_logger():
            raise NotPermitted(
                "the grade is inadequate: the Service Manager logs the reflective discussion"
                if self.is_inadequate
                else "the Team Manager of the child's team logs the reflective discussion"
            )
        record = discussion_attendance(
            auditor_id=self.auditor_id,
            practitioners_audited=self.practitioners_audited,
            took_part=took_part,
            absent=absent,
            service_manager_invited=self.is_inadequate,
            logged_by=logged_by,
        )
        self._hold_reflective_discussion(
            held_on=held_on,
            held_by=self.auditor_id,
            logged_by_capacity=logged_by_capacity.value,
            participants=[a.as_event_field() for a in record],
            service_manager_invited=self.is_inadequate,
            service_manager_attended=any(a.capacity == ParticipantCapacity.SERVICE_MANAGER for a in took_part),
            notes=notes,
        )

    @event("ReflectiveDiscussionHeld")
    def _hold_reflective_discussion(
        self,
        *,
        held_on: date,
        held_by: str | None,
        logged_by_capacity: str,
        participants: list[dict[str, Any]],
        service_manager_invited: bool,
        service_manager_attended: bool,
        notes: str,
    ) -> None:
        self.discussion_logged = True

    # --- moderation and withdrawal ---------------------------------------------------------------

    def moderate(
        self,
        *,
        moderator_ids: list[str],
        moderated_on: date,
        moderated_grade: Grade,
        feedback: str,
        cycle_week: int | None,
    ) -> None:
        """`cycle_week`: the week of the audit's cycle it happens in (None outside a cycle). Moderation
        is week 3's work; outside it the moderation is recorded and flagged, not refused."""
        self.check_submitted("moderate")
        if self.moderated:
            raise StateConflict("the audit has already been moderated")
        assert self.overall_grade is not None
        self._moderate(
            moderator_ids=moderator_ids,
            moderated_on=moderated_on,
            auditor_grade=self.overall_grade.value,
            moderated_grade=moderated_grade.value,
            agrees_with_auditor=moderated_grade == self.overall_grade,
            feedback=feedback,
            cycle_week=cycle_week,
            flagged_outside_moderation_week=None if cycle_week is None else cycle_week != MODERATION_WEEK,
        )

    @event("AuditModerated")
    def _moderate(
        self,
        *,
        moderator_ids: list[str],
        moderated_on: date,
        auditor_grade: str,
        moderated_grade: str,
        agrees_with_auditor: bool,
        feedback: str,
        cycle_week: int | None,
        flagged_outside_moderation_week: bool | None,
    ) -> None:
        self.moderated = True
        self.moderated_grade = Grade(moderated_grade)

    def withdraw(self, *, reason: str) -> None:
        self.check_not_withdrawn()
        self._withdraw(reason=reason)

    @event("AuditWithdrawn")
    def _withdraw(self, *, reason: str) -> None:
        self.status = WITHDRAWN
