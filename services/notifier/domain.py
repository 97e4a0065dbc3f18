"""The notifier's domain: who is who, what is due, and the notifications the rules decide on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol
from uuid import UUID, uuid5

from schemas import notification_rules as rules
from schemas.vocabulary import Grade, Role

MESSAGE_NAMESPACE = UUID("6f1d1c3e-2b7a-5c55-9a51-1f4b2f0c9e77")


def message_id(cause_event_id: UUID, rule: str, recipient_id: str) -> UUID:
    """One message per (cause, rule, recipient): the outbox key that makes a replay send nothing."""
    return uuid5(MESSAGE_NAMESPACE, f"{cause_event_id}|{rule}|{recipient_id}")


# Rule names are a contract (receipts carry them), so they live in `schemas.notification_rules`.
AUDIT_ALLOCATED = rules.AUDIT_ALLOCATED
AUDIT_OVERDUE = rules.AUDIT_OVERDUE
AUDIT_INADEQUATE_INVITE_SM = rules.INVITE_SERVICE_MANAGER
AUDIT_INADEQUATE_SENT_TO_AD_AND_HOS = rules.SENT_TO_AD_AND_HOS
AUDIT_GOOD_SHARE = rules.GOOD_AUDIT_SHARED
MODERATION_BELOW_FLOOR = rules.MODERATION_BELOW_FLOOR
ACTION_DUE_SOON = rules.ACTION_DUE_SOON
ACTION_OVERDUE = rules.ACTION_OVERDUE
RCD_MISSING = rules.RCD_MISSING
RCD_OVERDUE = rules.RCD_OVERDUE
RULES = rules.RULES

ACTION_DUE_SOON_DAYS = 7
RCD_EXPECTED_WITHIN_DAYS = 7
GOOD_GRADES = frozenset({Grade.GOOD, Grade.OUTSTANDING})


@dataclass(frozen=True)
class StaffMember:
    staff_id: str
    display_name: str
    email: str
    roles: frozenset[str]
    team: str
    service_area: str
    manager_id: str | None
    left_on: date | None = None

    @property
    def active(self) -> bool:
        return self.left_on is None

    def holds(self, role: Role) -> bool:
        return role.value in self.roles


@dataclass(frozen=True)
class Cycle:
    cycle_id: UUID
    name: str
    audits_due_on: date
    moderation_week_starts: date
    moderation_week_ends: date
    floor_percent: int
    scheduled_event_id: UUID


@dataclass(frozen=True)
class AuditCase:
    audit_id: UUID
    cycle_id: UUID | None
    auditor_id: str
    auditor_service_area: str
    child_ref: str
    case_team: str
    case_service_area: str
    tool: str
    due_on: date
    allocated_event_id: UUID
    submitted_on: date | None = None
    submitted_event_id: UUID | None = None
    grade: str | None = None  # the auditor's latest
    rcd_logged: bool = False
    moderated: bool = False
    withdrawn: bool = False
    moderated_grade: str | None = None
    specialist_audit_id: UUID | None = None
    allocated_by: str | None = None  # who allocated it (the actor of AuditAllocated)
    rcd_due_on: date | None = None  # two weeks after submission (AuditSubmitted v3)

    @property
    def effective_grade(self) -> str | None:
        """SPEC 7: the moderator's grade when moderated, else the auditor's latest."""
        return self.moderated_grade or self.grade

    @property
    def inadequate(self) -> bool:
        return self.effective_grade == Grade.INADEQUATE.value


@dataclass(frozen=True)
class ActionItem:
    action_id: UUID
    owner_id: str
    source_kind: str
    agreed_on: date
    child_ref: str | None
    due_on: date
    # The event that set the current due date: the cause of its reminders, so a new date
    # (ActionDueDateChanged) gets fresh reminders and an unchanged one never repeats them.
    due_set_by_event_id: UUID
    due_set_by_event_type: str
    open: bool = True


@dataclass(frozen=True)
class Coverage:
    submitted: int
    moderated: int

    @property
    def percent(self) -> float:
        return 100.0 * self.moderated / self.submitted if self.submitted else 0.0

    def still_needed(self, floor_percent: int) -> int:
        """How many more audits must be moderated to reach the floor (ceil of floor% of submitted)."""
        required = -(-self.submitted * floor_percent // 100)
        return max(0, required - self.moderated)


@dataclass(frozen=True)
class Notification:
    """What a rule decided: one message to one person, caused by one event (or deadline)."""

    cause_event_id: UUID
    cause_event_type: str
    rule: str
    recipient: StaffMember
    subject_line: str
    body: str
    subject_id: str  # the audit, action or cycle it is about, for the API and logs


class Directory(Protocol):
    """The read model as the rules see it: staff as they stand now in the log, audits, cycles."""

    def staff(self, staff_id: str) -> StaffMember | None: ...

    def holders(self, role: Role, *, service_area: str | None = None, team: str | None = None) -> list[StaffMember]:
        """Active staff holding a role, optionally within one service area or team."""
        ...

    def audit(self, audit_id: UUID) -> AuditCase | None: ...

    def cycle(self, cycle_id: UUID) -> Cycle | None: ...

    def commissioner(self, specialist_audit_id: UUID) -> str | None:
        """The QA Manager who scheduled a specialist audit (None for a thematic request, or unknown)."""
        ...

    def told(self, subject_id: str, rule: str, recipient_id: str) -> bool:
        """Whether this person was already told under this rule about this audit (or action, cycle)."""
        ...


def unique_active(people: Sequence[StaffMember | None]) -> list[StaffMember]:
    """Drop leavers, unknowns and duplicates (one person can hold two of the roles told)."""
    seen: dict[str, StaffMember] = {}
    for person in people:
        if person is not None and person.active and person.staff_id not in seen:
            seen[person.staff_id] = person
    return list(seen.values())
