"""The operator's use case: the first QA Manager, when the staff register has no active one.

Every other registration is a QA Manager's command through the API. Someone has to be first, and a
department whose only QA Manager has left needs a way back in: the operator (who runs the ledger and
holds its keys) names a QA Manager with `python -m services.ledger.admin` (`make admin`). It is
recorded like any other fact, with the operator's handle as the actor and `operator` as the role,
and it is refused while the register holds an active QA Manager, who registers staff themselves.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from pydantic import TypeAdapter, ValidationError

from schemas.events import StaffId
from schemas.vocabulary import Role
from services.ledger.application.core import LedgerCore, Outcome
from services.ledger.domain import StaffMember
from services.ledger.domain.base import Stamp, stamp_cvar
from services.ledger.domain.errors import InvalidCommand, StateConflict

if TYPE_CHECKING:
    from uuid import UUID

    from services.ledger.commands import RegisterStaff

OPERATOR_ROLE = "operator"  # the actor role of the operator's events: not a staff role, never in a token
BOOTSTRAP_REASON = "Named QA Manager by the operator: the staff register had no active QA Manager"
HANDLE = TypeAdapter(StaffId)


class BootstrapUseCases(LedgerCore):
    def bootstrap_qa_manager(self, operator: str, cmd: RegisterStaff) -> Outcome:
        """Register `cmd.staff_id` as a QA Manager (or add the role to an existing member of staff)."""
        try:
            HANDLE.validate_python(operator)
        except ValidationError:
            raise InvalidCommand("operator", "must be a handle like a staff_id (a-z, 0-9, '.', '_', '-')") from None
        member = self.register.member(cmd.staff_id)
        if member is not None and member.has_role(Role.QA_MANAGER) and not member.has_left(self.today()):
            return Outcome(200, self.bootstrap_body(member, already=True), None)
        in_post = self.register.holders(Role.QA_MANAGER, self.today())
        if in_post:
            names = ", ".join(m.staff_id for m in in_post)
            raise StateConflict(
                f"the staff register already has an active QA Manager ({names}): they register staff through the API"
            )
        stamp = stamp_cvar.set(Stamp(operator, OPERATOR_ROLE, f"operator-{uuid.uuid4()}"))
        try:
            if member is None:
                member, status = self.new_qa_manager(cmd), 201
            else:
                member, status = self.promote(member.id), 200
        finally:
            stamp_cvar.reset(stamp)
        recordings = self.committer.save([member])
        position = max((r.notification.id for r in recordings if r.notification.id), default=None)
        return Outcome(status, self.bootstrap_body(member, already=False), position)

    @staticmethod
    def new_qa_manager(cmd: RegisterStaff) -> StaffMember:
        return StaffMember(
            staff_id=cmd.staff_id,
            display_name=cmd.display_name,
            email=cmd.email,
            roles=[Role.QA_MANAGER.value],
            team=cmd.team,
            service_area=cmd.service_area.value,
            auditor_groups=[],
            manager_id=None,
        )

    def promote(self, member_id: UUID) -> StaffMember:
        member = self.load(StaffMember, member_id, "staff member")  # a fresh copy to change, never a shared one
        if member.has_left(self.today()) or not member.active:
            raise StateConflict(f"'{member.staff_id}' has left: register the new QA Manager under a new handle")
        member.change_roles(
            roles=sorted({*member.roles, Role.QA_MANAGER.value}),
            auditor_groups=member.auditor_groups,
            team=member.team,
            service_area=member.service_area,
            manager_id=member.manager_id,
            reason=BOOTSTRAP_REASON,
        )
        return member

    @staticmethod
    def bootstrap_body(member: StaffMember, *, already: bool) -> dict[str, object]:
        return {
            "id": str(member.id),
            "staff_id": member.staff_id,
            "version": member.version,
            "roles": member.roles,
            "already_qa_manager": already,
        }
