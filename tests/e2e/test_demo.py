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
    # Issue 10's done-when, for one cycle: an audit moderated *to* inadequate reached the AD and its HoS;
    # the overdue audit counts against the auditor's Head of Service (Families), not the case's (Early Help);
    # a reflective discussion is overdue; one meeting is missing; the reports carry the learning.
    assert figures.sent_to_ad_and_hos["MOS-400101"] == ["Owen Hughes", "Neil Grant"]
    assert figures.overdue_audits == {"MOS-400118": ["Janet Price"]}
    assert figures.overdue_rcds == ["MOS-400117"]
    assert figures.missing_meetings == [("safeguarding_quality_review", "weeks_4_5")]
    for learning in (
        "Lily's wishes are written in her own words and shaped her plan.",
        "Children's voices shape their plans; chronologies stop when children move home.",
        "Fortnightly chronology clinics; managers sign off risk analysis.",
    ):
        assert learning in figures.hos_report
    for learning in (
        "Lowered to inadequate: the young person went missing three times",
        "Relationships with young people are strong; missing episodes are not analysed.",
    ):
        assert learning in figures.cycle_report
    # 9 actions agreed; 3 completed; the ADQA's is not yet due, the rest are overdue by week 8.
    assert figures.open_actions == 6
    assert figures.overdue_actions == 5
    assert figures.chain_ok
    # Every notification sent was written to the outbox and recorded back in the ledger.
    assert figures.notifications_sent > 0
    assert figures.emails == figures.notifications_sent
    for heading in (
        "Moderation coverage",
        "Cycle dashboard",
        "Meetings evidence",
        "Outstanding actions",
        "The trail of audit",
        "The Head of Service report",
        "The QA Manager's cycle report",
        "Notifications sent",
    ):
        assert heading in text
    assert "inadequate: MOS-400104" in text and "sent to the AD and HoS (Owen Hughes, Andrew Boyd)" in text
    assert "counts against Janet Price, the auditor's HoS" in text and "MISSING: Head of Service QA meeting" in text
    assert "action.overdue" in text and "audit.overdue" in text
    assert "Ed25519 signature valid=True, still matches the ledger=True" in text
