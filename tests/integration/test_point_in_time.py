"""`as_of` is a true point in time (SPEC §7): what the system knew at an instant, by event time, on both
stores. Later moderations, completions and leavers do not leak into an earlier answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from services.feed import Follower
from services.ledger import commands as c
from services.ledger.application import LedgerApplication
from services.projections.consumer import Projections
from services.projections.projectors.base import utc_text
from services.projections.queries.actions import ActionFilter, outstanding_actions
from services.projections.queries.common import PointInTime
from services.projections.queries.cycles import dashboard, moderation_coverage
from tests.conftest import Clock
from tests.support.projections import ledger_feed, new_projections
from tests.support.world import NO_KEY, World, actor


@pytest.fixture
def world(ledger: LedgerApplication) -> World:
    return World(ledger).register_everyone()


@pytest.fixture
def projections(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[Projections]:
    projections = new_projections(database_url, tmp_path, clock)
    yield projections
    projections.db.close()


def last_event_time(world: World) -> str:
    """The recorded time of the newest event in the ledger, as the read models compare instants."""
    return utc_text(world.ledger.feed_page(0, 10_000).events[-1].time)


def test_the_dashboard_as_known_before_a_moderation_counts_the_auditors_grade(
    world: World, projections: Projections, clock: Clock
) -> None:
    cycle = world.cycle()
    audit = world.allocate(cycle)
    world.submit(audit, grade="good")
    before = last_event_time(world)
    world.moderate(audit, grade="inadequate")
    Follower(ledger_feed(world.ledger), projections).catch_up()
    with projections.db.snapshot() as tx:
        then = dashboard(tx, str(cycle), PointInTime(clock.today, before))
        now = dashboard(tx, str(cycle), PointInTime(clock.today))
        then_coverage = moderation_coverage(tx, str(cycle), PointInTime(clock.today, before))
    assert then["grade_distribution"]["good"] == 1 and then["grade_distribution"]["inadequate"] == 0
    assert now["grade_distribution"]["inadequate"] == 1 and now["grade_distribution"]["good"] == 0
    assert then_coverage["moderated"] == 0 and then_coverage["inadequate_audits"] == []


def test_an_action_completed_later_was_open_then(world: World, projections: Projections, clock: Clock) -> None:
    audit = world.allocate(world.cycle())
    world.submit(audit)
    world.discuss(audit)
    action = world.agree_action(audit, due_in_days=3)
    before = last_event_time(world)
    world.ledger.complete_action(actor("tm.cic1"), action, c.CompleteAction(outcome="Done"), NO_KEY)
    Follower(ledger_feed(world.ledger), projections).catch_up()
    later = clock.today + timedelta(days=5)
    with projections.db.snapshot() as tx:
        then = outstanding_actions(tx, PointInTime(later, before), ActionFilter())
        now = outstanding_actions(tx, PointInTime(later), ActionFilter())
    assert [a["action_id"] for a in then["actions"]] == [str(action)] and then["overdue"] == 1
    assert now["actions"] == []


def test_the_head_of_service_named_is_the_one_in_post_then(
    world: World, projections: Projections, clock: Clock
) -> None:
    cycle = world.cycle()
    world.allocate(cycle, auditor="aud.soc")
    before = last_event_time(world)
    world.ledger.record_staff_leaving(
        world.qa, "hos.soc", c.RecordStaffLeaving(left_on=clock.today, reason="Retired"), NO_KEY
    )
    Follower(ledger_feed(world.ledger), projections).catch_up()
    with projections.db.snapshot() as tx:
        then = dashboard(tx, str(cycle), PointInTime(clock.today, before))
        now = dashboard(tx, str(cycle), PointInTime(clock.today))
    [area_then] = then["completion_by_day_14"]["by_service_area"]
    [area_now] = now["completion_by_day_14"]["by_service_area"]
    assert area_then["heads_of_service"] == [{"staff_id": "hos.soc", "name": "Hos Soc"}]
    assert area_now["heads_of_service"] == []
