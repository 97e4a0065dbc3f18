"""Programme: the specialist audit programme of one financial year, and thematic audit requests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import event

from services.ledger.domain.base import LedgerAggregate, derived_id
from services.ledger.domain.errors import InvalidCommand, StateConflict

if TYPE_CHECKING:
    from uuid import UUID

SPECIALIST_MINIMUM_AUDITS = 9


class Programme(LedgerAggregate):
    @staticmethod
    def id_for(financial_year: str) -> UUID:
        return derived_id("programme", financial_year)

    @classmethod
    def create_id(cls, *, financial_year: str, **_: object) -> UUID:
        return cls.id_for(financial_year)

    @event("ProgrammeOpened")
    def __init__(self, *, financial_year: str) -> None:
        self.financial_year = financial_year
        self.items: dict[str, str] = {}  # "month|topic" -> specialist audit id (hex)

    def schedule_specialist_audit(
        self, *, month: str, topic: str, external_auditor_id: str, minimum_audits: int
    ) -> UUID:
        if minimum_audits < SPECIALIST_MINIMUM_AUDITS:
            raise InvalidCommand(
                "minimum_audits", f"each specialist audit needs at least {SPECIALIST_MINIMUM_AUDITS} audits"
            )
        key = f"{month}|{topic.strip().lower()}"
        if key in self.items:
            raise StateConflict(f"'{topic}' is already scheduled for {month}")
        specialist_audit_id = derived_id("specialist-audit", self.financial_year, key)
        self._schedule(
            specialist_audit_id=specialist_audit_id,
            financial_year=self.financial_year,
            month=month,
            topic=topic,
            external_auditor_id=external_auditor_id,
            minimum_audits=minimum_audits,
        )
        return specialist_audit_id

    @event("SpecialistAuditScheduled")
    def _schedule(
        self,
        *,
        specialist_audit_id: UUID,
        financial_year: str,
        month: str,
        topic: str,
        external_auditor_id: str,
        minimum_audits: int,
    ) -> None:
        self.items[f"{month}|{topic.strip().lower()}"] = specialist_audit_id.hex

    def has_item(self, specialist_audit_id: UUID) -> bool:
        return specialist_audit_id.hex in self.items.values()

    def request_thematic_audit(
        self, *, topic: str, rationale: str, meeting_id: UUID | None, month: str | None, minimum_audits: int
    ) -> UUID:
        key = f"{month or 'thematic'}|{topic.strip().lower()}"
        if key in self.items:
            raise StateConflict(f"a thematic audit of '{topic}' has already been requested")
        specialist_audit_id = derived_id("thematic-audit", self.financial_year, key)
        self._request_thematic(
            specialist_audit_id=specialist_audit_id,
            financial_year=self.financial_year,
            topic=topic,
            rationale=rationale,
            meeting_id=meeting_id,
            month=month,
            minimum_audits=minimum_audits,
        )
        return specialist_audit_id

    @event("ThematicAuditRequested")
    def _request_thematic(
        self,
        *,
        specialist_audit_id: UUID,
        financial_year: str,
        topic: str,
        rationale: str,
        meeting_id: UUID | None,
        month: str | None,
        minimum_audits: int,
    ) -> None:
        self.items[f"{month or 'thematic'}|{topic.strip().lower()}"] = specialist_audit_id.hex
