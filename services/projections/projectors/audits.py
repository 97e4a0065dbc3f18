"""Audit facts per audit (one row each), with the cycles and QA meetings they are read against.

Feeds moderation coverage, the cycle dashboard, quotas, programme progress and the reports.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from schemas.notification_rules import SENT_TO_AD_AND_HOS, canonical_rule
from services.projections.projectors.base import Handler, Projector, flag, iso, london_date

if TYPE_CHECKING:
    from schemas import events as e
    from schemas.envelope import EventEnvelope
    from services.projections.store import Tx


class AuditsProjector(Projector):
    name = "audits"
    tables = {
        "proj_cycles": """
            CREATE TABLE IF NOT EXISTS proj_cycles (
                cycle_id TEXT PRIMARY KEY, name TEXT NOT NULL, week1_monday TEXT NOT NULL,
                audits_due_on TEXT NOT NULL, moderation_week_starts TEXT NOT NULL, ends_on TEXT NOT NULL,
                moderation_floor_percent INTEGER NOT NULL, closed_on TEXT
            )""",
        "proj_audits": """
            CREATE TABLE IF NOT EXISTS proj_audits (
                audit_id TEXT PRIMARY KEY, cycle_id TEXT, specialist_audit_id TEXT, child_ref TEXT NOT NULL,
                case_team TEXT NOT NULL, case_service_area TEXT NOT NULL, auditor_id TEXT NOT NULL,
                auditor_service_area TEXT NOT NULL, tool TEXT NOT NULL, within_own_service_area INTEGER NOT NULL,
                flagged_own_service_area INTEGER NOT NULL, exempt_group TEXT, due_on TEXT NOT NULL,
                allocated_on TEXT NOT NULL, withdrawn INTEGER NOT NULL DEFAULT 0,
                submitted INTEGER NOT NULL DEFAULT 0, submitted_on TEXT, submitted_by TEXT, on_time INTEGER,
                summary TEXT, strengths TEXT, areas_for_development TEXT,
                overall_grade TEXT, domain_grades TEXT,
                rcd_logged INTEGER NOT NULL DEFAULT 0, rcd_held_on TEXT, service_manager_present INTEGER,
                moderated INTEGER NOT NULL DEFAULT 0, moderated_on TEXT, moderation_auditor_grade TEXT,
                moderated_grade TEXT,
                agrees_with_auditor INTEGER, moderator_ids TEXT, moderation_feedback TEXT,
                escalated INTEGER NOT NULL DEFAULT 0
            )""",
        "proj_graded_events": """
            CREATE TABLE IF NOT EXISTS proj_graded_events (
                event_id TEXT PRIMARY KEY, audit_id TEXT NOT NULL, overall_grade TEXT NOT NULL
            )""",
        "proj_meetings": """
            CREATE TABLE IF NOT EXISTS proj_meetings (
                meeting_id TEXT PRIMARY KEY, kind TEXT NOT NULL, cycle_id TEXT NOT NULL, service_area TEXT,
                focus TEXT NOT NULL, held_on TEXT NOT NULL, headline_learning TEXT, moderation_learning TEXT,
                reports TEXT NOT NULL
            )""",
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS proj_audits_cycle ON proj_audits (cycle_id, case_service_area)",
        "CREATE INDEX IF NOT EXISTS proj_audits_submitted ON proj_audits (submitted_on)",
        "CREATE INDEX IF NOT EXISTS proj_audits_specialist ON proj_audits (specialist_audit_id)",
        "CREATE INDEX IF NOT EXISTS proj_meetings_cycle ON proj_meetings (cycle_id)",
    )

    def handlers(self) -> dict[str, Handler]:
        return {
            "AuditCycleScheduled": self.cycle_scheduled,
            "AuditCycleClosed": self.cycle_closed,
            "AuditAllocated": self.allocated,
            "AuditReallocated": self.reallocated,
            "AuditSubmitted": self.submitted,
            "AuditGraded": self.graded,
            "AuditAmended": self.amended,
            "ReflectiveDiscussionHeld": self.discussion_held,
            "AuditModerated": self.moderated,
            "AuditWithdrawn": self.withdrawn,
            "QAMeetingHeld": self.meeting_held,
            "NotificationDelivered": self.notification_delivered,
        }

    def cycle_scheduled(self, tx: Tx, env: EventEnvelope, p: e.AuditCycleScheduled) -> None:
        tx.execute(
            "INSERT INTO proj_cycles (cycle_id, name, week1_monday, audits_due_on, moderation_week_starts, ends_on,"
            " moderation_floor_percent) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cycle_id) DO NOTHING",
            (
                str(env.aggregateid),
                p.name,
                iso(p.week1_monday),
                iso(p.audits_due_on),
                iso(p.moderation_week_starts),
                iso(p.ends_on),
                p.moderation_floor_percent,
            ),
        )

    def cycle_closed(self, tx: Tx, env: EventEnvelope, p: e.AuditCycleClosed) -> None:
        tx.execute(
            "UPDATE proj_cycles SET closed_on = ? WHERE cycle_id = ?",
            (iso(p.closed_on), str(env.aggregateid)),
        )

    def allocated(self, tx: Tx, env: EventEnvelope, p: e.AuditAllocated) -> None:
        tx.execute(
            "INSERT INTO proj_audits (audit_id, cycle_id, specialist_audit_id, child_ref, case_team,"
            " case_service_area, auditor_id, auditor_service_area, tool, within_own_service_area,"
            " flagged_own_service_area, exempt_group, due_on, allocated_on)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (audit_id) DO NOTHING",
            (
                str(env.aggregateid),
                _text(p.cycle_id),
                _text(p.specialist_audit_id),
                p.child_ref,
                p.case_team,
                p.case_service_area.value,
                p.auditor_id,
                p.auditor_service_area.value,
                p.tool.value,
                flag(p.within_own_service_area),
                flag(p.flagged_own_service_area),
                p.exempt_group.value if p.exempt_group else None,
                iso(p.due_on),
                iso(london_date(env.time)),
            ),
        )

    def reallocated(self, tx: Tx, env: EventEnvelope, p: e.AuditReallocated) -> None:
        tx.execute(
            "UPDATE proj_audits SET auditor_id = ?, auditor_service_area = ?, within_own_service_area = ?,"
            " flagged_own_service_area = ?, exempt_group = ? WHERE audit_id = ?",
            (
                p.auditor_id,
                p.auditor_service_area.value,
                flag(p.within_own_service_area),
                flag(p.flagged_own_service_area),
                p.exempt_group.value if p.exempt_group else None,
                str(env.aggregateid),
            ),
        )

    def submitted(self, tx: Tx, env: EventEnvelope, p: e.AuditSubmitted) -> None:
        tx.execute(
            "UPDATE proj_audits SET submitted = 1, submitted_on = ?, submitted_by = ?, on_time = ?, summary = ?,"
            " strengths = ?, areas_for_development = ? WHERE audit_id = ?",
            (
                iso(p.submitted_on),
                p.auditor_id,
                flag(p.on_time),
                p.summary,
                p.strengths,
                p.areas_for_development,
                str(env.aggregateid),
            ),
        )

    def graded(self, tx: Tx, env: EventEnvelope, p: e.AuditGraded) -> None:
        audit_id = str(env.aggregateid)
        tx.execute(
            "UPDATE proj_audits SET overall_grade = ?, domain_grades = ? WHERE audit_id = ?",
            (
                p.overall_grade.value,
                json.dumps({k: v.value for k, v in sorted(p.domain_grades.items())}),
                audit_id,
            ),
        )
        tx.execute(
            "INSERT INTO proj_graded_events (event_id, audit_id, overall_grade) VALUES (?, ?, ?)"
            " ON CONFLICT (event_id) DO NOTHING",
            (str(env.id), audit_id, p.overall_grade.value),
        )

    def amended(self, tx: Tx, env: EventEnvelope, p: e.AuditAmended) -> None:
        for column in ("summary", "strengths", "areas_for_development"):
            value = getattr(p, column)
            if value is not None:
                tx.execute(f"UPDATE proj_audits SET {column} = ? WHERE audit_id = ?", (value, str(env.aggregateid)))

    def discussion_held(self, tx: Tx, env: EventEnvelope, p: e.ReflectiveDiscussionHeld) -> None:
        tx.execute(
            "UPDATE proj_audits SET rcd_logged = 1, rcd_held_on = ?, service_manager_present = ? WHERE audit_id = ?",
            (iso(p.held_on), flag(p.service_manager_present), str(env.aggregateid)),
        )

    def moderated(self, tx: Tx, env: EventEnvelope, p: e.AuditModerated) -> None:
        tx.execute(
            "UPDATE proj_audits SET moderated = 1, moderated_on = ?, moderation_auditor_grade = ?, moderated_grade = ?,"
            " agrees_with_auditor = ?, moderator_ids = ?, moderation_feedback = ? WHERE audit_id = ?",
            (
                iso(p.moderated_on),
                p.auditor_grade.value,
                p.moderated_grade.value,
                flag(p.agrees_with_auditor),
                json.dumps(p.moderator_ids),
                p.feedback,
                str(env.aggregateid),
            ),
        )

    def withdrawn(self, tx: Tx, env: EventEnvelope, _: e.AuditWithdrawn) -> None:
        tx.execute("UPDATE proj_audits SET withdrawn = 1 WHERE audit_id = ?", (str(env.aggregateid),))

    def meeting_held(self, tx: Tx, env: EventEnvelope, p: e.QAMeetingHeld) -> None:
        reports = [r.model_dump(mode="json") for r in p.reports]
        tx.execute(
            "INSERT INTO proj_meetings (meeting_id, kind, cycle_id, service_area, focus, held_on, headline_learning,"
            " moderation_learning, reports) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (meeting_id) DO NOTHING",
            (
                str(env.aggregateid),
                p.kind.value,
                str(p.cycle_id),
                p.service_area.value if p.service_area else None,
                p.focus.value,
                iso(p.held_on),
                p.headline_learning,
                p.moderation_learning,
                json.dumps(reports),
            ),
        )

    def notification_delivered(self, tx: Tx, _: EventEnvelope, p: e.NotificationDelivered) -> None:
        """An inadequate audit counts as escalated once the notifier has told the AD and HoS about it."""
        # The notifier's rule for sending an inadequate audit to the AD and HoS, under its old id too;
        # its other inadequate rule, inviting the Service Manager to the RCD, is not that.
        if p.cause_event_type != "AuditGraded" or canonical_rule(p.rule) != SENT_TO_AD_AND_HOS:
            return
        graded = tx.one("SELECT audit_id FROM proj_graded_events WHERE event_id = ?", (str(p.cause_event_id),))
        if graded is not None:
            tx.execute("UPDATE proj_audits SET escalated = 1 WHERE audit_id = ?", (graded["audit_id"],))


def _text(value: object | None) -> str | None:
    return None if value is None else str(value)
