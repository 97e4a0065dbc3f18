"""`python -m services.projections rebuild` SIGKILLed midway, on SQLite and PostgreSQL, over HTTP and Kafka.

The live read models are served throughout (a projections app on the live store); the rebuild runs
as its own process against the same store and is killed once it has applied some, but not all, of
the ledger's events into its build area. Every live endpoint then answers exactly as before. A second
rebuild over the same transport starts clean, completes, and still changes no answer: the live models
were already right.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from fastapi.testclient import TestClient

from services.feed import EventFeed, Follower, HttpFeed
from services.feed.kafka import KafkaFeed
from services.feed.log import ledger_head
from services.ledger.application import LedgerApplication
from services.ledger.relay import Relay
from services.projections.consumer import Projections
from services.projections.wiring import build_projections, create_projections_app
from tests.conftest import TEST_AUTH, Clock, bearer
from tests.support.ledger_server import serve_ledger
from tests.support.projections import busy_department, ledger_feed, projections_url, table_dump
from tests.support.world import World

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(180)]
ROOT = Path(__file__).resolve().parents[2]
QA = bearer("qa.manager", "qa_manager")


@pytest.fixture
def ledger_url(ledger: LedgerApplication) -> Iterator[str]:
    with serve_ledger(ledger, TEST_AUTH) as url:
        yield url


def department(ledger: LedgerApplication) -> dict[str, Any]:
    world = World(ledger).register_everyone()
    facts = busy_department(world, lambda: None)
    for n in range(60):  # enough events that a rebuild one envelope at a time can be caught midway
        world.allocate(facts["cycle"], child_ref=f"MOS-95{n:04d}")
    return facts


def answers(client: TestClient, facts: dict[str, Any], clock: Clock) -> dict[str, Any]:
    """What the live endpoints say, for every kind of read model."""
    as_of = (clock.today + timedelta(days=3)).isoformat()
    cycle, audit = facts["cycle"], facts["audits"][3]
    paths = [
        f"/v1/cycles/{cycle}/moderation-coverage",
        f"/v1/cycles/{cycle}/dashboard",
        "/v1/actions/outstanding",
        f"/v1/cycles/{cycle}/meetings",
        "/v1/registers/audits",
        f"/v1/audits/{audit}/trail",
        "/v1/children/MOS-900003/trail",
        f"/v1/quotas?month={as_of[:7]}",
        "/v1/programme/progress",
        f"/v1/reports/six-monthly?to={as_of}",
        f"/v1/reports/head-of-service?cycle={cycle}&service_area=supporting_our_children",
    ]
    out = {}
    for path in paths:
        response = client.get(path, headers=QA)
        assert response.status_code == 200, (path, response.text)
        out[path] = response.json()
    status = client.get("/v1/projections/status", headers=QA).json()
    out["positions"] = {p["name"]: p["position"] for p in status["projections"]}
    return out


def build_position(live: Projections) -> int:
    """How far the rebuild has got in its build area (0 before it has a table)."""
    db = live.db
    try:
        if db.postgres:
            base = db.url.split("?")[0]
            with psycopg2.connect(base) as conn, conn.cursor() as cursor:
                cursor.execute(f'SELECT min(position) FROM "{db.current_schema()}_rebuild".proj_tracking')
                row = cursor.fetchone()
        else:
            with sqlite3.connect(f"file:{db.sqlite_path}.rebuild?mode=ro", uri=True) as conn:
                row = conn.execute("SELECT min(position) FROM proj_tracking").fetchone()
    except (psycopg2.Error, sqlite3.Error):
        return 0
    return int(row[0] or 0) if row else 0


def transport_feed(env: dict[str, str]) -> EventFeed:
    token = env["QA_LEDGER_SERVICE_TOKEN"]
    if "KAFKA_BOOTSTRAP_SERVERS" not in env:
        return HttpFeed(env["QA_LEDGER_URL"], token)
    return KafkaFeed(
        env["KAFKA_BOOTSTRAP_SERVERS"],
        env["KAFKA_TOPIC"],
        f"rebuild-{uuid.uuid4().hex[:8]}",
        ledger_head=ledger_head(env["QA_LEDGER_URL"], token),
    )


def rebuild_command(env: dict[str, str], *extra: str) -> list[str]:
    return [sys.executable, "-m", "services.projections", "rebuild", *extra]


@pytest.mark.parametrize("transport", ["http", "kafka"])
def test_a_rebuild_killed_midway_leaves_the_live_endpoints_as_they_were(
    transport: str,
    ledger: LedgerApplication,
    ledger_url: str,
    database_url: str,
    tmp_path: Path,
    clock: Clock,
    request: pytest.FixtureRequest,
) -> None:
    facts = department(ledger)
    head = ledger.feed_page(0, 1).head
    live_url = projections_url(database_url, tmp_path, "live")
    live = build_projections(live_url, today=clock)
    Follower(ledger_feed(ledger), live).catch_up()
    env = {
        **os.environ,
        "PROJECTIONS_DATABASE_URL": live_url,
        "QA_LEDGER_URL": ledger_url,
        "QA_LEDGER_SERVICE_TOKEN": bearer("projections", "service")["Authorization"].removeprefix("Bearer "),
        "QA_LEDGER_LOG_FORMAT": "text",
    }
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    if transport == "kafka":
        broker = request.getfixturevalue("kafka_broker")
        topic = f"rebuild-killed-{uuid.uuid4().hex[:8]}"
        relay = Relay(ledger, broker.bootstrap_servers, topic)
        relay.publish_available()
        relay.stop()
        env |= {"KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers, "KAFKA_TOPIC": topic}

    app = create_projections_app(live, None, TEST_AUTH)
    try:
        with TestClient(app) as client:
            before, tables = answers(client, facts, clock), table_dump(live)

            process = subprocess.Popen(
                rebuild_command(env, "--batch-size", "1"),
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            deadline, reached = time.monotonic() + 90, 0
            while not reached > 0:
                assert process.poll() is None, f"the rebuild ended before it could be killed: {process.stderr}"
                assert time.monotonic() < deadline, "the rebuild never started applying"
                reached = build_position(live)
                time.sleep(0.005)
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=30)
            assert 0 < reached < head, f"killed at {reached} of {head}: not midway"

            assert answers(client, facts, clock) == before
            assert table_dump(live) == tables

            # The next rebuild (in-process here: the command itself is timed above) starts clean.
            feed = transport_feed(env)
            try:
                assert live.rebuild(feed) == head
            finally:
                feed.close()
            assert answers(client, facts, clock) == before
            assert table_dump(live) == tables
    finally:
        live.db.close()
