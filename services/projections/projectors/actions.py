"""SMART actions: one row each, open until completed or cancelled."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.projections.projectors.base import Handler, Projector, iso
from services.projections.projectors.history import Versioned

if TYPE_CHECKING:
    from schemas import events as e
    from schemas.envelope import EventEnvelope
    from services.projections.store import Tx

OPEN, COMPLETED, CANCELLED = "open", "completed", "cancelled"

ACTIONS = Versioned(
    "proj_actions",
    "action_id",
    """
    action_id TEXT NOT NULL, owner_id TEXT NOT NULL, owner_team TEXT NOT NULL,
    owner_service_area TEXT NOT NULL, description TEXT NOT NULL, measure_of_success TEXT NOT NULL,
    due_on TEXT NOT NULL, agreed_on TEXT NOT NULL, agreed_by TEXT NOT NULL, source_kind TEXT NOT NULL,
    source_id TEXT NOT NULL, audit_id TEXT, child_ref TEXT, status TEXT NOT NULL, completed_on TEXT, outcome TEXT,
    cancel_reason TEXT, progress_notes INTEGER NOT NULL DEFAULT 0, last_progress_on TEXT, last_progress_note TEXT,
    due_date_changes INTEGER NOT NULL DEFAULT 0
    """,
)


class ActionsProjector(Projector):
    name = "actions"
    tables = ACTIONS.ddl()
    indexes = (
        "CREATE INDEX IF NOT EXISTS proj_actions_status ON proj_actions (status, due_on)",
        "CREATE INDEX IF NOT EXISTS proj_actions_audit ON proj_actions (audit_id)",
        "CREATE INDEX IF NOT EXISTS proj_actions_source ON proj_actions (source_id)",
    )

    def handle(self, tx: Tx, envelope: EventEnvelope) -> None:
        super().handle(tx, envelope)
        if envelope.aggregatetype == "Action":
            ACTIONS.keep(tx, envelope, str(envelope.aggregateid))

    def handlers(self) -> dict[str, Handler]:
        return {
            "ActionAgreed": self.agreed,
            "ActionProgressNoted": self.progress_noted,
            "ActionDueDateChanged": self.due_date_changed,
            "ActionCompleted": self.completed,
            "ActionCancelled": self.cancelled,
        }

    def agreed(self, tx: Tx, env: EventEnvelope, p: e.ActionAgreed) -> None:
        tx.execute(
            "INSERT INTO proj_actions (action_id, owner_id, owner_team, owner_service_area, description,"
            " measure_of_success, due_on, agreed_on, agreed_by, source_kind, source_id, audit_id, child_ref, status)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (action_id) DO NOTHING",
            (
                str(env.aggregateid),
                p.owner_id,
                p.owner_team,
                p.owner_service_area.value,
                p.description,
                p.measure_of_success,
                iso(p.due_on),
                iso(p.agreed_on),
                env.actorid,
                p.source_kind.value,
                str(p.source_id),
                str(p.audit_id) if p.audit_id else None,
                p.child_ref,
                OPEN,
            ),
        )

    def progress_noted(self, tx: Tx, env: EventEnvelope, p: e.ActionProgressNoted) -> None:
        tx.execute(
            "UPDATE proj_actions SET progress_notes = progress_notes + 1, last_progress_on = ?, last_progress_note = ?"
            " WHERE action_id = ?",
            (iso(p.noted_on), p.note, str(env.aggregateid)),
        )

    def due_date_changed(self, tx: Tx, env: EventEnvelope, p: e.ActionDueDateChanged) -> None:
        tx.execute(
            "UPDATE proj_actions SET due_on = ?, due_date_changes = due_date_changes + 1 WHERE action_id = ?",
            (iso(p.due_on), str(env.aggregateid)),
        )

    def completed(self, tx: Tx, env: EventEnvelope, p: e.ActionCompleted) -> None:
        tx.execute(
            "UPDATE proj_actions SET status = ?, completed_on = ?, outcome = ? WHERE action_id = ?",
            (COMPLETED, iso(p.completed_on), p.outcome, str(env.aggregateid)),
        )

    def cancelled(self, tx: Tx, env: EventEnvelope, p: e.ActionCancelled) -> None:
        tx.execute(
            "UPDATE proj_actions SET status = ?, cancel_reason = ? WHERE action_id = ?",
            (CANCELLED, p.reason, str(env.aggregateid)),
        )
