"""Fixtures shared by every test: stores (SQLite and PostgreSQL), a settable clock, tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from services.ledger.adapters.signing import CheckpointSigner
from services.ledger.adapters.store import eventsourcing_env
from services.ledger.api.app import create_app
from services.ledger.application import LedgerApplication
from services.platform.auth import AuthSettings, mint_local_token
from tests.support.kafka_broker import make_broker_fixture
from tests.support.postgres import fresh_database, fresh_schema, postgres_server

TEST_AUTH = AuthSettings(local_key="test-signing-key-not-for-production")


@dataclass
class Clock:
    """The ledger's idea of today; tests move it to cross deadlines."""

    today: date = date(2026, 11, 26)

    def __call__(self) -> date:
        return self.today


kafka_broker = make_broker_fixture()  # a Tansu broker per test session (or LEDGER_TEST_KAFKA_BOOTSTRAP)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """One fresh database per test run on the local server (or a testcontainer)."""
    with postgres_server() as admin_url, fresh_database(admin_url) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every test that takes this runs once on SQLite and once on PostgreSQL, each on empty tables."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/ledger.sqlite3"
    database = request.getfixturevalue("postgres_database")
    return f"{database}?schema={fresh_schema(database)}"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ledger(database_url: str, clock: Clock) -> Iterator[LedgerApplication]:
    app = LedgerApplication(env=eventsourcing_env(database_url), clock=clock)
    app.signer = CheckpointSigner(Ed25519PrivateKey.generate())
    yield app
    app.close()


@pytest.fixture
def client(ledger: LedgerApplication) -> Iterator[TestClient]:
    with TestClient(create_app(ledger, TEST_AUTH)) as test_client:
        yield test_client


def bearer(sub: str, *roles: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_local_token(TEST_AUTH, sub, list(roles))}"}


@pytest.fixture
def auth() -> Callable[..., dict[str, str]]:
    return bearer
