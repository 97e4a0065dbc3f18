"""The three report drafts as Markdown: the Head of Service report, the QA Manager's cycle report and the
six-monthly QA report. Headings follow the guidance's Appendix 2 template where it has one.
"""

from __future__ import annotations

from typing import Any

from services.projections.queries.common import percent_text
from services.projections.queries.markdown import (
    action_figures,
    actions_table,
    audit_ref,
    audits_in_their_words,
    bullets,
    day,
    domain_profiles,
    early_help,
    evidence,
    grade,
    grades_table,
    heading,
    learning_by_domain,
    moderation,
    names,
    one_line,
    outside_cycle,
    plural,
    specialist,
    table,
    trend_table,
    who,
)


def head_of_service_markdown(r: dict[str, Any]) -> str:
    c, f = r["completion"], r["findings"]
    lines = [
        *heading(1, f"{r['service_area_title']}: Head of Service QA report, {r['cycle_name']}"),
        f"_Draft from the QA ledger as of {day(r['as_of'])}. Head of Service: "
        f"{names(r['heads_of_service'], 'none in post')}._",
        "",
        *heading(2, "Headline learning"),
        *bullets([f"{x['meeting']}: {one_line(x['learning'])}" for x in r["headline_learning"]]),
        *heading(2, "Strengths and challenges from this cycle's audits"),
        *audits_in_their_words(r["strengths_and_challenges"]),
        *learning_by_domain(r["strengths_and_challenges"], r["domains"]),
        *heading(2, "What we are doing"),
        *bullets(
            [
                f"To reinforce strengths: {one_line(w['reinforcing_strengths'])}"
                for w in r["what_we_are_doing"]
                if w["reinforcing_strengths"]
            ]
            + [
                f"To address challenges: {one_line(w['addressing_challenges'])}"
                for w in r["what_we_are_doing"]
                if w["addressing_challenges"]
            ],
            empty="To be written by the Head of Service.",
        ),
        *heading(2, "Service priorities"),
        "_To be written by the Head of Service._",
        "",
        *heading(2, "Learning from specialist and thematic audits"),
        *specialist(r["specialist_and_thematic_learning"]),
        *heading(2, "Wider evidence: complaints, compliments, reviews, feedback and inspection"),
        *evidence(r["wider_evidence"]),
        *(
            [
                *heading(2, "Early Help: the Service Managers' learning from the audits"),
                *early_help(r["early_help_learning"]),
            ]
            if r["early_help_learning"]
            else []
        ),
        *heading(2, "Audits outside the 8-week cycle"),
        *outside_cycle(r["outside_the_cycle"]),
        *heading(2, "Impact of actions set at previous meetings"),
        *action_figures(r["impact_of_previous_actions"]),
        *actions_table(r["impact_of_previous_actions"]["actions"]),
        *heading(2, "Actions agreed this cycle"),
        *action_figures(r["actions"]),
        *actions_table(r["actions"]["agreed_this_cycle"]),
        *moderation(r["moderation"], r["moderation"]),
        *heading(2, "Figures"),
        *heading(3, "Completion by our auditors (due by day 14)"),
        *table(
            ["allocated", "submitted", "by day 14", "% by day 14", "overdue"],
            [
                [
                    c["allocated"],
                    c["submitted"],
                    c["submitted_by_day_14"],
                    percent_text(c["percent_by_day_14"]),
                    c["overdue"],
                ]
            ],
        ),
        *bullets(
            [f"Overdue: {audit_ref(a)}, due {day(a['due_on'])}" for a in c["overdue_audits"]], empty="None overdue."
        ),
        *heading(3, "Findings about our area's cases (effective grades)"),
        *grades_table(r["grade_distribution"]),
        *bullets(
            [f"Reflective case discussions logged: {f['reflective_discussions_logged']} of {f['submitted']}"]
            + [
                f"Discussion overdue: {audit_ref(a)}, due {day(a['due_on'])}"
                for a in f["reflective_discussions_overdue"]
            ]
        ),
        *heading(3, "Grade trend"),
        *trend_table(r["grade_trend"], "cycle", "cycle_name"),
        *heading(3, "Domains"),
        *domain_profiles(r["domains"], level=4),
    ]
    return "\n".join(lines)


