"""Audit facts per audit (one row each, with its history), the cycles they belong to, and the notifier's
receipts about them.

Feeds moderation coverage, the cycle dashboard, the registers, quotas, programme progress and the reports.
The effective grade is kept here, once: the moderator's grade when moderated, else the auditor's latest.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from schemas.notification_rules import GOOD_AUDIT_SHARED, SENT_TO_AD_AND_HOS, ids_of
from services.projections.projectors.base import Handler, Projector, flag, iso, london_date, utc_text
from services.projections.projectors.history import Versioned

if TYPE_CHECKING:
    from schemas import events as e
    from schemas.envelope import EventEnvelope
    from services.projections.store import Tx

# The receipts the read models show, under every id each rule has had: an inadequate audit sent to the
# AD and HoS (guidance §4), a good or outstanding one shared with the AD, HoS and Service Manager.
SHOWN_RULES = frozenset({*ids_of(SENT_TO_AD_AND_HOS), *ids_of(GOOD_AUDIT_SHARED)})

AUDITS = Versioned(
    "proj_audits",
    "audit_id",
    """
    audit_id TEXT NOT NULL, cycle_id TEXT, specialist_audit_id TEXT, child_ref TEXT NOT NULL,
    case_team TEXT NOT NULL, case_service_area TEXT NOT NULL, auditor_id TEXT NOT NULL,
    auditor_service_area TEXT NOT NULL, tool TEXT NOT NULL, tool_version INTEGER NOT NULL,
    within_own_service_area INTEGER NOT NULL, flagged_own_service_area INTEGER NOT NULL, exempt_group TEXT,
    expected_tool TEXT, flagged_tool INTEGER, due_on TEXT NOT NULL, allocated_on TEXT NOT NULL,
    allocated_by TEXT NOT NULL,
    withdrawn INTEGER NOT NULL DEFAULT 0, withdrawn_reason TEXT,
    submitted INTEGER NOT NULL DEFAULT 0, submitted_on TEXT, submitted_by TEXT, on_time INTEGER,
    summary TEXT, strengths TEXT, challenges TEXT, domain_findings TEXT, practitioners_audited TEXT,
    auditor_grade TEXT, domain_grades TEXT, amendments INTEGER NOT NULL DEFAULT 0,
    rcd_due_on TEXT, rcd_logged INTEGER NOT NULL DEFAULT 0, rcd_held_on TEXT, rcd_held_by TEXT,
    rcd_logged_by TEXT, rcd_logged_by_capacity TEXT, rcd_participants TEXT, service_manager_invited INTEGER,
    service_manager_attended INTEGER,
    moderated INTEGER NOT NULL DEFAULT 0, moderated_on TEXT, moderation_auditor_grade TEXT,
    moderated_grade TEXT, agrees_with_auditor INTEGER, moderator_ids TEXT, moderation_feedback TEXT,
    moderation_cycle_week INTEGER, flagged_outside_moderation_week INTEGER, effective_grade TEXT
    """,
)


class AuditsProjector(Projector):
    name = "audits"
    tables = {
        "proj_cycles": """
            CREATE TABLE IF NOT EXISTS proj_cycles (
                cycle_id TEXT PRIMARY KEY, name TEXT NOT NULL, week1_monday TEXT NOT NULL,
                audits_due_on TEXT NOT NULL, moderation_week_starts TEXT NOT NULL, moderation_week_ends TEXT NOT NULL,
                hos_qa_findings_window_starts TEXT NOT NULL, hos_qa_findings_window_ends TEXT NOT NULL,
                adqa_week_starts TEXT NOT NULL, ends_on TEXT NOT NULL, moderation_floor_percent INTEGER NOT NULL,
                closed_on TEXT, recorded_at TEXT NOT NULL
            )""",
        **AUDITS.ddl(),
        # The notifier's receipts the read side shows (who was told, under which rule, when); a receipt
        # finds its audit through its cause event's version, at query time, so applying one needs no read.
        "proj_receipts": """
            CREATE TABLE IF NOT EXISTS proj_receipts (
                receipt_id TEXT PRIMARY KEY, cause_event_id TEXT NOT NULL, cause_event_type TEXT NOT NULL,
                rule TEXT NOT NULL, recipient_id TEXT NOT NULL, channel TEXT NOT NULL, delivered_at TEXT NOT NULL,
                recorded_at TEXT NOT NULL
            )""",
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS proj_audits_cycle ON proj_audits (cycle_id, case_service_area)",
        "CREATE INDEX IF NOT EXISTS proj_audits_auditor_area ON proj_audits (cycle_id, auditor_service_area)",
        "CREATE INDEX IF NOT EXISTS proj_audits_submitted ON proj_audits (submitted_on)",
        "CREATE INDEX IF NOT EXISTS proj_audits_specialist ON proj_audits (specialist_audit_id)",
        "CREATE INDEX IF NOT EXISTS proj_audits_register ON proj_audits (allocated_on, audit_id)",
        "CREATE INDEX IF NOT EXISTS proj_audits_versions_cycle ON proj_audits_versions (cycle_id, audit_id)",
        "CREATE INDEX IF NOT EXISTS proj_receipts_cause ON proj_receipts (cause_event_id, rule)",
        # A receipt names its cause event: the audit's version that event made says which audit.
        "CREATE INDEX IF NOT EXISTS proj_audits_versions_event ON proj_audits_versions (version_event_id)",
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
            "NotificationDelivered": self.notification_delivered,
        }

    def handle(self, tx: Tx, envelope: EventEnvelope) -> None:
        super().handle(tx, envelope)
        if envelope.aggregatetype == "Audit":
            AUDITS.keep(tx, envelope, str(envelope.aggregateid))

    def cycle_scheduled(self, tx: Tx, env: EventEnvelope, p: e.AuditCycleScheduled) -> None:
        tx.execute(
            "INSERT INTO proj_cycles (cycle_id, name, week1_monday, audits_due_on, moderation_week_starts,"
            " moderation_week_ends, hos_qa_findings_window_starts, hos_qa_findings_window_ends, adqa_week_starts,"
            " ends_on, moderation_floor_percent, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (cycle_id) DO NOTHING",
            (
                str(env.aggregateid),
                p.name,
                iso(p.week1_monday),
                iso(p.audits_due_on),
                iso(p.moderation_week_starts),
                iso(p.moderation_week_ends),
                iso(p.hos_qa_findings_window_starts),
                iso(p.hos_qa_findings_window_ends),
                iso(p.adqa_week_starts),
                iso(p.ends_on),
                p.moderation_floor_percent,
                utc_text(env.time),
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
            " case_service_area, auditor_id, auditor_service_area, tool, tool_version, within_own_service_area,"
            " flagged_own_service_area, exempt_group, expected_tool, flagged_tool, due_on, allocated_on, allocated_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (audit_id) DO NOTHING",
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
                p.tool_version,
                flag(p.within_own_service_area),
                flag(p.flagged_own_service_area),
                p.exempt_group.value if p.exempt_group else None,
                p.expected_tool.value if p.expected_tool else None,
                flag(p.flagged_tool),
                iso(p.due_on),
                iso(london_date(env.time)),
                env.actorid,
            ),
        )

    def reallocated(self, tx: Tx, env: EventEnvelope, p: e.AuditReallocated) -> None:
        tx.execute(
            "UPDATE proj_audits SET auditor_id = ?, auditor_service_area = ?, within_own_service_area = ?,"
            " flagged_own_service_area = ?, exempt_group = ?, expected_tool = ?,"
            " flagged_tool = COALESCE(?, flagged_tool) WHERE audit_id = ?",
            (
                p.auditor_id,
                p.auditor_service_area.value,
                flag(p.within_own_service_area),
                flag(p.flagged_own_service_area),
                p.exempt_group.value if p.exempt_group else None,
                p.expected_tool.value if p.expected_tool else None,
                flag(p.flagged_tool),  # null on a reallocation recorded before v3: the tool was not checked
                str(env.aggregateid),
            ),
        )

    def submitted(self, tx: Tx, env: EventEnvelope, p: e.AuditSubmitted) -> None:
        tx.execute(
            "UPDATE proj_audits SET submitted = 1, submitted_on = ?, submitted_by = ?, on_time = ?, summary = ?,"
            " strengths = ?, challenges = ?, domain_findings = ?, practitioners_audited = ?,"
            # An audit outside the cycle is not followed by a reflective case discussion.
            " rcd_due_on = CASE WHEN cycle_id IS NULL THEN NULL ELSE ? END WHERE audit_id = ?",
            (
                iso(p.submitted_on),
                p.auditor_id,
                flag(p.on_time),
                p.summary,
                p.strengths,
                p.challenges,
                _findings(p.domain_findings),
                json.dumps(sorted(p.practitioners_audited)),
                iso(p.rcd_due_on),
                str(env.aggregateid),
            ),
        )

    def graded(self, tx: Tx, env: EventEnvelope, p: e.AuditGraded) -> None:
        grade = p.overall_grade.value
        tx.execute(
            "UPDATE proj_audits SET auditor_grade = ?, domain_grades = ?,"
            " effective_grade = COALESCE(moderated_grade, ?) WHERE audit_id = ?",
            (grade, json.dumps({k: v.value for k, v in sorted(p.domain_grades.items())}), grade, str(env.aggregateid)),
        )

    def amended(self, tx: Tx, env: EventEnvelope, p: e.AuditAmended) -> None:
        changes = {
            "summary": p.summary,
            "strengths": p.strengths,
            "challenges": p.challenges,
            "domain_findings": _findings(p.domain_findings) if p.domain_findings is not None else None,
        }
        sets = [(column, value) for column, value in changes.items() if value is not None]
        assignments = "".join(f", {column} = ?" for column, _ in sets)
        tx.execute(
            f"UPDATE proj_audits SET amendments = amendments + 1{assignments} WHERE audit_id = ?",
            (*[value for _, value in sets], str(env.aggregateid)),
        )

    def discussion_held(self, tx: Tx, env: EventEnvelope, p: e.ReflectiveDiscussionHeld) -> None:
        participants = [part.model_dump(mode="json") for part in p.participants]
        tx.execute(
            "UPDATE proj_audits SET rcd_logged = 1, rcd_held_on = ?, rcd_held_by = ?, rcd_logged_by = ?,"
            " rcd_logged_by_capacity = ?, rcd_participants = ?, service_manager_invited = ?,"
            " service_manager_attended = ? WHERE audit_id = ?",
            (
                iso(p.held_on),
                p.held_by,
                env.actorid,
                p.logged_by_capacity.value,
                json.dumps(participants),
                flag(p.service_manager_invited),
                flag(p.service_manager_attended),
                str(env.aggregateid),
            ),
        )

    def moderated(self, tx: Tx, env: EventEnvelope, p: e.AuditModerated) -> None:
        tx.execute(
            "UPDATE proj_audits SET moderated = 1, moderated_on = ?, moderation_auditor_grade = ?, moderated_grade = ?,"
            " agrees_with_auditor = ?, moderator_ids = ?, moderation_feedback = ?, moderation_cycle_week = ?,"
            " flagged_outside_moderation_week = ?, effective_grade = ? WHERE audit_id = ?",
            (
                iso(p.moderated_on),
                p.auditor_grade.value,
                p.moderated_grade.value,
                flag(p.agrees_with_auditor),
                json.dumps(p.moderator_ids),
                p.feedback,
                p.cycle_week,
                flag(p.flagged_outside_moderation_week),
                p.moderated_grade.value,
                str(env.aggregateid),
            ),
        )

    def withdrawn(self, tx: Tx, env: EventEnvelope, p: e.AuditWithdrawn) -> None:
        tx.execute(
            "UPDATE proj_audits SET withdrawn = 1, withdrawn_reason = ? WHERE audit_id = ?",
            (p.reason, str(env.aggregateid)),
        )

    def notification_delivered(self, tx: Tx, env: EventEnvelope, p: e.NotificationDelivered) -> None:
        """A receipt under a rule the read models show: the evidence that someone was told."""
        if p.rule not in SHOWN_RULES:
            return
        tx.execute(
            "INSERT INTO proj_receipts (receipt_id, cause_event_id, cause_event_type, rule, recipient_id, channel,"
            " delivered_at, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (receipt_id) DO NOTHING",
            (
                str(env.id),
                str(p.cause_event_id),
                p.cause_event_type,
                p.rule,
                p.recipient_id,
                p.channel.value,
                utc_text(p.delivered_at),
                utc_text(env.time),
            ),
        )


def _findings(findings: list[e.DomainFinding] | None) -> str:
    """The auditor's own words per domain, with the grade they gave it."""
    return json.dumps(
        [
            {"domain": f.domain, "grade": f.grade.value if f.grade else None, "finding": f.finding}
            for f in findings or []
        ]
    )


def _text(value: object | None) -> str | None:
    return None if value is None else str(value)
