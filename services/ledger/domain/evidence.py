"""Learning beside the audit cycle: the wider evidence the guidance uses (section 2) and the Early
Help Service Managers' monthly summary of learning from the Early Help audits (section 5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import event

from services.ledger.domain.base import LedgerAggregate, derived_id
from services.ledger.domain.errors import InvalidCommand

if TYPE_CHECKING:
    from datetime import date
    from uuid import UUID

    from schemas.vocabulary import EvidenceSource, ServiceArea


class WiderEvidence(LedgerAggregate):
    """A complaint, compliment, Service Quality Review, family feedback or inspection finding."""

    @classmethod
    def record(
        cls,
        *,
        source: EvidenceSource,
        received_on: date,
        today: date,
        service_area: ServiceArea,
        team: str | None,
        child_ref: str | None,
        summary: str,
    ) -> WiderEvidence:
        if received_on > today:
            raise InvalidCommand("received_on", "evidence cannot be recorded before it is received")
        return cls(
            source=source.value,
            received_on=received_on,
            service_area=service_area.value,
            team=team,
            child_ref=child_ref,
            summary=summary,
        )

    @event("WiderEvidenceRecorded")
    def __init__(
        self,
        *,
        source: str,
        received_on: date,
        service_area: str,
        team: str | None,
        child_ref: str | None,
        summary: str,
    ) -> None:
        self.source = source
        self.service_area = service_area


class EarlyHelpLearning(LedgerAggregate):
    """One Early Help Service Manager's summary for one month: "Service Managers read all the audits
    completed and summarise the learning from these"."""

    @staticmethod
    def id_for(service_manager_id: str, month: str) -> UUID:
        return derived_id("early-help-learning", service_manager_id, month)

    @classmethod
    def create_id(cls, *, service_manager_id: str, month: str, **_: object) -> UUID:
        return cls.id_for(service_manager_id, month)

    @classmethod
    def summarise(
        cls, *, service_manager_id: str, month: str, this_month: str, audit_ids: list[UUID], learning: str
    ) -> EarlyHelpLearning:
        if month > this_month:  # YYYY-MM compares as text
            raise InvalidCommand("month", f"{month} has not begun: summarise a month's audits once they are read")
        return cls(service_manager_id=service_manager_id, month=month, audit_ids=audit_ids, learning=learning)

    @event("EarlyHelpLearningSummarised")
    def __init__(self, *, service_manager_id: str, month: str, audit_ids: list[UUID], learning: str) -> None:
        self.service_manager_id = service_manager_id
        self.month = month
