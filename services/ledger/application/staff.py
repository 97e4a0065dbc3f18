"""Use cases: registering staff and changing their roles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.ledger.application.core import Actor, CommandContext, Decision, LedgerCore, Outcome
from services.ledger.domain import StaffMember
from services.ledger.domain.errors import StateConflict

if TYPE_CHECKING:
    from schemas.vocabulary import Role
    from services.ledger.commands import ChangeStaffRoles, RecordStaffLeaving, RegisterStaff


class StaffUseCases(LedgerCore):
    def register_staff(self, actor: Actor, cmd: RegisterStaff, ctx: CommandContext) -> Outcome:
        def decide(_: Role) -> Decision:
            if self.exists(StaffMember.id_for(cmd.staff_id)):
                raise StateConflict(f"staff member '{cmd.staff_id}' is already registered")
            if cmd.manager_id:
                self.staff(cmd.manager_id, "manager")
            member = StaffMember(
                staff_id=cmd.staff_id,
                display_name=cmd.display_name,
                email=cmd.email,
                roles=[r.value for r in cmd.roles],
                team=cmd.team,
                service_area=cmd.service_area.value,
                auditor_groups=[g.value for g in cmd.auditor_groups],
                manager_id=cmd.manager_id,
            )
            return Decision([member], self.staff_body(member), 201)

        return self.execute(actor, "register_staff", ctx, decide)

    def change_staff_roles(self, actor: Actor, staff_id: str, cmd: ChangeStaffRoles, ctx: CommandContext) -> Outcome:
        def decide(_: Role) -> Decision:
            member = self.staff(staff_id)
            self.check_version(member, ctx, "staff member")
            if cmd.manager_id:
                self.staff(cmd.manager_id, "manager")
            member.change_roles(
                roles=[r.value for r in cmd.roles],
                auditor_groups=[g.value for g in cmd.auditor_groups],
                team=cmd.team,
                service_area=cmd.service_area.value,
                manager_id=cmd.manager_id,
                reason=cmd.reason,
            )
            return Decision([member], self.staff_body(member))

        return self.execute(actor, "change_staff", ctx, decide)

    def record_staff_leaving(
        self, actor: Actor, staff_id: str, cmd: RecordStaffLeaving, ctx: CommandContext
    ) -> Outcome:
        def decide(_: Role) -> Decision:
            member = self.staff(staff_id)
            self.check_version(member, ctx, "staff member")
            member.leave(left_on=cmd.left_on, reason=cmd.reason)
            return Decision([member], self.staff_body(member))

        return self.execute(actor, "change_staff", ctx, decide)

    @staticmethod
    def staff_body(member: StaffMember) -> dict[str, object]:
        return {
            "id": str(member.id),
            "staff_id": member.staff_id,
            "version": member.version,
            "roles": member.roles,
            "team": member.team,
            "service_area": member.service_area,
            "auditor_groups": member.auditor_groups,
            "manager_id": member.manager_id,
            "active": member.active,
        }
