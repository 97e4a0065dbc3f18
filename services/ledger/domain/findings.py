"""What a submitted audit must hold (guidance section 4): a practice period of the last 6 months
(further back only with a reason), and a finding and a grade for every domain of its tool."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from services.ledger.domain.calendar import months_before
from services.ledger.domain.errors import InvalidCommand

if TYPE_CHECKING:
    from datetime import date

PRACTICE_WINDOW_MONTHS = 6


def check_practice_period(
    period_from: date, period_to: date, submitted_on: date, extended_period_reason: str | None
) -> None:
    """An audit looks at the last 6 months of practice unless a reason is given to go further back."""
    if period_to < period_from:
        raise InvalidCommand("practice_period.to", "must not be before practice_period.from")
    if period_to > submitted_on:
        raise InvalidCommand("practice_period.to", "must not be after the submission date")
    window_starts = months_before(submitted_on, PRACTICE_WINDOW_MONTHS)
    if period_from < window_starts and not (extended_period_reason or "").strip():
        raise InvalidCommand(
            "practice_period.from",
            f"goes back before {window_starts.isoformat()} (6 months): give extended_period_reason "
            "saying why earlier practice must be looked at",
        )


def check_domain_findings(findings: list[dict[str, Any]], tool_domains: frozenset[str]) -> dict[str, str]:
    """Every domain of the audit's tool has one finding and one grade; returns domain → grade."""
    seen: dict[str, str] = {}
    for finding in findings:
        domain = finding["domain"]
        if domain not in tool_domains:
            raise InvalidCommand("domain_findings", f"'{domain}' is not a domain of this audit's tool")
        if domain in seen:
            raise InvalidCommand("domain_findings", f"'{domain}' appears more than once")
        if finding.get("grade") is None:
            raise InvalidCommand("domain_findings", f"'{domain}' needs a grade")
        seen[domain] = finding["grade"]
    missing = sorted(tool_domains - seen.keys())
    if missing:
        raise InvalidCommand("domain_findings", f"every domain of the tool needs a finding; missing: {missing}")
    return seen
