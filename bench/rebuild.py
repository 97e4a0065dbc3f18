"""Rebuild rate: all read models from position 0, against reading the same log with no projection work.

Baselines, measured on the same loaded log in the same run:
- `feed read`: the same LogFeed and Follower driving a consumer that only keeps its position, so
  the difference is the projection work alone (decrypting and building envelopes is in both);
- `raw read`: the recorder's notifications with no decoding at all, for scale.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from bench.stats import Figure, median
from services.embedded import read_page
from services.feed import Batch, Follower, LogFeed
from services.ledger.envelopes import PUBLISHED_TOPICS

if TYPE_CHECKING:
    from collections.abc import Callable

    from services.ledger.application import LedgerApplication
    from services.projections.consumer import Projections

PAGE = 1000


class PositionOnly:
    name = "position-only"

    def __init__(self) -> None:
        self.at = 0

    def position(self) -> int:
        return self.at

    def apply(self, batch: Batch) -> None:
        self.at = batch.envelopes[-1].position


def feed_read(ledger: LedgerApplication) -> float:
    started = time.perf_counter()
    Follower(LogFeed(read_page(ledger)), PositionOnly(), batch_size=PAGE).catch_up()
    return time.perf_counter() - started


def raw_read(ledger: LedgerApplication) -> float:
    started, after = time.perf_counter(), 0
    while True:
        page = ledger.recorder.select_notifications(
            start=after, limit=PAGE, topics=PUBLISHED_TOPICS, inclusive_of_start=False
        )
        if not page:
            return time.perf_counter() - started
        after = page[-1].id


def rebuild(ledger: LedgerApplication, projections: Projections) -> float:
    started = time.perf_counter()
    projections.rebuild(LogFeed(read_page(ledger)), batch_size=PAGE)
    return time.perf_counter() - started


def measure(
    store: str, ledger: LedgerApplication, projections: Projections, runs: int, progress: Callable[[str], None]
) -> list[Figure]:
    events = len_published(ledger)
    times: dict[str, list[float]] = {"raw": [], "feed": [], "rebuild": []}
    for run in range(runs):
        for name, step in (("raw", raw_read), ("feed", feed_read)):
            times[name].append(step(ledger))
        times["rebuild"].append(rebuild(ledger, projections))
        rates = {k: events / v[-1] for k, v in times.items()}
        progress(f"rebuild {store} run {run + 1}: " + ", ".join(f"{k} {r:,.0f} ev/s" for k, r in rates.items()))
    rate = {k: events / median(v) for k, v in times.items()}
    target = 20_000 if store == "postgres" else None
    return [
        Figure(
            "rebuild",
            store,
            f"all read models from 0, {events:,} events (ev/s)",
            rate["rebuild"],
            "ev/s",
            "feed read, no projection work",
            rate["feed"],
            "≥ 0.25x" + (", ≥ 20,000/s" if target else ""),
            rate["rebuild"] >= 0.25 * rate["feed"] and (target is None or rate["rebuild"] >= target),
        ),
        Figure(
            "rebuild",
            store,
            "feed read, no projection work (ev/s)",
            rate["feed"],
            "ev/s",
            "raw notifications, no decoding",
            rate["raw"],
        ),
    ]


def len_published(ledger: LedgerApplication) -> int:
    count, after = 0, 0
    while True:
        page = ledger.recorder.select_notifications(
            start=after, limit=5000, topics=PUBLISHED_TOPICS, inclusive_of_start=False
        )
        if not page:
            return count
        count += len(page)
        after = page[-1].id
