"""Turning a use case's outcome into an HTTP response, with the headers clients rely on."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from services.ledger.application import Outcome

# Shown on the OpenAPI page for every command.
COMMAND_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token."},
    403: {"description": "Your role or scope may not do this."},
    404: {"description": "No such audit, action, cycle or staff member."},
    409: {"description": "Version conflict (If-Match) or a state that forbids the command."},
    422: {"description": "Invalid input: the message names the field and the rule."},
}


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
