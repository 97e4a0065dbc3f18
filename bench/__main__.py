"""`python -m bench [--quick] [--scale N] [--runs N] [--only a,b] [--stores postgres,sqlite]`

Runs every scenario on PostgreSQL (a throwaway database on 127.0.0.1:5432, dropped after) and on
SQLite (temp files), prints progress, and writes the figures table into BENCHMARKS.md (between
the `bench:figures` markers) and bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import commands, lag, memory, queries, rebuild, relay
from bench.machine import describe, peak_rss_mb
from bench.stats import Figure, table
from bench.stores import ADMIN_URL, STORES, BenchDatabase, stores
from bench.workload import bulk_load
from devtools.kafka_broker import TansuBroker
from services.ledger.adapters.store import eventsourcing_env
from services.ledger.application import LedgerApplication
from services.ledger.config import dev_cipher_key
from services.projections.consumer import Projections
from services.projections.store import Database

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = ("commands", "lag", "rebuild", "queries", "relay", "memory")
BEGIN, END = "<!-- bench:figures:begin -->", "<!-- bench:figures:end -->"


@dataclass
class Plan:
    scale: int
    runs: int
    command_settings: commands.Settings
    lag_samples: int
    query_requests: int
    query_budget: float
    only: tuple[str, ...] = SCENARIOS
    store_kinds: tuple[str, ...] = STORES
    figures: list[Figure] = field(default_factory=list)


def plan_from(args: argparse.Namespace) -> Plan:
    if args.quick:
        plan = Plan(5_000, 1, commands.Settings(runs=1, warmup=0.5, duration=2.0), 60, 30, 1.0)
    else:
        plan = Plan(100_000, 3, commands.Settings(runs=3, warmup=1.0, duration=4.0), 200, 100, 2.0)
    if args.scale:
        plan.scale = args.scale
    if args.runs:
        plan.runs = args.runs
        current = plan.command_settings
        plan.command_settings = commands.Settings(args.runs, current.warmup, current.duration)
    if args.only:
        plan.only = tuple(args.only.split(","))
    if args.stores:
        plan.store_kinds = tuple(args.stores.split(","))
    return plan


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(plan: Plan, log_dir: Path) -> None:
    with BenchDatabase() as database:
        for kind in plan.store_kinds:
            if "commands" in plan.only:
                with stores(kind, database) as s:
                    fresh = (
                        (lambda p: database.schema(p))
                        if kind == "postgres"
                        else (lambda p, d=s.data_dir: f"sqlite:///{d}/{p}.sqlite3")
                    )
                    plan.figures += commands.measure(kind, fresh, log_dir, plan.command_settings, progress)
            if "lag" in plan.only:
                for kafka in (False, True):
                    with stores(kind, database) as s:
                        plan.figures += lag.measure(
                            s, kafka=kafka, samples=plan.lag_samples, pause=0.02, progress=progress
                        )
            if {"rebuild", "queries", "relay", "memory"} & set(plan.only):
                with stores(kind, database) as s:
                    at_scale(plan, kind, s)


def at_scale(plan: Plan, kind: str, s: stores) -> None:  # type: ignore[valid-type]
    # The embedded process reads the cipher key from its data dir, so the ledger is loaded with it.
    ledger = LedgerApplication(env=eventsourcing_env(s.ledger_url, dev_cipher_key(s.data_dir)))
    try:
        loaded = bulk_load(ledger, plan.scale)
        head = ledger.recorder.max_published_position()  # type: ignore[attr-defined]
        progress(f"loaded {kind}: {loaded.events:,} events ({loaded.audits:,} audits) at {loaded.rate:,.0f} ev/s")
        plan.figures.append(
            Figure(
                "load",
                kind,
                f"bulk load of {loaded.audits:,} audits, 200 per transaction (ev/s)",
                loaded.rate,
                "ev/s",
                note="hash chain + encryption, many events per transaction",
            )
        )
        projections = Projections(Database(s.projections_url))
        try:
            if "rebuild" in plan.only or "queries" in plan.only:
                runs = plan.runs if "rebuild" in plan.only else 0
                if runs:
                    plan.figures += rebuild.measure(kind, ledger, projections, runs, progress)
                else:
                    rebuild.rebuild(ledger, projections)
            if "queries" in plan.only:
                plan.figures += queries.measure(kind, projections, plan.query_requests, plan.query_budget, progress)
        finally:
            projections.db.close()
        if "relay" in plan.only:
            with TansuBroker() as broker:
                plan.figures += relay.measure(kind, ledger, broker.bootstrap_servers, min(plan.runs, 2), progress)
    finally:
        ledger.close()
    if "memory" in plan.only and kind == "sqlite":
        plan.figures += memory.measure(s.data_dir, head, loaded.events, timeout=900, progress=progress)


def write(plan: Plan, machine: dict[str, str], command: str, seconds: float, out: Path) -> None:
    results = REPO / "bench" / "results"
    results.mkdir(exist_ok=True)
    body = {
        "machine": machine,
        "command": command,
        "seconds": round(seconds),
        "scale": plan.scale,
        "runs": plan.runs,
        "figures": [f.as_dict() for f in plan.figures],
    }
    (results / "latest.json").write_text(json.dumps(body, indent=2, default=str) + "\n")
    section = "\n".join(
        [
            BEGIN,
            f"Measured {machine['date']} with `{command}` in {seconds / 60:.1f} min: "
            f"{plan.scale:,} events at scale, medians of {plan.runs} run(s).",
            "",
            f"Machine: {machine['nproc']} cores ({machine['cpu']}), {machine['memory']} RAM, "
            f"Python {machine['python']}, PostgreSQL {machine['postgresql']}, SQLite {machine['sqlite']}, "
            f"{machine['platform']}.",
            "",
            table(plan.figures),
            END,
        ]
    )
    text = out.read_text() if out.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text:
        text += f"\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    out.write_text(head + section + rest.split(END, 1)[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one short run of each, 5,000 events at scale")
    parser.add_argument("--scale", type=int, help="events in the log for rebuild, queries, relay, memory")
    parser.add_argument("--runs", type=int, help="runs per figure (the median is reported)")
    parser.add_argument("--only", help=f"comma-separated subset of {','.join(SCENARIOS)}")
    parser.add_argument("--stores", help="comma-separated subset of postgres,sqlite")
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md", help="the Markdown file to update")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("kafka").setLevel(logging.ERROR)
    plan = plan_from(args)
    command = "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])
    machine = describe(ADMIN_URL)
    log_dir = Path(tempfile.mkdtemp(prefix="qaledger-bench-logs-"))  # the servers' logs, kept for a look
    started = time.perf_counter()
    run(plan, log_dir)
    seconds = time.perf_counter() - started
    print(table(plan.figures))
    write(plan, machine, command.strip(), seconds, args.out)
    progress(f"done in {seconds / 60:.1f} min; harness peak RSS {peak_rss_mb():.0f} MB; wrote {args.out}")
    progress(f"server logs in {log_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
