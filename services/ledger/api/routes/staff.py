from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.ledger import commands as c
from services.ledger.api.deps import ActorDep, CommandDep, LedgerDep
from services.ledger.api.responses import COMMAND_ERRORS, respond

router = APIRouter(prefix="/staff", tags=["staff"], responses=COMMAND_ERRORS)


@router.post("", status_code=201, summary="Register a member of staff (QA Manager)")
def register_staff(body: c.RegisterStaff, ledger: LedgerDep, actor: ActorDep, ctx: CommandDep) -> JSONResponse:
    """Their `staff_id` is the `sub` of their token. Roles, team, service area and auditor groups
    decide what they may do and which exceptions of the guidance apply to them."""
    return respond(ledger.register_staff(actor, body, ctx))


@router.post("/{staff_id}/role-change", summary="Change a staff member's roles, team or groups (with a reason)")
def change_roles(
    staff_id: str, body: c.ChangeStaffRoles, ledger: LedgerDep, actor: ActorDep, ctx: CommandDep
) -> JSONResponse:
    return respond(ledger.change_staff_roles(actor, staff_id, body, ctx))


@router.post("/{staff_id}/leaving", summary="Record that a staff member has left")
def record_leaving(
    staff_id: str, body: c.RecordStaffLeaving, ledger: LedgerDep, actor: ActorDep, ctx: CommandDep
) -> JSONResponse:
    return respond(ledger.record_staff_leaving(actor, staff_id, body, ctx))
