"""Markdown building blocks for the report drafts: a Head of Service or the QA Manager pastes them into
their report unchanged, so they carry names, case references and dates in words, never bare ids.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.projections.queries.common import GRADES, percent_text


def day(text: str | None) -> str:
    """`2026-04-21` → `21 April 2026`."""
    if not text:
        return "-"
    value = date.fromisoformat(text[:10])
    return f"{value.day} {value:%B %Y}"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def grade(text: str | None) -> str:
    return "-" if not text else text.replace("_", " ")


def who(person: dict[str, Any] | None) -> str:
    return "-" if not person else str(person["name"])


def names(people: list[dict[str, Any]], empty: str = "-") -> str:
    return ", ".join(who(p) for p in people) or empty


def one_line(text: str | None) -> str:
    return "-" if not text else " ".join(str(text).split())


def sentence(text: str | None) -> str:
    """One line that ends as a sentence does, so two of them can follow each other."""
    line = one_line(text)
    return line if line.endswith((".", "!", "?", "-")) else f"{line}."


def table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    if not rows:
        return ["_None._", ""]

    def cell(value: Any) -> str:
        return "-" if value is None else one_line(str(value)).replace("|", "\\|")

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def heading(level: int, text: str) -> list[str]:
    return ["#" * level + " " + text, ""]


def bullets(items: list[str], empty: str = "None recorded.") -> list[str]:
    return [*(f"- {item}" for item in items), ""] if items else [f"_{empty}_", ""]


def grades_table(distribution: dict[str, int]) -> list[str]:
    return table([grade(g) for g in GRADES], [[distribution[g] for g in GRADES]])


def trend_table(rows: list[dict[str, Any]], label: str, key: str) -> list[str]:
    return table(
        [label, "submitted", *[grade(g) for g in GRADES]],
        [[r[key], r["submitted"], *[r["grades"][g] for g in GRADES]] for r in rows],
    )


def audit_ref(line: dict[str, Any]) -> str:
    """How an audit is named in prose: the child's case reference, the auditor and the date."""
    when = f", {day(line['submitted_on'])}" if line.get("submitted_on") else ""
    return f"{line['child_ref']} (audited by {who(line.get('auditor'))}{when})"


def domain_profiles(profiles: list[dict[str, Any]], level: int = 3) -> list[str]:
    lines: list[str] = []
    for profile in profiles:
        lines += heading(level, f"{profile['tool_title']}: {plural(profile['audits'], 'audit')}")
        lines += bullets(
            [f"Strength: **{d['title']}** (good or outstanding in {d['audits']})" for d in profile["strengths"]]
            + [
                f"Challenge: **{d['title']}** (requires improvement or inadequate in {d['audits']})"
                for d in profile["challenges"]
            ]
        )
    return lines or ["_No graded audits yet._", ""]


def learning_by_domain(learning: dict[str, Any], profiles: list[dict[str, Any]], per_domain: int = 3) -> list[str]:
    """The auditors' own words for the domains most often strong (what is working well) and most often
    weak (what needs to improve), per audit tool: a few findings each, with the case beside each."""
    entries = {(e["tool"], e["tool_version"], e["domain"]): e for e in learning["by_domain"]}
    lines: list[str] = []
    for side, title in (("strengths", "What is working well"), ("challenges", "What needs to improve")):
        lines += heading(3, title)
        found = False
        for profile in profiles:
            for ranked in profile[side]:
                entry = entries.get((profile["tool"], profile["tool_version"], ranked["domain"]))
                if not entry or not entry[side]:
                    continue
                found = True
                quotes = entry[side]
                lines += [f"**{entry['title']}** ({entry['tool_title']}, {plural(ranked['audits'], 'audit')})", ""]
                lines += [
                    f"- {one_line(q['finding'])} ({audit_ref(q)}, {grade(q['grade'])})" for q in quotes[:per_domain]
                ]
                if len(quotes) > per_domain:
                    lines.append(f"- …and {plural(len(quotes) - per_domain, 'more audit')}")
                lines.append("")
        if not found:
            lines += ["_None recorded._", ""]
    return lines


def audits_in_their_words(learning: dict[str, Any]) -> list[str]:
    lines = heading(3, "Each audit in the auditor's words")
    for a in learning["audits"]:
        lines += [
            f"- **{audit_ref(a)}**, {grade(a['effective_grade'])}. Strengths: {sentence(a['strengths'])} "
            f"Challenges: {sentence(a['challenges'])}"
        ]
    return [*lines, ""] if learning["audits"] else [*lines, "_No audits submitted yet._", ""]


