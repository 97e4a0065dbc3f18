"""Evidence that the QA meetings happened (SPEC §7): per cycle, each Head of Service QA meeting expected
(week 1 on performance data; weeks 4-5 on audit findings) for every service area with a Head of Service
in post, and the Assistant Director's QA meeting (week 6) — held or missing, in the expected week or not,
who chaired, whether the Practice Development Leader was invited (or the post is vacant), the reports
presented, and the actions and thematic audit requests it set.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from schemas.vocabulary import Role
from services.projections.projectors.actions import ACTIONS
from services.projections.queries.audits import cycle_row
from services.projections.queries.common import EVERYONE, Audience, PointInTime, area_title
from services.projections.queries.directory import Directory, directory

if TYPE_CHECKING:
    from services.projections.store import Row, Tx

HELD, MISSING, NOT_YET_DUE = "held", "missing", "not_yet_due"
SLOTS = {
    "week_1": "Head of Service QA meeting, week 1 (performance data)",
    "weeks_4_5": "Head of Service QA meeting, weeks 4-5 (audit findings)",
    "week_6": "Assistant Director's QA meeting (ADQA), week 6",
}


def slot_of(meeting: Row) -> str:
    if meeting["kind"] == "adqa":
        return "week_6"
    if meeting["focus"] == "performance_data":
        return "week_1"
    if meeting["focus"] == "audit_findings":
        return "weeks_4_5"
    return "week_1" if int(meeting["cycle_week"]) <= 3 else "weeks_4_5"


def windows(cycle: Row) -> dict[str, tuple[str, str]]:
    week1 = date.fromisoformat(cycle["week1_monday"])
    adqa = date.fromisoformat(cycle["adqa_week_starts"])
    return {
        "week_1": (week1.isoformat(), (week1 + timedelta(days=6)).isoformat()),
        "weeks_4_5": (cycle["hos_qa_findings_window_starts"], cycle["hos_qa_findings_window_ends"]),
        "week_6": (adqa.isoformat(), (adqa + timedelta(days=6)).isoformat()),
    }


def held_meetings(tx: Tx, cycle_id: str, when: PointInTime) -> list[Row]:
    sql, params = "SELECT * FROM proj_meetings WHERE cycle_id = ?", [cycle_id]
    if when.known_at is not None:
        sql += " AND recorded_at <= ?"
        params.append(when.known_at)
    return tx.all(sql + " ORDER BY held_on, meeting_id", params)


def meeting_actions(tx: Tx, meeting_ids: list[str], when: PointInTime, people: Directory) -> dict[str, list[Any]]:
    if not meeting_ids:
        return {}
    source, params = ACTIONS.source(when.known_at)
    rows = tx.all(
        f"SELECT * FROM {source} a WHERE a.source_id IN ({', '.join('?' for _ in meeting_ids)})"
        " ORDER BY a.agreed_on, a.action_id",
        (*params, *meeting_ids),
    )
    found: dict[str, list[Any]] = {}
    for row in rows:
        found.setdefault(row["source_id"], []).append(
            {
                "action_id": row["action_id"],
                "description": row["description"],
                "owner": people.person(row["owner_id"]),
                "due_on": row["due_on"],
                "status": row["status"],
                "overdue": row["status"] == "open" and row["due_on"] < when.as_of.isoformat(),
                "outcome": row["outcome"],
            }
        )
    return found


def thematic_requests(tx: Tx, meeting_ids: list[str]) -> dict[str, list[Any]]:
    if not meeting_ids:
        return {}
    rows = tx.all(
        "SELECT item_id, topic, rationale, month, meeting_id FROM proj_programme_items"
        f" WHERE meeting_id IN ({', '.join('?' for _ in meeting_ids)}) ORDER BY position",
        meeting_ids,
    )
    found: dict[str, list[Any]] = {}
    for row in rows:
        found.setdefault(row["meeting_id"], []).append(
            {
                "specialist_audit_id": row["item_id"],
                "topic": row["topic"],
                "rationale": row["rationale"],
                "month": row["month"],
            }
        )
    return found


def pdl_invitation(meeting: Row, area: str | None, people: Directory) -> dict[str, Any]:
    """Guidance §4: the area's Practice Development Leader is always invited to every HoS QA meeting."""
    pdls = [row["staff_id"] for row in people.holders(Role.PRACTICE_DEVELOPMENT_LEADER, area)]
    asked = set(json.loads(meeting["invitee_ids"])) | set(json.loads(meeting["attendee_ids"]))
    vacant = bool(meeting.get("pdl_post_vacant")) or not pdls
    return {
        "invited": any(p in asked for p in pdls),
        "post_vacant": vacant,
        "practice_development_leaders": people.people(pdls),
    }


