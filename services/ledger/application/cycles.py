"""Use cases: scheduling and closing audit cycles; the specialist and thematic audit programme."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from schemas.vocabulary import AuditorGroup, MeetingKind, Role
from services.ledger.application.core import Actor, CommandContext, Decision, LedgerCore, Outcome
from services.ledger.domain import AuditCycle, Meeting, Programme
from services.ledger.domain.calendar import financial_year
from services.ledger.domain.errors import InvalidCommand, StateConflict

if TYPE_CHECKING:
    from datetime import date

    from services.ledger.commands import CloseCycle, RequestThematicAudit, ScheduleCycle, ScheduleSpecialistAudit


class CycleUseCases(LedgerCore):
    def schedule_cycle(self, actor: Actor, cmd: ScheduleCycle, ctx: CommandContext) -> Outcome:
        def decide(_: Role) -> Decision:
            cycle = AuditCycle.schedule(name=cmd.name, week1_monday=cmd.week1_monday)
            if self.exists(cycle.id):
                raise StateConflict(f"a cycle starting on {cmd.week1_monday.isoformat()} is already scheduled")
            return Decision([cycle], self.cycle_body(cycle), 201)

        return self.execute(actor, "schedule_cycle", ctx, decide)

    def close_cycle(self, actor: Actor, cycle_id: UUID, cmd: CloseCycle, ctx: CommandContext) -> Outcome:
        def decide(_: Role) -> Decision:
            cycle = self.load(AuditCycle, cycle_id, "audit cycle", ctx)
            cycle.close(closed_on=self.today(), reason=cmd.reason)
            return Decision([cycle], self.cycle_body(cycle))

        return self.execute(actor, "close_cycle", ctx, decide)

    @staticmethod
    def cycle_body(cycle: AuditCycle) -> dict[str, object]:
        cal = cycle.calendar
        return {
            "id": str(cycle.id),
            "version": cycle.version,
            "name": cycle.name,
            "week1_monday": cal.week1_monday.isoformat(),
            "preparation_week_starts": cal.preparation_week_starts.isoformat(),
            "audits_due_on": cal.audits_due_on.isoformat(),
            "moderation_week_starts": cal.moderation_week_starts.isoformat(),
            "hos_qa_findings_window_starts": cal.hos_qa_findings_window_starts.isoformat(),
            "adqa_week_starts": cal.adqa_week_starts.isoformat(),
            "ends_on": cal.ends_on.isoformat(),
            "closed": cycle.closed,
        }

    # --- programme -------------------------------------------------------------------------------

    def programme_for(self, year: str) -> Programme:
        programme_id = Programme.id_for(year)
        if self.exists(programme_id):
            return self.load(Programme, programme_id, "programme")
        return Programme(financial_year=year)

    def schedule_specialist_audit(self, actor: Actor, cmd: ScheduleSpecialistAudit, ctx: CommandContext) -> Outcome:
        def decide(_: Role) -> Decision:
            auditor = self.staff(cmd.external_auditor_id, "external auditor")
            auditor.check_active()
            if not (auditor.has_role(Role.EXTERNAL_AUDITOR) or AuditorGroup.EXTERNAL.value in auditor.auditor_groups):
                raise InvalidCommand("external_auditor_id", "specialist audits are done by an external auditor")
            year = financial_year(month_start(cmd.month))
            programme = self.programme_for(year)
            item_id = programme.schedule_specialist_audit(
                month=cmd.month,
                topic=cmd.topic,
                external_auditor_id=cmd.external_auditor_id,
                minimum_audits=cmd.minimum_audits,
            )
            body = {"id": str(item_id), "programme_id": str(programme.id), "financial_year": year}
            return Decision([programme], body, 201)

        return self.execute(actor, "schedule_specialist_audit", ctx, decide)

    def request_thematic_audit(self, actor: Actor, cmd: RequestThematicAudit, ctx: CommandContext) -> Outcome:
        def decide(_: Role) -> Decision:
            self.check_adqa_meeting(cmd.meeting_id)
            year = financial_year(month_start(cmd.month) if cmd.month else self.today())
            programme = self.programme_for(year)
            item_id = programme.request_thematic_audit(
                topic=cmd.topic,
                rationale=cmd.rationale,
                meeting_id=cmd.meeting_id,
                month=cmd.month,
                minimum_audits=cmd.minimum_audits,
            )
            body = {"id": str(item_id), "programme_id": str(programme.id), "financial_year": year}
            return Decision([programme], body, 201)

        return self.execute(actor, "request_thematic_audit", ctx, decide)

    def check_adqa_meeting(self, meeting_id: UUID) -> None:
        """Thematic audits are "discussed and agreed at the ADQA meeting" (guidance section 5)."""
        if not self.exists(meeting_id):
            raise InvalidCommand("meeting_id", "is not a recorded ADQA meeting")
        meeting = self.load(Meeting, meeting_id, "meeting")
        if meeting.kind != MeetingKind.ADQA:
            raise InvalidCommand(
                "meeting_id", f"is a {meeting.kind.value} meeting, not the ADQA meeting that agrees thematic audits"
            )


def month_start(month: str) -> date:
    from datetime import date

    year, mon = month.split("-")
    return date(int(year), int(mon), 1)
