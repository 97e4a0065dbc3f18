"""HTTP plumbing shared by the three services: bearer auth, correlation ids, body size limit."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.platform.auth import AuthenticationError, Principal, TokenVerifier
from services.platform.operations import route_template
from services.platform.problems import problem

log = logging.getLogger("qa_ledger.http")
MAX_BODY_BYTES = 1_000_000
CORRELATION_HEADER = "X-Correlation-ID"
TRACEABLE = re.compile(r"[\x21-\x7e]{1,100}")

bearer = HTTPBearer(auto_error=False, description="A JWT with `sub` (staff handle) and `roles`.")


def principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    if credentials is None:
        raise AuthenticationError("send 'Authorization: Bearer <token>' (make token ROLE=... mints one in dev)")
    verifier: TokenVerifier = request.app.state.verifier
    return verifier.verify(credentials.credentials)


PrincipalDep = Annotated[Principal, Depends(principal)]


def correlation_id(request: Request) -> str:
    return getattr(request.state, "correlation_id", "") or str(uuid.uuid4())


class RequestContext:
    """Plain ASGI middleware (cheaper than Starlette's BaseHTTPMiddleware on every request):
    a correlation id for each request, a body size limit that also holds for chunked bodies,
    and one log line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        supplied = headers.get(CORRELATION_HEADER, "")
        # Recorded in every event's envelope, so only printable ASCII is kept (contract bounds).
        correlation = supplied if TRACEABLE.fullmatch(supplied) else str(uuid.uuid4())
        scope.setdefault("state", {})["correlation_id"] = correlation
        length = headers.get("content-length")
        if length and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            await too_large(scope, receive, send)
            return
        started, status, received, refused = time.perf_counter(), [500], [0], [False]

        async def counted_receive() -> Message:
            message = await receive()
            received[0] += len(message.get("body", b""))
            if received[0] > MAX_BODY_BYTES and not refused[0]:
                # A chunked body has no Content-Length to check up front: answer 413 ourselves
                # and tell the app the client went away, so it stops reading and records nothing.
                refused[0], status[0] = True, 413
                await too_large(scope, receive, send)
                return {"type": "http.disconnect"}
            return message

        async def send_with_correlation(message: Message) -> None:
            if refused[0]:
                return  # the 413 has been sent; whatever the app says now goes nowhere
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                MutableHeaders(scope=message)[CORRELATION_HEADER] = correlation
            await send(message)

        try:
            await self.app(scope, counted_receive, send_with_correlation)
        except ClientDisconnect:
            if not refused[0]:
                raise
        finally:
            log.info(
                "%s %s -> %s in %.1f ms",
                scope["method"],
                route_template(scope),  # never the raw path: it can hold a child's case reference
                status[0],
                (time.perf_counter() - started) * 1000,
                extra={"correlation_id": correlation},
            )


async def too_large(scope: Scope, receive: Receive, send: Send) -> None:
    response = problem(413, "Request too large", f"bodies are limited to {MAX_BODY_BYTES} bytes")
    await response(scope, receive, send)


def install_middleware(app: FastAPI) -> None:
    app.add_middleware(RequestContext)
