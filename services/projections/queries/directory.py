"""Who is who, as the staff register stood at a point in time: names for every answer (never bare ids),
the Heads of Service and Practice Development Leaders in post, and each person's team.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from schemas.vocabulary import Role
from services.projections.projectors.staff import STAFF

if TYPE_CHECKING:
    from services.projections.queries.common import PointInTime
    from services.projections.store import Row, Tx


@dataclass(frozen=True)
class Directory:
    staff: dict[str, Row]
    as_of: str

    def name(self, staff_id: str | None) -> str | None:
        if staff_id is None:
            return None
        row = self.staff.get(staff_id)
        return row["display_name"] if row else staff_id

    def person(self, staff_id: str | None) -> dict[str, Any] | None:
        return None if staff_id is None else {"staff_id": staff_id, "name": self.name(staff_id)}

    def people(self, staff_ids: list[str]) -> list[dict[str, Any]]:
        return [{"staff_id": s, "name": self.name(s)} for s in staff_ids]

    def team_of(self, staff_id: str) -> str | None:
        row = self.staff.get(staff_id)
        return row["team"] if row else None

    def in_post(self, row: Row) -> bool:
        return row["left_on"] is None or row["left_on"] > self.as_of

    def holders(self, role: Role, area: str | None = None) -> list[Row]:
        return [
            row
            for row in self.staff.values()
            if self.in_post(row) and role.value in json.loads(row["roles"]) and area in (None, row["service_area"])
        ]

    def heads_of_service(self, area: str) -> list[dict[str, Any]]:
        return self.people([row["staff_id"] for row in self.holders(Role.HEAD_OF_SERVICE, area)])

    def areas_with_a_head_of_service(self) -> list[str]:
        return sorted({row["service_area"] for row in self.holders(Role.HEAD_OF_SERVICE)})


def directory(tx: Tx, when: PointInTime) -> Directory:
    source, params = STAFF.source(when.known_at)
    rows = tx.all(f"SELECT * FROM {source} s ORDER BY staff_id", params)
    return Directory({row["staff_id"]: row for row in rows}, when.as_of.isoformat())
