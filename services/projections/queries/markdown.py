"""The reports as Markdown drafts: figures and tables a Head of Service or the QA Manager edits."""

from __future__ import annotations

from typing import Any

from services.projections.queries.common import GRADES


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    def cell(value: Any) -> str:
        return "-" if value is None else str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def _grades(title: str, distribution: dict[str, int]) -> list[str]:
    return [
        f"### {title}",
        "",
        *_table([g.replace("_", " ") for g in GRADES], [[distribution[g] for g in GRADES]]),
    ]


def _trend(rows: list[dict[str, Any]], label: str, key: str) -> list[str]:
    headers = [label, "submitted", *[g.replace("_", " ") for g in GRADES]]
    return [
        "### Grade trend",
        "",
        *_table(headers, [[r[key], r["submitted"], *[r["grades"][g] for g in GRADES]] for r in rows]),
    ]


def _domains(domains: dict[str, Any]) -> list[str]:
    lines = ["## Strengths and challenges by domain", ""]
    lines += [
        f"- Strength: **{d['title']}** (good or outstanding in {d['audits']} audits)" for d in domains["strengths"]
    ]
    lines += [
        f"- Challenge: **{d['title']}** (requires improvement or inadequate in {d['audits']} audits)"
        for d in domains["challenges"]
    ]
    rows = [
        [d["title"], d["good_or_outstanding"], d["requires_improvement_or_inadequate"]] for d in domains["by_domain"]
    ]
    return [*lines, "", *_table(["domain", "good/outstanding", "RI/inadequate"], rows)]


def _moderation(m: dict[str, Any]) -> list[str]:
    lines = [
        "## Moderation learning",
        "",
        f"- Audits moderated: {m['moderated']}",
        f"- Moderator agreement rate: {m['agreement_rate'] if m['agreement_rate'] is not None else '-'}",
    ]
    if "percent_moderated" in m:
        lines.append(
            f"- Moderated: {m['percent_moderated']}% of submitted (floor met: {'yes' if m['meets_floor'] else 'no'})"
        )
    if m["regraded"]:
        lines += [
            "",
            *_table(
                ["audit", "auditor grade", "moderated grade", "feedback"],
                [[r["audit_id"], r["auditor_grade"], r["moderated_grade"], r["feedback"]] for r in m["regraded"]],
            ),
        ]
    lines += [f"- {text}" for text in m["from_meetings"]]
    return [*lines, ""]


def _actions(a: dict[str, Any]) -> list[str]:
    return [
        "## Actions and their completion",
        "",
        *_table(
            [
                "agreed",
                "completed",
                "completed by due date",
                "open",
                "overdue",
                "cancelled",
                "completion rate",
            ],
            [
                [
                    a["agreed"],
                    a["completed"],
                    a["completed_by_due_date"],
                    a["open"],
                    a["overdue"],
                    a["cancelled"],
                    a["completion_rate"],
                ]
            ],
        ),
    ]


def _learning(items: list[dict[str, Any]]) -> list[str]:
    lines = ["## Specialist audit learning", ""]
    lines += [f"- {i['held_on']} ({i['presenter_id']}): {i['learning']}" for i in items] or ["- None recorded yet."]
    return [*lines, ""]


def head_of_service_markdown(r: dict[str, Any]) -> str:
    a = r["audits"]
    lines = [
        f"# Head of Service report: {r['service_area_title']}, {r['cycle_name']}",
        "",
        f"_Draft from the QA ledger as of {r['as_of']}. Heads of Service: {', '.join(r['heads_of_service']) or '-'}._",
        "",
        "## Audits",
        "",
        *_table(
            ["allocated", "submitted", "by day 14", "% by day 14", "overdue", "RCD logged"],
            [
                [
                    a["allocated"],
                    a["submitted"],
                    a["submitted_by_day_14"],
                    a["percent_by_day_14"],
                    a["overdue"],
                    a["reflective_discussions_logged"],
                ]
            ],
        ),
        *_grades("Grade distribution", r["grade_distribution"]),
        *_trend(r["grade_trend"], "cycle", "cycle_name"),
        *_domains(r["domains"]),
        *_moderation(r["moderation"]),
        *_actions(r["actions"]),
        *_learning(r["specialist_audit_learning"]),
    ]
    return "\n".join(lines)


def six_monthly_markdown(r: dict[str, Any]) -> str:
    a = r["audits"]
    lines = [
        f"# Six-monthly QA report: {r['from']} to {r['to']}",
        "",
        "## Audits",
        "",
        *_table(
            ["submitted", "due in window", "submitted by due date", "% by due date"],
            [[a["submitted"], a["due_in_window"], a["submitted_by_due_date"], a["percent_by_due_date"]]],
        ),
        *_table(
            ["service area", "submitted", *[g.replace("_", " ") for g in GRADES]],
            [[s["title"], s["submitted"], *[s["grades"][g] for g in GRADES]] for s in a["by_service_area"]],
        ),
        *_grades("Grade distribution", r["grade_distribution"]),
        *_trend(r["grade_trend"], "month", "month"),
        *_domains(r["domains"]),
        *_moderation(r["moderation"]),
        *_actions(r["actions"]),
        "## Specialist audits",
        "",
        *_table(
            ["month", "topic", "minimum", "submitted", "meets minimum"],
            [
                [
                    s["month"],
                    s["topic"],
                    s["minimum_audits"],
                    s["submitted"],
                    "yes" if s["meets_minimum"] else "no",
                ]
                for s in r["specialist_audits"]
            ],
        ),
        *_learning(r["specialist_audit_learning"]),
    ]
    return "\n".join(lines)
