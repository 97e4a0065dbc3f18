"""What the notifier's receipts prove: which audits were sent to the Assistant Director and the Head of
Service, and which were shared, by whom they were received, and when.

Rule ids are a contract with the notifier: a receipt already in a ledger keeps the rule id it was
recorded with, so every id a rule has ever had stays here.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from schemas.notification_rules import GOOD_AUDIT_SHARED, SENT_TO_AD_AND_HOS, ids_of

if TYPE_CHECKING:
    from services.projections.queries.common import PointInTime
    from services.projections.queries.directory import Directory
    from services.projections.store import Row, Tx

# Guidance §4: "All inadequate audits are also sent to the Assistant Director and their Head of Service",
# under every id the rule has had (receipts keep the id they were recorded with). Inviting the Service
# Manager to the reflective discussion is another rule, not this.
SENT_TO_AD_AND_HOS_RULES = ids_of(SENT_TO_AD_AND_HOS)
# "All good and outstanding audits are also shared with the Assistant Director, their HoS and SM."
SHARED_RULES = ids_of(GOOD_AUDIT_SHARED)


def receipts(tx: Tx, audit_ids: list[str], rules: tuple[str, ...], when: PointInTime) -> dict[str, list[Row]]:
    """Receipts under these rules per audit, as recorded by `when.known_at`."""
    if not audit_ids:
        return {}
    found: dict[str, list[Row]] = defaultdict(list)
    for start in range(0, len(audit_ids), 500):  # bounded IN lists
        chunk = audit_ids[start : start + 500]
        sql = (
            "SELECT v.audit_id, r.* FROM proj_receipts r JOIN proj_audits_versions v"
            " ON v.version_event_id = r.cause_event_id"
            f" WHERE v.audit_id IN ({', '.join('?' for _ in chunk)}) AND r.rule IN ({', '.join('?' for _ in rules)})"
        )
        params: list[Any] = [*chunk, *rules]
        if when.known_at is not None:
            sql += " AND r.recorded_at <= ?"
            params.append(when.known_at)
        for row in tx.all(sql + " ORDER BY r.delivered_at, r.recipient_id", params):
            found[row["audit_id"]].append(row)
    return found


def recipients(rows: list[Row], people: Directory) -> list[dict[str, Any]]:
    """Each person told once (the earliest receipt), named."""
    seen: dict[str, Row] = {}
    for row in rows:
        seen.setdefault(row["recipient_id"], row)
    return [
        {"staff_id": r["recipient_id"], "name": people.name(r["recipient_id"]), "delivered_at": r["delivered_at"]}
        for r in seen.values()
    ]
