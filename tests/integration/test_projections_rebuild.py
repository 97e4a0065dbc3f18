"""Idempotency and rebuild: a replay changes nothing, and a rebuild from position 0 equals the live models.

The live read models follow the ledger in many small batches while the department works; the
rebuilt ones replay the whole log at once. Every query's full output must be identical.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from services.feed import Batch, Follower
from services.ledger.application import LedgerApplication
from services.projections.consumer import Projections
from tests.conftest import Clock
from tests.support.projections import busy_department, ledger_feed, new_projections, query_dump, table_dump
from tests.support.world import World


@pytest.fixture
def world(ledger: LedgerApplication) -> World:
    return World(ledger).register_everyone()


@pytest.fixture
def live(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[Projections]:
    projections = new_projections(database_url, tmp_path, clock, "live")
    yield projections
    projections.db.close()


@pytest.fixture
def fresh(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[Projections]:
    projections = new_projections(database_url, tmp_path, clock, "fresh")
    yield projections
    projections.db.close()


@pytest.fixture
def followed(world: World, live: Projections) -> Projections:
    follower = Follower(ledger_feed(world.ledger), live, batch_size=3)
    busy_department(world, follower.catch_up)
    return live


def test_the_scenario_reaches_every_read_model(followed: Projections, world: World, clock: Clock) -> None:
    dump = query_dump(followed, clock.today + timedelta(days=3))
    [coverage] = [v for k, v in dump.items() if k.startswith("now/coverage/")]
    assert (coverage["submitted"], coverage["moderated"]) == (5, 2)
    # The PSW moderated the inadequate audit to requires improvement: its effective grade is not inadequate.
    assert coverage["inadequate_audits"] == []
    assert dump["now/outstanding"]["open"] == 1 and dump["now/outstanding"]["overdue"] == 1
    assert dump["programme"]["items"][0]["topic"] == "Private fostering"
    assert dump["quotas"]["short"] == [  # aud.soc joined Youth Justice this month
        {"staff_id": "aud.soc", "tool": "victim", "short_by": 1},
        {"staff_id": "eh.leader", "tool": "early_help", "short_by": 1},
    ]
    assert any(k.startswith("trail/child/") for k in dump) and any(k.startswith("now/hos/") for k in dump)
    assert dump["registers/audits"]["items"] and dump["registers/staff"]["items"]
    assert followed.positions() == dict.fromkeys(followed.positions(), world.ledger.feed_page(0, 1).head)


def test_replaying_the_same_batch_changes_nothing(world: World, fresh: Projections) -> None:
    busy_department(world, lambda: None)
    batch = ledger_feed(world.ledger).poll(0, 1000, timeout=0)
    fresh.apply(Batch(batch.envelopes[:40], batch.head))
    fresh.apply(batch)
    once = table_dump(fresh)
    fresh.apply(batch)
    fresh.apply(Batch(batch.envelopes[10:60], batch.head))  # an overlapping redelivery
    assert table_dump(fresh) == once


def test_a_rebuild_from_zero_equals_the_live_read_models(
    followed: Projections, world: World, fresh: Projections, clock: Clock
) -> None:
    as_of = clock.today + timedelta(days=3)
    live_queries, live_tables = query_dump(followed, as_of), table_dump(followed)

    fresh.rebuild(ledger_feed(world.ledger), batch_size=1000)
    assert query_dump(fresh, as_of) == live_queries
    assert table_dump(fresh) == live_tables

    followed.rebuild(ledger_feed(world.ledger))  # over live models: built beside them, then swapped in
    assert query_dump(followed, as_of) == live_queries
    assert table_dump(followed) == live_tables
