"""FastAPI dependencies of the ledger API, named once and reused by every route."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated

from fastapi import Depends, Header, Request

from services.ledger.application import Actor, CommandContext, LedgerApplication
from services.ledger.domain.errors import InvalidCommand
from services.platform.http import PrincipalDep, correlation_id

ETAG = re.compile(r'^(?:W/)?"?(\d+)"?$')


def ledger(request: Request) -> LedgerApplication:
    return request.app.state.ledger  # type: ignore[no-any-return]


def actor(request: Request, who: PrincipalDep) -> Actor:
    return Actor(id=who.subject, roles=who.roles, correlation_id=correlation_id(request))


async def command_context(
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=200,
            description="Retrying with the same key returns the first answer and records nothing new.",
        ),
    ] = None,
    if_match: Annotated[
        str | None,
        Header(description="The aggregate version you last read (its ETag); 409 if it has moved on."),
    ] = None,
) -> CommandContext:
    expected = None
    if if_match is not None:
        match = ETAG.match(if_match.strip())
        if not match:
            raise InvalidCommand("If-Match", 'must be an aggregate version such as "3"')
        expected = int(match.group(1))
    body = await request.body()
    fingerprint = hashlib.sha256(f"{request.method} {request.url.path}\n".encode() + body).hexdigest()
    return CommandContext(idempotency_key=idempotency_key, fingerprint=fingerprint, expected_version=expected)


LedgerDep = Annotated[LedgerApplication, Depends(ledger)]
ActorDep = Annotated[Actor, Depends(actor)]
CommandDep = Annotated[CommandContext, Depends(command_context)]
