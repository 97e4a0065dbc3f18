"""The QA Manager's cycle report for the ADQA meeting (guidance §4: "a report on the headlines from the
audit cycle covering learning from moderation activity"): headlines across the service areas,
moderation learning with the moderators' feedback, coverage, completion per Head of Service, the
inadequate audits and whether they reached the AD and HoS, flagged allocations and missing meetings.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

from services.projections.queries.audits import cycle_audits, cycle_row, is_overdue
from services.projections.queries.common import PointInTime, area_title, domain_profile, grade_distribution
from services.projections.queries.cycles import (
    COMPLETION_ATTRIBUTION,
    completion,
    completion_by_head_of_service,
    coverage_figures,
    inadequate_audits,
)
from services.projections.queries.directory import directory
from services.projections.queries.learning import (
    action_lines,
    action_summary,
    actions_from,
    audit_line,
    early_help_learning,
    moderation_learning,
    outside_cycle_audits,
)
from services.projections.queries.meetings import held_meetings, meetings_evidence, slot_of
from services.projections.queries.reports import grade_trend, meeting_label

if TYPE_CHECKING:
    from services.projections.store import Row, Tx


def flags(audit: Row) -> list[str]:
    """The guidance's flags on an audit (never refusals): why the QA Manager may want to look again."""
    found = []
    if audit["flagged_own_service_area"]:
        found.append("allocated within the auditor's own service area")
    if audit["flagged_tool"]:
        found.append(f"not audited with the {(audit['expected_tool'] or '').replace('_', ' ')} tool their group uses")
    if audit["flagged_outside_moderation_week"]:
        found.append(f"moderated in week {audit['moderation_cycle_week']}, outside the moderation week (week 3)")
    return found


def cycle_report(tx: Tx, cycle_id: str, when: PointInTime) -> dict[str, Any]:
    cycle = cycle_row(tx, cycle_id, when)
    people = directory(tx, when)
    as_of = when.as_of
    audits = cycle_audits(tx, cycle_id, when)
    submitted = [a for a in audits if a["submitted"]]
    meetings = held_meetings(tx, cycle_id, when)
    floor = int(cycle["moderation_floor_percent"])
    by_case_area: dict[str, list[Row]] = defaultdict(list)
    for audit in submitted:
        by_case_area[audit["case_service_area"]].append(audit)
    headlines = []
    for area in sorted(set(by_case_area) | {m["service_area"] for m in meetings if m["service_area"]}):
        rows = by_case_area.get(area, [])
        profiles = domain_profile(rows, top=2)
        headlines.append(
            {
                "service_area": area,
                "title": area_title(area),
                "heads_of_service": people.heads_of_service(area),
                "submitted": len(rows),
                "grades": grade_distribution(a["effective_grade"] for a in rows),
                "strengths": [dict(d, tool_title=p["tool_title"]) for p in profiles for d in p["strengths"]],
                "challenges": [dict(d, tool_title=p["tool_title"]) for p in profiles for d in p["challenges"]],
                "headline_learning": [
                    m["headline_learning"]
                    for m in sorted(meetings, key=lambda m: slot_of(m) != "weeks_4_5")
                    if m["service_area"] == area and m["headline_learning"]
                ],
            }
        )
    adqa = [m for m in meetings if m["kind"] == "adqa"]
    adqa_actions = (
        actions_from(tx, when, f"a.source_id IN ({', '.join('?' for _ in adqa)})", [m["meeting_id"] for m in adqa])
        if adqa
        else []
    )
    moderation_actions = actions_from(
        tx,
        when,
        f"a.source_kind = 'moderation' AND a.source_id IN ({', '.join('?' for _ in audits) or 'NULL'})",
        [a["audit_id"] for a in audits],
    )
    labels = {m["meeting_id"]: meeting_label(m) for m in adqa}
    labels.update({a["audit_id"]: f"the moderation of {a['child_ref']}" for a in audits})
    evidence = meetings_evidence(tx, cycle_id, when)
    return {
        "kind": "qa_manager_cycle_report",
        "cycle_id": cycle_id,
        "cycle_name": cycle["name"],
        "week1_monday": cycle["week1_monday"],
        "as_of": as_of.isoformat(),
        "known_at": when.known_at,
        "headlines": headlines,
        "grade_distribution": grade_distribution(a["effective_grade"] for a in submitted),
        "grade_trend": grade_trend(tx, cycle, when, None),
        "domains": domain_profile(submitted),
        "coverage": {
            "floor_percent": floor,
            **coverage_figures(audits, floor),
            "by_service_area": [
                {"service_area": area, "title": area_title(area), **coverage_figures(rows, floor)}
                for area, rows in sorted(by_case_area.items())
            ],
        },
        "moderation_learning": moderation_learning(submitted, meetings, people),
        "completion": {
            "attributed_to": COMPLETION_ATTRIBUTION,
            **completion(audits, as_of),
            "by_head_of_service": completion_by_head_of_service(audits, people, as_of),
            "overdue_audits": [
                {
                    **audit_line(a, people),
                    "due_on": a["due_on"],
                    "days_overdue": (as_of - date.fromisoformat(a["due_on"])).days,
                    "heads_of_service": people.heads_of_service(a["auditor_service_area"]),
                }
                for a in audits
                if is_overdue(a, as_of)
            ],
        },
        "inadequate_audits": inadequate_audits(tx, submitted, when, people),
        "flagged_allocations": [
            {
                **audit_line(a, people),
                "auditor_service_area": a["auditor_service_area"],
                "case_service_area": a["case_service_area"],
                "allocated_by": people.person(a["allocated_by"]),
                "reason": reason,
            }
            for a in audits
            for reason in flags(a)
        ],
        "meetings": {
            "missing": evidence["missing"],
            "held_outside_expected_week": evidence["held_outside_expected_week"],
        },
        "outside_the_cycle": outside_cycle_audits(tx, when, cycle["week1_monday"], cycle["ends_on"], people),
        "early_help_learning": early_help_learning(tx, when, cycle["week1_monday"], cycle["ends_on"], people),
        "actions": {
            "from_moderation": action_lines(moderation_actions, people, as_of, labels),
            "from_adqa": action_lines(adqa_actions, people, as_of, labels),
            **action_summary(action_lines([*moderation_actions, *adqa_actions], people, as_of, labels)),
        },
    }
