"""Rules that fire on an event, each a function named for what it does, routed from one table.

A rule reads the read model *after* the event was applied, so recipients are resolved as they
stood at that point of the log, and a replay resolves them the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from schemas.events import AuditAllocated, AuditGraded, AuditReallocated
from schemas.vocabulary import Grade, Role
from services.notifier import messages
from services.notifier.domain import (
    AUDIT_ALLOCATED,
    AUDIT_GOOD_SHARE,
    AUDIT_INADEQUATE_ESCALATE,
    AUDIT_INADEQUATE_INVITE_SM,
    GOOD_GRADES,
    AuditCase,
    Directory,
    Notification,
    StaffMember,
    unique_active,
)

if TYPE_CHECKING:
    from schemas.envelope import EventEnvelope

EventRule = Callable[["EventEnvelope", Any, Directory], list[Notification]]


def _notify(
    envelope: EventEnvelope,
    rule: str,
    people: list[StaffMember],
    audit: AuditCase,
    words: Callable[[StaffMember], tuple[str, str]],
) -> list[Notification]:
    out = []
    for person in people:
        subject, body = words(person)
        out.append(Notification(envelope.id, envelope.contract, rule, person, subject, body, str(audit.audit_id)))
    return out


def heads_of_service(directory: Directory, area: str) -> list[StaffMember]:
    return directory.holders(Role.HEAD_OF_SERVICE, service_area=area)


def tell_auditor_of_allocation(
    envelope: EventEnvelope, payload: AuditAllocated | AuditReallocated, directory: Directory
) -> list[Notification]:
    audit = directory.audit(envelope.aggregateid)
    if audit is None:
        return []
    cycle = directory.cycle(audit.cycle_id) if audit.cycle_id else None
    people = unique_active([directory.staff(payload.auditor_id)])
    return _notify(envelope, AUDIT_ALLOCATED, people, audit, lambda p: messages.audit_allocated(p, audit, cycle))


def newly_graded(payload: AuditGraded, grades: frozenset[Grade]) -> bool:
    """A regrade within the same band (good to outstanding) tells nobody again."""
    return payload.overall_grade in grades and payload.previous_grade not in grades


def invite_service_manager_to_rcd(
    envelope: EventEnvelope, payload: AuditGraded, directory: Directory
) -> list[Notification]:
    audit = directory.audit(envelope.aggregateid)
    if audit is None or not newly_graded(payload, frozenset({Grade.INADEQUATE})):
        return []
    people = unique_active(list(directory.holders(Role.SERVICE_MANAGER, service_area=audit.case_service_area)))
    return _notify(
        envelope,
        AUDIT_INADEQUATE_INVITE_SM,
        people,
        audit,
        lambda p: messages.inadequate_invitation(p, audit),
    )


def escalate_inadequate_audit(
    envelope: EventEnvelope, payload: AuditGraded, directory: Directory
) -> list[Notification]:
    audit = directory.audit(envelope.aggregateid)
    if audit is None or not newly_graded(payload, frozenset({Grade.INADEQUATE})):
        return []
    people = unique_active(
        [*directory.holders(Role.ASSISTANT_DIRECTOR), *heads_of_service(directory, audit.case_service_area)]
    )
    return _notify(
        envelope, AUDIT_INADEQUATE_ESCALATE, people, audit, lambda p: messages.inadequate_escalation(p, audit)
    )


def share_good_audit(envelope: EventEnvelope, payload: AuditGraded, directory: Directory) -> list[Notification]:
    audit = directory.audit(envelope.aggregateid)
    if audit is None or not newly_graded(payload, GOOD_GRADES):
        return []
    people = unique_active(
        [
            *directory.holders(Role.ASSISTANT_DIRECTOR),
            *heads_of_service(directory, audit.case_service_area),
            *directory.holders(Role.SERVICE_MANAGER, service_area=audit.case_service_area),
        ]
    )
    grade = payload.overall_grade.value
    return _notify(envelope, AUDIT_GOOD_SHARE, people, audit, lambda p: messages.good_audit_shared(p, audit, grade))


EVENT_RULES: dict[str, tuple[EventRule, ...]] = {
    "AuditAllocated": (tell_auditor_of_allocation,),
    # A reallocation is an allocation to the new auditor: they need the same message.
    "AuditReallocated": (tell_auditor_of_allocation,),
    "AuditGraded": (invite_service_manager_to_rcd, escalate_inadequate_audit, share_good_audit),
}
