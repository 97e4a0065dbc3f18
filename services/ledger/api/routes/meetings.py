from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.ledger import commands as c
from services.ledger.api.deps import ActorDep, CommandDep, LedgerDep
from services.ledger.api.responses import COMMAND_ERRORS, respond

router = APIRouter(tags=["meetings and notifications"], responses=COMMAND_ERRORS)


@router.post("/meetings", status_code=201, summary="Record a Head of Service QA meeting or the ADQA meeting")
def record_meeting(body: c.RecordMeeting, ledger: LedgerDep, actor: ActorDep, ctx: CommandDep) -> JSONResponse:
    """`hos_qa` (Head of Service or QA Manager): week 1 on performance data, weeks 4-5 on audit
    findings; the Practice Development Leader is always invited. `adqa` (Assistant Director or QA
    Manager): week 6, each Head of Service presents a report."""
    return respond(ledger.record_meeting(actor, body, ctx))


@router.post("/notification-receipts", status_code=201, summary="Record a delivered notification (notifier)")
def record_receipt(
    body: c.RecordNotificationDelivered, ledger: LedgerDep, actor: ActorDep, ctx: CommandDep
) -> JSONResponse:
    """One receipt per (event, rule, recipient, channel); recording it again answers 200."""
    return respond(ledger.record_notification_delivered(actor, body, ctx))
