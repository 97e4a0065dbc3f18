"""Blue/green rebuilds, on SQLite and PostgreSQL: they cannot empty the read models.

A rebuild reads until the ledger's head as it was when the rebuild began (asked of the ledger, not
guessed from an empty poll), into tables beside the live ones, while the live ones keep serving and
following; it swaps them in one transaction. A rebuild that fails, or is interrupted, leaves the
live read models exactly as they were.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg2
import pytest

from services.feed import Batch, EventNotApplied, Follower, LogFeed
from services.ledger.application import LedgerApplication
from services.projections.consumer import Projections
from services.projections.projectors import all_projectors
from services.projections.rebuild import RebuildFailed
from services.projections.store import Database
from tests.conftest import Clock
from tests.integration.test_projection_schema import OldMeetingsProjector as OldMeetings
from tests.support.consumers import POISONS, poisoned_feed
from tests.support.projections import (
    busy_department,
    ledger_feed,
    new_projections,
    projections_url,
    query_dump,
    table_dump,
)
from tests.support.world import World


class Watched:
    """The ledger's feed, doing something at a given poll (mid-rebuild) and optionally slow to start."""

    def __init__(
        self, feed: Any, at_poll: int = 0, action: Callable[[], None] = lambda: None, empty_polls: int = 0
    ) -> None:
        self.feed, self.at_poll, self.action, self.empty_polls = feed, at_poll, action, empty_polls
        self.polls = 0

    def poll(self, after: int, max_events: int = 500, timeout: float = 0.5) -> Batch:
        self.polls += 1
        if self.polls == self.at_poll:
            self.action()
        if self.polls <= self.empty_polls:  # a Kafka consumer group still joining hands out nothing
            return Batch([], None)
        return self.feed.poll(after, max_events, timeout)  # type: ignore[no-any-return]

    def head(self) -> int:
        return self.feed.head()  # type: ignore[no-any-return]

    def close(self, applied: int | None = None) -> None:
        self.feed.close(applied)


@pytest.fixture
def world(ledger: LedgerApplication) -> World:
    return World(ledger).register_everyone()


