"""Outstanding actions: open and overdue ones by owner, team, service area and source, with ageing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from services.projections.projectors.actions import ACTIONS
from services.projections.queries.directory import Directory, directory

if TYPE_CHECKING:
    from services.projections.queries.common import PointInTime
    from services.projections.store import Row, Tx


@dataclass(frozen=True)
class ActionFilter:
    owner_id: str | None = None
    team: str | None = None
    service_area: str | None = None
    source_kind: str | None = None
    # The caller's scope: None means everything; otherwise the actions of these teams or areas only.
    scope_teams: frozenset[str] | None = None
    scope_areas: frozenset[str] | None = None

    def admits(self, row: Row) -> bool:
        wanted = (
            (self.owner_id is None or row["owner_id"] == self.owner_id)
            and (self.team is None or row["owner_team"] == self.team)
            and (self.service_area is None or row["owner_service_area"] == self.service_area)
            and (self.source_kind is None or row["source_kind"] == self.source_kind)
        )
        if self.scope_teams is None and self.scope_areas is None:
            return wanted
        in_scope = row["owner_team"] in (self.scope_teams or ()) or row["owner_service_area"] in (
            self.scope_areas or ()
        )
        return wanted and in_scope


def ageing(row: Row, as_of: date, people: Directory) -> dict[str, Any]:
    due_on = date.fromisoformat(row["due_on"])
    days_overdue = max(0, (as_of - due_on).days)  # overdue from the day after the due date
    return {
        "action_id": row["action_id"],
        "owner_id": row["owner_id"],
        "owner_name": people.name(row["owner_id"]),
        "owner_team": row["owner_team"],
        "owner_service_area": row["owner_service_area"],
        "source_kind": row["source_kind"],
        "source_id": row["source_id"],
        "audit_id": row["audit_id"],
        "child_ref": row["child_ref"],
        "description": row["description"],
        "measure_of_success": row["measure_of_success"],
        "agreed_on": row["agreed_on"],
        "due_on": row["due_on"],
        "days_open": max(0, (as_of - date.fromisoformat(row["agreed_on"])).days),
        "overdue": days_overdue > 0,
        "days_overdue": days_overdue,
        "progress_notes": row["progress_notes"],
    }


def outstanding_actions(tx: Tx, when: PointInTime, wanted: ActionFilter) -> dict[str, Any]:
    """Actions open at `when`: as the ledger knew them then (a later completion does not hide them)."""
    as_of = when.as_of
    source, params = ACTIONS.source(when.known_at)
    rows = tx.all(
        f"SELECT * FROM {source} a WHERE a.status = 'open' AND a.agreed_on <= ? ORDER BY a.due_on, a.action_id",
        (*params, as_of.isoformat()),
    )
    people = directory(tx, when)
    actions = [ageing(row, as_of, people) for row in rows if wanted.admits(row)]
    groups: dict[str, dict[str, dict[str, int]]] = {
        "by_owner": defaultdict(lambda: {"open": 0, "overdue": 0}),
        "by_team": defaultdict(lambda: {"open": 0, "overdue": 0}),
        "by_service_area": defaultdict(lambda: {"open": 0, "overdue": 0}),
        "by_source": defaultdict(lambda: {"open": 0, "overdue": 0}),
    }
    for action in actions:
        keys = {
            "by_owner": action["owner_id"],
            "by_team": action["owner_team"],
            "by_service_area": action["owner_service_area"],
            "by_source": action["source_kind"],
        }
        for group, key in keys.items():
            groups[group][key]["open"] += 1
            groups[group][key]["overdue"] += int(action["overdue"])
    return {
        "as_of": as_of.isoformat(),
        "known_at": when.known_at,
        "open": len(actions),
        "overdue": sum(1 for a in actions if a["overdue"]),
        "actions": actions,
        **{group: dict(sorted(counts.items())) for group, counts in groups.items()},
    }
