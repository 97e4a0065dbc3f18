from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.ledger import commands as c
from services.ledger.api.deps import ActorDep, CommandDep, LedgerDep
from services.ledger.api.responses import COMMAND_ERRORS, respond

router = APIRouter(prefix="/actions", tags=["actions"], responses=COMMAND_ERRORS)


@router.post("", status_code=201, summary="Agree a SMART action (managers, QA Manager)")
def agree(body: c.AgreeAction, ledger: LedgerDep, actor: ActorDep, ctx: CommandDep) -> JSONResponse:
    """Owner, description, measure of success, due date and source are all required. An action
    from a reflective discussion needs the discussion logged first."""
    return respond(ledger.agree_action(actor, body, ctx))


@router.post("/{action_id}/progress", summary="Note progress (owner or a manager above them)")
def progress(
    action_id: UUID, body: c.NoteActionProgress, ledger: LedgerDep, actor: ActorDep, ctx: CommandDep
) -> JSONResponse:
    return respond(ledger.note_action_progress(actor, action_id, body, ctx))


@router.post("/{action_id}/completion", summary="Complete an action, saying what difference it made")
def complete(
    action_id: UUID, body: c.CompleteAction, ledger: LedgerDep, actor: ActorDep, ctx: CommandDep
) -> JSONResponse:
    return respond(ledger.complete_action(actor, action_id, body, ctx))


@router.post("/{action_id}/due-date", summary="Change an action's due date, with a reason")
def change_due_date(
    action_id: UUID, body: c.ChangeActionDueDate, ledger: LedgerDep, actor: ActorDep, ctx: CommandDep
) -> JSONResponse:
    return respond(ledger.change_action_due_date(actor, action_id, body, ctx))


@router.post("/{action_id}/cancellation", summary="Cancel an action, with a reason")
def cancel(action_id: UUID, body: c.CancelAction, ledger: LedgerDep, actor: ActorDep, ctx: CommandDep) -> JSONResponse:
    return respond(ledger.cancel_action(actor, action_id, body, ctx))
