"""The six-monthly window is six calendar months to the day: never a day early."""

from __future__ import annotations

from datetime import date

import pytest

from services.projections.queries.six_monthly import six_months_before


@pytest.mark.parametrize(
    ("to", "first_day"),
    [
        (date(2026, 9, 30), date(2026, 4, 1)),
        (date(2026, 12, 31), date(2026, 7, 1)),
        (date(2026, 3, 31), date(2025, 10, 1)),
        (date(2026, 6, 15), date(2025, 12, 16)),
        (date(2026, 8, 30), date(2026, 3, 1)),  # 31 February does not exist: from 1 March, not 28 February
        (date(2028, 8, 28), date(2028, 2, 29)),  # a leap year
    ],
)
def test_the_window_starts_the_day_after_six_months_before(to: date, first_day: date) -> None:
    assert six_months_before(to) == first_day
