from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.ledger import commands as c
from services.ledger.api.deps import ActorDep, CommandDep, LedgerDep
from services.ledger.api.responses import COMMAND_ERRORS, respond

router = APIRouter(tags=["cycles and programme"], responses=COMMAND_ERRORS)


@router.post("/cycles", status_code=201, summary="Schedule an 8-week audit cycle (QA Manager)")
def schedule_cycle(body: c.ScheduleCycle, ledger: LedgerDep, actor: ActorDep, ctx: CommandDep) -> JSONResponse:
    """Give the Monday of week 1. Audits fall due on day 14, moderation is week 3, the second
    Head of Service QA meeting weeks 4-5 and the ADQA week 6. One cycle per start date."""
    return respond(ledger.schedule_cycle(actor, body, ctx))


@router.post("/cycles/{cycle_id}/closure", summary="Close an audit cycle (QA Manager)")
def close_cycle(
    cycle_id: UUID, body: c.CloseCycle, ledger: LedgerDep, actor: ActorDep, ctx: CommandDep
) -> JSONResponse:
    return respond(ledger.close_cycle(actor, cycle_id, body, ctx))


@router.post("/programme/specialist-audits", status_code=201, summary="Schedule a specialist audit (QA Manager)")
def schedule_specialist_audit(
    body: c.ScheduleSpecialistAudit, ledger: LedgerDep, actor: ActorDep, ctx: CommandDep
) -> JSONResponse:
    """A month and topic done by an external auditor: at least 9 audits each."""
    return respond(ledger.schedule_specialist_audit(actor, body, ctx))


@router.post("/programme/thematic-requests", status_code=201, summary="Request a thematic audit (Assistant Director)")
def request_thematic_audit(
    body: c.RequestThematicAudit, ledger: LedgerDep, actor: ActorDep, ctx: CommandDep
) -> JSONResponse:
    return respond(ledger.request_thematic_audit(actor, body, ctx))
