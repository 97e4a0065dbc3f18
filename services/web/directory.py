"""Who can use the development sign-in: the staff register as the ledger's feed tells it, before anyone
has signed in (so before there is a person's token to read the projections' staff register with).

It follows the ledger's published event feed (`GET /v1/events`) with a `service` token, folding
staff registrations, role changes and leavers; each look-up reads only the events since the last.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from schemas.integrity import contract_name
from services.web.api import Apis

STAFF_EVENTS = {"StaffMemberRegistered", "StaffRoleChanged", "StaffMemberLeft"}
PAGE = 1000


@dataclass(frozen=True)
class Member:
    staff_id: str
    display_name: str
    roles: tuple[str, ...]
    team: str
    service_area: str
    auditor_groups: tuple[str, ...] = ()
    manager_id: str | None = None
    left_on: str | None = None

    @property
    def active(self) -> bool:
        return self.left_on is None


class StaffDirectory:
    def __init__(self, apis: Apis, service_token: Callable[[], str] | None) -> None:
        self.apis = apis
        self.service_token = service_token
        self.members: dict[str, Member] = {}
        self.position = 0
        self._lock = asyncio.Lock()

    @property
    def available(self) -> bool:
        return self.service_token is not None

    async def refresh(self) -> dict[str, Member]:
        if self.service_token is None:
            return self.members
        async with self._lock:
            caller = self.apis.as_(self.service_token())
            while True:
                page = await caller.get("ledger", "/v1/events", after=self.position, limit=PAGE)
                for envelope in page["events"]:
                    kind = contract_name(envelope["type"])  # the deployment prefixes each type
                    if kind in STAFF_EVENTS:
                        self.apply(kind, envelope["data"])
                self.position = page["next_after"]
                if not page["events"] or self.position >= page["head"]:
                    break
        return self.members

    def apply(self, kind: str, data: dict[str, Any]) -> None:
        staff_id = data["staff_id"]
        if kind == "StaffMemberRegistered":
            self.members[staff_id] = Member(
                staff_id=staff_id,
                display_name=data["display_name"],
                roles=tuple(data["roles"]),
                team=data["team"],
                service_area=data["service_area"],
                auditor_groups=tuple(data.get("auditor_groups") or ()),
                manager_id=data.get("manager_id"),
            )
        elif staff_id in self.members and kind == "StaffRoleChanged":
            self.members[staff_id] = replace(
                self.members[staff_id],
                roles=tuple(data["roles"]),
                team=data["team"],
                service_area=data["service_area"],
                auditor_groups=tuple(data.get("auditor_groups") or ()),
                manager_id=data.get("manager_id"),
            )
        elif staff_id in self.members and kind == "StaffMemberLeft":
            self.members[staff_id] = replace(self.members[staff_id], left_on=str(data["left_on"]))

    async def active(self) -> list[Member]:
        members = await self.refresh()
        return sorted((m for m in members.values() if m.active), key=lambda m: (m.display_name, m.staff_id))

    async def name(self, staff_id: str | None) -> str:
        if not staff_id:
            return ""
        member = (await self.refresh()).get(staff_id)
        return member.display_name if member else staff_id
