"""HTTP plumbing shared by the three services: bearer auth, correlation ids, body size limit."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, FastAPI, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.platform.auth import AuthenticationError, Principal, TokenVerifier
from services.platform.problems import problem

log = logging.getLogger("qa_ledger.http")
MAX_BODY_BYTES = 1_000_000
CORRELATION_HEADER = "X-Correlation-ID"

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


def install_middleware(app: FastAPI) -> None:
    @app.middleware("http")
    async def correlate_and_limit(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        supplied = request.headers.get(CORRELATION_HEADER, "")
        request.state.correlation_id = supplied[:100] if supplied else str(uuid.uuid4())
        length = request.headers.get("content-length")
        if length and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return problem(413, "Request too large", f"bodies are limited to {MAX_BODY_BYTES} bytes")
        started = time.perf_counter()
        response = await call_next(request)
        response.headers[CORRELATION_HEADER] = request.state.correlation_id
        log.info(
            "%s %s -> %s in %.1f ms",
            request.method,
            request.url.path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
            extra={"correlation_id": request.state.correlation_id},
        )
        return response
