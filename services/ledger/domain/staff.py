"""StaffMember: who holds which roles, in which team and service area, and in which auditor groups."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import event

from schemas.vocabulary import CROSS_SERVICE_EXEMPT_GROUPS, AuditorGroup, Role, ServiceArea
from services.ledger.domain.base import LedgerAggregate, derived_id
from services.ledger.domain.errors import StateConflict

if TYPE_CHECKING:
    from datetime import date
    from uuid import UUID


class StaffMember(LedgerAggregate):
    @staticmethod
    def id_for(staff_id: str) -> UUID:
        return derived_id("staff", staff_id)

    @classmethod
    def create_id(cls, *, staff_id: str, **_: object) -> UUID:
        return cls.id_for(staff_id)

    @event("StaffMemberRegistered")
    def __init__(
        self,
        *,
        staff_id: str,
        display_name: str,
        email: str,
        roles: list[str],
        team: str,
        service_area: str,
        auditor_groups: list[str],
        manager_id: str | None,
    ) -> None:
        self.staff_id = staff_id
        self.display_name = display_name
        self.email = email
        self.roles = roles
        self.team = team
        self.service_area = service_area
        self.auditor_groups = auditor_groups
        self.manager_id = manager_id
        self.active = True  # False once a leaving is recorded, even for a leaving day still to come
        self.left_on: date | None = None

    def has_role(self, role: Role) -> bool:
        return role.value in self.roles

    def has_left(self, today: date) -> bool:
        """From their leaving day on, a leaver can no longer act (the register refuses them)."""
        return self.left_on is not None and today >= self.left_on

    def exempt_group(self) -> AuditorGroup | None:
        """The first auditor group exempting this person from auditing across the service."""
        for group in self.auditor_groups:
            if AuditorGroup(group) in CROSS_SERVICE_EXEMPT_GROUPS:
                return AuditorGroup(group)
        return None

    @property
    def groups(self) -> list[AuditorGroup]:
        return [AuditorGroup(g) for g in self.auditor_groups]

    @property
    def area(self) -> ServiceArea:
        return ServiceArea(self.service_area)

    def check_active(self) -> None:
        if not self.active:
            raise StateConflict(f"staff member {self.staff_id} has left")

    def change_roles(
        self,
        *,
        roles: list[str],
        auditor_groups: list[str],
        team: str,
        service_area: str,
        manager_id: str | None,
        reason: str,
    ) -> None:
        self.check_active()
        self._change_roles(
            staff_id=self.staff_id,
            roles=roles,
            auditor_groups=auditor_groups,
            team=team,
            service_area=service_area,
            manager_id=manager_id,
            reason=reason,
        )

    @event("StaffRoleChanged")
    def _change_roles(
        self,
        *,
        staff_id: str,
        roles: list[str],
        auditor_groups: list[str],
        team: str,
        service_area: str,
        manager_id: str | None,
        reason: str,
    ) -> None:
        self.roles = roles
        self.auditor_groups = auditor_groups
        self.team = team
        self.service_area = service_area
        self.manager_id = manager_id

    def leave(self, *, left_on: date, reason: str) -> None:
        self.check_active()
        self._leave(staff_id=self.staff_id, left_on=left_on, reason=reason)

    @event("StaffMemberLeft")
    def _leave(self, *, staff_id: str, left_on: date, reason: str) -> None:
        self.active = False
        self.left_on = left_on
