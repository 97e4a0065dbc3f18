"""Rules that fire when a date passes, evaluated by the scheduler against the clock.

Each deadline is identified by (subject, rule, cause event): the cause is the event that set the
date (the allocation, the submission, the action's current due date, the cycle's schedule), so it
is deterministic, links the receipt back to a real event in the ledger, and a changed due date
makes a new deadline. The application records each evaluation, so it happens once, and survives
restarts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol
from uuid import UUID

from schemas.vocabulary import Role
from services.notifier import messages
from services.notifier.domain import (
    ACTION_DUE_SOON,
    ACTION_DUE_SOON_DAYS,
    ACTION_OVERDUE,
    AUDIT_OVERDUE,
    MODERATION_BELOW_FLOOR,
    RCD_EXPECTED_WITHIN_DAYS,
    RCD_MISSING,
    RCD_OVERDUE,
    ActionItem,
    AuditCase,
    Coverage,
    Cycle,
    Directory,
    Notification,
    StaffMember,
    unique_active,
)


@dataclass(frozen=True)
class Deadline:
    rule: str
    subject_id: str
    cause_event_id: UUID
    cause_event_type: str


class DeadlineSource(Directory, Protocol):
    """The read-model queries the scheduler needs; each returns subjects whose date has come."""

    def audits_unsubmitted_after_due(self, today: date) -> list[AuditCase]: ...

    def audits_without_rcd_submitted_by(self, day: date) -> list[AuditCase]: ...

    def audits_without_rcd_due_before(self, today: date) -> list[AuditCase]: ...

    def open_actions_due_by(self, day: date) -> list[ActionItem]: ...

    def cycles_in_moderation_week(self, today: date) -> list[Cycle]: ...

    def coverage(self, cycle_id: UUID) -> Coverage: ...


Evaluation = tuple[Deadline, Callable[[], list[Notification]]]


def _tell(
    deadline: Deadline, people: list[StaffMember], words: Callable[[StaffMember], tuple[str, str]]
) -> list[Notification]:
    out = []
    for person in people:
        subject, body = words(person)
        out.append(
            Notification(
                deadline.cause_event_id,
                deadline.cause_event_type,
                deadline.rule,
                person,
                subject,
                body,
                deadline.subject_id,
            )
        )
    return out


def chase_overdue_audits(source: DeadlineSource, today: date) -> Iterable[Evaluation]:
    """The day after the due date, an unsubmitted audit goes to its auditor and to who sees it done:
    the Head of Service of the auditor's area ("Heads of Service ensure their auditors complete their
    audits"), or for a specialist or thematic audit the QA Manager who commissioned it."""
    for audit in source.audits_unsubmitted_after_due(today):
        deadline = Deadline(AUDIT_OVERDUE, str(audit.audit_id), audit.allocated_event_id, "AuditAllocated")

        def decide(audit: AuditCase = audit, deadline: Deadline = deadline) -> list[Notification]:
            auditor = source.staff(audit.auditor_id)
            if audit.specialist_audit_id is not None:
                followers = commissioning_qa_managers(source, audit)
            else:
                area = auditor.service_area if auditor else audit.auditor_service_area
                followers = source.holders(Role.HEAD_OF_SERVICE, service_area=area)
            people = unique_active([auditor, *followers])
            return _tell(deadline, people, lambda p: messages.audit_overdue(p, audit, auditor))

        yield deadline, decide


def commissioning_qa_managers(source: Directory, audit: AuditCase) -> list[StaffMember]:
    """Who commissioned a specialist audit from the external auditor: the QA Manager who scheduled it,
    else the one who allocated it (a thematic request comes from the AD), else every QA Manager."""
    assert audit.specialist_audit_id is not None
    for handle in (source.commissioner(audit.specialist_audit_id), audit.allocated_by):
        person = source.staff(handle) if handle else None
        if person is not None and person.active and person.holds(Role.QA_MANAGER):
            return [person]
    return source.holders(Role.QA_MANAGER)


def prompt_missing_rcds(source: DeadlineSource, today: date) -> Iterable[Evaluation]:
    """Seven days after submission with no RCD logged: the Team Manager, or the SM when inadequate."""
    for audit in source.audits_without_rcd_submitted_by(today - timedelta(days=RCD_EXPECTED_WITHIN_DAYS)):
        assert audit.submitted_event_id is not None
        deadline = Deadline(RCD_MISSING, str(audit.audit_id), audit.submitted_event_id, "AuditSubmitted")

        def decide(audit: AuditCase = audit, deadline: Deadline = deadline) -> list[Notification]:
            return _tell(deadline, rcd_loggers(source, audit), lambda p: messages.rcd_missing(p, audit))

        yield deadline, decide