def meeting_view(meeting: Row, people: Directory, actions: list[Any], thematic: list[Any]) -> dict[str, Any]:
    reports = json.loads(meeting["reports"])
    return {
        "meeting_id": meeting["meeting_id"],
        "kind": meeting["kind"],
        "focus": meeting["focus"],
        "service_area": meeting["service_area"],
        "service_area_title": area_title(meeting["service_area"]),
        "held_on": meeting["held_on"],
        "cycle_week": meeting["cycle_week"],
        "in_expected_week": bool(meeting["in_expected_week"]),
        "chair": people.person(meeting["chair_id"]),
        "attendees": people.people(json.loads(meeting["attendee_ids"])),
        "invitees": people.people(json.loads(meeting["invitee_ids"])),
        "practice_development_leader": pdl_invitation(meeting, meeting["service_area"], people)
        if meeting["kind"] == "hos_qa"
        else None,
        "measures_reviewed": json.loads(meeting["measures_reviewed"]),
        "reports_presented": [
            {
                "presenter": people.person(r["presenter_id"]),
                "service_area": r.get("service_area"),
                "service_area_title": area_title(r.get("service_area")),
                **{
                    k: r.get(k)
                    for k in (
                        "strengths",
                        "challenges",
                        "reinforcing_strengths",
                        "addressing_challenges",
                        "specialist_audit_learning",
                    )
                },
            }
            for r in reports
        ],
        "headline_learning": meeting["headline_learning"],
        "moderation_learning": meeting["moderation_learning"],
        "actions_set": actions,
        "thematic_audits_requested": thematic,
    }


def meetings_evidence(tx: Tx, cycle_id: str, when: PointInTime, audience: Audience = EVERYONE) -> dict[str, Any]:
    cycle = cycle_row(tx, cycle_id, when)
    people = directory(tx, when)
    held = held_meetings(tx, cycle_id, when)
    ids = [m["meeting_id"] for m in held]
    actions, thematic = meeting_actions(tx, ids, when, people), thematic_requests(tx, ids)
    spans = windows(cycle)
    as_of = when.as_of.isoformat()

    def expected(slot: str, area: str | None, hos: list[Any]) -> dict[str, Any]:
        matches = [m for m in held if m["service_area"] == area and slot_of(m) == slot]
        starts, ends = spans[slot]
        state = HELD if matches else (MISSING if as_of > ends else NOT_YET_DUE)
        return {
            "slot": slot,
            "meeting": SLOTS[slot],
            "service_area": area,
            "service_area_title": area_title(area),
            "heads_of_service": hos,
            "expected_from": starts,
            "expected_by": ends,
            "status": state,
            "in_expected_week": bool(matches[0]["in_expected_week"]) if matches else None,
            "held": [
                meeting_view(m, people, actions.get(m["meeting_id"], []), thematic.get(m["meeting_id"], []))
                for m in matches
            ],
        }

    areas = [a for a in people.areas_with_a_head_of_service() if audience.covers_area(a)]
    hos_meetings = [expected(slot, a, people.heads_of_service(a)) for a in areas for slot in ("week_1", "weeks_4_5")]
    adqa = expected("week_6", None, people.people([r["staff_id"] for r in people.holders(Role.ASSISTANT_DIRECTOR)]))
    if adqa["held"]:
        presented = {r["service_area"] for m in adqa["held"] for r in m["reports_presented"] if r["service_area"]}
        adqa["head_of_service_reports_missing"] = [
            {"service_area": a, "service_area_title": area_title(a)}
            for a in people.areas_with_a_head_of_service()
            if a not in presented
        ]
    every = [*hos_meetings, adqa]
    return {
        "cycle_id": cycle_id,
        "cycle_name": cycle["name"],
        "as_of": as_of,
        "known_at": when.known_at,
        **audience.describe(),
        "head_of_service_meetings": hos_meetings,
        "adqa_meeting": adqa,
        "missing": [_brief(m) for m in every if m["status"] == MISSING],
        "held_outside_expected_week": [
            {**_brief(m), "held_on": h["held_on"], "cycle_week": h["cycle_week"]}
            for m in every
            for h in m["held"]
            if not h["in_expected_week"]
        ],
    }


def _brief(expected: dict[str, Any]) -> dict[str, Any]:
    return {
        k: expected[k]
        for k in ("slot", "meeting", "service_area", "service_area_title", "heads_of_service", "expected_by")
    }
