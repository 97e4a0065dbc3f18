"""Quota compliance per auditor per month, and specialist programme progress against its minimum."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from schemas.vocabulary import AuditorGroup, AuditTool

if TYPE_CHECKING:
    from services.projections.store import Row, Tx


@dataclass(frozen=True)
class Quota:
    group: AuditorGroup
    tool: AuditTool
    audits_per_month: int
    rule: str


# Guidance: monthly audits expected of these groups, besides any cycle audit.
QUOTAS: tuple[Quota, ...] = (
    Quota(AuditorGroup.EARLY_HELP_TEAM_LEADER, AuditTool.EARLY_HELP, 2, "2 Early Help audits a month"),
    Quota(AuditorGroup.EARLY_HELP_TEAM_MANAGER, AuditTool.TEN_DOMAIN, 1, "1 full 10 Domain audit a month"),
    Quota(AuditorGroup.YOUTH_JUSTICE, AuditTool.VICTIM, 1, "1 victim audit a month"),
)


def quota_compliance(tx: Tx, month: str, visible: Callable[[Row], bool]) -> dict[str, Any]:
    month_starts = f"{month}-01"
    staff = tx.all("SELECT * FROM proj_staff WHERE left_on IS NULL OR left_on >= ? ORDER BY staff_id", (month_starts,))
    done = tx.all(
        "SELECT submitted_by, tool, COUNT(*) AS audits FROM proj_audits"
        " WHERE submitted = 1 AND withdrawn = 0 AND substr(submitted_on, 1, 7) = ? GROUP BY submitted_by, tool",
        (month,),
    )
    completed = {(row["submitted_by"], row["tool"]): int(row["audits"]) for row in done}
    auditors = []
    for member in staff:
        if not visible(member):
            continue
        groups = set(json.loads(member["auditor_groups"]))
        for quota in QUOTAS:
            if quota.group.value not in groups:
                continue
            count = completed.get((member["staff_id"], quota.tool.value), 0)
            auditors.append(
                {
                    "staff_id": member["staff_id"],
                    "display_name": member["display_name"],
                    "team": member["team"],
                    "service_area": member["service_area"],
                    "auditor_group": quota.group.value,
                    "tool": quota.tool.value,
                    "rule": quota.rule,
                    "required": quota.audits_per_month,
                    "completed": count,
                    "short_by": max(0, quota.audits_per_month - count),
                    "met": count >= quota.audits_per_month,
                }
            )
    return {
        "month": month,
        "auditors": auditors,
        "short": [
            {"staff_id": a["staff_id"], "tool": a["tool"], "short_by": a["short_by"]} for a in auditors if not a["met"]
        ],
    }


def programme_progress(tx: Tx, financial_year: str | None = None) -> dict[str, Any]:
    where, params = ("WHERE i.financial_year = ?", [financial_year]) if financial_year else ("", [])
    rows = tx.all(
        "SELECT i.*, COALESCE(SUM(CASE WHEN a.audit_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS allocated,"
        " COALESCE(SUM(a.submitted), 0) AS submitted"
        " FROM proj_programme_items i LEFT JOIN proj_audits a"
        " ON a.specialist_audit_id = i.item_id AND a.withdrawn = 0"
        f" {where} GROUP BY i.item_id, i.kind, i.financial_year, i.month, i.topic, i.external_auditor_id,"
        " i.minimum_audits, i.rationale, i.meeting_id, i.position ORDER BY i.position",
        params,
    )
    items = [
        {
            "specialist_audit_id": row["item_id"],
            "kind": row["kind"],
            "financial_year": row["financial_year"],
            "month": row["month"],
            "topic": row["topic"],
            "external_auditor_id": row["external_auditor_id"],
            "minimum_audits": int(row["minimum_audits"]),
            "allocated": int(row["allocated"]),
            "submitted": int(row["submitted"]),
            "remaining": max(0, int(row["minimum_audits"]) - int(row["submitted"])),
            "meets_minimum": int(row["submitted"]) >= int(row["minimum_audits"]),
        }
        for row in rows
    ]
    return {"financial_year": financial_year, "items": items}
