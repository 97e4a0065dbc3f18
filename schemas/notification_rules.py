"""Notification rule ids: part of the contract, because every `NotificationDelivered` receipt names one.

A rule that is renamed keeps its old id readable: receipts already in the ledger carry the old id
for ever, so `canonical_rule` reads them as the new one (the notifier when it replays its outbox
from the ledger, the projections when they show who was told).
"""

from __future__ import annotations

AUDIT_ALLOCATED = "audit.allocated"
AUDIT_OVERDUE = "audit.overdue"
INVITE_SERVICE_MANAGER = "audit.inadequate.invite_service_manager"
# Guidance section 4: "All inadequate audits are also sent to the Assistant Director and their Head
# of Service". Named `audit.inadequate.escalate` until 2026-12.
SENT_TO_AD_AND_HOS = "audit.inadequate.send_to_ad_and_hos"
GOOD_AUDIT_SHARED = "audit.good.share"
MODERATION_BELOW_FLOOR = "moderation.coverage_below_floor"
ACTION_DUE_SOON = "action.due_soon"
ACTION_OVERDUE = "action.overdue"
RCD_MISSING = "rcd.missing"
RCD_OVERDUE = "rcd.overdue"

RULES: tuple[str, ...] = (
    AUDIT_ALLOCATED,
    AUDIT_OVERDUE,
    INVITE_SERVICE_MANAGER,
    SENT_TO_AD_AND_HOS,
    GOOD_AUDIT_SHARED,
    MODERATION_BELOW_FLOOR,
    ACTION_DUE_SOON,
    ACTION_OVERDUE,
    RCD_MISSING,
    RCD_OVERDUE,
)

# Old id -> current id. Receipts are immutable, so an old id is read through this, never rewritten.
RENAMED_RULES: dict[str, str] = {"audit.inadequate.escalate": SENT_TO_AD_AND_HOS}


def canonical_rule(rule: str) -> str:
    """The current id of a rule named in a receipt (its old id if it was renamed since)."""
    return RENAMED_RULES.get(rule, rule)


def ids_of(rule: str) -> tuple[str, ...]:
    """Every id a rule has been recorded under: its current id and any older ones."""
    return (rule, *(old for old, new in RENAMED_RULES.items() if new == rule))
