"""Staff: roles, team and service area of everyone, for scope checks, quotas and Heads of Service."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from services.projections.projectors.base import Handler, Projector, iso
from services.projections.projectors.history import Versioned

if TYPE_CHECKING:
    from schemas.envelope import EventEnvelope
    from schemas.events import StaffMemberLeft, StaffMemberRegistered, StaffRoleChanged
    from services.projections.store import Tx


STAFF = Versioned(
    "proj_staff",
    "staff_id",
    """
    staff_id TEXT NOT NULL, display_name TEXT NOT NULL, roles TEXT NOT NULL, team TEXT NOT NULL,
    service_area TEXT NOT NULL, auditor_groups TEXT NOT NULL, manager_id TEXT, left_on TEXT
    """,
)


class StaffProjector(Projector):
    name = "staff"
    tables = STAFF.ddl()
    indexes = ("CREATE INDEX IF NOT EXISTS proj_staff_area ON proj_staff (service_area)",)

    def handle(self, tx: Tx, envelope: EventEnvelope) -> None:
        super().handle(tx, envelope)
        if envelope.aggregatetype == "StaffMember" and envelope.data.get("staff_id"):
            STAFF.keep(tx, envelope, envelope.data["staff_id"])

    def handlers(self) -> dict[str, Handler]:
        return {
            "StaffMemberRegistered": self.registered,
            "StaffRoleChanged": self.role_changed,
            "StaffMemberLeft": self.left,
        }

    def registered(self, tx: Tx, _: EventEnvelope, p: StaffMemberRegistered) -> None:
        tx.execute(
            "INSERT INTO proj_staff (staff_id, display_name, roles, team, service_area, auditor_groups, manager_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (staff_id) DO NOTHING",
            (
                p.staff_id,
                p.display_name,
                json.dumps(sorted(p.roles)),
                p.team,
                p.service_area.value,
                json.dumps(sorted(p.auditor_groups)),
                p.manager_id,
            ),
        )

    def role_changed(self, tx: Tx, _: EventEnvelope, p: StaffRoleChanged) -> None:
        tx.execute(
            "UPDATE proj_staff SET roles = ?, auditor_groups = ?, team = ?, service_area = ?, manager_id = ?"
            " WHERE staff_id = ?",
            (
                json.dumps(sorted(p.roles)),
                json.dumps(sorted(p.auditor_groups)),
                p.team,
                p.service_area.value,
                p.manager_id,
                p.staff_id,
            ),
        )

    def left(self, tx: Tx, _: EventEnvelope, p: StaffMemberLeft) -> None:
        tx.execute("UPDATE proj_staff SET left_on = ? WHERE staff_id = ?", (iso(p.left_on), p.staff_id))
