"""The inspection-ready trail: every envelope about an audit (its actions and notifications too),
stored verbatim with its position and integrity hash fields, findable by audit, child and team.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.projections.projectors.base import Handler, Projector, utc_text

if TYPE_CHECKING:
    from schemas.envelope import EventEnvelope
    from services.projections.store import Row, Tx


class TrailsProjector(Projector):
    name = "trails"
    tables = {
        # Which audit (and so which child, team and service area) each aggregate's events belong to.
        "proj_trail_subjects": """
            CREATE TABLE IF NOT EXISTS proj_trail_subjects (
                aggregate_id TEXT PRIMARY KEY, audit_id TEXT NOT NULL, child_ref TEXT NOT NULL,
                team TEXT NOT NULL, service_area TEXT NOT NULL, auditor_id TEXT NOT NULL
            )""",
        "proj_trail_events": """
            CREATE TABLE IF NOT EXISTS proj_trail_events (
                position BIGINT PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
                recorded_at TEXT NOT NULL, audit_id TEXT NOT NULL, child_ref TEXT NOT NULL, team TEXT NOT NULL,
                service_area TEXT NOT NULL, envelope TEXT NOT NULL
            )""",
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS proj_trail_audit ON proj_trail_events (audit_id, position)",
        "CREATE INDEX IF NOT EXISTS proj_trail_child ON proj_trail_events (child_ref, position)",
        "CREATE INDEX IF NOT EXISTS proj_trail_team ON proj_trail_events (team, position)",
    )

    def handlers(self) -> dict[str, Handler]:
        return {}

    def handle(self, tx: Tx, envelope: EventEnvelope) -> None:
        subject = self.subject_of(tx, envelope)
        if subject is not None:
            tx.execute(
                "INSERT INTO proj_trail_events (position, event_id, type, recorded_at, audit_id, child_ref, team,"
                " service_area, envelope) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (position) DO NOTHING",
                (
                    envelope.position,
                    str(envelope.id),
                    envelope.contract,
                    utc_text(envelope.time),
                    subject["audit_id"],
                    subject["child_ref"],
                    subject["team"],
                    subject["service_area"],
                    envelope.model_dump_json(),
                ),
            )

    def subject_of(self, tx: Tx, envelope: EventEnvelope) -> Row | None:
        aggregate_id, data = str(envelope.aggregateid), envelope.data
        subjects = self.subjects(tx)
        if envelope.contract == "AuditAllocated":
            tx.execute(
                "INSERT INTO proj_trail_subjects (aggregate_id, audit_id, child_ref, team, service_area, auditor_id)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (aggregate_id) DO NOTHING",
                (
                    aggregate_id,
                    aggregate_id,
                    data["child_ref"],
                    data["case_team"],
                    data["case_service_area"],
                    data["auditor_id"],
                ),
            )
            subjects.setdefault(
                aggregate_id,
                {
                    "audit_id": aggregate_id,
                    "child_ref": data["child_ref"],
                    "team": data["case_team"],
                    "service_area": data["case_service_area"],
                    "auditor_id": data["auditor_id"],
                },
            )
        elif envelope.contract == "AuditReallocated":
            tx.execute(
                "UPDATE proj_trail_subjects SET auditor_id = ? WHERE aggregate_id = ?",
                (data["auditor_id"], aggregate_id),
            )
            if aggregate_id in subjects:
                subjects[aggregate_id] = {**subjects[aggregate_id], "auditor_id": data["auditor_id"]}
        elif envelope.contract == "ActionAgreed" and data.get("audit_id"):
            audit = self.subject(tx, data["audit_id"])
            if audit is not None:
                tx.execute(
                    "INSERT INTO proj_trail_subjects (aggregate_id, audit_id, child_ref, team, service_area,"
                    " auditor_id) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (aggregate_id) DO NOTHING",
                    (
                        aggregate_id,
                        audit["audit_id"],
                        audit["child_ref"],
                        audit["team"],
                        audit["service_area"],
                        audit["auditor_id"],
                    ),
                )
                subjects.setdefault(aggregate_id, dict(audit))
        elif envelope.contract == "NotificationDelivered":
            # Who was told about an audit's event belongs to that audit's trail.
            return tx.one(
                "SELECT audit_id, child_ref, team, service_area FROM proj_trail_events WHERE event_id = ?",
                (str(data["cause_event_id"]),),
            )
        return self.subject(tx, aggregate_id)

    @staticmethod
    def subjects(tx: Tx) -> dict[str, Row]:
        """Subjects read or written in this transaction: most events of a batch find their audit's
        subject here instead of in a query (a rebuild's batch holds whole audit lifecycles)."""
        cache: dict[str, Row] = tx.memo.setdefault("trail_subjects", {})
        return cache

    def subject(self, tx: Tx, aggregate_id: str) -> Row | None:
        subjects = self.subjects(tx)
        if aggregate_id in subjects:
            return subjects[aggregate_id]
        row = tx.one(
            "SELECT audit_id, child_ref, team, service_area, auditor_id FROM proj_trail_subjects"
            " WHERE aggregate_id = ?",
            (aggregate_id,),
        )
        if row is not None:
            subjects[aggregate_id] = row
        return row
