"""Inspection-ready trails: the envelopes about an audit, a child or a team, in position order,
as they stood at an instant, as JSON or CSV.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from schemas.envelope import EventEnvelope
from schemas.events import AuditGraded, AuditModerated
from schemas.integrity import contract_name
from services.projections.projectors.base import LONDON, utc_text
from services.projections.queries.common import NotFoundError

if TYPE_CHECKING:
    from services.projections.store import Row, Tx

CSV_COLUMNS = (
    "position",
    "time",
    "id",
    "type",
    "aggregatetype",
    "aggregateid",
    "aggregateversion",
    "actorid",
    "actorrole",
    "correlationid",
    "causationid",
    "integrityhash",
    "prevhash",
    "data",
)
SUBJECT_COLUMNS = {"audit": "audit_id", "child": "child_ref", "team": "team"}
# A trail row the caller may see: (audit_id, team, service_area) -> allowed.
Visible = Callable[["Row"], bool]


def parse_as_of(text: str | None) -> datetime | None:
    """An ISO instant, or a date meaning the end of that day in London; naive instants are London time."""
    if not text:
        return None
    if len(text) == 10:
        next_day = date.fromisoformat(text) + timedelta(days=1)
        return datetime.combine(next_day, time.min, LONDON) - timedelta(microseconds=1)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=LONDON)


def trail(tx: Tx, kind: str, key: str, as_of: datetime | None, visible: Visible) -> dict[str, Any]:
    """Raises NotFoundError if nothing is known about the subject, PermissionError if none of it is visible."""
    column = SUBJECT_COLUMNS[kind]
    known = tx.all(
        f"SELECT audit_id, team, service_area, auditor_id FROM proj_trail_subjects WHERE {column} = ?", (key,)
    )
    if not known:
        raise NotFoundError(f"no {kind} {key!r} in the audit trail")
    allowed = {row["audit_id"] for row in known if visible(row)}
    if not allowed:
        raise PermissionError(f"the {kind} {key!r} is outside your scope")
    sql = f"SELECT audit_id, envelope FROM proj_trail_events WHERE {column} = ?"
    params: list[Any] = [key]
    if as_of is not None:
        sql += " AND recorded_at <= ?"
        params.append(utc_text(as_of))
    rows = tx.all(sql + " ORDER BY position", params)
    events = [json.loads(row["envelope"]) for row in rows if row["audit_id"] in allowed]
    return {
        "subject": {"kind": kind, "id": key},
        "as_of": None if as_of is None else as_of.astimezone(UTC).isoformat(),
        "audits": sorted(allowed),
        "partial": len(allowed) < len({row["audit_id"] for row in known}),
        "grades": trail_grades(events),
        "count": len(events),
        "events": events,
    }


def trail_grades(events: list[dict[str, Any]]) -> dict[str, dict[str, str | None]]:
    """Per audit in the trail, as its events up to `as_of` stand: the auditor's latest grade (amendments
    included), the moderator's grade, and the effective one (the moderator's when moderated)."""
    grades: dict[str, dict[str, str | None]] = {}
    for event in events:
        if contract_name(event["type"]) not in ("AuditGraded", "AuditModerated"):
            continue
        payload = EventEnvelope.model_validate(event).payload()
        entry = grades.setdefault(event["aggregateid"], {"auditor_grade": None, "moderated_grade": None})
        if isinstance(payload, AuditGraded):
            entry["auditor_grade"] = payload.overall_grade.value
        elif isinstance(payload, AuditModerated):
            entry["moderated_grade"] = payload.moderated_grade.value
    return {
        audit: {**grade, "effective_grade": grade["moderated_grade"] or grade["auditor_grade"]}
        for audit, grade in sorted(grades.items())
    }


def trail_csv(result: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for envelope in result["events"]:
        writer.writerow(
            [
                json.dumps(envelope["data"], sort_keys=True, ensure_ascii=False) if col == "data" else envelope.get(col)
                for col in CSV_COLUMNS
            ]
        )
    return out.getvalue()
