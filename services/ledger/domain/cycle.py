"""AuditCycle: one 8-week cycle per week-1 Monday, its dates derived, never typed in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import event

from services.ledger.domain.base import LedgerAggregate, derived_id
from services.ledger.domain.calendar import MODERATION_FLOOR_PERCENT, CycleCalendar
from services.ledger.domain.errors import InvalidCommand, StateConflict

if TYPE_CHECKING:
    from datetime import date
    from uuid import UUID


class AuditCycle(LedgerAggregate):
    @staticmethod
    def id_for(week1_monday: date) -> UUID:
        return derived_id("cycle", week1_monday.isoformat())

    @classmethod
    def create_id(cls, *, week1_monday: date, **_: object) -> UUID:
        return cls.id_for(week1_monday)

    @classmethod
    def schedule(cls, *, name: str, week1_monday: date) -> AuditCycle:
        if week1_monday.weekday() != 0:
            raise InvalidCommand(
                "week1_monday", f"must be a Monday ({week1_monday.isoformat()} is a {week1_monday:%A})"
            )
        cal = CycleCalendar(week1_monday)
        return cls(
            name=name,
            week1_monday=week1_monday,
            preparation_week_starts=cal.preparation_week_starts,
            audits_due_on=cal.audits_due_on,
            moderation_week_starts=cal.moderation_week_starts,
            moderation_week_ends=cal.moderation_week_ends,
            hos_qa_findings_window_starts=cal.hos_qa_findings_window_starts,
            hos_qa_findings_window_ends=cal.hos_qa_findings_window_ends,
            adqa_week_starts=cal.adqa_week_starts,
            ends_on=cal.ends_on,
            moderation_floor_percent=MODERATION_FLOOR_PERCENT,
        )

    @event("AuditCycleScheduled")
    def __init__(
        self,
        *,
        name: str,
        week1_monday: date,
        preparation_week_starts: date,
        audits_due_on: date,
        moderation_week_starts: date,
        moderation_week_ends: date,
        hos_qa_findings_window_starts: date,
        hos_qa_findings_window_ends: date,
        adqa_week_starts: date,
        ends_on: date,
        moderation_floor_percent: int,
    ) -> None:
        self.name = name
        self.week1_monday = week1_monday
        self.audits_due_on = audits_due_on
        self.ends_on = ends_on
        self.closed = False

    @property
    def calendar(self) -> CycleCalendar:
        return CycleCalendar(self.week1_monday)

    def check_open(self) -> None:
        if self.closed:
            raise StateConflict(f"audit cycle {self.name} is closed")

    def close(self, *, closed_on: date, reason: str) -> None:
        self.check_open()
        self._close(closed_on=closed_on, reason=reason)

    @event("AuditCycleClosed")
    def _close(self, *, closed_on: date, reason: str) -> None:
        self.closed = True
