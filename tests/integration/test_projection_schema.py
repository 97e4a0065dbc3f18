"""A projector whose table definitions changed (a new column) starts again from position 0 on its own,
instead of failing on its old tables; the other projectors keep their rows and positions."""

from __future__ import annotations

from pathlib import Path

from services.feed import Follower
from services.ledger.application import LedgerApplication
from services.projections.consumer import Projections
from services.projections.projectors import all_projectors
from services.projections.projectors.meetings import MeetingsProjector
from services.projections.store import Database
from tests.support.projections import ledger_feed, projections_url
from tests.support.world import World


class OldMeetingsProjector(MeetingsProjector):
    """The meetings projector as an earlier release defined its table: without `pdl_post_vacant`."""

    tables = {"proj_meetings": "CREATE TABLE IF NOT EXISTS proj_meetings (meeting_id TEXT PRIMARY KEY)"}
    indexes = ()

    def handlers(self):  # type: ignore[no-untyped-def]
        return {}


def test_a_changed_projector_is_replayed_from_zero_and_the_others_stand_still(
    ledger: LedgerApplication, database_url: str, tmp_path: Path
) -> None:
    world = World(ledger).register_everyone()
    cycle = world.cycle()
    world.adqa_meeting(cycle)
    url = projections_url(database_url, tmp_path)
    old = [OldMeetingsProjector() if p.name == "meetings" else p for p in all_projectors()]
    before = Projections(Database(url), projectors=old)
    Follower(ledger_feed(ledger), before).catch_up()
    head = ledger.feed_page(0, 1).head
    assert before.positions()["meetings"] == head
    before.db.close()

    after = Projections(Database(url))  # this release's definitions
    try:
        positions = after.positions()
        assert positions["meetings"] == 0 and positions["audits"] == head
        Follower(ledger_feed(ledger), after).catch_up()
        with after.db.snapshot() as tx:
            [meeting] = tx.all("SELECT kind, pdl_post_vacant FROM proj_meetings")
        assert meeting == {"kind": "adqa", "pdl_post_vacant": 0}
    finally:
        after.db.close()