def moderation(m: dict[str, Any], coverage: dict[str, Any] | None = None) -> list[str]:
    lines = heading(2, "Learning from moderation")
    facts = [f"Audits moderated: {m['moderated']}"]
    if coverage is not None:
        facts.append(
            f"Moderated: {percent_text(coverage['percent_moderated'])} of submitted audits against a floor of "
            f"{coverage['floor_percent']}% ({'met' if coverage['meets_floor'] else 'not met'})"
        )
    facts.append(f"Moderators agreed with the auditor's grade in {percent_text(m['agreement_percent'])} of audits")
    lines += bullets(facts)
    if m["regraded"]:
        lines += heading(3, "Grades the moderators changed")
        lines += table(
            ["case", "auditor", "auditor's grade", "moderated grade", "moderators", "feedback"],
            [
                [
                    r["child_ref"],
                    who(r["auditor"]),
                    grade(r["auditor_grade"]),
                    grade(r["moderated_grade"]),
                    names(r["moderators"]),
                    r["feedback"],
                ]
                for r in m["regraded"]
            ],
        )
    if m["agreed"]:
        lines += heading(3, "Grades the moderators agreed")
        lines += bullets([f"{audit_ref(r)}: {one_line(r['feedback'])}" for r in m["agreed"]])
    if m["from_meetings"]:
        lines += heading(3, "Moderation learning shared at meetings")
        lines += bullets([f"{day(x['held_on'])}: {one_line(x['learning'])}" for x in m["from_meetings"]])
    return lines


def actions_table(actions: list[dict[str, Any]]) -> list[str]:
    def state(a: dict[str, Any]) -> str:
        if a["status"] == "completed":
            return f"completed {day(a['completed_on'])}"
        return "overdue" if a["overdue"] else a["status"]

    return table(
        ["action", "owner", "from", "due", "status", "outcome or latest progress"],
        [
            [
                a["description"],
                who(a["owner"]),
                a["source"] or a["source_kind"].replace("_", " "),
                day(a["due_on"]),
                state(a),
                a["outcome"] or a["last_progress_note"],
            ]
            for a in actions
        ],
    )


def action_figures(s: dict[str, Any]) -> list[str]:
    return bullets(
        [
            f"{s['agreed']} agreed, {s['completed']} completed ({s['completed_by_due_date']} by their due date), "
            f"{s['open']} open ({s['overdue']} overdue), {s['cancelled']} cancelled; "
            f"completion rate {percent_text(s['completion_percent'])}"
        ]
    )


def specialist(learning: dict[str, Any]) -> list[str]:
    lines = bullets(
        [
            f"**{a['topic'] or 'Specialist audit'}**, {audit_ref(a)}, {grade(a['effective_grade'])}: "
            f"{sentence(a['summary'])} Strengths: {sentence(a['strengths'])} Challenges: {sentence(a['challenges'])}"
            for a in learning["audits"]
        ],
        empty=f"No specialist or thematic audits completed between {day(learning['from'])} and {day(learning['to'])}.",
    )
    if learning["presented"]:
        lines += bullets(
            [f"{who(p['presenter'])}, {day(p['held_on'])}: {one_line(p['learning'])}" for p in learning["presented"]]
        )
    return lines


def outside_cycle(groups: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for g in groups:
        lines.append(f"**{g['label']}**: {g['submitted']} submitted")
        lines.append("")
        lines += bullets(
            [
                f"{audit_ref(a)}, {grade(a['effective_grade'])}. Strengths: {sentence(a['strengths'])} "
                f"Challenges: {sentence(a['challenges'])}"
                for a in g["audits"]
            ]
        )
    return lines or ["_None in this period._", ""]


def evidence(items: list[dict[str, Any]]) -> list[str]:
    def where(item: dict[str, Any]) -> str:
        parts = [p for p in (item["team"], item["child_ref"]) if p]
        return f" ({', '.join(parts)})" if parts else ""

    return bullets(
        [
            f"**{e['source_title']}**, received {day(e['received_on'])}{where(e)}: {one_line(e['summary'])}"
            for e in items
        ],
        empty="No wider evidence recorded for this period.",
    )


def early_help(items: list[dict[str, Any]]) -> list[str]:
    return bullets(
        [
            f"{month(x['month'])}, {who(x['service_manager'])} (from {plural(x['audits'], 'audit')}): "
            f"{one_line(x['learning'])}"
            for x in items
        ],
        empty="No summary of learning recorded for this period.",
    )


def month(text: str) -> str:
    value = date.fromisoformat(f"{text}-01")
    return f"{value:%B %Y}"