def cycle_report_markdown(r: dict[str, Any]) -> str:
    cov, comp = r["coverage"], r["completion"]
    lines = [
        *heading(1, f"QA Manager's cycle report: {r['cycle_name']}"),
        f"_Draft from the QA ledger as of {day(r['as_of'])}, for the Assistant Director's QA meeting._",
        "",
        *heading(2, "Headlines across the service"),
    ]
    for h in r["headlines"]:
        several_tools = len({d["tool_title"] for d in h["strengths"] + h["challenges"]}) > 1

        def domains(found: list[dict[str, Any]], several_tools: bool = several_tools) -> str:
            return ", ".join(d["title"] + (f" ({d['tool_title']})" if several_tools else "") for d in found) or "-"

        grades = ", ".join(f"{n} {grade(g)}" for g, n in h["grades"].items() if n) or "none yet"
        lines += heading(3, f"{h['title']} (Head of Service: {names(h['heads_of_service'], 'none in post')})")
        lines += bullets(
            [f"{plural(h['submitted'], 'audit')} of the area's cases: {grades}"]
            + ([f"Strengths: {domains(h['strengths'])}"] if h["strengths"] else [])
            + ([f"Challenges: {domains(h['challenges'])}"] if h["challenges"] else [])
            + [f"Headline learning: {one_line(text)}" for text in h["headline_learning"]]
        )
    lines += [
        *moderation(r["moderation_learning"], cov),
        *heading(3, "Coverage by service area"),
        *table(
            ["service area", "submitted", "moderated", "% moderated", "moderators agreed"],
            [
                [
                    a["title"],
                    a["submitted"],
                    a["moderated"],
                    percent_text(a["percent_moderated"]),
                    percent_text(a["moderator_agreement_percent"]),
                ]
                for a in cov["by_service_area"]
            ],
        ),
        *heading(3, "Effective grades across the service"),
        *grades_table(r["grade_distribution"]),
        *heading(2, "Inadequate audits"),
        *bullets(
            [
                f"{audit_ref(a | {'auditor': {'name': a['auditor_name']}})}, {grade(a['auditor_grade'])} by the auditor"
                + (f", {grade(a['moderated_grade'])} at moderation" if a["moderated"] else "")
                + (
                    f": sent to the AD and HoS ({names(a['sent_to'])})"
                    if a["sent_to_ad_and_hos"]
                    else ": NOT yet sent to the AD and HoS"
                )
                for a in r["inadequate_audits"]
            ],
            empty="No audit is graded inadequate.",
        ),
        *heading(2, "Completion (Heads of Service ensure their auditors complete their audits)"),
        *table(
            ["Head of Service", "allocated", "submitted", "by day 14", "% by day 14", "overdue"],
            [
                [
                    h["display_name"],
                    h["allocated"],
                    h["submitted"],
                    h["submitted_by_day_14"],
                    percent_text(h["percent_by_day_14"]),
                    h["overdue"],
                ]
                for h in comp["by_head_of_service"]
            ],
        ),
        *bullets(
            [
                f"Overdue: {audit_ref(a)}, due {day(a['due_on'])} ({names(a['heads_of_service'])})"
                for a in comp["overdue_audits"]
            ],
            empty="No audit is overdue.",
        ),
        *heading(2, "Flagged allocations"),
        *bullets(
            [
                f"{audit_ref(a)}: {a['reason']} (allocated by {who(a['allocated_by'])})"
                for a in r["flagged_allocations"]
            ],
            empty="No allocation was flagged.",
        ),
        *heading(2, "Meetings"),
        *bullets(
            [
                f"Missing: {m['meeting']}, {m['service_area_title'] or 'department-wide'}"
                for m in r["meetings"]["missing"]
            ]
            + [
                f"Held outside its week: {m['meeting']}, {m['service_area_title'] or 'department-wide'} "
                f"(week {m['cycle_week']})"
                for m in r["meetings"]["held_outside_expected_week"]
            ],
            empty="Every meeting due so far was held in its week.",
        ),
        *heading(2, "Audits outside the 8-week cycle"),
        *outside_cycle(r["outside_the_cycle"]),
        *heading(3, "Early Help: the Service Managers' learning from the audits"),
        *early_help(r["early_help_learning"]),
        *heading(2, "Actions from moderation and the ADQA meeting"),
        *action_figures(r["actions"]),
        *actions_table([*r["actions"]["from_moderation"], *r["actions"]["from_adqa"]]),
        *heading(2, "Domains"),
        *domain_profiles(r["domains"]),
        *heading(2, "Grade trend"),
        *trend_table(r["grade_trend"], "cycle", "cycle_name"),
    ]
    return "\n".join(lines)


