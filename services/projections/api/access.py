"""Who may read which read model: scope from the caller's roles and their staff record.

Inspectors, the QA Manager, the PSW and the AD read everything; Heads of Service, Service Managers
and Practice Development Leaders their service area; Team Managers their team; auditors only the
trails of audits allocated to them; the `service` role only the status. Every trail read is logged.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from schemas.vocabulary import Role
from services.platform.authority import Registration, authorise
from services.platform.problems import PermissionDenied
from services.projections.queries.common import Audience
from services.projections.queries.registers import Visibility
from services.projections.trail_reads import record_trail_read

if TYPE_CHECKING:
    from services.platform.auth import Principal
    from services.projections.store import Database, Row, Tx

access_log = logging.getLogger("qa_ledger.projections.access")

READ_EVERYTHING = frozenset({Role.INSPECTOR, Role.QA_MANAGER, Role.PRINCIPAL_SOCIAL_WORKER, Role.ASSISTANT_DIRECTOR})
READ_SERVICE_AREA = frozenset({Role.HEAD_OF_SERVICE, Role.SERVICE_MANAGER, Role.PRACTICE_DEVELOPMENT_LEADER})
READ_TEAM = frozenset({Role.TEAM_MANAGER})
READ_OWN_AUDITS = frozenset({Role.AUDITOR, Role.EXTERNAL_AUDITOR})


@dataclass(frozen=True)
class Scope:
    subject: str
    roles: frozenset[Role]
    everything: bool = False
    areas: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()
    own_audits: bool = False

    def require_everything(self, what: str) -> None:
        if not self.everything:
            raise PermissionDenied(f"{what} is read by the QA Manager, PSW, Assistant Director and inspectors")

    def require_status(self) -> None:
        if not (self.everything or Role.SERVICE in self.roles):
            raise PermissionDenied("the projections status is read by the service role, QA staff and inspectors")

    def audience(self, requested: str | None, what: str, *, teams: bool = False) -> Audience:
        """All areas (or the one asked for) for full readers; only their own for service-area readers;
        with `teams`, a Team Manager's own team."""
        if self.everything:
            return Audience(frozenset({requested}) if requested else None)
        if not self.areas and not (teams and self.teams):
            scope = "a service area or team" if teams else "a service area"
            raise PermissionDenied(f"{what} is read within {scope}: your roles give no such scope")
        if requested is None:
            return Audience(self.areas, self.teams if teams else frozenset())
        if requested not in self.areas:
            raise PermissionDenied(
                f"service_area {requested!r}: you read {what} for your own service area only "
                f"({', '.join(sorted(self.areas)) or 'none'})"
            )
        return Audience(frozenset({requested}))

    def visibility(self, what: str, *, own: bool = False) -> Visibility:
        """What a register lists for this reader; `own` lets anyone list their own rows."""
        if not (self.everything or self.areas or self.teams or (own and self.roles - {Role.SERVICE})):
            raise PermissionDenied(f"{what} is read by managers within their team or service area")
        return Visibility(self.everything, self.areas, self.teams, self.subject if own else None)

    def sees_trail(self, subject: Row) -> bool:
        return (
            self.everything
            or subject["service_area"] in self.areas
            or subject["team"] in self.teams
            or (self.own_audits and subject["auditor_id"] == self.subject)
        )

    def sees_staff(self, member: Row) -> bool:
        return self.everything or member["service_area"] in self.areas or member["team"] in self.teams

    @property
    def managerial(self) -> bool:
        return self.everything or bool(self.areas) or bool(self.teams)


def scope_of(principal: Principal, tx: Tx, today: date) -> Scope:
    """The same rule as the ledger's (services/platform/authority.py): the token says who, the staff
    register (here its read model) says which roles they read in now, and where (team, area)."""
    staff = tx.one("SELECT team, service_area, roles, left_on FROM proj_staff WHERE staff_id = ?", (principal.subject,))
    registration = None
    if staff is not None:
        left_on = date.fromisoformat(staff["left_on"]) if staff["left_on"] else None
        registration = Registration.of(json.loads(staff["roles"]), left_on)
    roles = authorise(principal.subject, principal.roles, registration, today).roles
    area = frozenset({staff["service_area"]}) if staff and roles else frozenset()
    team = frozenset({staff["team"]}) if staff and roles else frozenset()
    return Scope(
        subject=principal.subject,
        roles=roles,
        everything=bool(roles & READ_EVERYTHING),
        areas=area if roles & READ_SERVICE_AREA else frozenset(),
        teams=team if roles & READ_TEAM else frozenset(),
        own_audits=bool(roles & READ_OWN_AUDITS),
    )


def log_trail_read(
    db: Database, scope: Scope, kind: str, key: str, as_of: datetime | None, result: dict[str, Any], fmt: str
) -> None:
    """Every read of a trail is itself recorded: who looked at which child's, audit's or team's record."""
    roles = sorted(r.value for r in scope.roles)
    record_trail_read(db, scope.subject, roles, kind, key, as_of, result["count"], fmt)
    access_log.info(
        "%s read the %s trail of %s (as_of %s, %d events, %s)",
        scope.subject,
        kind,
        key,
        as_of.isoformat() if as_of else "now",
        result["count"],
        fmt,
        extra={
            "reader": scope.subject,
            "reader_roles": sorted(scope.roles),
            "trail_kind": kind,
            "trail_of": key,
            "read_at": datetime.now(UTC).isoformat(),
            "events": result["count"],
        },
    )
