"""The 8-week audit cycle's calendar, derived from the Monday of week 1 (guidance section 4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

CYCLE_WEEKS = 8
MODERATION_FLOOR_PERCENT = 15


@dataclass(frozen=True)
class CycleCalendar:
    week1_monday: date

    def day(self, n: int) -> date:
        """Day n of the cycle, day 1 being week 1's Monday."""
        return self.week1_monday + timedelta(days=n - 1)

    @property
    def preparation_week_starts(self) -> date:
        # Week 8 of the previous cycle: every auditor is allocated an audit before week 1.
        return self.week1_monday - timedelta(days=7)

    @property
    def audits_due_on(self) -> date:
        return self.day(14)  # end of week 2

    @property
    def moderation_week_starts(self) -> date:
        return self.day(15)

    @property
    def moderation_week_ends(self) -> date:
        return self.day(21)

    @property
    def hos_qa_findings_window_starts(self) -> date:
        return self.day(22)  # weeks 4-5

    @property
    def hos_qa_findings_window_ends(self) -> date:
        return self.day(35)

    @property
    def adqa_week_starts(self) -> date:
        return self.day(36)  # week 6

    @property
    def ends_on(self) -> date:
        return self.day(CYCLE_WEEKS * 7)

    def week_of(self, when: date) -> int:
        """Cycle week of a date: 1..8 inside the cycle, 0 for preparation week, negative before."""
        return (when - self.week1_monday).days // 7 + 1


def months_before(when: date, months: int) -> date:
    """The same day `months` calendar months earlier, clamped to the month's last day."""
    month_index = when.year * 12 + when.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for day in range(when.day, 27, -1):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return date(year, month, min(when.day, 28))


def financial_year(when: date) -> str:
    """The UK local-government financial year (April to March) of a date, e.g. '2023-24'."""
    start = when.year if when.month >= 4 else when.year - 1
    return f"{start}-{(start + 1) % 100:02d}"
