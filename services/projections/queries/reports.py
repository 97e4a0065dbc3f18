"""The Head of Service report draft for a service area and cycle (guidance §4, Appendix 2): what the HoS
presents at the ADQA meeting — strengths and challenges in the auditors' own words, headline learning
from the weeks 4-5 meeting, specialist and thematic learning, the impact of actions set at previous
meetings, and the figures (completion of the area's auditors, findings about the area's cases).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from schemas.vocabulary import ServiceArea
from services.projections.queries.audits import audits_where, cycle_audits, cycle_row, is_overdue, rcd_overdue
from services.projections.queries.common import PointInTime, area_title, domain_profile, grade_distribution
from services.projections.queries.cycles import (
    COMPLETION_ATTRIBUTION,
    FINDINGS_ATTRIBUTION,
    completion,
    coverage_figures,
)
from services.projections.queries.directory import Directory, directory
from services.projections.queries.learning import (
    action_lines,
    action_summary,
    actions_from,
    audit_line,
    early_help_learning,
    moderation_learning,
    outside_cycle_audits,
    specialist_learning,
    strengths_and_challenges,
    wider_evidence,
)
from services.projections.queries.meetings import held_meetings, slot_of

if TYPE_CHECKING:
    from services.projections.store import Row, Tx

TREND_CYCLES = 4  # this cycle and the three before it
EARLY_HELP = ServiceArea.EARLY_HELP.value
CYCLE_WEEKS = timedelta(weeks=8)


def meetings_known(tx: Tx, when: PointInTime, where: str, params: list[Any]) -> list[Row]:
    sql = f"SELECT * FROM proj_meetings WHERE {where}"
    if when.known_at is not None:
        sql += " AND recorded_at <= ?"
        params = [*params, when.known_at]
    return tx.all(sql + " ORDER BY held_on, meeting_id", params)


def meeting_label(meeting: Row) -> str:
    kind = "ADQA meeting" if meeting["kind"] == "adqa" else "HoS QA meeting"
    held = date.fromisoformat(meeting["held_on"])
    return f"{kind} of {held.day} {held:%B %Y}"


def grade_trend(tx: Tx, cycle: Row, when: PointInTime, area: str | None) -> list[dict[str, Any]]:
    """Effective grades of the submitted audits of this cycle and the ones before it."""
    sql, params = "SELECT cycle_id, name FROM proj_cycles WHERE week1_monday <= ?", [cycle["week1_monday"]]
    if when.known_at is not None:
        sql += " AND recorded_at <= ?"
        params.append(when.known_at)
    earlier = tx.all(sql + " ORDER BY week1_monday DESC, cycle_id DESC", params)[:TREND_CYCLES]
    trend = []
    for past in reversed(earlier):
        where, args = "a.cycle_id = ? AND a.withdrawn = 0 AND a.submitted = 1", [past["cycle_id"]]
        if area is not None:
            where += " AND a.case_service_area = ?"
            args.append(area)
        rows = audits_where(tx, when, where, args)
        trend.append(
            {
                "cycle_id": past["cycle_id"],
                "cycle_name": past["name"],
                "submitted": len(rows),
                "grades": grade_distribution(a["effective_grade"] for a in rows),
            }
        )
    return trend


def what_we_are_doing(meetings: list[Row], area: str, people: Directory) -> list[dict[str, Any]]:
    """What the area's reports presented at this cycle's meetings said they are doing about it."""
    found = []
    for meeting in meetings:
        for report in json.loads(meeting["reports"]):
            if report.get("service_area") == area:
                found.append(
                    {
                        "meeting": meeting_label(meeting),
                        "presenter": people.person(report["presenter_id"]),
                        "strengths": report.get("strengths"),
                        "challenges": report.get("challenges"),
                        "reinforcing_strengths": report.get("reinforcing_strengths"),
                        "addressing_challenges": report.get("addressing_challenges"),
                    }
                )
    return found


def head_of_service_report(tx: Tx, cycle_id: str, area: str, when: PointInTime) -> dict[str, Any]:
    cycle = cycle_row(tx, cycle_id, when)
    people = directory(tx, when)
    as_of = when.as_of
    audits = cycle_audits(tx, cycle_id, when)
    auditors_audits = [a for a in audits if a["auditor_service_area"] == area]
    cases = [a for a in audits if a["case_service_area"] == area]
    submitted = [a for a in cases if a["submitted"]]
    meetings = [m for m in held_meetings(tx, cycle_id, when) if m["service_area"] in (area, None)]
    area_meetings = [m for m in meetings if m["service_area"] == area]
    # Actions set at previous meetings: the area's HoS QA meetings before this cycle's weeks 4-5 window,
    # and earlier ADQA meetings' actions owned in the area. Their impact is what the HoS reports on.
    previous = meetings_known(
        tx,
        when,
        "(service_area = ? OR kind = 'adqa') AND held_on < ? AND NOT (kind = 'adqa' AND cycle_id = ?)",
        [area, cycle["hos_qa_findings_window_starts"], cycle_id],
    )
    labels = {m["meeting_id"]: meeting_label(m) for m in [*previous, *meetings]}
    labels.update({a["audit_id"]: f"the reflective discussion on {a['child_ref']}" for a in cases})
    impact = (
        actions_from(
            tx,
            when,
            f"a.source_id IN ({', '.join('?' for _ in previous)}) AND a.owner_service_area = ?",
            [*[m["meeting_id"] for m in previous], area],
        )
        if previous
        else []
    )
    earlier = {m["meeting_id"] for m in previous}
    sources = [a["audit_id"] for a in cases] + [
        m["meeting_id"] for m in area_meetings if m["meeting_id"] not in earlier
    ]
    this_cycle = (
        actions_from(tx, when, f"a.source_id IN ({', '.join('?' for _ in sources)})", sources) if sources else []
    )
    this_cycle_lines = action_lines(this_cycle, people, as_of, labels)
    adqa_starts = date.fromisoformat(cycle["adqa_week_starts"])
    # "The last audit cycle" as the ADQA meeting sees it: the 8 weeks before its week.
    last_cycle = ((adqa_starts - CYCLE_WEEKS).isoformat(), (adqa_starts - timedelta(days=1)).isoformat())
    return {
        "kind": "head_of_service_report",
        "cycle_id": cycle_id,
        "cycle_name": cycle["name"],
        "service_area": area,
        "service_area_title": area_title(area),
        "heads_of_service": people.heads_of_service(area),
        "as_of": as_of.isoformat(),
        "known_at": when.known_at,
        "completion": {
            "attributed_to": COMPLETION_ATTRIBUTION,
            **completion(auditors_audits, as_of),
            "overdue_audits": [
                {
                    **audit_line(a, people),
                    "due_on": a["due_on"],
                    "days_overdue": (as_of - date.fromisoformat(a["due_on"])).days,
                }
                for a in auditors_audits
                if is_overdue(a, as_of)
            ],
        },
        "findings": {
            "attributed_to": FINDINGS_ATTRIBUTION,
            "allocated": len(cases),
            "submitted": len(submitted),
            "reflective_discussions_logged": sum(1 for a in submitted if a["rcd_logged"]),
            "reflective_discussions_overdue": [
                {**audit_line(a, people), "due_on": a["rcd_due_on"]} for a in submitted if rcd_overdue(a, as_of)
            ],
        },
        "grade_distribution": grade_distribution(a["effective_grade"] for a in submitted),
        "grade_trend": grade_trend(tx, cycle, when, area),
        "strengths_and_challenges": strengths_and_challenges(submitted, people),
        "domains": domain_profile(submitted),
        "headline_learning": [
            {"meeting": meeting_label(m), "slot": slot_of(m), "learning": m["headline_learning"]}
            for m in sorted(area_meetings, key=lambda m: slot_of(m) != "weeks_4_5")
            if m["headline_learning"]
        ],
        "what_we_are_doing": what_we_are_doing(meetings, area, people),
        "moderation": {
            "floor_percent": int(cycle["moderation_floor_percent"]),
            **coverage_figures(cases, int(cycle["moderation_floor_percent"])),
            **moderation_learning(submitted, meetings, people),
        },
        "specialist_and_thematic_learning": specialist_learning(tx, when, *last_cycle, people, meetings, area),
        "wider_evidence": wider_evidence(tx, when, *last_cycle, people, area),
        "early_help_learning": early_help_learning(tx, when, *last_cycle, people) if area == EARLY_HELP else [],
        "outside_the_cycle": outside_cycle_audits(tx, when, cycle["week1_monday"], cycle["ends_on"], people, area),
        "actions": {
            **action_summary(this_cycle_lines),
            "agreed_this_cycle": this_cycle_lines,
        },
        "impact_of_previous_actions": {
            **action_summary(lines := action_lines(impact, people, as_of, labels)),
            "actions": lines,
        },
    }
