"""Peak memory of the embedded process (`python -m services.embedded`) catching up on a loaded log.

The ledger's SQLite file is loaded first; the process starts with empty read-model and notifier
stores, so its projections and notifier followers replay the whole log. Peak RSS (VmHWM) is read
once the projections have caught up to the ledger's head.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench.commands import REPO, free_port
from bench.machine import peak_rss_mb
from bench.stats import Figure

if TYPE_CHECKING:
    from collections.abc import Callable

TARGET_MB = 300.0


def projections_position(path: Path) -> int:
    try:
        with sqlite3.connect(path, timeout=1) as conn:
            row = conn.execute("SELECT MIN(position) FROM proj_tracking").fetchone()
            return int(row[0] or 0)
    except sqlite3.Error:
        return 0


def measure(data_dir: Path, head: int, events: int, timeout: float, progress: Callable[[str], None]) -> list[Figure]:
    """`data_dir` holds ledger.sqlite3 and event-cipher.key, as `make run` would leave them."""
    projections = data_dir / "bench-rss-projections.sqlite3"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "QA_LEDGER_DATA_DIR": str(data_dir),
        "PORT": str(free_port()),
        "PROJECTIONS_DATABASE_URL": f"sqlite:///{projections}",
        "NOTIFIER_DATABASE_URL": f"sqlite:///{data_dir}/bench-rss-notifier.sqlite3",
        "QA_LEDGER_LOG_LEVEL": "WARNING",
    }
    log = (data_dir / "embedded.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "services.embedded"], cwd=REPO, env=env, stdout=log, stderr=log)
    started = time.perf_counter()
    try:
        while projections_position(projections) < head:
            if process.poll() is not None:
                raise RuntimeError(f"the embedded process exited: see {log.name}")
            if time.perf_counter() - started > timeout:
                raise TimeoutError(f"the embedded projections did not catch up within {timeout:.0f}s")
            time.sleep(0.5)
        caught_up = time.perf_counter() - started
        peak = peak_rss_mb(process.pid)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
    progress(f"memory: peak RSS {peak:.0f} MB, projections caught up on {events:,} events in {caught_up:.0f}s")
    return [
        Figure(
            "memory",
            "sqlite",
            f"embedded process peak RSS, catching up {events:,} events",
            peak,
            "MB",
            target=f"≤ {TARGET_MB:.0f} MB",
            met=peak <= TARGET_MB,
            note=f"caught up in {caught_up:.0f} s, {events / caught_up:,.0f} ev/s with the notifier alongside",
        ),
    ]
