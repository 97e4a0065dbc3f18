"""The moderation picker proposes enough audits to reach the floor, every inadequate one first,
the rest spread over service areas and grades."""

from __future__ import annotations

from typing import Any

from services.web.sampling import needed, propose


def audit(n: int, area: str, grade: str, *, moderated: bool = False) -> dict[str, Any]:
    return {
        "audit_id": f"a{n:03}",
        "status": "moderated" if moderated else "submitted",
        "moderated": moderated,
        "case_service_area": area,
        "effective_grade": grade,
    }


def test_the_floor_is_met_exactly_as_the_read_models_count_it() -> None:
    assert needed(20, 15) == 3 and needed(21, 15) == 4 and needed(0, 15) == 0


def test_every_inadequate_audit_is_proposed_even_beyond_the_floor() -> None:
    audits = [audit(i, "adolescent", "inadequate") for i in range(5)] + [
        audit(10 + i, "adolescent", "good") for i in range(5)
    ]
    proposed = propose(audits, 15)
    assert {a["audit_id"] for a in proposed} == {f"a{i:03}" for i in range(5)}


def test_the_rest_is_stratified_by_area_and_grade() -> None:
    audits = [audit(i, "early_help_and_support", "good") for i in range(30)]
    audits += [audit(100 + i, "adolescent", "requires_improvement") for i in range(8)]
    audits += [audit(200 + i, "supporting_our_children", "outstanding") for i in range(2)]
    proposed = propose(audits, 15)
    assert len(proposed) == needed(40, 15) == 6
    assert {a["case_service_area"] for a in proposed} == {
        "early_help_and_support",
        "adolescent",
        "supporting_our_children",
    }


def test_moderated_audits_count_towards_the_floor_and_are_not_proposed_again() -> None:
    audits = [audit(i, "adolescent", "good", moderated=i < 3) for i in range(20)]
    assert propose(audits, 15) == []
