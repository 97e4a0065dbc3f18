"""Operations endpoints every service has: /healthz (alive), /readyz (dependencies), /metrics."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.platform.failures import describe

if TYPE_CHECKING:
    from services.feed.follower import Follower

HTTP_REQUESTS = Counter(
    "qa_ledger_http_requests_total", "HTTP requests by route and status", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram("qa_ledger_http_request_seconds", "HTTP request latency", ["method", "route"])
EVENTS_APPENDED = Counter("qa_ledger_events_appended_total", "Events appended to the ledger")
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


# name -> check returning None when ready, else what is wrong (a sentence, or a structured answer)
ReadinessCheck = Callable[[], str | dict[str, Any] | None]


def install_operations(app: FastAPI, checks: dict[str, ReadinessCheck]) -> None:
    add_readiness_checks(app, checks)
    app.add_middleware(RouteMetrics)

    @app.get("/healthz", tags=["operations"], summary="The process is alive")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], summary="Every dependency answers and every consumer follows")
    def readyz() -> JSONResponse:
        checks: dict[str, ReadinessCheck] = app.state.readiness_checks
        results: dict[str, Any] = {}
        for name, check in checks.items():
            try:
                failure = check()
            except Exception as exc:  # a dependency that throws is simply not ready
                failure = describe(exc)
            results[name] = failure or "ok"
        ready = all(result == "ok" for result in results.values())
        body = {"status": "ready" if ready else "not ready", "checks": results}
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def add_readiness_checks(app: FastAPI, checks: dict[str, ReadinessCheck]) -> None:
    """More checks for `/readyz`: the embedded app adds its projections and notifier to the ledger's."""
    existing: dict[str, ReadinessCheck] | None = getattr(app.state, "readiness_checks", None)
    if existing is None:
        app.state.readiness_checks = existing = {}
    existing.update(checks)


class ConsumerMetrics(Collector):
    """Lag and stall of every followed consumer, read from its follower when Prometheus scrapes.

    `qa_ledger_consumer_stalled_position` is 0 while a consumer follows; when it cannot apply an
    event, the position it stopped at, labelled with the event type and the kind of error.
    """

    def __init__(self) -> None:
        self.followers: dict[str, Follower] = {}

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(self._families())

    def collect(self) -> Iterator[GaugeMetricFamily]:
        lag, stalled = self._families()
        for name, follower in sorted(self.followers.items()):
            with suppress(Exception):  # a store that does not answer: /readyz says so; no figure here
                lag.add_metric([name], follower.lag or 0)
            stall = follower.stall
            if stall is None:
                stalled.add_metric([name, "", ""], 0)
            else:
                stalled.add_metric([name, stall.event_type, stall.error_kind], stall.position)
        yield lag
        yield stalled

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                "qa_ledger_follower_lag_events", "Events a consumer is behind the ledger", labels=["consumer"]
            ),
            GaugeMetricFamily(
                "qa_ledger_consumer_stalled_position",
                "Position a consumer cannot apply (0 while it follows)",
                labels=["consumer", "event_type", "error"],
            ),
        )


CONSUMERS = ConsumerMetrics()
REGISTRY.register(CONSUMERS)


def watch_consumer(app: FastAPI, follower: Follower) -> None:
    """`/readyz` and `/metrics` for one consumer: its store answers, its feed answers, it is not stalled."""
    CONSUMERS.followers[follower.name] = follower

    def check() -> str | dict[str, Any] | None:
        follower.consumer.position()  # raises if the consumer's store does not answer
        return follower.readiness()

    add_readiness_checks(app, {follower.name: check})
