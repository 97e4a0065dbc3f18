"""A blue/green rebuild as the projections' own least-privilege role (provisioned as compose and
`make run-distributed` provision it): it owns `projections` and `projections_rebuild` and may create
nothing else, and the rebuild needs nothing more."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from services.feed import Follower
from services.ledger.adapters.store import eventsourcing_env
from services.ledger.application import LedgerApplication
from services.ledger.provision import ConsumerRole, provision_consumer
from services.projections.consumer import Projections
from services.projections.store import Database
from tests.support.postgres import fresh_database, postgres_server
from tests.support.projections import busy_department, ledger_feed, table_dump
from tests.support.world import World


@pytest.fixture
def projections_role_url() -> Iterator[str]:
    role = f"qa_projections_rb_{uuid.uuid4().hex[:8]}"  # roles are cluster-wide: parallel runs must not share
    with postgres_server() as admin_url:
        try:
            with fresh_database(admin_url) as database:
                yield provision_consumer(database, ConsumerRole(role, secrets.token_hex(8), "projections"))
        finally:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def test_the_projections_role_rebuilds_without_any_right_beyond_its_schemas(
    projections_role_url: str, tmp_path: Path
) -> None:
    ledger = LedgerApplication(env=eventsourcing_env(f"sqlite:///{tmp_path}/ledger.sqlite3"))
    live = Projections(Database(projections_role_url))
    try:
        busy_department(World(ledger).register_everyone(), lambda: None)
        Follower(ledger_feed(ledger), live).catch_up()
        before = table_dump(live)
        assert live.rebuild(ledger_feed(ledger)) == ledger.feed_page(0, 1).head
        assert table_dump(live) == before
        with live.db.snapshot() as tx:  # and it left its build area empty
            assert tx.all("SELECT tablename FROM pg_tables WHERE schemaname = 'projections_rebuild'") == []
    finally:
        live.db.close()
        ledger.close()
