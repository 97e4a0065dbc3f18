"""Use cases of SMART actions: agreeing them, noting progress, completing, re-dating, cancelling."""

from __future__ import annotations

from typing import TYPE_CHECKING

from schemas.vocabulary import ActionSourceKind, MeetingKind, Role
from services.ledger.application.core import Actor, CommandContext, Decision, LedgerCore, Outcome
from services.ledger.domain import Action, Audit, Meeting
from services.ledger.domain.errors import InvalidCommand, NotPermitted, StateConflict

if TYPE_CHECKING:
    from collections.abc import Callable
    from uuid import UUID

    from services.ledger.commands import (
        AgreeAction,
        CancelAction,
        ChangeActionDueDate,
        CompleteAction,
        NoteActionProgress,
    )

MEETING_SOURCES = {
    ActionSourceKind.HOS_QA_MEETING: MeetingKind.HOS_QA,
    ActionSourceKind.ADQA_MEETING: MeetingKind.ADQA,
}
MAX_MANAGEMENT_CHAIN = 12


class ActionUseCases(LedgerCore):
    def agree_action(self, actor: Actor, cmd: AgreeAction, ctx: CommandContext) -> Outcome:
        def decide(role: Role) -> Decision:
            if role == Role.PRINCIPAL_SOCIAL_WORKER and cmd.source_kind != ActionSourceKind.MODERATION:
                raise NotPermitted("the Principal Social Worker agrees actions from a moderation only")
            owner = self.staff(cmd.owner_id, "action owner")
            if not owner.active:
                raise InvalidCommand("owner_id", f"'{cmd.owner_id}' has left and cannot own an action")
            audit = self.action_source(cmd.source_kind, cmd.source_id)
            action = Action.agree(
                owner_id=owner.staff_id,
                owner_team=owner.team,
                owner_service_area=owner.service_area,
                description=cmd.description,
                measure_of_success=cmd.measure_of_success,
                due_on=cmd.due_on,
                agreed_on=self.today(),
                source_kind=cmd.source_kind.value,
                source_id=cmd.source_id,
                audit_id=audit.id if audit else None,
                child_ref=audit.child_ref if audit else None,
            )
            return Decision([action], self.action_body(action), 201)

        return self.execute(actor, "agree_action", ctx, decide)

    def note_action_progress(
        self, actor: Actor, action_id: UUID, cmd: NoteActionProgress, ctx: CommandContext
    ) -> Outcome:
        return self.update_action(
            actor, action_id, ctx, lambda a: a.note_progress(note=cmd.note, noted_on=self.today())
        )

    def complete_action(self, actor: Actor, action_id: UUID, cmd: CompleteAction, ctx: CommandContext) -> Outcome:
        return self.update_action(
            actor, action_id, ctx, lambda a: a.complete(completed_on=self.today(), outcome=cmd.outcome)
        )

    def change_action_due_date(
        self, actor: Actor, action_id: UUID, cmd: ChangeActionDueDate, ctx: CommandContext
    ) -> Outcome:
        return self.update_action(
            actor, action_id, ctx, lambda a: a.change_due_date(due_on=cmd.due_on, today=self.today(), reason=cmd.reason)
        )

    def cancel_action(self, actor: Actor, action_id: UUID, cmd: CancelAction, ctx: CommandContext) -> Outcome:
        return self.update_action(actor, action_id, ctx, lambda a: a.cancel(reason=cmd.reason))

    def update_action(
        self, actor: Actor, action_id: UUID, ctx: CommandContext, change: Callable[[Action], None]
    ) -> Outcome:
        def decide(_: Role) -> Decision:
            action = self.load(Action, action_id, "action", ctx)
            self.check_owner_or_above(actor, action)
            change(action)
            return Decision([action], self.action_body(action))

        return self.execute(actor, "update_action", ctx, decide)

    # --- rules that need other aggregates -------------------------------------------------------

    def action_source(self, kind: ActionSourceKind, source_id: UUID) -> Audit | None:
        """The audit an action came from (or None for a meeting), checked to exist and fit."""
        if kind in MEETING_SOURCES:
            meeting = self.load(Meeting, source_id, "meeting")
            if meeting.kind != MEETING_SOURCES[kind]:
                raise InvalidCommand("source_id", f"is a {meeting.kind.value} meeting, not {kind.value}")
            return None
        audit = self.load(Audit, source_id, "audit")
        if kind == ActionSourceKind.REFLECTIVE_DISCUSSION and not audit.discussion_logged:
            raise StateConflict("log the reflective discussion before recording the actions agreed in it")
        if kind == ActionSourceKind.MODERATION and not audit.moderated:
            raise StateConflict("the audit has not been moderated, so no moderation action can come from it")
        return audit

    def check_owner_or_above(self, actor: Actor, action: Action) -> None:
        """Progress and completion belong to the owner or to a manager above them."""
        if actor.id == action.owner_id or self.holds(actor, Role.ASSISTANT_DIRECTOR):
            return
        hos = self.holds(actor, Role.HEAD_OF_SERVICE)
        if hos and self.acting_staff(actor).service_area == action.owner_service_area:
            return
        manager_id, hops = self.staff(action.owner_id).manager_id, 0
        while manager_id and hops < MAX_MANAGEMENT_CHAIN:
            if manager_id == actor.id:
                return
            manager_id, hops = self.staff(manager_id).manager_id, hops + 1
        raise NotPermitted(f"only the action's owner ({action.owner_id}) or a manager above them may update it")

    @staticmethod
    def action_body(action: Action) -> dict[str, object]:
        return {
            "id": str(action.id),
            "version": action.version,
            "status": action.status,
            "owner_id": action.owner_id,
            "due_on": action.due_on.isoformat(),
        }
