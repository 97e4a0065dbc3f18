"""Meeting: a Head of Service QA meeting or the Assistant Director's QA meeting (ADQA)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event

from schemas.vocabulary import MeetingFocus, MeetingKind
from services.ledger.domain.base import LedgerAggregate
from services.ledger.domain.errors import InvalidCommand

if TYPE_CHECKING:
    from datetime import date
    from uuid import UUID

    from services.ledger.domain.calendar import CycleCalendar

# Guidance section 4: HoS QA in week 1 on performance data and weeks 4-5 on audit findings;
# the ADQA in week 6.
EXPECTED_WEEKS: dict[tuple[MeetingKind, MeetingFocus], frozenset[int]] = {
    (MeetingKind.HOS_QA, MeetingFocus.PERFORMANCE_DATA): frozenset({1}),
    (MeetingKind.HOS_QA, MeetingFocus.AUDIT_FINDINGS): frozenset({4, 5}),
    (MeetingKind.ADQA, MeetingFocus.SERVICE_OVERVIEW): frozenset({6}),
}


class Meeting(LedgerAggregate):
    @classmethod
    def hold(
        cls,
        *,
        kind: MeetingKind,
        focus: MeetingFocus,
        cycle_id: UUID,
        calendar: CycleCalendar,
        service_area: str | None,
        held_on: date,
        today: date,
        chair_id: str,
        attendee_ids: list[str],
        invitee_ids: list[str],
        pdl_post_vacant: bool,
        measures_reviewed: list[str],
        reports: list[dict[str, Any]],
        headline_learning: str | None,
        moderation_learning: str | None,
    ) -> Meeting:
        if (kind, focus) not in EXPECTED_WEEKS:
            raise InvalidCommand("focus", f"a {kind.value} meeting cannot have focus {focus.value}")
        if kind == MeetingKind.HOS_QA and service_area is None:
            raise InvalidCommand("service_area", "a Head of Service QA meeting is for one service area")
        if held_on > today:
            raise InvalidCommand("held_on", "a meeting cannot be recorded before it is held")
        if kind == MeetingKind.ADQA and not reports:
            raise InvalidCommand("reports", "at the ADQA meeting each Head of Service presents a report")
        week = calendar.week_of(held_on)
        return cls(
            kind=kind.value,
            cycle_id=cycle_id,
            service_area=service_area,
            focus=focus.value,
            held_on=held_on,
            cycle_week=week,
            in_expected_week=week in EXPECTED_WEEKS[(kind, focus)],
            chair_id=chair_id,
            attendee_ids=attendee_ids,
            invitee_ids=invitee_ids,
            pdl_post_vacant=pdl_post_vacant,
            measures_reviewed=measures_reviewed,
            reports=reports,
            headline_learning=headline_learning,
            moderation_learning=moderation_learning,
        )

    @event("QAMeetingHeld")
    def __init__(
        self,
        *,
        kind: str,
        cycle_id: UUID,
        service_area: str | None,
        focus: str,
        held_on: date,
        cycle_week: int,
        in_expected_week: bool,
        chair_id: str,
        attendee_ids: list[str],
        invitee_ids: list[str],
        pdl_post_vacant: bool,
        measures_reviewed: list[str],
        reports: list[dict[str, Any]],
        headline_learning: str | None,
        moderation_learning: str | None,
    ) -> None:
        self.kind = MeetingKind(kind)
        self.cycle_id = cycle_id
        self.service_area = service_area
