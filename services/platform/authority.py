"""The one rule every service applies to a caller: the token authenticates, the staff register authorises.

A token says who the caller is (`sub`) and which roles they claim. What they may do comes from the
staff register as it stands at that moment: a registered member of staff acts only in roles the
register holds for them (a token may narrow those, never widen them), and not at all from the day
they leave. Two roles need no registration, because their holders need not be staff: `inspector`
(read-only, often from outside the department) and `service` (a machine subscriber). For a subject
the register does not hold, the identity provider's word is taken for those two and nothing else;
for one it holds, the register decides, as for any role. A token claiming `service` acts as a
machine and nothing else, whoever it names.

The ledger applies this to commands (StaffMember aggregates), the projections and the notifier to
reads (their staff read models); each passes what its register holds as a `Registration`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from schemas.vocabulary import Role

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date

# Roles whose holders need not be staff: an unregistered subject may act in these on the issuer's word.
EXTERNAL_ROLES = frozenset({Role.INSPECTOR, Role.SERVICE})
STAFF_ROLES = frozenset(Role) - EXTERNAL_ROLES


@dataclass(frozen=True)
class Registration:
    """What the staff register holds of one subject: their roles and, once recorded, their leaving day."""

    roles: frozenset[Role]
    left_on: date | None = None

    @classmethod
    def of(cls, roles: Iterable[str], left_on: date | None) -> Registration:
        return cls(frozenset(Role(r) for r in roles), left_on)

    def has_left(self, today: date) -> bool:
        return self.left_on is not None and today >= self.left_on


@dataclass(frozen=True)
class Authority:
    """The roles a caller may act in now, and, when there are none, why (for the 403's detail)."""

    subject: str
    roles: frozenset[Role]
    why_not: str = ""

    def holds(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)


def authorise(subject: str, claimed: frozenset[Role], registration: Registration | None, today: date) -> Authority:
    if Role.SERVICE in claimed:
        return Authority(subject, frozenset({Role.SERVICE}), "a service token acts only as a machine subscriber")
    if registration is None:
        external = claimed & EXTERNAL_ROLES
        return Authority(subject, external, "" if external else f"'{subject}' is not in the staff register")
    if registration.has_left(today):
        assert registration.left_on is not None
        return Authority(subject, frozenset(), f"'{subject}' left on {registration.left_on.isoformat()}")
    roles = claimed & registration.roles
    held = ", ".join(sorted(r.value for r in registration.roles))
    why_not = f"the staff register holds these roles for '{subject}': {held}"
    if claimed < registration.roles:
        why_not += f" (the token claims only: {', '.join(sorted(r.value for r in claimed))})"
    return Authority(subject, roles, why_not)
