"""The learning the reports carry (guidance §4, Appendix 2), not only counts: the auditors' own strengths
and challenges text grouped by domain, moderation learning with the moderators' feedback, the impact of
earlier actions, specialist and thematic audit learning, and audits that sit outside the 8-week cycle.
Each item names the people and the child's case reference, never a bare id alone.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

from services.projections.projectors.actions import ACTIONS
from services.projections.queries.audits import audits_where
from services.projections.queries.common import STRONG, WEAK, percent, ratio, tool_label

if TYPE_CHECKING:
    from services.projections.queries.common import PointInTime
    from services.projections.queries.directory import Directory
    from services.projections.store import Row, Tx

OUTSIDE_CYCLE_TOOLS = {
    "early_help": "Early Help audits (Early Help Team Leaders' monthly audits)",
    "ten_domain": "10 Domain audits outside the cycle (Early Help Team Managers' monthly audit)",
    "victim": "Victim audits (Youth Justice, monthly)",
    "fostering": "Fostering audits outside the cycle",
}


def audit_line(audit: Row, people: Directory) -> dict[str, Any]:
    return {
        "audit_id": audit["audit_id"],
        "child_ref": audit["child_ref"],
        "case_team": audit["case_team"],
        "auditor": people.person(audit["auditor_id"]),
        "submitted_on": audit["submitted_on"],
        "effective_grade": audit["effective_grade"],
    }


def strengths_and_challenges(audits: list[Row], people: Directory) -> dict[str, Any]:
    """The auditors' own words: each audit's strengths and challenges, and every domain finding grouped by
    the domain (of the tool and version it was graded under): good/outstanding ones as strengths,
    requires improvement/inadequate ones as challenges."""
    domains: dict[tuple[str, int, str], dict[str, Any]] = {}
    for audit in audits:
        tool, version = audit["tool"], int(audit["tool_version"])
        tool_title, titles = tool_label(tool, version)
        for finding in json.loads(audit["domain_findings"] or "[]"):
            grade = finding.get("grade")
            side = "strengths" if grade in STRONG else "challenges" if grade in WEAK else None
            if side is None:
                continue
            entry = domains.setdefault(
                (tool, version, finding["domain"]),
                {
                    "tool": tool,
                    "tool_version": version,
                    "tool_title": tool_title,
                    "domain": finding["domain"],
                    "title": titles.get(finding["domain"], finding["domain"]),
                    "strengths": [],
                    "challenges": [],
                },
            )
            entry[side].append({**audit_line(audit, people), "grade": grade, "finding": finding["finding"]})
    return {
        "audits": [
            {
                **audit_line(a, people),
                "summary": a["summary"],
                "strengths": a["strengths"],
                "challenges": a["challenges"],
            }
            for a in audits
        ],
        "by_domain": [domains[key] for key in sorted(domains)],
    }


def moderation_learning(audits: list[Row], meetings: list[Row], people: Directory) -> dict[str, Any]:
    moderated = [a for a in audits if a["moderated"]]
    agreeing = sum(1 for a in moderated if a["agrees_with_auditor"])

    def line(a: Row) -> dict[str, Any]:
        return {
            **audit_line(a, people),
            "auditor_grade": a["moderation_auditor_grade"],
            "moderated_grade": a["moderated_grade"],
            "moderators": people.people(json.loads(a["moderator_ids"] or "[]")),
            "feedback": a["moderation_feedback"],
        }

    return {
        "moderated": len(moderated),
        "agreement_rate": ratio(agreeing, len(moderated)),
        "agreement_percent": percent(agreeing, len(moderated)),
        "regraded": [line(a) for a in moderated if not a["agrees_with_auditor"]],
        "agreed": [line(a) for a in moderated if a["agrees_with_auditor"]],
        "from_meetings": [
            {"held_on": m["held_on"], "kind": m["kind"], "learning": m["moderation_learning"]}
            for m in meetings
            if m["moderation_learning"]
        ],
    }


def action_lines(rows: list[Row], people: Directory, as_of: date, sources: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "action_id": a["action_id"],
            "description": a["description"],
            "measure_of_success": a["measure_of_success"],
            "owner": people.person(a["owner_id"]),
            "source_kind": a["source_kind"],
            "source": sources.get(a["source_id"]),
            "child_ref": a["child_ref"],
            "agreed_on": a["agreed_on"],
            "due_on": a["due_on"],
            "status": a["status"],
            "overdue": a["status"] == "open" and a["due_on"] < as_of.isoformat(),
            "completed_on": a["completed_on"],
            "outcome": a["outcome"],
            "last_progress_note": a["last_progress_note"],
        }
        for a in rows
    ]


def action_summary(actions: list[dict[str, Any]]) -> dict[str, Any]:
    completed = [a for a in actions if a["status"] == "completed"]
    cancelled = sum(1 for a in actions if a["status"] == "cancelled")
    by_source: dict[str, int] = {}
    for action in actions:
        by_source[action["source_kind"]] = by_source.get(action["source_kind"], 0) + 1
    return {
        "agreed": len(actions),
        "completed": len(completed),
        "completed_by_due_date": sum(1 for a in completed if a["completed_on"] <= a["due_on"]),
        "cancelled": cancelled,
        "open": sum(1 for a in actions if a["status"] == "open"),
        "overdue": sum(1 for a in actions if a["overdue"]),
        "completion_rate": ratio(len(completed), len(actions) - cancelled),
        "completion_percent": percent(len(completed), len(actions) - cancelled),
        "by_source": dict(sorted(by_source.items())),
    }


def actions_from(tx: Tx, when: PointInTime, where: str, params: list[Any]) -> list[Row]:
    source, source_params = ACTIONS.source(when.known_at)
    return tx.all(
        f"SELECT * FROM {source} a WHERE {where} ORDER BY a.agreed_on, a.action_id", [*source_params, *params]
    )


def outside_cycle_audits(
    tx: Tx, when: PointInTime, start: str, end: str, people: Directory, area: str | None = None
) -> list[dict[str, Any]]:
    """Early Help monthly audits and victim audits: outside the 8-week cycle, but part of its learning."""
    where, params = (
        "a.cycle_id IS NULL AND a.specialist_audit_id IS NULL AND a.withdrawn = 0 AND a.submitted = 1"
        " AND a.submitted_on BETWEEN ? AND ?",
        [start, end],
    )
    if area is not None:
        where += " AND a.case_service_area = ?"
        params.append(area)
    audits = audits_where(tx, when, where, params)
    groups = []
    for tool, label in OUTSIDE_CYCLE_TOOLS.items():
        chosen = [a for a in audits if a["tool"] == tool]
        if chosen:
            groups.append(
                {
                    "tool": tool,
                    "label": label,
                    "submitted": len(chosen),
                    "audits": [
                        {**audit_line(a, people), "strengths": a["strengths"], "challenges": a["challenges"]}
                        for a in chosen
                    ],
                }
            )
    return groups


def specialist_learning(
    tx: Tx, when: PointInTime, start: str, end: str, people: Directory, meetings: list[Row], area: str | None = None
) -> dict[str, Any]:
    """Specialist and thematic audits completed in the window (topic, child, the auditor's words), and
    the specialist audit learning presented in the meetings' reports."""
    where, params = (
        "a.specialist_audit_id IS NOT NULL AND a.withdrawn = 0 AND a.submitted = 1 AND a.submitted_on BETWEEN ? AND ?",
        [start, end],
    )
    if area is not None:
        where += " AND a.case_service_area = ?"
        params.append(area)
    audits = audits_where(tx, when, where, params)
    topics = {
        row["item_id"]: row
        for row in tx.all(
            "SELECT item_id, kind, topic FROM proj_programme_items WHERE item_id IN"
            " (SELECT DISTINCT specialist_audit_id FROM proj_audits WHERE specialist_audit_id IS NOT NULL)"
        )
    }
    presented = []
    for meeting in meetings:
        for report in json.loads(meeting["reports"]):
            if report.get("specialist_audit_learning") and (area is None or report.get("service_area") == area):
                presented.append(
                    {
                        "held_on": meeting["held_on"],
                        "presenter": people.person(report["presenter_id"]),
                        "service_area": report.get("service_area"),
                        "learning": report["specialist_audit_learning"],
                    }
                )
    return {
        "from": start,
        "to": end,
        "audits": [
            {
                **audit_line(a, people),
                "kind": topics.get(a["specialist_audit_id"], {}).get("kind"),
                "topic": topics.get(a["specialist_audit_id"], {}).get("topic"),
                "summary": a["summary"],
                "strengths": a["strengths"],
                "challenges": a["challenges"],
            }
            for a in audits
        ],
        "presented": presented,
    }


EVIDENCE_SOURCES = {
    "complaint": "Complaint",
    "compliment": "Compliment",
    "service_quality_review": "Service Quality Review",
    "family_feedback": "Feedback from children, young people and families",
    "inspection_finding": "Inspection finding",
}


def _known(sql: str, params: list[Any], when: PointInTime) -> tuple[str, list[Any]]:
    if when.known_at is None:
        return sql, params
    return f"{sql} AND recorded_at <= ?", [*params, when.known_at]


def wider_evidence(
    tx: Tx, when: PointInTime, start: str, end: str, people: Directory, area: str | None = None
) -> list[dict[str, Any]]:
    """Guidance §2: complaints, compliments, SQRs, family feedback and inspection findings, by date received."""
    sql, params = "SELECT * FROM proj_wider_evidence WHERE received_on BETWEEN ? AND ?", [start, end]
    if area is not None:
        sql, params = f"{sql} AND service_area = ?", [*params, area]
    sql, params = _known(sql, params, when)
    return [
        {
            "evidence_id": row["evidence_id"],
            "source": row["source"],
            "source_title": EVIDENCE_SOURCES.get(row["source"], row["source"]),
            "received_on": row["received_on"],
            "service_area": row["service_area"],
            "team": row["team"],
            "child_ref": row["child_ref"],
            "summary": row["summary"],
            "recorded_by": people.person(row["recorded_by"]),
        }
        for row in tx.all(sql + " ORDER BY received_on, evidence_id", params)
    ]


def early_help_learning(tx: Tx, when: PointInTime, start: str, end: str, people: Directory) -> list[dict[str, Any]]:
    """Guidance §5: the Early Help Service Managers' monthly summaries of learning from the Early Help audits."""
    sql, params = _known(
        "SELECT * FROM proj_early_help_learning WHERE month BETWEEN ? AND ?", [start[:7], end[:7]], when
    )
    return [
        {
            "month": row["month"],
            "service_manager": people.person(row["service_manager_id"]),
            "audits": len(json.loads(row["audit_ids"])),
            "learning": row["learning"],
        }
        for row in tx.all(sql + " ORDER BY month, summary_id", params)
    ]
