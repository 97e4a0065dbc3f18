"""Rules that fire on an event, each a function named for what it does, routed from one table.

A rule reads the read model *after* the event was applied, so recipients are resolved as they
stood at that point of the log, and a replay resolves them the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from schemas.events import AuditAllocated, AuditGraded, AuditModerated, AuditReallocated
from schemas.vocabulary import Grade, Role
from services.notifier import messages
from services.notifier.domain import (
    AUDIT_ALLOCATED,
    AUDIT_GOOD_SHARE,
    AUDIT_INADEQUATE_INVITE_SM,
    AUDIT_INADEQUATE_SENT_TO_AD_AND_HOS,
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


def effective_grade_change(
    payload: AuditGraded | AuditModerated, audit: AuditCase
) -> tuple[Grade | None, Grade] | None:
    """The audit's effective grade before and after this event (SPEC 7), or None if it cannot move it."""
    if isinstance(payload, AuditModerated):
        return payload.auditor_grade, payload.moderated_grade
    if audit.moderated:
        return None  # the moderator's grade stands, whatever the auditor corrects later
    return payload.previous_grade, payload.overall_grade


def graded_into(
    envelope: EventEnvelope, payload: AuditGraded | AuditModerated, directory: Directory, band: frozenset[Grade]
) -> tuple[AuditCase, Grade] | None:
    """The audit and its new effective grade, when this event moved it into the band; else None.

    A move within the band (good to outstanding, or a moderator agreeing) tells nobody again.
    """
    audit = directory.audit(envelope.aggregateid)
    if audit is None:
        return None
    change = effective_grade_change(payload, audit)
    if change is None or change[1] not in band or change[0] in band:
        return None
    return audit, change[1]


def not_yet_told(directory: Directory, audit: AuditCase, rule: str, people: list[StaffMember]) -> list[StaffMember]:
    """A rule never tells one person twice about one audit (e.g. inadequate, regraded, inadequate again)."""
    return [p for p in unique_active(people) if not directory.told(str(audit.audit_id), rule, p.staff_id)]


def invite_service_manager_to_rcd(
    envelope: EventEnvelope, payload: AuditGraded | AuditModerated, directory: Directory
) -> list[Notification]:
    graded = graded_into(envelope, payload, directory, INADEQUATE)
    if graded is None:
        return []
    audit, _ = graded
    service_managers = directory.holders(Role.SERVICE_MANAGER, service_area=audit.case_service_area)
    people = not_yet_told(directory, audit, AUDIT_INADEQUATE_INVITE_SM, list(service_managers))
    by_moderation = isinstance(payload, AuditModerated)
    return _notify(
        envelope,
        AUDIT_INADEQUATE_INVITE_SM,
        people,
        audit,
        lambda p: messages.inadequate_invitation(p, audit, by_moderation),
    )


def send_inadequate_audit_to_ad_and_hos(
    envelope: EventEnvelope, payload: AuditGraded | AuditModerated, directory: Directory
) -> list[Notification]:
    graded = graded_into(envelope, payload, directory, INADEQUATE)
    if graded is None:
        return []
    audit, _ = graded
    leaders = [*directory.holders(Role.ASSISTANT_DIRECTOR), *heads_of_service(directory, audit.case_service_area)]
    people = not_yet_told(directory, audit, AUDIT_INADEQUATE_SENT_TO_AD_AND_HOS, leaders)
    by_moderation = isinstance(payload, AuditModerated)
    return _notify(
        envelope,
        AUDIT_INADEQUATE_SENT_TO_AD_AND_HOS,
        people,
        audit,
        lambda p: messages.inadequate_sent_to_ad_and_hos(p, audit, by_moderation),
    )


def share_good_audit(
    envelope: EventEnvelope, payload: AuditGraded | AuditModerated, directory: Directory
) -> list[Notification]:
    graded = graded_into(envelope, payload, directory, GOOD_GRADES)
    if graded is None:
        return []
    audit, grade = graded
    readers = [
        *directory.holders(Role.ASSISTANT_DIRECTOR),
        *heads_of_service(directory, audit.case_service_area),
        *directory.holders(Role.SERVICE_MANAGER, service_area=audit.case_service_area),
    ]
    people = not_yet_told(directory, audit, AUDIT_GOOD_SHARE, readers)
    by_moderation = isinstance(payload, AuditModerated)
    return _notify(
        envelope,
        AUDIT_GOOD_SHARE,
        people,
        audit,
        lambda p: messages.good_audit_shared(p, audit, grade.value, by_moderation),
    )


GRADE_RULES: tuple[EventRule, ...] = (
    invite_service_manager_to_rcd,
    send_inadequate_audit_to_ad_and_hos,
    share_good_audit,
)
INADEQUATE = frozenset({Grade.INADEQUATE})

EVENT_RULES: dict[str, tuple[EventRule, ...]] = {
    "AuditAllocated": (tell_auditor_of_allocation,),
    # A reallocation is an allocation to the new auditor: they need the same message.
    "AuditReallocated": (tell_auditor_of_allocation,),
    # The effective grade moves when the auditor grades (unless moderated) and when a moderator grades.
    "AuditGraded": GRADE_RULES,
    "AuditModerated": GRADE_RULES,
}
