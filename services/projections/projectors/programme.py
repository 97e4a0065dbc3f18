"""The specialist audit programme: scheduled months and topics, and thematic audits the AD requested."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.projections.projectors.base import Handler, Projector

if TYPE_CHECKING:
    from schemas import events as e
    from schemas.envelope import EventEnvelope
    from services.projections.store import Tx


class ProgrammeProjector(Projector):
    name = "programme"
    tables = {
        "proj_programme_items": """
            CREATE TABLE IF NOT EXISTS proj_programme_items (
                item_id TEXT PRIMARY KEY, kind TEXT NOT NULL, financial_year TEXT NOT NULL, month TEXT,
                topic TEXT NOT NULL, external_auditor_id TEXT, minimum_audits INTEGER NOT NULL,
                rationale TEXT, meeting_id TEXT, position BIGINT NOT NULL
            )""",
    }

    def handlers(self) -> dict[str, Handler]:
        return {"SpecialistAuditScheduled": self.scheduled, "ThematicAuditRequested": self.thematic_requested}

    def scheduled(self, tx: Tx, env: EventEnvelope, p: e.SpecialistAuditScheduled) -> None:
        tx.execute(
            "INSERT INTO proj_programme_items (item_id, kind, financial_year, month, topic, external_auditor_id,"
            " minimum_audits, position) VALUES (?, 'specialist', ?, ?, ?, ?, ?, ?) ON CONFLICT (item_id) DO NOTHING",
            (
                str(p.specialist_audit_id),
                p.financial_year,
                p.month,
                p.topic,
                p.external_auditor_id,
                p.minimum_audits,
                env.position,
            ),
        )

    def thematic_requested(self, tx: Tx, env: EventEnvelope, p: e.ThematicAuditRequested) -> None:
        tx.execute(
            "INSERT INTO proj_programme_items (item_id, kind, financial_year, month, topic, minimum_audits,"
            " rationale, meeting_id, position) VALUES (?, 'thematic', ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (item_id) DO NOTHING",
            (
                str(p.specialist_audit_id),
                p.financial_year,
                p.month,
                p.topic,
                p.minimum_audits,
                p.rationale,
                str(p.meeting_id) if p.meeting_id else None,
                env.position,
            ),
        )
