"""`make run-distributed`'s supervisor: a service that exits is started again, after a backoff that
doubles with each crash in a row up to a cap, and every crash is logged with its exit code.

The end-to-end test (tests/e2e/test_distributed.py) kills each real service twice under load; here a
process that always fails at once shows the backoff schedule, on a clock the test moves.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from devtools.distributed import ServiceProcess, Supervisor
from devtools.kafka_broker import free_port


def test_a_crashing_service_is_restarted_with_doubling_backoff_up_to_a_cap(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="qa_ledger.distributed")
    # `python -m json.tool` with nothing on stdin exits at once with an error: a service that cannot start.
    flaky = ServiceProcess("flaky", "json.tool", free_port(), dict(os.environ), tmp_path / "flaky.log").start()
    supervisor = Supervisor([flaky], first_backoff=1.0, max_backoff=4.0)
    now, waits = 0.0, []
    for _ in range(4):
        assert flaky.process is not None
        flaky.process.wait(30)
        supervisor.check(now)  # notices the exit and schedules the restart
        due = supervisor.restart_due["flaky"]
        waits.append(due - now)
        supervisor.check(due - 0.01)
        assert not flaky.alive() and supervisor.restarts["flaky"] == len(waits) - 1  # not before its time
        supervisor.check(due)
        now = due
    assert waits == [1.0, 2.0, 4.0, 4.0]
    assert supervisor.restarts["flaky"] == 4
    crashes = [r.getMessage() for r in caplog.records if "restarting in" in r.getMessage()]
    assert [line.split(";")[0] for line in crashes] == ["flaky exited (code 1)"] * 4
    assert "crash 4 in a row" in crashes[-1]
    assert flaky.log_path.read_text().count("--- starting json.tool") == 5
    flaky.stop()
