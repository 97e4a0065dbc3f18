"""The projections service alone (distributed mode): `python -m services.projections rebuild` over HTTP.

The ledger serves its feed on a real port; the rebuild runs as its own process with a `service`
token, and must produce exactly the tables an in-process replay produces.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from services.ledger.api.app import create_app
from services.ledger.application import LedgerApplication
from services.projections.wiring import build_projections
from tests.conftest import TEST_AUTH, Clock, bearer
from tests.support.projections import busy_department, ledger_feed, projections_url, table_dump
from tests.support.world import World

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ledger_url(ledger: LedgerApplication) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(ledger, TEST_AUTH), host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the ledger did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_rebuild_command_replays_the_http_feed_into_fresh_tables(
    ledger: LedgerApplication, ledger_url: str, database_url: str, tmp_path: Path, clock: Clock
) -> None:
    busy_department(World(ledger).register_everyone(), lambda: None)
    target = projections_url(database_url, tmp_path, "distributed")
    env = {
        **os.environ,
        "PROJECTIONS_DATABASE_URL": target,
        "QA_LEDGER_URL": ledger_url,
        "QA_LEDGER_SERVICE_TOKEN": bearer("projections", "service")["Authorization"].removeprefix("Bearer "),
        "QA_LEDGER_LOG_FORMAT": "text",
    }
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    done = subprocess.run(
        [sys.executable, "-m", "services.projections", "rebuild"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"up to position {ledger.feed_page(0, 1).head}" in done.stdout

    rebuilt = build_projections(target, today=clock)
    in_process = build_projections(projections_url(database_url, tmp_path, "in_process"), today=clock)
    try:
        in_process.rebuild(ledger_feed(ledger))
        assert table_dump(rebuilt) == table_dump(in_process)
    finally:
        rebuilt.db.close()
        in_process.db.close()
