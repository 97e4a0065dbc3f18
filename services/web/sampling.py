"""The moderation picker's proposal: a sample of a cycle's submitted audits for the QA Manager and
PSW to moderate, reaching the cycle's floor (15%), with every inadequate audit in it and the rest
spread across service areas and grades (stratified), so no area or grade goes unseen.

It only proposes: the QA Manager chooses, and moderating each audit is what the ledger records.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any

Audit = dict[str, Any]


def needed(submitted: int, floor_percent: int) -> int:
    """How many moderated audits meet the floor: the least n with n * 100 >= floor * submitted."""
    return -(-floor_percent * submitted // 100)


def propose(audits: list[Audit], floor_percent: int) -> list[Audit]:
    """Audits to moderate next, in the order to take them (already-moderated ones count, not listed)."""
    submitted = [a for a in audits if a["status"] in ("submitted", "moderated")]
    done = sum(1 for a in submitted if a["moderated"])
    waiting = [a for a in submitted if not a["moderated"]]
    chosen = [a for a in waiting if a["effective_grade"] == "inadequate"]
    target = max(needed(len(submitted), floor_percent) - done - len(chosen), 0)
    strata: dict[tuple[str, str], list[Audit]] = defaultdict(list)
    for audit in waiting:
        if audit["effective_grade"] != "inadequate":
            strata[(audit["case_service_area"], audit["effective_grade"] or "")].append(audit)
    for members in strata.values():
        members.sort(key=lambda a: hashlib.sha256(a["audit_id"].encode()).hexdigest())  # fixed, not first-come
    # Round robin over the strata, largest first: each area and grade gets a turn before any gets two.
    order = sorted(strata, key=lambda k: (-len(strata[k]), k))
    while target > 0 and any(strata.values()):
        for key in order:
            if target and strata[key]:
                chosen.append(strata[key].pop(0))
                target -= 1
    return chosen
