from __future__ import annotations

from datetime import date

import pytest

from services.ledger.domain.calendar import CycleCalendar, financial_year, months_before


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (date(2026, 11, 26), date(2026, 5, 26)),
        (date(2026, 8, 31), date(2026, 2, 28)),
        (date(2024, 8, 31), date(2024, 2, 29)),
        (date(2026, 3, 15), date(2025, 9, 15)),
    ],
)
def test_six_months_before_clamps_to_the_month_end(when: date, expected: date) -> None:
    assert months_before(when, 6) == expected


def test_cycle_weeks() -> None:
    cal = CycleCalendar(date(2026, 11, 2))
    assert cal.week_of(date(2026, 11, 2)) == 1 and cal.week_of(date(2026, 11, 15)) == 2
    assert cal.week_of(date(2026, 11, 16)) == 3 and cal.week_of(date(2026, 12, 27)) == 8
    assert cal.week_of(date(2026, 10, 26)) == 0  # preparation: week 8 of the previous cycle
    assert cal.ends_on == date(2026, 12, 27)


@pytest.mark.parametrize(
    ("when", "year"), [(date(2023, 4, 1), "2023-24"), (date(2024, 3, 31), "2023-24"), (date(2099, 12, 1), "2099-00")]
)
def test_financial_year_runs_april_to_march(when: date, year: str) -> None:
    assert financial_year(when) == year
