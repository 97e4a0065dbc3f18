from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.ledger import commands as c
from services.ledger.api.deps import ActorDep, CommandDep, LedgerDep
from services.ledger.api.responses import COMMAND_ERRORS, respond

router = APIRouter(tags=["wider evidence and Early Help learning"], responses=COMMAND_ERRORS)


@router.post("/wider-evidence", status_code=201, summary="Record wider evidence (managers, QA Manager)")
def record_wider_evidence(
    body: c.RecordWiderEvidence, ledger: LedgerDep, actor: ActorDep, ctx: CommandDep
) -> JSONResponse:
    """Complaints, compliments, Service Quality Reviews, feedback from children, young people and
    families, and inspection findings: the evidence the guidance uses beside audits. Team Managers,
    Service Managers and Heads of Service record it for their own service area; the Assistant
    Director and the QA Manager for any."""
    return respond(ledger.record_wider_evidence(actor, body, ctx))


@router.post(
    "/early-help/learning-summaries",
    status_code=201,
    summary="Record a month's learning from the Early Help audits (Early Help Service Manager)",
)
def summarise_early_help_learning(
    body: c.SummariseEarlyHelpLearning, ledger: LedgerDep, actor: ActorDep, ctx: CommandDep
) -> JSONResponse:
    """One summary per Service Manager and month, naming the completed Early Help audits it draws on."""
    return respond(ledger.summarise_early_help_learning(actor, body, ctx))