@pytest.fixture
def live(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[Projections]:
    projections = new_projections(database_url, tmp_path, clock, "live")
    yield projections
    projections.db.close()


@pytest.fixture
def followed(world: World, live: Projections) -> Projections:
    busy_department(world, Follower(ledger_feed(world.ledger), live, batch_size=7).catch_up)
    return live


def snapshot(projections: Projections, clock: Clock) -> tuple[Any, Any]:
    return query_dump(projections, clock.today + timedelta(days=3)), table_dump(projections)


def build_area_tables(projections: Projections) -> list[str]:
    """What a rebuild left beside the live store: the build schema's tables, or the build file."""
    db = projections.db
    if not db.postgres:
        assert db.sqlite_path is not None
        build = Path(db.sqlite_path + ".rebuild")
        return [p.name for p in (build, Path(f"{build}-wal"), Path(f"{build}-shm")) if p.exists()]
    with db.snapshot() as tx:
        rows = tx.all("SELECT tablename FROM pg_tables WHERE schemaname = ?", (db.current_schema() + "_rebuild",))
    return [r["tablename"] for r in rows]


def test_a_rebuild_reads_to_the_head_the_ledger_gave_when_it_began(
    followed: Projections, world: World, clock: Clock
) -> None:
    before = snapshot(followed, clock)
    # The first polls answer nothing, as a Kafka consumer group does while it joins: the old rebuild
    # took that for the end of the log, after it had emptied the tables.
    followed.rebuild(Watched(ledger_feed(world.ledger), empty_polls=3))
    assert snapshot(followed, clock) == before
    assert followed.position() == world.ledger.feed_page(0, 1).head


def test_a_feed_that_ends_short_of_the_head_fails_loudly_and_changes_nothing(
    followed: Projections, world: World, clock: Clock
) -> None:
    before = snapshot(followed, clock)
    head = world.ledger.feed_page(0, 1).head

    def short_page(after: int, limit: int) -> tuple[list[Any], int]:  # a topic that lost its tail
        page = world.ledger.feed_page(after, limit)
        return [e for e in page.events if e.position < head - 5], page.head

    with pytest.raises(RebuildFailed, match=f"short of the ledger's head {head}"):
        followed.rebuild(LogFeed(short_page, idle_wait=0.05), patience=1.0)
    assert snapshot(followed, clock) == before
    assert build_area_tables(followed) == []


def test_a_feed_missing_its_first_events_fails_loudly_and_changes_nothing(
    followed: Projections, world: World, clock: Clock
) -> None:
    """A Kafka topic that lost its beginning (an in-memory broker restarted) still reaches the head:
    only the gap-free `sequence` shows that events 1 to 5 never came."""
    before = snapshot(followed, clock)

    def without_the_first_five(after: int, limit: int) -> tuple[list[Any], int]:
        page = world.ledger.feed_page(after, limit)
        return [e for e in page.events if e.sequence > 5], page.head

    with pytest.raises(RebuildFailed, match="sequence 6 where 1 was due"):
        followed.rebuild(LogFeed(without_the_first_five, idle_wait=0.05))
    assert snapshot(followed, clock) == before
    assert build_area_tables(followed) == []


def test_an_event_the_rebuild_cannot_apply_fails_it_and_changes_nothing(
    followed: Projections, world: World, clock: Clock
) -> None:
    before = snapshot(followed, clock)
    feed, poisoned = poisoned_feed(world.ledger, POISONS["personal"])
    with pytest.raises(EventNotApplied) as caught:
        followed.rebuild(feed)
    assert caught.value.position == poisoned[0]
    assert snapshot(followed, clock) == before
    assert build_area_tables(followed) == []


def test_the_live_models_serve_and_follow_while_a_rebuild_runs(
    followed: Projections, world: World, clock: Clock, database_url: str, tmp_path: Path
) -> None:
    before = snapshot(followed, clock)
    seen: dict[str, Any] = {}

    def midway() -> None:
        seen["during"] = snapshot(followed, clock)
        # The department keeps working, and the live follower keeps up, beyond the rebuild's target.
        with followed.db.snapshot() as tx:
            cycle = UUID(tx.scalar("SELECT cycle_id FROM proj_cycles"))
        world.allocate(cycle, child_ref="MOS-930000")
        Follower(ledger_feed(world.ledger), followed).catch_up()
        seen["followed_to"] = followed.position()

    followed.rebuild(Watched(ledger_feed(world.ledger), at_poll=2, action=midway), batch_size=10)

    assert seen["during"] == before
    head = world.ledger.feed_page(0, 1).head
    assert seen["followed_to"] == head
    # The swap waited for the rebuilt models to reach the live ones: nothing the live follower had
    # applied is missing, and the result is what a replay of everything from 0 gives.
    assert followed.positions() == dict.fromkeys(followed.positions(), head)
    reference = new_projections(database_url, tmp_path, clock, "reference")
    try:
        reference.rebuild(ledger_feed(world.ledger))
        assert snapshot(followed, clock) == snapshot(reference, clock)
    finally:
        reference.db.close()
    assert build_area_tables(followed) == []


def test_an_interrupted_rebuild_leaves_the_live_models_and_the_next_one_starts_clean(
    followed: Projections, world: World, clock: Clock
) -> None:
    before = snapshot(followed, clock)

    def interrupt() -> None:
        raise KeyboardInterrupt  # Ctrl-C, midway

    with pytest.raises(KeyboardInterrupt):
        followed.rebuild(Watched(ledger_feed(world.ledger), at_poll=3, action=interrupt), batch_size=10)
    assert snapshot(followed, clock) == before

    followed.rebuild(ledger_feed(world.ledger))
    assert snapshot(followed, clock) == before
    assert build_area_tables(followed) == []


def test_one_rebuild_at_a_time(followed: Projections, world: World, clock: Clock) -> None:
    refused: list[str] = []

    def second_rebuild() -> None:
        with pytest.raises(RebuildFailed, match="another rebuild") as caught:
            followed.rebuild(ledger_feed(world.ledger))
        refused.append(str(caught.value))

    followed.rebuild(Watched(ledger_feed(world.ledger), at_poll=2, action=second_rebuild), batch_size=10)
    assert len(refused) == 1


def test_one_projection_is_rebuilt_alone_and_the_others_are_left_as_they_are(
    followed: Projections, world: World, clock: Clock
) -> None:
    before = snapshot(followed, clock)
    positions = followed.positions()
    # Rows lost from two read models (an operator's mistake): only the rebuilt one gets them back.
    with followed.db.transaction() as tx:
        tx.execute("DELETE FROM proj_trail_events")
        tx.execute("DELETE FROM proj_actions")
    followed.rebuild(ledger_feed(world.ledger), ["trails"])
    after_tables = table_dump(followed)
    assert after_tables["proj_trail_events"] == before[1]["proj_trail_events"]
    assert after_tables["proj_actions"] == []
    assert followed.positions() == positions
    with pytest.raises(ValueError, match="unknown projections"):
        followed.rebuild(ledger_feed(world.ledger), ["nonsense"])


def test_a_reader_across_the_swap_keeps_its_answer(followed: Projections, world: World, database_url: str) -> None:
    """A read transaction open while the rebuild swaps: PostgreSQL's swap waits for it (and retries),
    SQLite's reader keeps its snapshot of the file. Either way the reader is neither cut off nor
    shown a mix, and the rebuild completes."""
    db = followed.db
    if db.postgres:
        reader: Any = psycopg2.connect(database_url.split("?")[0], options=f"-c search_path={db.current_schema()}")
        reader.set_session(isolation_level="REPEATABLE READ", readonly=True)
    else:
        reader = sqlite3.connect(str(db.sqlite_path), isolation_level=None, check_same_thread=False)
        reader.execute("BEGIN")
    cursor = reader.cursor()
    cursor.execute("SELECT count(*) FROM proj_audits")
    first = cursor.fetchone()
    second: list[Any] = []

    def finish_reading() -> None:
        time.sleep(1.5)  # the rebuild reaches its swap meanwhile
        cursor.execute("SELECT count(*) FROM proj_trail_events")
        cursor.execute("SELECT count(*) FROM proj_audits")
        second.append(cursor.fetchone())
        reader.commit()

    thread = threading.Thread(target=finish_reading)
    thread.start()
    try:
        followed.rebuild(ledger_feed(world.ledger), batch_size=10)
    finally:
        thread.join(10)
        reader.close()
    assert second == [first]
    assert followed.position() == world.ledger.feed_page(0, 1).head


def test_a_new_release_rebuilds_a_changed_projector_beside_the_old_tables(
    world: World, database_url: str, tmp_path: Path, clock: Clock
) -> None:
    """The release that changed a projector's tables rebuilds while the old release serves: the old
    tables stay as they are until the swap, and the new release then starts without replaying."""
    world.adqa_meeting(world.cycle())
    url = projections_url(database_url, tmp_path, "release")
    old = Projections(
        Database(url), projectors=[OldMeetings() if p.name == "meetings" else p for p in all_projectors()]
    )
    Follower(ledger_feed(world.ledger), old).catch_up()
    head = world.ledger.feed_page(0, 1).head

    rebuilding = Projections(Database(url), reshape=False)  # the new release's rebuild command
    try:
        # Starting the rebuild dropped nothing: the old release's meetings table is still there, at the head.
        assert rebuilding.positions()["meetings"] == head
        assert rebuilding.rebuild(ledger_feed(world.ledger)) == head
    finally:
        rebuilding.db.close()
        old.db.close()

    new = Projections(Database(url))  # the new release starts on tables that already fit
    try:
        assert new.positions()["meetings"] == head
        with new.db.snapshot() as tx:
            [meeting] = tx.all("SELECT kind, pdl_post_vacant FROM proj_meetings")
        assert meeting == {"kind": "adqa", "pdl_post_vacant": 0}
    finally:
        new.db.close()
