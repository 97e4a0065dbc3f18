"""One rule on every service: the token authenticates, the staff register authorises.

The same token gets the same answer from the ledger (its feed), the projections (a cycle's
moderation coverage) and the notifier (every notification), served together by the embedded app
with the ledger on SQLite and on PostgreSQL. Before, the read side trusted a token's claim of
`qa_manager`, so a registered auditor, a stranger or a leaver claiming it read everything there.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.embedded import create_embedded_app
from services.ledger import commands as c
from services.ledger.config import LedgerSettings
from tests.conftest import TEST_AUTH, Clock, bearer
from tests.support.world import NO_KEY, World


@pytest.fixture
def system(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[tuple[TestClient, Any]]:
    settings = LedgerSettings(database_url=database_url, data_dir=tmp_path, cipher_key=None)
    app = create_embedded_app(settings, TEST_AUTH, clock=clock)
    world = World(app.state.ledger).register_everyone()
    second_qa = c.RegisterStaff(
        staff_id="qa.two",
        display_name="Second QA",
        email="qa.two@example.gov.uk",
        roles=["qa_manager"],
        team="QA Team",
        service_area="safeguarding_quality_review",
    )
    world.ledger.register_staff(world.qa, second_qa, NO_KEY)
    leaving = c.RecordStaffLeaving(left_on=clock.today, reason="Moved to another council")
    world.ledger.record_staff_leaving(world.qa, "qa.two", leaving, NO_KEY)
    cycle = world.cycle()
    world.submit(world.allocate(cycle), grade="inadequate")
    with TestClient(app) as client:
        app.state.projections_follower.catch_up()
        app.state.notifier_follower.catch_up()
        yield client, cycle
    app.state.ledger.close()


READS = ("/v1/events", "/v1/cycles/{cycle}/moderation-coverage", "/v1/notifications")


@pytest.mark.parametrize(
    ("subject", "roles", "status"),
    [
        ("qa.manager", ["qa_manager"], 200),  # the QA Manager the register holds
        ("inspector.one", ["inspector"], 200),  # inspectors are not staff: their role is the issuer's word
        ("aud.soc", ["qa_manager"], 403),  # a registered auditor claiming qa_manager
        ("nobody.here", ["qa_manager"], 403),  # not in the register at all
        ("qa.two", ["qa_manager"], 403),  # a QA Manager from the day they leave
        ("aud.soc", ["inspector"], 403),  # staff are inspectors only if the register says so
    ],
)
def test_every_service_answers_a_token_as_the_register_says(
    system: tuple[TestClient, Any], subject: str, roles: list[str], status: int
) -> None:
    client, cycle = system
    headers = bearer(subject, *roles)
    answers = {path: client.get(path.format(cycle=cycle), headers=headers).status_code for path in READS}
    assert answers == dict.fromkeys(READS, status)


def test_a_leaving_day_still_to_come_does_not_refuse_yet(system: tuple[TestClient, Any], clock: Clock) -> None:
    client, cycle = system
    clock.today -= timedelta(days=1)  # the day before qa.two leaves
    headers = bearer("qa.two", "qa_manager")
    assert [client.get(path.format(cycle=cycle), headers=headers).status_code for path in READS] == [200] * 3
