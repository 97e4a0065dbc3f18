"""Turning a use case's outcome into an HTTP response, with the headers clients rely on."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from uuid import UUID

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from schemas.vocabulary import AuditTool, Grade, ServiceArea
from services.ledger.application import Outcome

# Shown on the OpenAPI page for every command.
COMMAND_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token."},
    403: {"description": "Your role or scope may not do this."},
    404: {"description": "No such audit, action, cycle or staff member."},
    409: {"description": "Version conflict (If-Match) or a state that forbids the command."},
    422: {"description": "Invalid input: the message names the field and the rule."},
}


class AuditPublic(BaseModel):
    """An audit as it stands (the answer of every audit command and of `GET /v1/audits/{id}`)."""

    id: UUID
    version: int = Field(description="Send it back as If-Match to change the audit.")
    status: Literal["allocated", "submitted", "withdrawn"]
    cycle_id: UUID | None
    specialist_audit_id: UUID | None
    child_ref: str
    case_team: str
    case_service_area: ServiceArea
    auditor_id: str
    auditor_service_area: ServiceArea
    flagged_own_service_area: bool
    tool: AuditTool
    tool_version: int
    due_on: date
    overdue: bool = Field(description="Not submitted (nor withdrawn) and past its due date.")
    submitted_on: date | None
    auditor_grade: Grade | None = Field(description="The auditor's latest overall grade, amendments included.")
    moderated_grade: Grade | None
    effective_grade: Grade | None = Field(description="The moderator's grade when moderated, else the auditor's.")
    moderated: bool
    reflective_discussion_logged: bool
    reflective_discussion_due_on: date | None = Field(description="Two weeks after submission.")


def respond(outcome: Outcome) -> JSONResponse:
    headers: dict[str, str] = {}
    if outcome.position is not None:
        headers["Ledger-Position"] = str(outcome.position)
    if outcome.replayed:
        headers["Idempotent-Replayed"] = "true"
    version = outcome.body.get("version")
    if isinstance(version, int):
        headers["ETag"] = f'"{version}"'
    return JSONResponse(outcome.body, status_code=outcome.status_code, headers=headers)
