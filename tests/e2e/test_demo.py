"""`make demo` plays an 8-week cycle through the public API; its key figures are what the cycle implies."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from devtools.demo import CASES, MODERATIONS, run_demo
from devtools.department import DEPARTMENT

pytestmark = pytest.mark.timeout(120)


def test_the_demo_plays_a_whole_cycle_and_reads_it_back(tmp_path: Path) -> None:
    out = io.StringIO()
    figures = run_demo(out=out, pace=0.0, data_dir=tmp_path)
    text = out.getvalue()

    submitted = sum(1 for case in CASES if case[3] is not None)
    assert figures.staff == len(DEPARTMENT)
    assert figures.submitted == submitted == 19
    assert figures.moderated == len(MODERATIONS) == 4
    assert figures.meets_floor and figures.percent_moderated >= 15
    assert figures.inadequate == 2
    # 9 actions agreed; 3 completed; the ADQA's is not yet due, the rest are overdue by week 8.
    assert figures.open_actions == 6
    assert figures.overdue_actions == 5
    assert figures.chain_ok
    # Every notification sent was written to the outbox and recorded back in the ledger.
    assert figures.notifications_sent > 0
    assert figures.emails == figures.notifications_sent
    for heading in ("Moderation coverage", "Outstanding actions", "The trail of audit", "Notifications sent"):
        assert heading in text
    assert "inadequate: MOS-400104" in text and "escalated=True" in text
    assert "action.overdue" in text and "audit.overdue" in text
    assert "Ed25519 signature valid=True, still matches the ledger=True" in text
