from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.ledger import commands as c
from services.ledger.api.deps import ActorDep, CommandDep, LedgerDep
from services.ledger.api.responses import COMMAND_ERRORS, AuditPublic, respond

router = APIRouter(prefix="/audits", tags=["audits"], responses=COMMAND_ERRORS)


@router.post("", status_code=201, summary="Allocate a case audit (QA Manager; Head of Service in own area)")
def allocate(body: c.AllocateAudit, ledger: LedgerDep, actor: ActorDep, ctx: CommandDep) -> JSONResponse:
    """Auditors audit across the service: an allocation inside the auditor's own service area is
    recorded with `flagged_own_service_area`, unless their auditor group is exempt (Early Help,
    Leaving Care, Fostering managers)."""
    return respond(ledger.allocate_audit(actor, body, ctx))


@router.get(
    "/{audit_id}",
    summary="An audit as it stands, with its version (ETag) for If-Match",
    responses={200: {"model": AuditPublic, "headers": {"ETag": {"description": "The audit's version"}}}},
)
def read(audit_id: UUID, ledger: LedgerDep, actor: ActorDep) -> JSONResponse:
    """Status, grades (the auditor's latest, the moderator's and the effective one), due dates and the
    reflective discussion. Read within your scope, as the trails are: the child's service area or your
    auditors' (Heads of Service, Service Managers, PDLs), the child's team (Team Managers), your own
    audits (auditors); inspectors, the QA Manager, the PSW and the Assistant Director read every audit."""
    state = ledger.read_audit(actor, audit_id)
    return JSONResponse(state, headers={"ETag": f'"{state["version"]}"'})


@router.post("/{audit_id}/reallocation", summary="Move an unsubmitted audit to another auditor")
def reallocate(
    audit_id: UUID, body: c.ReallocateAudit, ledger: LedgerDep, actor: ActorDep, ctx: CommandDep
) -> JSONResponse:
    return respond(ledger.reallocate_audit(actor, audit_id, body, ctx))


@router.post("/{audit_id}/submission", summary="Submit the audit (its allocated auditor)")
def submit(audit_id: UUID, body: c.SubmitAudit, ledger: LedgerDep, actor: ActorDep, ctx: CommandDep) -> JSONResponse:
    """Findings and a grade for every domain of the audit's tool (see `GET /v1/tools`), an overall
    grade and the practice period. Looking back more than 6 months needs `extended_period_reason`."""
    return respond(ledger.submit_audit(actor, audit_id, body, ctx))


@router.post("/{audit_id}/amendment", summary="Correct a submitted audit, with a reason")
def amend(audit_id: UUID, body: c.AmendAudit, ledger: LedgerDep, actor: ActorDep, ctx: CommandDep) -> JSONResponse:
    return respond(ledger.amend_audit(actor, audit_id, body, ctx))


@router.post("/{audit_id}/reflective-discussion", summary="Log the reflective case discussion")
def reflective_discussion(
    audit_id: UUID, body: c.RecordReflectiveDiscussion, ledger: LedgerDep, actor: ActorDep, ctx: CommandDep
) -> JSONResponse:
    """Logged by the Team Manager of the child's team, or by the Service Manager when the overall
    grade is inadequate (and then a Service Manager must be among the participants). The allocated
    practitioner and their manager must take part."""
    return respond(ledger.record_reflective_discussion(actor, audit_id, body, ctx))


@router.post("/{audit_id}/moderation", summary="Moderate a submitted audit (QA Manager or PSW)")
def moderate(
    audit_id: UUID, body: c.ModerateAudit, ledger: LedgerDep, actor: ActorDep, ctx: CommandDep
) -> JSONResponse:
    return respond(ledger.moderate_audit(actor, audit_id, body, ctx))


@router.post("/{audit_id}/withdrawal", summary="Withdraw an audit, with a reason (QA Manager)")
def withdraw(
    audit_id: UUID, body: c.WithdrawAudit, ledger: LedgerDep, actor: ActorDep, ctx: CommandDep
) -> JSONResponse:
    return respond(ledger.withdraw_audit(actor, audit_id, body, ctx))
