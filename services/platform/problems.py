"""Errors as RFC 9457 problem details, so every refusal says which field and which rule."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from services.platform.auth import AuthenticationError

log = logging.getLogger("qa_ledger.http")


class PermissionDenied(Exception):
    """A role or scope that may not act (HTTP 403), raised by a service's own checks."""


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="qa-ledger"'} if status == 401 else None
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(map(str, loc))


def install_problem_handlers(app: FastAPI, mapping: dict[type[Exception], tuple[int, str]]) -> None:
    """Map named errors to statuses; input validation to 422 naming each field and rule."""

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _location(tuple(e["loc"])), "rule": e["msg"]} for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['rule']}" for e in errors)
        return problem(422, "Invalid input", detail, errors=errors)

    @app.exception_handler(AuthenticationError)
    def _unauthenticated(request: Request, exc: AuthenticationError) -> JSONResponse:
        return problem(401, "Not authenticated", str(exc))

    @app.exception_handler(PermissionDenied)
    def _denied(request: Request, exc: PermissionDenied) -> JSONResponse:
        return problem(403, "Not permitted", str(exc))

    for error_class, (status, title) in mapping.items():

        def handler(request: Request, exc: Exception, status: int = status, title: str = title) -> JSONResponse:
            field, rule = getattr(exc, "field", None), getattr(exc, "rule", None)
            extra = {"field": field, "rule": rule} if field else {}
            log.info("refused %s %s: %s %s", request.method, request.url.path, status, exc)
            return problem(status, title, str(exc), **extra)

        app.add_exception_handler(error_class, handler)
