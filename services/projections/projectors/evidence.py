"""The learning beside the audits: wider evidence (complaints, compliments, Service Quality Reviews,
family feedback, inspection findings; guidance §2) and the Early Help Service Managers' monthly summaries
of learning from the Early Help audits (guidance §5). Both are read into the reports.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from services.projections.projectors.base import Handler, Projector, iso, utc_text

if TYPE_CHECKING:
    from schemas import events as e
    from schemas.envelope import EventEnvelope
    from services.projections.store import Tx


class EvidenceProjector(Projector):
    name = "evidence"
    tables = {
        "proj_wider_evidence": """
            CREATE TABLE IF NOT EXISTS proj_wider_evidence (
                evidence_id TEXT PRIMARY KEY, source TEXT NOT NULL, received_on TEXT NOT NULL,
                service_area TEXT NOT NULL, team TEXT, child_ref TEXT, summary TEXT NOT NULL,
                recorded_by TEXT NOT NULL, recorded_at TEXT NOT NULL
            )""",
        "proj_early_help_learning": """
            CREATE TABLE IF NOT EXISTS proj_early_help_learning (
                summary_id TEXT PRIMARY KEY, service_manager_id TEXT NOT NULL, month TEXT NOT NULL,
                audit_ids TEXT NOT NULL, learning TEXT NOT NULL, recorded_at TEXT NOT NULL
            )""",
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS proj_wider_evidence_area ON proj_wider_evidence (service_area, received_on)",
        "CREATE INDEX IF NOT EXISTS proj_early_help_learning_month ON proj_early_help_learning (month)",
    )

    def handlers(self) -> dict[str, Handler]:
        return {"WiderEvidenceRecorded": self.evidence_recorded, "EarlyHelpLearningSummarised": self.summarised}

    def evidence_recorded(self, tx: Tx, env: EventEnvelope, p: e.WiderEvidenceRecorded) -> None:
        tx.execute(
            "INSERT INTO proj_wider_evidence (evidence_id, source, received_on, service_area, team, child_ref, summary,"
            " recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (evidence_id) DO NOTHING",
            (
                str(env.aggregateid),
                p.source.value,
                iso(p.received_on),
                p.service_area.value,
                p.team,
                p.child_ref,
                p.summary,
                env.actorid,
                utc_text(env.time),
            ),
        )

    def summarised(self, tx: Tx, env: EventEnvelope, p: e.EarlyHelpLearningSummarised) -> None:
        tx.execute(
            "INSERT INTO proj_early_help_learning (summary_id, service_manager_id, month, audit_ids, learning,"
            " recorded_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (summary_id) DO NOTHING",
            (
                str(env.aggregateid),
                p.service_manager_id,
                p.month,
                json.dumps([str(a) for a in p.audit_ids]),
                p.learning,
                utc_text(env.time),
            ),
        )
