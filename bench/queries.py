"""Query latency of every projections endpoint over real HTTP (uvicorn in a thread, one keep-alive
connection), as the QA Manager, who reads everything: the widest scope is the slowest."""

from __future__ import annotations

import http.client
import threading
import time
from typing import TYPE_CHECKING
from urllib.parse import quote

import uvicorn

from bench.commands import free_port
from bench.serve import SERVER_SETTINGS
from bench.stats import Figure, percentile
from services.platform.auth import AuthSettings, mint_local_token
from services.projections.wiring import create_projections_app

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from services.projections.consumer import Projections

TARGET_MS = 20.0


def endpoints(projections: Projections) -> list[tuple[str, str]]:
    """(name, path) for each read model, with ids taken from the loaded data."""
    with projections.db.snapshot() as tx:
        audit = tx.one("SELECT audit_id, cycle_id, child_ref, case_team FROM proj_audits ORDER BY audit_id LIMIT 1")
    assert audit is not None, "the read models are empty: load and rebuild first"
    cycle, area = audit["cycle_id"], "supporting_our_children"
    return [
        ("moderation coverage", f"/v1/cycles/{cycle}/moderation-coverage"),
        ("cycle dashboard", f"/v1/cycles/{cycle}/dashboard"),
        ("outstanding actions (one team)", f"/v1/actions/outstanding?team={quote(audit['case_team'])}"),
        ("outstanding actions (all)", "/v1/actions/outstanding"),
        ("quotas", "/v1/quotas"),
        ("programme progress", "/v1/programme/progress"),
        ("Head of Service report", f"/v1/reports/head-of-service?cycle={cycle}&service_area={area}"),
        ("six-monthly report", "/v1/reports/six-monthly"),
        ("projections status", "/v1/projections/status"),
        ("audit trail", f"/v1/audits/{audit['audit_id']}/trail"),
        ("child trail", f"/v1/children/{quote(audit['child_ref'])}/trail"),
        ("team trail", f"/v1/teams/{quote(audit['case_team'])}/trail"),
        ("trail reads", "/v1/trail-reads"),
    ]


class ThreadServer:
    def __init__(self, projections: Projections, auth: AuthSettings) -> None:
        app = create_projections_app(projections, None, auth, start_follower=False)
        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, **SERVER_SETTINGS)  # type: ignore[arg-type]
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def timings(port: int, token: str, path: str, requests: int, budget: float) -> Iterator[tuple[float, int, int]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.perf_counter() + budget
    try:
        for n in range(requests + 1):
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if n:  # the first request warms caches and connections
                yield elapsed, response.status, len(body)
            if time.perf_counter() > deadline and n >= 5:
                return
    finally:
        conn.close()


def measure(
    store: str, projections: Projections, requests: int, budget: float, progress: Callable[[str], None]
) -> list[Figure]:
    auth = AuthSettings(local_key="bench-query-signing-key-0123456789abcdef")
    token = mint_local_token(auth, "qa.manager", ["qa_manager"])
    figures = []
    with ThreadServer(projections, auth) as server:
        # The baseline: the same server and client answering a request that does no query work.
        bare = [ms for ms, _, _ in timings(server.port, token, "/healthz", requests, budget)]
        bare_p99 = percentile(bare, 99)
        progress(f"query {store} /healthz: p50 {percentile(bare, 50):.1f} ms, p99 {bare_p99:.1f} ms")
        for name, path in endpoints(projections):
            samples = list(timings(server.port, token, path, requests, budget))
            statuses = {status for _, status, _ in samples}
            size = samples[-1][2] if samples else 0
            latencies = [ms for ms, _, _ in samples]
            p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
            progress(f"query {store} {name}: p50 {p50:.1f} ms, p99 {p99:.1f} ms, {size:,} bytes, {statuses}")
            note = f"p50 {p50:.1f} ms, {len(samples)} requests, {size / 1024:,.0f} KiB" + (
                "" if statuses == {200} else f", HTTP {sorted(statuses)}"
            )
            figures.append(
                Figure(
                    "query latency",
                    store,
                    f"{name} p99",
                    p99,
                    "ms",
                    "/healthz p99",
                    bare_p99,
                    f"p99 ≤ {TARGET_MS:.0f} ms",
                    p99 <= TARGET_MS and statuses == {200},
                    note,
                )
            )
    return figures
