"""Keeps the notifier's small read model in step with the log: one function per event type.

Every write is an upsert or a flag, so applying an event twice leaves the same state (a replay
from position 0 rebuilds exactly the staff, audits, actions and cycles as they stood).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from schemas import events as e
from schemas.notification_rules import canonical_rule
from schemas.vocabulary import Role
from services.notifier.domain import ActionItem, AuditCase, Cycle, StaffMember, message_id

if TYPE_CHECKING:
    from schemas.envelope import EventEnvelope
    from services.notifier.adapters.store import NotifierTransaction

Projector = Callable[["NotifierTransaction", "EventEnvelope", Any], None]


def staff_registered(tx: NotifierTransaction, env: EventEnvelope, p: e.StaffMemberRegistered) -> None:
    tx.put_staff(
        StaffMember(
            p.staff_id,
            p.display_name,
            p.email,
            frozenset(r.value for r in p.roles),
            p.team,
            p.service_area.value,
            p.manager_id,
        )
    )


def staff_changed(tx: NotifierTransaction, env: EventEnvelope, p: e.StaffRoleChanged) -> None:
    current = tx.staff(p.staff_id)
    if current is None:
        return
    tx.put_staff(
        replace(
            current,
            roles=frozenset(r.value for r in p.roles),
            team=p.team,
            service_area=p.service_area.value,
            manager_id=p.manager_id,
        )
    )


def staff_left(tx: NotifierTransaction, env: EventEnvelope, p: e.StaffMemberLeft) -> None:
    current = tx.staff(p.staff_id)
    if current is not None:
        tx.put_staff(replace(current, left_on=p.left_on))


def cycle_scheduled(tx: NotifierTransaction, env: EventEnvelope, p: e.AuditCycleScheduled) -> None:
    tx.put_cycle(
        Cycle(
            env.aggregateid,
            p.name,
            p.audits_due_on,
            p.moderation_week_starts,
            p.moderation_week_ends,
            p.moderation_floor_percent,
            env.id,
        )
    )


def cycle_closed(tx: NotifierTransaction, env: EventEnvelope, p: e.AuditCycleClosed) -> None:
    tx.close_cycle(env.aggregateid)


def audit_allocated(tx: NotifierTransaction, env: EventEnvelope, p: e.AuditAllocated) -> None:
    tx.put_audit(
        AuditCase(
            env.aggregateid,
            p.cycle_id,
            p.auditor_id,
            p.auditor_service_area.value,
            p.child_ref,
            p.case_team,
            p.case_service_area.value,
            p.tool.value,
            p.due_on,
            env.id,
            specialist_audit_id=p.specialist_audit_id,
            allocated_by=env.actorid,
        )
    )


def audit_reallocated(tx: NotifierTransaction, env: EventEnvelope, p: e.AuditReallocated) -> None:
    tx.update_audit(env.aggregateid, auditor_id=p.auditor_id, auditor_service_area=p.auditor_service_area.value)


def audit_submitted(tx: NotifierTransaction, env: EventEnvelope, p: e.AuditSubmitted) -> None:
    tx.update_audit(env.aggregateid, submitted_on=p.submitted_on, submitted_event_id=env.id, rcd_due_on=p.rcd_due_on)


def audit_graded(tx: NotifierTransaction, env: EventEnvelope, p: e.AuditGraded) -> None:
    tx.update_audit(env.aggregateid, grade=p.overall_grade.value)


def discussion_held(tx: NotifierTransaction, env: EventEnvelope, p: e.ReflectiveDiscussionHeld) -> None:
    tx.update_audit(env.aggregateid, rcd_logged=1)


def audit_moderated(tx: NotifierTransaction, env: EventEnvelope, p: e.AuditModerated) -> None:
    tx.update_audit(env.aggregateid, moderated=1, moderated_grade=p.moderated_grade.value)


def audit_withdrawn(tx: NotifierTransaction, env: EventEnvelope, p: e.AuditWithdrawn) -> None:
    tx.update_audit(env.aggregateid, withdrawn=1)


def action_agreed(tx: NotifierTransaction, env: EventEnvelope, p: e.ActionAgreed) -> None:
    tx.put_action(
        ActionItem(
            env.aggregateid,
            p.owner_id,
            p.source_kind.value,
            p.agreed_on,
            p.child_ref,
            p.due_on,
            env.id,
            env.contract,
        )
    )


def action_due_date_changed(tx: NotifierTransaction, env: EventEnvelope, p: e.ActionDueDateChanged) -> None:
    tx.update_action(env.aggregateid, due_on=p.due_on, due_set_by_event_id=env.id, due_set_by_event_type=env.contract)


def action_closed(tx: NotifierTransaction, env: EventEnvelope, p: e.ActionCompleted | e.ActionCancelled) -> None:
    tx.update_action(env.aggregateid, is_open=0)


def specialist_audit_scheduled(tx: NotifierTransaction, env: EventEnvelope, p: e.SpecialistAuditScheduled) -> None:
    # Scheduling a month's specialist audits with an external auditor is commissioning them.
    commissioner = env.actorid if env.actorrole == Role.QA_MANAGER.value else None
    tx.put_specialist_audit(p.specialist_audit_id, commissioner)


def thematic_audit_requested(tx: NotifierTransaction, env: EventEnvelope, p: e.ThematicAuditRequested) -> None:
    tx.put_specialist_audit(p.specialist_audit_id, None)  # requested by the AD: the allocating QA Manager follows up


def receipt_read_back(tx: NotifierTransaction, env: EventEnvelope, p: e.NotificationDelivered) -> None:
    # On a replay into an empty store (a lost or rebuilt outbox), the ledger's receipts are what
    # stop the notifier from telling people a second time.
    # A receipt under a rule's old id settles the message the rule now queues under its new id.
    rule = canonical_rule(p.rule)
    tx.note_receipt(message_id(p.cause_event_id, rule, p.recipient_id), p.channel.value, p.delivered_at)


PROJECTORS: dict[str, Projector] = {
    "StaffMemberRegistered": staff_registered,
    "StaffRoleChanged": staff_changed,
    "StaffMemberLeft": staff_left,
    "AuditCycleScheduled": cycle_scheduled,
    "AuditCycleClosed": cycle_closed,
    "AuditAllocated": audit_allocated,
    "AuditReallocated": audit_reallocated,
    "AuditSubmitted": audit_submitted,
    "AuditGraded": audit_graded,
    "ReflectiveDiscussionHeld": discussion_held,
    "AuditModerated": audit_moderated,
    "AuditWithdrawn": audit_withdrawn,
    "ActionAgreed": action_agreed,
    "ActionDueDateChanged": action_due_date_changed,
    "ActionCompleted": action_closed,
    "ActionCancelled": action_closed,
    "SpecialistAuditScheduled": specialist_audit_scheduled,
    "ThematicAuditRequested": thematic_audit_requested,
    "NotificationDelivered": receipt_read_back,
}
