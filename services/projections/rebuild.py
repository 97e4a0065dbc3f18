"""Rebuild the read models blue/green: beside the live ones, to the ledger's head, then swap.

1. One rebuild at a time per store (a lock that dies with its process).
2. Ask the ledger for its published head *now*. The rebuild is not done until it has applied that
   position, however long the feed takes to start: a Kafka consumer group hands out nothing while
   it joins, and an empty poll says nothing about the end of the log. Nor may the feed skip any
   published event on the way: the envelopes' `sequence` must run 1, 2, 3... with no gap.
3. Replay the feed from position 0 into an empty build area, while the live tables keep serving
   and their follower keeps applying new events.
4. Swap in one transaction: with the live tables locked, the rebuilt models must be at least as far
   as the live ones (else catch up to them and try again); then they take the live ones' place,
   with their tracked positions.
Anything that stops the rebuild before the swap commits (a feed that ends short of the head, an
event it cannot apply, Ctrl-C, SIGKILL) leaves the live read models exactly as they were.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.feed import Batch, Follower
from services.platform.failures import describe
from services.projections.bluegreen import BuildArea, LiveBusy, RebuildRefused, build_area

if TYPE_CHECKING:
    from services.feed import EventFeed
    from services.projections.consumer import Projections
    from services.projections.store import Tx

log = logging.getLogger("qa_ledger.projections.rebuild")

PROGRESS_SECONDS = 10.0


class RebuildFailed(RuntimeError):
    """The rebuild stopped before its swap: the live read models are unchanged."""


class _Behind(Exception):
    def __init__(self, live_position: int) -> None:
        self.live_position = live_position


@dataclass(frozen=True)
class Rebuilt:
    projections: list[str]
    head: int  # the ledger's head when the rebuild began
    position: int  # where the rebuilt models stood when they were swapped in


def rebuild(
    live: Projections,
    feed: EventFeed,
    names: Iterable[str] | None = None,
    *,
    batch_size: int = 500,
    patience: float = 60.0,
) -> Rebuilt:
    """Rebuild the named projectors (all by default). `patience`: how long the feed may give
    nothing before the head is reached, and how long the live tables may stay busy, before failing."""
    chosen = live.chosen(names)
    area = build_area(live.db)
    feed = Gapless(feed)
    try:
        with area.exclusive():
            build_db = area.open()
            try:
                build = type(live)(build_db, projectors=[type(p)() for p in chosen], today=live.today)
                head = _ask_head(feed)
                log.info("rebuilding %s up to the ledger's head %d", ", ".join(p.name for p in chosen), head)
                _replay(feed, build, head, batch_size, patience)
                position = _swap(live, build, area, feed, batch_size, patience)
            finally:
                build_db.close()
                area.discard()
    except RebuildRefused as exc:
        raise RebuildFailed(str(exc)) from exc
    log.info("rebuilt %s up to position %d; swapped in", ", ".join(p.name for p in chosen), position)
    return Rebuilt([p.name for p in chosen], head, position)


class Gapless:
    """The feed, checked for the published sequence (1, 2, 3... with no gap): a rebuild reads from
    the first event, and a topic that lost its beginning would otherwise reach the head all the same."""

    def __init__(self, feed: EventFeed) -> None:
        self.feed = feed
        self.position, self.sequence = 0, 0

    def poll(self, after: int, max_events: int = 500, timeout: float = 0.5) -> Batch:
        batch = self.feed.poll(after, max_events, timeout)
        for envelope in batch.envelopes:
            if envelope.position <= self.position:
                continue  # handed out again (at-least-once): already checked
            if envelope.sequence != self.sequence + 1:
                raise RebuildFailed(
                    f"the feed gave sequence {envelope.sequence} where {self.sequence + 1} was due "
                    f"(position {envelope.position}): published events are missing from it"
                )
            self.position, self.sequence = envelope.position, envelope.sequence
        return batch

    def head(self) -> int:
        return self.feed.head()

    def close(self, applied: int | None = None) -> None:
        self.feed.close(applied)


def _ask_head(feed: EventFeed) -> int:
    try:
        return feed.head()
    except Exception as exc:
        raise RebuildFailed(f"cannot ask the ledger for its head: {describe(exc)}") from exc


def _replay(feed: EventFeed, build: Projections, target: int, batch_size: int, patience: float) -> None:
    """Apply the feed into the build area until `target`; fail if it gives nothing for `patience` s."""
    follower = Follower(feed, build, batch_size)
    progressed = reported = time.monotonic()
    while (position := build.position()) < target:
        if follower.catch_up_once(timeout=0.5):  # raises EventNotApplied: the rebuild stops there
            progressed = time.monotonic()
        elif time.monotonic() - progressed > patience:
            raise RebuildFailed(
                f"the feed gave nothing after position {position} for {patience:.0f}s, "
                f"short of the ledger's head {target}"
            )
        if time.monotonic() - reported > PROGRESS_SECONDS:
            reported = time.monotonic()
            log.info("rebuild at position %d of %d", position, target)


def _swap(
    live: Projections, build: Projections, area: BuildArea, feed: EventFeed, batch_size: int, patience: float
) -> int:
    tables = [table for projector in build.projectors for table in projector.tables]
    every_live_table = [table for projector in live.projectors for table in projector.tables]
    # Every table a reader may touch first, so that no read transaction straddles the swap.
    every_live_table += ["proj_tracking", "proj_schema", "proj_trail_reads"]
    rebuilt = build.positions()
    with build.db.snapshot() as tx:  # the table definitions the rebuilt rows were written with
        shapes = [
            (r["projection"], r["fingerprint"]) for r in tx.all("SELECT projection, fingerprint FROM proj_schema")
        ]

    def guard(tx: Tx) -> None:
        tracked = {
            r["projection"]: int(r["position"]) for r in tx.all("SELECT projection, position FROM proj_tracking")
        }
        live_position = max(tracked.values(), default=0)
        if min(rebuilt.values()) < live_position:
            raise _Behind(live_position)  # the live follower moved on: catch up to it first
        for name, position in rebuilt.items():
            tx.execute(
                "INSERT INTO proj_tracking (projection, position) VALUES (?, ?)"
                " ON CONFLICT (projection) DO UPDATE SET position = excluded.position",
                (name, position),
            )
        for name, shape in shapes:
            tx.execute(
                "INSERT INTO proj_schema (projection, fingerprint) VALUES (?, ?)"
                " ON CONFLICT (projection) DO UPDATE SET fingerprint = excluded.fingerprint",
                (name, shape),
            )

    busy_since = time.monotonic()
    while True:
        try:
            area.swap_in(tables, every_live_table, guard)
            return min(rebuilt.values())
        except _Behind as behind:
            _replay(feed, build, behind.live_position, batch_size, patience)
            rebuilt = build.positions()
        except LiveBusy:
            if time.monotonic() - busy_since > patience:
                raise RebuildFailed(f"the live read models stayed busy for {patience:.0f}s; nothing swapped") from None
            time.sleep(0.05)
