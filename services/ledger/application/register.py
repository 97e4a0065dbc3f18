"""The staff register as the ledger reads it when it authorises a command.

Every question about who someone is, as an authority, goes through `StaffRegister.member`: one
lookup of the StaffMember aggregate, at the moment of the command. A cache (for speed) belongs behind
that one method, and must never answer from before a role change or a leaving it has not seen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.utils import get_topic

from schemas.vocabulary import Role
from services.ledger.domain import StaffMember
from services.platform.authority import Authority, Registration, authorise

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import date

    from eventsourcing.application import Repository
    from eventsourcing.persistence import ApplicationRecorder

# When the register allows someone a command in more than one role, the role the event records:
# the auditor's own work as auditor, otherwise the widest authority first (a QA Manager who is also
# a Head of Service allocates as QA Manager, unrestricted by service area).
ACTING_ORDER: tuple[Role, ...] = (
    Role.AUDITOR,
    Role.EXTERNAL_AUDITOR,
    Role.QA_MANAGER,
    Role.PRINCIPAL_SOCIAL_WORKER,
    Role.ASSISTANT_DIRECTOR,
    Role.HEAD_OF_SERVICE,
    Role.SERVICE_MANAGER,
    Role.TEAM_MANAGER,
    Role.PRACTICE_DEVELOPMENT_LEADER,
    Role.INSPECTOR,
    Role.SERVICE,
)
assert set(ACTING_ORDER) == set(Role), "every role needs a place in ACTING_ORDER"

REGISTERED_TOPIC = get_topic(StaffMember.StaffMemberRegistered)  # type: ignore[attr-defined]
PAGE = 500


class StaffRegister:
    def __init__(self, repository: Repository[UUID], recorder: ApplicationRecorder) -> None:
        self.repository = repository
        self.recorder = recorder

    def member(self, staff_id: str) -> StaffMember | None:
        """The one lookup authorisation makes (see the module's docstring)."""
        try:
            member: Any = self.repository.get(StaffMember.id_for(staff_id))
        except AggregateNotFoundError:
            return None
        assert isinstance(member, StaffMember)
        return member

    def authority(self, subject: str, claimed: frozenset[Role], today: date) -> tuple[StaffMember | None, Authority]:
        member = self.member(subject)
        registration = Registration.of(member.roles, member.left_on) if member is not None else None
        return member, authorise(subject, claimed, registration, today)

    def holders(self, role: Role, today: date) -> list[StaffMember]:
        """Everyone who holds `role` today. Reads every registration: for operator commands and
        start-up, not for the path of a command."""
        found = []
        for aggregate_id in self._registered_ids():
            member: Any = self.repository.get(aggregate_id)
            if member.has_role(role) and not member.has_left(today):
                found.append(member)
        return found

    def _registered_ids(self) -> Iterator[UUID]:
        start = 1
        while page := self.recorder.select_notifications(start, PAGE, topics=[REGISTERED_TOPIC]):
            yield from (UUID(str(notification.originator_id)) for notification in page)
            start = page[-1].id + 1
