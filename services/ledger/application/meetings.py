"""Use cases: recording Head of Service QA meetings and the ADQA meeting; notification receipts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from schemas.integrity import contract_name
from schemas.vocabulary import MeetingKind, Role
from services.ledger.application.core import Actor, CommandContext, Decision, LedgerCore, Outcome
from services.ledger.domain import AuditCycle, Meeting, NotificationReceipt
from services.ledger.domain.errors import InvalidCommand, NotPermitted
from services.ledger.envelopes import PUBLISHED_TOPICS, event_id

if TYPE_CHECKING:
    from services.ledger.commands import RecordMeeting, RecordNotificationDelivered


class MeetingUseCases(LedgerCore):
    def record_meeting(self, actor: Actor, cmd: RecordMeeting, ctx: CommandContext) -> Outcome:
        command = "record_hos_qa_meeting" if cmd.kind == MeetingKind.HOS_QA else "record_adqa_meeting"

        def decide(role: Role) -> Decision:
            cycle = self.load(AuditCycle, cmd.cycle_id, "audit cycle")
            if role == Role.HEAD_OF_SERVICE and cmd.service_area != self.acting_staff(actor).area:
                raise NotPermitted("a Head of Service records the QA meeting of their own service area")
            people = {p: self.staff(p, "attendee") for p in {*cmd.attendee_ids, *cmd.invitee_ids}}
            for report in cmd.reports:
                self.staff(report.presenter_id, "presenter")
            invited = {*cmd.invitee_ids, *cmd.attendee_ids}
            pdl_invited = any(people[p].has_role(Role.PRACTICE_DEVELOPMENT_LEADER) for p in invited)
            if cmd.pdl_post_vacant and pdl_invited:
                raise InvalidCommand(
                    "pdl_post_vacant", "a Practice Development Leader is invited, so the post is filled"
                )
            if cmd.kind == MeetingKind.HOS_QA and not (pdl_invited or cmd.pdl_post_vacant):
                raise InvalidCommand(
                    "invitee_ids",
                    "the Practice Development Leader is always invited to a Head of Service QA meeting "
                    "(if the post is vacant, say so with pdl_post_vacant)",
                )
            meeting = Meeting.hold(
                kind=cmd.kind,
                focus=cmd.focus,
                cycle_id=cycle.id,
                calendar=cycle.calendar,
                service_area=cmd.service_area.value if cmd.service_area else None,
                held_on=cmd.held_on,
                today=self.today(),
                chair_id=actor.id,
                attendee_ids=cmd.attendee_ids,
                invitee_ids=sorted(invited),
                pdl_post_vacant=cmd.pdl_post_vacant,
                measures_reviewed=cmd.measures_reviewed,
                reports=[r.model_dump(mode="json") for r in cmd.reports],
                headline_learning=cmd.headline_learning,
                moderation_learning=cmd.moderation_learning,
            )
            body = {"id": str(meeting.id), "version": meeting.version, "kind": cmd.kind.value}
            return Decision([meeting], body, 201)

        return self.execute(actor, command, ctx, decide)

    def record_notification_delivered(
        self, actor: Actor, cmd: RecordNotificationDelivered, ctx: CommandContext
    ) -> Outcome:
        """Receipts are keyed by (event, rule, recipient, channel): recording one twice is a no-op."""

        def decide(_: Role) -> Decision:
            self.check_receipt(cmd)
            receipt_id = NotificationReceipt.id_for(cmd.cause_event_id, cmd.rule, cmd.recipient_id, cmd.channel.value)
            if self.exists(receipt_id):
                return Decision([], {"id": str(receipt_id), "already_recorded": True}, 200)
            receipt = NotificationReceipt(
                cause_event_id=cmd.cause_event_id,
                cause_event_type=cmd.cause_event_type,
                rule=cmd.rule,
                recipient_id=cmd.recipient_id,
                channel=cmd.channel.value,
                delivered_at=datetime.now(UTC),
                subject_line=cmd.subject_line,
            )
            return Decision([receipt], {"id": str(receipt.id), "already_recorded": False}, 201)

        return self.execute(actor, "record_notification", ctx, decide)

    def check_receipt(self, cmd: RecordNotificationDelivered) -> None:
        """A receipt is evidence that someone was told: of a published event the ledger holds, told
        to someone the register holds. Anything else is refused, whoever sends it."""
        stored = self.recorder.select_events(cmd.cause_aggregate_id)
        cause = next(
            (e for e in stored if event_id(cmd.cause_aggregate_id, e.originator_version) == cmd.cause_event_id), None
        )
        if cause is None or cause.topic not in PUBLISHED_TOPICS:
            raise InvalidCommand("cause_event_id", "is not a published event of cause_aggregate_id in the ledger")
        name = cause.topic.rsplit(".", 1)[-1]  # the event class is named as its contract
        # The notifier may give the published type (with the deployment's prefix) or the contract name.
        if contract_name(cmd.cause_event_type) != name:
            raise InvalidCommand("cause_event_type", f"the cause event is a {name}")
        if self.register.member(cmd.recipient_id) is None:
            raise InvalidCommand("recipient_id", f"'{cmd.recipient_id}' is not in the staff register")
