"""Action: a SMART action with an owner, a measure of success, a due date and a source."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import event

from services.ledger.domain.base import LedgerAggregate
from services.ledger.domain.errors import InvalidCommand, StateConflict

if TYPE_CHECKING:
    from datetime import date
    from uuid import UUID

OPEN, COMPLETED, CANCELLED = "open", "completed", "cancelled"


class Action(LedgerAggregate):
    @classmethod
    def agree(
        cls,
        *,
        owner_id: str,
        owner_team: str,
        owner_service_area: str,
        description: str,
        measure_of_success: str,
        due_on: date,
        agreed_on: date,
        source_kind: str,
        source_id: UUID,
        audit_id: UUID | None,
        child_ref: str | None,
    ) -> Action:
        check_due_on(due_on, agreed_on)
        return cls(
            owner_id=owner_id,
            owner_team=owner_team,
            owner_service_area=owner_service_area,
            description=description,
            measure_of_success=measure_of_success,
            due_on=due_on,
            agreed_on=agreed_on,
            source_kind=source_kind,
            source_id=source_id,
            audit_id=audit_id,
            child_ref=child_ref,
        )

    @event("ActionAgreed")
    def __init__(
        self,
        *,
        owner_id: str,
        owner_team: str,
        owner_service_area: str,
        description: str,
        measure_of_success: str,
        due_on: date,
        agreed_on: date,
        source_kind: str,
        source_id: UUID,
        audit_id: UUID | None,
        child_ref: str | None,
    ) -> None:
        self.owner_id = owner_id
        self.owner_team = owner_team
        self.owner_service_area = owner_service_area
        self.due_on = due_on
        self.status = OPEN

    def check_open(self) -> None:
        if self.status != OPEN:
            raise StateConflict(f"the action is {self.status}")

    def note_progress(self, *, note: str, noted_on: date) -> None:
        self.check_open()
        self._note_progress(note=note, noted_on=noted_on)

    @event("ActionProgressNoted")
    def _note_progress(self, *, note: str, noted_on: date) -> None:
        pass

    def change_due_date(self, *, due_on: date, today: date, reason: str) -> None:
        self.check_open()
        if due_on == self.due_on:
            raise InvalidCommand("due_on", f"the action is already due on {due_on.isoformat()}")
        check_due_on(due_on, today)
        self._change_due_date(previous_due_on=self.due_on, due_on=due_on, reason=reason)

    @event("ActionDueDateChanged")
    def _change_due_date(self, *, previous_due_on: date, due_on: date, reason: str) -> None:
        self.due_on = due_on

    def complete(self, *, completed_on: date, outcome: str) -> None:
        self.check_open()
        self._complete(completed_on=completed_on, outcome=outcome)

    @event("ActionCompleted")
    def _complete(self, *, completed_on: date, outcome: str) -> None:
        self.status = COMPLETED

    def cancel(self, *, reason: str) -> None:
        self.check_open()
        self._cancel(reason=reason)

    @event("ActionCancelled")
    def _cancel(self, *, reason: str) -> None:
        self.status = CANCELLED


def check_due_on(due_on: date, today: date) -> None:
    # SMART: time-bound means a real date ahead, not one already passed.
    if due_on < today:
        raise InvalidCommand("due_on", f"must not be in the past (today is {today.isoformat()})")
