"""Operations endpoints every service has: /healthz (alive), /readyz (dependencies), /metrics."""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTTP_REQUESTS = Counter(
    "qa_ledger_http_requests_total", "HTTP requests by route and status", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram("qa_ledger_http_request_seconds", "HTTP request latency", ["method", "route"])
EVENTS_APPENDED = Counter("qa_ledger_events_appended_total", "Events appended to the ledger")
FOLLOWER_LAG = Gauge("qa_ledger_follower_lag_events", "Events a consumer is behind the ledger", ["consumer"])
RELAY_LAG = Gauge("qa_ledger_relay_lag_events", "Published events the relay has not yet sent to Kafka")
DELIVERIES = Counter("qa_ledger_notifications_total", "Notification deliveries", ["channel", "outcome"])


class RouteMetrics:
    """Counts requests by route template (/v1/audits/{audit_id}), never by raw path.

    A plain ASGI middleware: routing records the matched route in the scope it shares with us.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), [500]

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = route_template(scope)
            HTTP_REQUESTS.labels(scope["method"], route, str(status[0])).inc()
            HTTP_LATENCY.labels(scope["method"], route).observe(time.perf_counter() - started)


def route_template(scope: Scope) -> str:
    if "route" not in scope:
        return "unmatched"
    template = scope["path"]
    for name, value in scope.get("path_params", {}).items():
        template = template.replace(f"/{value}", f"/{{{name}}}", 1)
    return template


# name -> check returning None when ready, or what is wrong
ReadinessCheck = Callable[[], str | None]


def install_operations(app: FastAPI, checks: dict[str, ReadinessCheck]) -> None:
    app.add_middleware(RouteMetrics)

    @app.get("/healthz", tags=["operations"], summary="The process is alive")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], summary="Every dependency answers")
    def readyz() -> JSONResponse:
        problems = {}
        for name, check in checks.items():
            try:
                failure = check()
            except Exception as exc:  # a dependency that throws is simply not ready
                failure = f"{type(exc).__name__}: {exc}"
            if failure:
                problems[name] = failure
        body = {
            "status": "ready" if not problems else "not ready",
            "checks": {name: problems.get(name, "ok") for name in checks},
        }
        return JSONResponse(body, status_code=200 if not problems else 503)

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