def six_monthly_markdown(r: dict[str, Any]) -> str:
    a = r["audits"]
    lines = [
        *heading(1, f"Six-monthly QA report: {day(r['from'])} to {day(r['to'])}"),
        *heading(2, "Headline learning from the meetings"),
        *bullets(
            [
                f"{x['meeting']} ({x['service_area_title'] or 'department-wide'}): {one_line(x['learning'])}"
                for x in r["headline_learning"]
            ]
        ),
        *heading(2, "Audits"),
        *table(
            ["submitted", "due in the period", "submitted by the due date", "% by the due date"],
            [[a["submitted"], a["due_in_window"], a["submitted_by_due_date"], percent_text(a["percent_by_due_date"])]],
        ),
        *table(
            ["service area", "submitted", "outstanding", "good", "requires improvement", "inadequate"],
            [[s["title"], s["submitted"], *s["grades"].values()] for s in a["by_service_area"]],
        ),
        *heading(3, "Effective grades"),
        *grades_table(r["grade_distribution"]),
        *heading(3, "Trend by cycle"),
        *table(
            ["cycle", "week 1", "allocated", "submitted", "% by day 14", "% moderated"],
            [
                [
                    t["cycle_name"],
                    day(t["week1_monday"]),
                    t["allocated"],
                    t["submitted"],
                    percent_text(t["percent_by_day_14"]),
                    percent_text(t["percent_moderated"]),
                ]
                for t in r["trend_by_cycle"]
            ],
        ),
        *heading(3, "Trend by month"),
        *trend_table(r["grade_trend"], "month", "month"),
        *heading(2, "Strengths and challenges by domain"),
        *domain_profiles(r["domains"]),
        *learning_by_domain(r["strengths_and_challenges"], r["domains"]),
        *moderation(r["moderation"], None),
        f"Moderated: {percent_text(r['moderation']['percent_of_submitted'])} of the audits submitted in the period.",
        "",
        *heading(2, "Actions and their impact"),
        *action_figures(r["actions"]),
        *bullets(
            [f"{x['description']} ({who(x['owner'])}): {one_line(x['outcome'])}" for x in r["actions"]["outcomes"]]
        ),
        *heading(2, "Specialist audits"),
        *table(
            ["month", "topic", "minimum", "submitted", "minimum met"],
            [
                [s["month"], s["topic"], s["minimum_audits"], s["submitted"], "yes" if s["meets_minimum"] else "no"]
                for s in r["specialist_audits"]
            ],
        ),
        *specialist(r["specialist_and_thematic_learning"]),
        *heading(2, "Wider evidence: complaints, compliments, reviews, feedback and inspection"),
        *evidence(r["wider_evidence"]),
        *heading(2, "Audits outside the 8-week cycle"),
        *outside_cycle(r["outside_the_cycle"]),
        *heading(3, "Early Help: the Service Managers' learning from the audits"),
        *early_help(r["early_help_learning"]),
    ]
    return "\n".join(lines)
