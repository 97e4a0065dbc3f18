"""QA meetings as held: the Head of Service QA meetings (week 1; weeks 4-5) and the Assistant Director's
QA meeting (week 6), with who chaired, who was invited and came, and the reports and learning presented.

Feeds the meetings evidence, the registers, the cycle dashboard's missing meetings and the reports.
Which meetings were *expected* is not stored: it follows from the cycles and the Heads of Service in post.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from services.projections.projectors.base import Handler, Projector, flag, iso, utc_text

if TYPE_CHECKING:
    from schemas import events as e
    from schemas.envelope import EventEnvelope
    from services.projections.store import Tx


class MeetingsProjector(Projector):
    name = "meetings"
    tables = {
        "proj_meetings": """
            CREATE TABLE IF NOT EXISTS proj_meetings (
                meeting_id TEXT PRIMARY KEY, kind TEXT NOT NULL, cycle_id TEXT NOT NULL, service_area TEXT,
                focus TEXT NOT NULL, held_on TEXT NOT NULL, cycle_week INTEGER NOT NULL,
                in_expected_week INTEGER NOT NULL, chair_id TEXT NOT NULL, attendee_ids TEXT NOT NULL,
                invitee_ids TEXT NOT NULL, pdl_post_vacant INTEGER NOT NULL, measures_reviewed TEXT NOT NULL,
                reports TEXT NOT NULL,
                headline_learning TEXT, moderation_learning TEXT, recorded_by TEXT NOT NULL,
                recorded_at TEXT NOT NULL
            )""",
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS proj_meetings_cycle ON proj_meetings (cycle_id, kind)",
        "CREATE INDEX IF NOT EXISTS proj_meetings_register ON proj_meetings (held_on, meeting_id)",
    )

    def handlers(self) -> dict[str, Handler]:
        return {"QAMeetingHeld": self.meeting_held}

    def meeting_held(self, tx: Tx, env: EventEnvelope, p: e.QAMeetingHeld) -> None:
        tx.execute(
            "INSERT INTO proj_meetings (meeting_id, kind, cycle_id, service_area, focus, held_on, cycle_week,"
            " in_expected_week, chair_id, attendee_ids, invitee_ids, pdl_post_vacant, measures_reviewed, reports,"
            " headline_learning, moderation_learning, recorded_by, recorded_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (meeting_id) DO NOTHING",
            (
                str(env.aggregateid),
                p.kind.value,
                str(p.cycle_id),
                p.service_area.value if p.service_area else None,
                p.focus.value,
                iso(p.held_on),
                p.cycle_week,
                flag(p.in_expected_week),
                p.chair_id,
                json.dumps(p.attendee_ids),
                json.dumps(p.invitee_ids),
                flag(p.pdl_post_vacant),
                json.dumps(p.measures_reviewed),
                json.dumps([r.model_dump(mode="json") for r in p.reports]),
                p.headline_learning,
                p.moderation_learning,
                env.actorid,
                utc_text(env.time),
            ),
        )
