"""Command throughput: the ledger's HTTP API against eventsourcing alone and a bare endpoint.

Three ways to record the same audit-cycle commands, 1 and 8 concurrent clients each:
- `api`: the ledger behind uvicorn (JWT, validation, permission and scope rules, idempotency
  guard, hash chain, encryption at rest), driven over real HTTP by `client.py`;
- `bare`: the same request models behind a FastAPI endpoint on the same server settings that
  validates the body and does one eventsourcing save, nothing else (`bare.py`);
- `library`: eventsourcing's own Application saving one event per command from threads, no HTTP.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from eventsourcing.cryptography import AESCipher

from bench.bare import Record, library_app
from bench.client import lifecycle, run_clients
from bench.stats import Figure, median
from bench.workload import Department
from services.ledger.adapters.store import eventsourcing_env
from services.ledger.application import LedgerApplication

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    runs: int = 3
    warmup: float = 1.0
    duration: float = 5.0
    concurrency: tuple[int, ...] = (1, 8)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(kind: str, database_url: str, env: dict[str, str], log_dir: Path) -> Iterator[int]:
    port = free_port()
    log = (log_dir / f"server-{kind}.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.serve", kind, database_url, str(port)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the {kind} server did not start: see {log.name}") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def direct_rate(url: str, clients: int, settings: Settings, cycle_id: str) -> float:
    """eventsourcing saving the same commands' bodies, one event per save, from `clients` threads."""
    app = library_app(url)
    today = time.strftime("%Y-%m-%d")
    from datetime import date

    day = date.fromisoformat(today)
    start = time.perf_counter() + 0.05
    window = (start + settings.warmup, start + settings.warmup + settings.duration)
    done = [0] * clients

    def worker(index: int) -> None:
        rng = random.Random(index)
        while time.perf_counter() < start:
            time.sleep(0.001)
        while time.perf_counter() < window[1]:
            for _, _, body in lifecycle(rng, cycle_id, day):
                app.save(Record(body))
                if window[0] <= time.perf_counter() <= window[1]:
                    done[index] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    app.close()
    return sum(done) / settings.duration


def measure(
    store: str,
    fresh_url: Callable[[str], str],
    log_dir: Path,
    settings: Settings,
    progress: Callable[[str], None],
) -> list[Figure]:
    cipher_key, auth_key = AESCipher.create_key(32), "bench-signing-key-" + os.urandom(16).hex()
    ledger_url = fresh_url("ledger")
    ledger = LedgerApplication(env=eventsourcing_env(ledger_url, cipher_key))
    cycle_id = str(Department.register(ledger, 1).cycles[0])
    today = ledger.today().isoformat()
    ledger.close()
    rates: dict[tuple[str, int], list[float]] = {}
    env = {"BENCH_CIPHER_KEY": cipher_key, "BENCH_AUTH_KEY": auth_key, "QA_LEDGER_LOG_LEVEL": "INFO"}
    for kind, url in (("api", ledger_url), ("bare", fresh_url("bare"))):
        with server("ledger" if kind == "api" else "bare", url, env, log_dir) as port:
            for clients in settings.concurrency:
                for run in range(settings.runs):
                    result = run_clients(
                        port=port,
                        auth_key=auth_key,
                        cycle_id=cycle_id,
                        today=today,
                        clients=clients,
                        warmup=settings.warmup,
                        duration=settings.duration,
                        seed=run,
                    )
                    if result.errors:
                        raise RuntimeError(f"{kind} answered {result.errors} errors, first: {result.first_error}")
                    rates.setdefault((kind, clients), []).append(result.rate)
                    progress(f"commands {store} {kind} x{clients} run {run + 1}: {result.rate:,.0f}/s")
    library_url = fresh_url("library")
    for clients in settings.concurrency:
        for run in range(settings.runs):
            rate = direct_rate(library_url, clients, settings, cycle_id)
            rates.setdefault(("library", clients), []).append(rate)
            progress(f"commands {store} library x{clients} run {run + 1}: {rate:,.0f}/s")
    figures = []
    for clients in settings.concurrency:
        api, bare, library = (median(rates[(k, clients)]) for k in ("api", "bare", "library"))
        figures.append(
            Figure(
                "command throughput",
                store,
                f"API commands/s, {clients} client(s)",
                api,
                "cmd/s",
                "bare endpoint",
                bare,
                "≥ 1.0x bare",
                api >= bare,
            )
        )
        figures.append(
            Figure(
                "command throughput",
                store,
                f"API commands/s, {clients} client(s)",
                api,
                "cmd/s",
                "eventsourcing direct",
                library,
                "",
                None,
            )
        )
        if clients == 8 and store == "postgres":
            figures.append(
                Figure(
                    "command throughput",
                    store,
                    "API commands/s, 8 clients (absolute)",
                    api,
                    "cmd/s",
                    "",
                    None,
                    "≥ 1,500/s",
                    api >= 1500,
                )
            )
    return figures
