"""The projections service alone (distributed mode): `python -m services.projections rebuild` over HTTP.

The ledger serves its feed on a real port; the rebuild runs as its own process with a `service`
token, and must produce exactly the tables an in-process replay produces.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.ledger.application import LedgerApplication
from services.projections.wiring import build_projections
from tests.conftest import TEST_AUTH, Clock, bearer
from tests.support.ledger_server import serve_ledger
from tests.support.projections import busy_department, ledger_feed, projections_url, table_dump
from tests.support.world import World

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ledger_url(ledger: LedgerApplication) -> Iterator[str]:
    with serve_ledger(ledger, TEST_AUTH) as url:
        yield url


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