def chase_overdue_rcds(source: DeadlineSource, today: date) -> Iterable[Evaluation]:
    """The day after the discussion was due (two weeks after submission), still not logged: the
    auditor, who holds it, and whoever logs it (the Team Manager, or the Service Manager if inadequate)."""
    for audit in source.audits_without_rcd_due_before(today):
        assert audit.submitted_event_id is not None
        deadline = Deadline(RCD_OVERDUE, str(audit.audit_id), audit.submitted_event_id, "AuditSubmitted")

        def decide(audit: AuditCase = audit, deadline: Deadline = deadline) -> list[Notification]:
            people = unique_active([source.staff(audit.auditor_id), *rcd_loggers(source, audit)])
            return _tell(deadline, people, lambda p: messages.rcd_overdue(p, audit))

        yield deadline, decide


def rcd_loggers(source: Directory, audit: AuditCase) -> list[StaffMember]:
    service_managers = source.holders(Role.SERVICE_MANAGER, service_area=audit.case_service_area)
    if audit.inadequate:
        return unique_active(list(service_managers))
    team_managers = source.holders(Role.TEAM_MANAGER, team=audit.case_team)
    # A team without a Team Manager on record still needs someone to log the discussion.
    return unique_active(list(team_managers or service_managers))


def remind_actions_due_soon(source: DeadlineSource, today: date) -> Iterable[Evaluation]:
    """Within 7 days of its due date, an open action's owner is reminded (once per due date)."""
    for action in source.open_actions_due_by(today + timedelta(days=ACTION_DUE_SOON_DAYS)):
        deadline = Deadline(
            ACTION_DUE_SOON, str(action.action_id), action.due_set_by_event_id, action.due_set_by_event_type
        )

        def decide(action: ActionItem = action, deadline: Deadline = deadline) -> list[Notification]:
            if action.due_on < today:
                return []  # already overdue when first seen: the overdue rule speaks instead
            people = unique_active([source.staff(action.owner_id)])
            return _tell(deadline, people, lambda p: messages.action_due_soon(p, action))

        yield deadline, decide


def chase_overdue_actions(source: DeadlineSource, today: date) -> Iterable[Evaluation]:
    """The day after its due date, a still-open action goes to its owner and the owner's manager."""
    for action in source.open_actions_due_by(today - timedelta(days=1)):
        deadline = Deadline(
            ACTION_OVERDUE, str(action.action_id), action.due_set_by_event_id, action.due_set_by_event_type
        )

        def decide(action: ActionItem = action, deadline: Deadline = deadline) -> list[Notification]:
            owner = source.staff(action.owner_id)
            manager = source.staff(owner.manager_id) if owner and owner.manager_id else None
            people = unique_active([owner, manager])
            return _tell(deadline, people, lambda p: messages.action_overdue(p, action, owner))

        yield deadline, decide


def warn_moderation_coverage_below_floor(source: DeadlineSource, today: date) -> Iterable[Evaluation]:
    """When moderation week begins under the floor (15%), the QA Manager and PSW are told."""
    for cycle in source.cycles_in_moderation_week(today):
        deadline = Deadline(
            MODERATION_BELOW_FLOOR, str(cycle.cycle_id), cycle.scheduled_event_id, "AuditCycleScheduled"
        )

        def decide(cycle: Cycle = cycle, deadline: Deadline = deadline) -> list[Notification]:
            coverage = source.coverage(cycle.cycle_id)
            # Nothing submitted means nothing to moderate; the overdue-audit rule has spoken.
            if coverage.submitted == 0 or coverage.percent >= cycle.floor_percent:
                return []
            people = unique_active([*source.holders(Role.QA_MANAGER), *source.holders(Role.PRINCIPAL_SOCIAL_WORKER)])
            return _tell(deadline, people, lambda p: messages.moderation_below_floor(p, cycle, coverage))

        yield deadline, decide


DEADLINE_RULES: tuple[Callable[[DeadlineSource, date], Iterable[Evaluation]], ...] = (
    chase_overdue_audits,
    prompt_missing_rcds,
    chase_overdue_rcds,
    remind_actions_due_soon,
    chase_overdue_actions,
    warn_moderation_coverage_below_floor,
)
