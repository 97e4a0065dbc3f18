"""Use cases of an audit: allocation, submission, amendment, reflective discussion, moderation."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from schemas.audit_tools import UnknownToolVersion, load_tool
from schemas.vocabulary import AuditTool, ParticipantCapacity, Role, ServiceArea
from services.ledger.application.audit_reads import audit_state
from services.ledger.application.core import Actor, CommandContext, Decision, LedgerCore, Outcome
from services.ledger.domain import Audit, AuditCycle, Programme, StaffMember
from services.ledger.domain.allocation import AllocationFlags
from services.ledger.domain.calendar import financial_year
from services.ledger.domain.discussion import Attendance
from services.ledger.domain.errors import InvalidCommand, NotPermitted

if TYPE_CHECKING:
    from uuid import UUID

    from services.ledger.commands import (
        AllocateAudit,
        AmendAudit,
        ModerateAudit,
        ReallocateAudit,
        RecordReflectiveDiscussion,
        SubmitAudit,
        WithdrawAudit,
    )

CANNOT_AUDIT = frozenset({Role.INSPECTOR, Role.SERVICE})
LATE_ALLOCATION_DAYS = 14


class AuditUseCases(LedgerCore):
    def allocate_audit(self, actor: Actor, cmd: AllocateAudit, ctx: CommandContext) -> Outcome:
        def decide(role: Role) -> Decision:
            auditor = self.eligible_auditor(cmd.auditor_id)
            self.check_allocator_scope(actor, role, auditor)
            try:
                tool = load_tool(cmd.tool, cmd.tool_version)
            except UnknownToolVersion as exc:
                raise InvalidCommand("tool_version", str(exc)) from None
            due_on = self.due_date(cmd)
            if cmd.specialist_audit_id is not None:
                self.check_specialist_audit(cmd.specialist_audit_id, cmd.tool)
            audit = Audit.allocate(
                auditor_id=auditor.staff_id,
                auditor_service_area=auditor.area,
                flags=AllocationFlags.of(auditor.area, auditor.groups, cmd.case_service_area, tool.tool),
                child_ref=cmd.child_ref,
                case_team=cmd.case_team,
                case_service_area=cmd.case_service_area,
                tool=tool.tool.value,
                tool_version=tool.version,
                cycle_id=cmd.cycle_id,
                specialist_audit_id=cmd.specialist_audit_id,
                due_on=due_on,
            )
            return Decision([audit], self.audit_body(audit), 201)

        return self.execute(actor, "allocate_audit", ctx, decide)

    def reallocate_audit(self, actor: Actor, audit_id: UUID, cmd: ReallocateAudit, ctx: CommandContext) -> Outcome:
        def decide(role: Role) -> Decision:
            audit = self.load(Audit, audit_id, "audit", ctx)
            auditor = self.eligible_auditor(cmd.auditor_id)
            self.check_allocator_scope(actor, role, auditor)
            audit.reallocate(
                auditor_id=auditor.staff_id,
                auditor_service_area=auditor.area,
                flags=AllocationFlags.of(auditor.area, auditor.groups, audit.case_service_area, AuditTool(audit.tool)),
                reason=cmd.reason,
            )
            return Decision([audit], self.audit_body(audit))

        return self.execute(actor, "reallocate_audit", ctx, decide)

    def submit_audit(self, actor: Actor, audit_id: UUID, cmd: SubmitAudit, ctx: CommandContext) -> Outcome:
        def decide(_: Role) -> Decision:
            audit = self.load(Audit, audit_id, "audit", ctx)
            audit.submit(
                auditor_id=actor.id,
                submitted_on=self.today(),
                practice_period_from=cmd.practice_period_from,
                practice_period_to=cmd.practice_period_to,
                extended_period_reason=cmd.extended_period_reason,
                summary=cmd.summary,
                strengths=cmd.strengths,
                challenges=cmd.challenges,
                domain_findings=[f.model_dump(mode="json") for f in cmd.domain_findings],
                practitioners_audited=cmd.practitioners_audited,
                overall_grade=cmd.overall_grade,
                tool_domains=self.tool_domains(audit),
            )
            return Decision([audit], self.audit_body(audit))

        return self.execute(actor, "submit_audit", ctx, decide)

    def amend_audit(self, actor: Actor, audit_id: UUID, cmd: AmendAudit, ctx: CommandContext) -> Outcome:
        def decide(_: Role) -> Decision:
            audit = self.load(Audit, audit_id, "audit", ctx)
            findings = cmd.domain_findings
            audit.amend(
                auditor_id=actor.id,
                reason=cmd.reason,
                summary=cmd.summary,
                strengths=cmd.strengths,
                challenges=cmd.challenges,
                domain_findings=[f.model_dump(mode="json") for f in findings] if findings is not None else None,
                overall_grade=cmd.overall_grade,
                tool_domains=self.tool_domains(audit),
            )
            return Decision([audit], self.audit_body(audit))

        return self.execute(actor, "amend_audit", ctx, decide)

    def record_reflective_discussion(
        self, actor: Actor, audit_id: UUID, cmd: RecordReflectiveDiscussion, ctx: CommandContext
    ) -> Outcome:
        def decide(_: Role) -> Decision:
            audit = self.load(Audit, audit_id, "audit", ctx)
            audit.check_submitted("log the reflective discussion")
            audit.hold_reflective_discussion(
                logged_by=actor.id,
                logged_by_capacity=self.logging_capacity(actor, audit),
                held_on=cmd.held_on,
                today=self.today(),
                took_part=[Attendance(p.participant_id, p.capacity, attended=True) for p in cmd.participants],
                absent=[Attendance(a.participant_id, a.capacity, False, a.reason, a.note) for a in cmd.absences],
                notes=cmd.notes,
            )
            return Decision([audit], self.audit_body(audit))

        return self.execute(actor, "record_reflective_discussion", ctx, decide)

    def moderate_audit(self, actor: Actor, audit_id: UUID, cmd: ModerateAudit, ctx: CommandContext) -> Outcome:
        def decide(_: Role) -> Decision:
            audit = self.load(Audit, audit_id, "audit", ctx)
            co_moderators = [self.staff(m, "co-moderator") for m in cmd.co_moderator_ids]
            for co_moderator in co_moderators:
                co_moderator.check_active()
            if audit.case_service_area == ServiceArea.EARLY_HELP:
                check_early_help_co_moderator(co_moderators)
            today = self.today()
            cycle = self.load(AuditCycle, audit.cycle_id, "audit cycle") if audit.cycle_id else None
            audit.moderate(
                moderator_ids=[actor.id, *[m for m in cmd.co_moderator_ids if m != actor.id]],
                moderated_on=today,
                moderated_grade=cmd.moderated_grade,
                feedback=cmd.feedback,
                cycle_week=cycle.calendar.week_of(today) if cycle else None,
            )
            return Decision([audit], self.audit_body(audit))

        return self.execute(actor, "moderate_audit", ctx, decide)

    def withdraw_audit(self, actor: Actor, audit_id: UUID, cmd: WithdrawAudit, ctx: CommandContext) -> Outcome:
        def decide(_: Role) -> Decision:
            audit = self.load(Audit, audit_id, "audit", ctx)
            audit.withdraw(reason=cmd.reason)
            return Decision([audit], self.audit_body(audit))

        return self.execute(actor, "withdraw_audit", ctx, decide)

    # --- rules that need other aggregates -------------------------------------------------------

    def eligible_auditor(self, staff_id: str) -> StaffMember:
        auditor = self.staff(staff_id, "auditor")
        if not auditor.active:
            raise InvalidCommand("auditor_id", f"'{staff_id}' has left and cannot be allocated audits")
        if {Role(r) for r in auditor.roles} <= CANNOT_AUDIT:
            raise InvalidCommand("auditor_id", f"'{staff_id}' holds no role that audits casework")
        return auditor

    def check_allocator_scope(self, actor: Actor, role: Role, auditor: StaffMember) -> None:
        """A Head of Service allocates only to auditors in their own service area."""
        if role == Role.QA_MANAGER:
            return
        own_area = self.acting_staff(actor).area
        if auditor.area != own_area:
            raise NotPermitted(
                f"a Head of Service allocates audits to auditors in their own service area ({own_area.value})"
            )

    def due_date(self, cmd: AllocateAudit) -> date:
        today = self.today()
        if cmd.due_on is not None and cmd.due_on < today:
            raise InvalidCommand("due_on", "must not be in the past")
        if cmd.cycle_id is None:
            assert cmd.due_on is not None
            return cmd.due_on
        cycle = self.load(AuditCycle, cmd.cycle_id, "audit cycle")
        cycle.check_open()
        if cycle.calendar.week_of(today) > 1:
            # Allocated after week 1 (a newcomer, a reallocated case): day 14 may be too close or past.
            return cmd.due_on or today + timedelta(days=LATE_ALLOCATION_DAYS)
        if cmd.due_on is not None and cmd.due_on != cycle.audits_due_on:
            raise InvalidCommand(
                "due_on", f"audits in a cycle are due at the end of week 2 ({cycle.audits_due_on.isoformat()})"
            )
        return cycle.audits_due_on

    def check_specialist_audit(self, specialist_audit_id: UUID, tool: AuditTool) -> None:
        this_year = self.today()
        for year in {financial_year(this_year.replace(year=this_year.year + d)) for d in (-1, 0, 1)}:
            programme_id = Programme.id_for(year)
            if self.exists(programme_id) and self.load(Programme, programme_id, "programme").has_item(
                specialist_audit_id
            ):
                return
        raise InvalidCommand("specialist_audit_id", "is not a scheduled specialist or thematic audit")

    def logging_capacity(self, actor: Actor, audit: Audit) -> ParticipantCapacity:
        """The Team Manager of the child's team logs the RCD; the Service Manager if inadequate."""
        staff = self.acting_staff(actor)
        if audit.is_inadequate:
            if self.holds(actor, Role.SERVICE_MANAGER) and staff.area == audit.case_service_area:
                self.acting_as(Role.SERVICE_MANAGER)
                return ParticipantCapacity.SERVICE_MANAGER
            raise NotPermitted(
                "overall grade is inadequate: the Service Manager for "
                f"{ServiceArea(audit.case_service_area).value} logs the reflective discussion"
            )
        if self.holds(actor, Role.TEAM_MANAGER) and staff.team == audit.case_team:
            self.acting_as(Role.TEAM_MANAGER)
            return ParticipantCapacity.TEAM_MANAGER
        raise NotPermitted(f"the Team Manager of the child's team ({audit.case_team}) logs the reflective discussion")

    @staticmethod
    def tool_domains(audit: Audit) -> frozenset[str]:
        return load_tool(AuditTool(audit.tool), audit.tool_version).domain_ids

    def audit_body(self, audit: Audit) -> dict[str, object]:
        return audit_state(audit, self.today())


def check_early_help_co_moderator(co_moderators: list[StaffMember]) -> None:
    """Early Help audits are moderated "alongside the Service Managers" of Early Help (guidance section 5)."""
    if not any(m.has_role(Role.SERVICE_MANAGER) and m.area == ServiceArea.EARLY_HELP for m in co_moderators):
        raise InvalidCommand(
            "co_moderator_ids",
            "an Early Help audit is moderated alongside an Early Help Service Manager: name one",
        )
