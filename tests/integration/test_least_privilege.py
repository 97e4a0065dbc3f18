"""Least privilege on PostgreSQL: each service's database role is refused what it must not do.

`python -m services.ledger.provision` makes three login roles in a fresh database: the ledger's
(SELECT and INSERT on events, never UPDATE, DELETE or DDL) and one per consumer, owning its own
schema and granted nothing else. The consumers follow the ledger over Kafka or HTTP, so their roles
cannot read the ledger's tables, nor each other's, nor create anything outside their own schema.
Each role is then used for real: the consumers build their stores with it, the ledger appends with it.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from urllib.parse import urlparse, urlunparse

import psycopg
import pytest
from psycopg import errors

from devtools.distributed import prepare_databases
from services.ledger.adapters.store import eventsourcing_env
from services.ledger.application import LedgerApplication
from services.ledger.provision import ConsumerRole, provision, provision_consumer
from services.notifier.wiring import build_notifier
from services.projections.wiring import build_projections
from tests.support.postgres import fresh_database, postgres_server
from tests.support.world import World

pytestmark = pytest.mark.postgres


@dataclass(frozen=True)
class Roles:
    ledger: str  # each a connection URL as that role
    projections: str
    notifier: str
    history: tuple[str, ...] = ()  # the ledger's append-only tables (events, chain), schema-qualified


def plain(url: str) -> str:
    """A URL psycopg accepts (our `?schema=` and `?create_table=` are for the services)."""
    return urlunparse(urlparse(url)._replace(query=""))


@pytest.fixture(scope="module")
def roles() -> Iterator[Roles]:
    suffix = uuid.uuid4().hex[:8]  # roles are cluster-wide: parallel runs must not share them
    names = [f"qa_ledger_lp_{suffix}", f"qa_projections_{suffix}", f"qa_notifier_{suffix}"]
    with postgres_server() as admin_url:
        try:
            with fresh_database(admin_url) as database:
                ledger = provision(database, names[0], secrets.token_hex(8))
                projections = provision_consumer(database, ConsumerRole(names[1], secrets.token_hex(8), "projections"))
                notifier = provision_consumer(database, ConsumerRole(names[2], secrets.token_hex(8), "notifier"))
                # Provisioning twice is safe (compose runs it on every `up`).
                provision_consumer(database, ConsumerRole(names[1], secrets.token_hex(8), "projections"))
                projections = provision_consumer(database, ConsumerRole(names[1], "second-password", "projections"))
                yield Roles(ledger, projections, notifier)
        finally:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                for name in names:
                    conn.execute(f'DROP ROLE IF EXISTS "{name}"')


def refused(url: str, statement: str) -> None:
    with psycopg.connect(plain(url), autocommit=True) as conn, pytest.raises(errors.InsufficientPrivilege):
        conn.execute(statement)


def allowed(url: str, statement: str) -> None:
    with psycopg.connect(plain(url), autocommit=True) as conn:
        conn.execute(statement)


@pytest.fixture(scope="module")
def working(roles: Roles) -> Roles:
    """Each role does its own work first, so the refusals below are refusals, not missing tables."""
    ledger = LedgerApplication(env=eventsourcing_env(roles.ledger))  # the tables exist: provisioning made them
    World(ledger).register_everyone()
    assert (ledger.recorder.max_notification_id() or 0) > 0
    history = tuple(f"public.{table}" for table in ledger.recorder.append_only_tables)  # type: ignore[attr-defined]
    assert "public.ledger_events" in history and len(history) >= 2  # the events and their hash chain
    ledger.close()
    build_projections(roles.projections).db.close()  # the consumers create their tables as their own roles
    build_notifier(roles.notifier, [], None).store.close()
    return replace(roles, history=history)


def test_each_consumer_writes_its_own_tables(working: Roles) -> None:
    allowed(working.projections, "UPDATE projections.proj_tracking SET position = position")
    allowed(working.notifier, "UPDATE notifier.notifier_position SET position = position")
    # A blue/green rebuild builds beside the live schema and moves its tables in: no CREATE on the database.
    allowed(working.projections, "CREATE TABLE projections_rebuild.proj_tracking (LIKE projections.proj_tracking)")
    allowed(working.projections, "ALTER TABLE projections_rebuild.proj_tracking RENAME TO proj_tracking_built")
    allowed(working.projections, "ALTER TABLE projections_rebuild.proj_tracking_built SET SCHEMA projections")
    allowed(working.projections, "DROP TABLE projections.proj_tracking_built")


@pytest.mark.parametrize("consumer", ["projections", "notifier"])
def test_a_consumer_role_cannot_touch_the_ledger(working: Roles, consumer: str) -> None:
    url = getattr(working, consumer)
    for table in working.history:
        refused(url, f"SELECT * FROM {table} LIMIT 1")
        refused(url, f"INSERT INTO {table} DEFAULT VALUES")
        refused(url, f"DELETE FROM {table}")
        refused(url, f"TRUNCATE {table}")
        refused(url, f"DROP TABLE {table}")
    refused(url, "CREATE TABLE public.planted (x int)")
    refused(url, "CREATE SCHEMA planted")


def test_a_consumer_role_cannot_touch_the_other_consumer(working: Roles) -> None:
    refused(working.projections, "SELECT * FROM notifier.notifier_position")
    refused(working.projections, "CREATE TABLE notifier.planted (x int)")
    refused(working.projections, "CREATE TABLE notifier_rebuild.planted (x int)")
    refused(working.notifier, "SELECT * FROM projections.proj_tracking")
    refused(working.notifier, "DELETE FROM projections.proj_tracking")
    refused(working.notifier, "CREATE TABLE projections_rebuild.planted (x int)")


def test_the_ledger_role_cannot_edit_history_nor_touch_the_consumers(working: Roles) -> None:
    for table in working.history:
        refused(working.ledger, f"TRUNCATE {table}")
        refused(working.ledger, f"DROP TABLE {table}")
    refused(working.ledger, "DELETE FROM public.ledger_events")
    refused(working.ledger, "UPDATE public.ledger_events SET topic = topic")
    refused(working.ledger, "SELECT * FROM projections.proj_tracking")
    refused(working.ledger, "CREATE TABLE public.planted (x int)")


def test_the_distributed_run_connects_each_service_as_its_own_role() -> None:
    """`make run-distributed` (and its end-to-end test) provision exactly this: no service as the owner."""
    suffix = f"_{uuid.uuid4().hex[:8]}"
    names = [f"qa_ledger_app{suffix}", f"qa_projections{suffix}", f"qa_notifier{suffix}"]
    with postgres_server() as admin_url:
        try:
            with fresh_database(admin_url) as database:
                urls = prepare_databases(database, None, app_role=names[0], role_suffix=suffix)
                users = [urlparse(u).username for u in (urls.ledger_url, urls.projections_url, urls.notifier_url)]
                assert users == names
                assert urls.projections_url.endswith("?schema=projections")
                assert urls.notifier_url.endswith("?schema=notifier")
                refused(urls.projections_url, "SELECT * FROM public.ledger_events LIMIT 1")
        finally:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                for name in names:
                    conn.execute(f'DROP ROLE IF EXISTS "{name}"')
