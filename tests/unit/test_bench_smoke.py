"""The benchmark harness still runs: a micro-scale load, rebuild and table on SQLite (no timings asserted)."""

from __future__ import annotations

from pathlib import Path

from eventsourcing.cryptography import AESCipher

from bench import rebuild
from bench.stats import Figure, percentile, table
from bench.workload import bulk_load
from services.ledger.adapters.store import eventsourcing_env
from services.ledger.application import LedgerApplication
from services.projections.consumer import Projections
from services.projections.store import Database


def test_micro_scale_load_and_rebuild(tmp_path: Path) -> None:
    ledger = LedgerApplication(env=eventsourcing_env(f"sqlite:///{tmp_path}/ledger.sqlite3", AESCipher.create_key(32)))
    projections = Projections(Database(f"sqlite:///{tmp_path}/projections.sqlite3"))
    try:
        loaded = bulk_load(ledger, 300)
        assert loaded.events >= 250 and loaded.audits >= 40
        figures = rebuild.measure("sqlite", ledger, projections, 1, lambda _: None)
        with projections.db.snapshot() as tx:
            audits = tx.scalar("SELECT COUNT(*) FROM proj_audits")
            trail = tx.scalar("SELECT COUNT(*) FROM proj_trail_events")
        assert audits == loaded.audits
        assert trail >= loaded.events - 20  # every audit's event is on its trail (staff and cycles are not)
        assert "rebuild" in table(figures)
    finally:
        projections.db.close()
        ledger.close()


def test_figures_and_percentiles() -> None:
    assert percentile([float(n) for n in range(1, 101)], 99) == 99.0
    figure = Figure("relay", "sqlite", "ev/s", 50.0, "ev/s", "bare", 100.0, ">= 0.5x", True)
    assert figure.ratio == 0.5
    assert "0.50x" in table([figure])
