"""A consumer that cannot apply an event never fails silently, on SQLite and PostgreSQL.

It stops at that position (everything before it applied, nothing after it, never skipped), retries
with backoff rather than in a hot loop, and says so: `/readyz` answers 503 naming the consumer, the
position, the event type and the error; the status endpoints and a Prometheus gauge say the same;
and none of it quotes the value that could not be stored.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from services.embedded import create_embedded_app
from services.feed import Batch, EventNotApplied, Follower
from services.feed.base import PositionedConsumer
from services.feed.logged import LoggedConsumer
from services.ledger.application import LedgerApplication
from services.ledger.config import LedgerSettings
from services.notifier.__main__ import install_notifier_operations
from services.notifier.application import Notifier
from services.notifier.wiring import NotifierRunner, create_notifier_app, follow_notifier
from services.platform.failures import describe
from services.projections.__main__ import install_projection_operations
from services.projections.consumer import Projections
from services.projections.wiring import create_projections_app
from tests.conftest import TEST_AUTH, bearer
from tests.support.consumers import PERSONAL, POISONS, close_consumer, make_consumer, poisoned_feed
from tests.support.postgres import fresh_schema
from tests.support.world import World

SERVICE = bearer("ops.monitor", "service")


@pytest.fixture
def world(ledger: LedgerApplication) -> World:
    world = World(ledger).register_everyone()
    cycle = world.cycle()
    for n in range(3):
        world.allocate(cycle, child_ref=f"MOS-10000{n}")
    return world


def last_position_before(ledger: LedgerApplication, position: int) -> int:
    return max(e.position for e in ledger.feed_page(0, 1000).events if e.position < position)


def wait_for_stall(follower: Follower, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds  # a bound on "eventually", not a performance claim
    while follower.stall is None:
        assert time.monotonic() < deadline, f"the follower never reported a stall (last error {follower.last_error})"
        time.sleep(0.02)


class CountingConsumer:
    """Counts how often the follower asks the consumer to apply something."""

    def __init__(self, consumer: PositionedConsumer) -> None:
        self.consumer = consumer
        self.name = consumer.name
        self.applies = 0

    def position(self) -> int:
        return self.consumer.position()

    def apply(self, batch: Batch) -> None:
        self.applies += 1
        self.consumer.apply(batch)


@pytest.mark.parametrize("poison", sorted(POISONS))
@pytest.mark.parametrize("kind", ["projections", "notifier"])
def test_a_consumer_stops_at_the_event_it_cannot_apply_and_never_skips_it(
    kind: str, poison: str, world: World, database_url: str, tmp_path: Path
) -> None:
    feed, poisoned = poisoned_feed(world.ledger, POISONS[poison])
    consumer = make_consumer(kind, database_url, tmp_path)
    follower = Follower(feed, consumer, batch_size=500)
    try:
        with pytest.raises(EventNotApplied) as caught:
            follower.catch_up()
        [at] = poisoned
        stopped = caught.value
        assert (stopped.consumer, stopped.position, stopped.event_type) == (kind, at, POISONS[poison].event_type)
        assert stopped.error and PERSONAL not in stopped.error and PERSONAL not in str(stopped)
        # Everything before the event is applied, nothing after it: the batch was split to find it.
        before = last_position_before(world.ledger, at)
        assert consumer.position() == before
        with pytest.raises(EventNotApplied):
            follower.catch_up()
        assert consumer.position() == before
    finally:
        close_consumer(consumer)


def test_a_stalled_follower_retries_with_backoff_and_logs_no_personal_data(
    world: World, database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    feed, poisoned = poisoned_feed(world.ledger, POISONS["personal"], idle_wait=0.05)
    projections = make_consumer("projections", database_url, tmp_path)
    counting = CountingConsumer(projections)
    follower = Follower(feed, counting).start()
    try:
        wait_for_stall(follower)
        first = follower.stall
        time.sleep(2.0)
        stall = follower.stall
        follower.stop()
        position = projections.position()
    finally:
        follower.stop()
        close_consumer(projections)
    assert first is not None and stall is not None
    assert (stall.consumer, stall.position, stall.event_type) == ("projections", poisoned[0], "AuditAllocated")
    assert stall.since == first.since, "the stall is one stall, not a new one per retry"
    # Backoff of 0.5 s, 1 s, 2 s...: a few attempts in two seconds, where a hot loop makes thousands.
    assert 2 <= stall.attempts <= 5
    # The first attempt splits the batch (one apply per envelope up to the bad one); each retry
    # after it is one batch and one single envelope.
    assert counting.applies <= len(world.ledger.feed_page(0, 1000).events) + 1 + 2 * stall.attempts
    assert position == last_position_before(world.ledger, poisoned[0])
    stalled = [r for r in caplog.records if r.levelname == "ERROR" and "stopped at position" in r.getMessage()]
    assert len(stalled) == 1 and getattr(stalled[0], "position", None) == poisoned[0]
    assert PERSONAL not in caplog.text


def metric_samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    return [
        (sample.labels, sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


def assert_reports_the_stall(client: TestClient, kind: str, status_path: str, at: int, event_type: str) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 503
    check = ready.json()["checks"][kind]
    assert check["status"] == "stalled"
    assert (check["consumer"], check["position"], check["event_type"]) == (kind, at, event_type)
    assert check["error"] and check["attempts"] >= 1 and check["since"]

    status = client.get(status_path, headers=SERVICE).json()
    assert {k: status["stalled"][k] for k in ("consumer", "position", "event_type", "error")} == {
        k: check[k] for k in ("consumer", "position", "event_type", "error")
    }

    metrics = client.get("/metrics").text
    samples = [s for s in metric_samples(metrics, "qa_ledger_consumer_stalled_position") if s[0]["consumer"] == kind]
    assert samples == [({"consumer": kind, "event_type": event_type, "error": check["error_kind"]}, float(at))]
    for text in (ready.text, json.dumps(status), metrics):
        assert PERSONAL not in text


def test_the_projections_service_reports_the_stall(world: World, database_url: str, tmp_path: Path) -> None:
    feed, poisoned = poisoned_feed(world.ledger, POISONS["personal"], idle_wait=0.05)
    projections = make_consumer("projections", database_url, tmp_path)
    assert isinstance(projections, Projections)
    follower = Follower(feed, LoggedConsumer(projections))
    app = create_projections_app(projections, follower, TEST_AUTH)
    install_projection_operations(app, projections, follower)
    with TestClient(app) as client:
        wait_for_stall(follower)
        assert_reports_the_stall(client, "projections", "/v1/projections/status", poisoned[0], "AuditAllocated")


def test_the_notifier_service_reports_the_stall(world: World, database_url: str, tmp_path: Path) -> None:
    feed, poisoned = poisoned_feed(world.ledger, POISONS["overflow"], idle_wait=0.05)
    notifier = make_consumer("notifier", database_url, tmp_path)
    assert isinstance(notifier, Notifier)
    follower = follow_notifier(feed, notifier)
    runner = NotifierRunner(notifier, interval=60)
    app = create_notifier_app(notifier, follower, TEST_AUTH)
    install_notifier_operations(app, notifier, follower, runner)
    follower.start()
    try:
        with TestClient(app) as client:
            wait_for_stall(follower)
            assert_reports_the_stall(client, "notifier", "/v1/notifier/status", poisoned[0], "AuditCycleScheduled")
    finally:
        follower.stop()
        notifier.store.close()


def refuse_cycles(url: str, table: str) -> None:
    """As an operator might (or a full disk would): the consumer's store refuses every new cycle."""
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute(f"CREATE TRIGGER refuse BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'refused'); END")
        return
    base, schema = url.split("?schema=")
    with psycopg2.connect(base, options=f"-c search_path={schema}") as conn, conn.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$"
        )
        cursor.execute(f"CREATE TRIGGER refuse BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION refuse()")


def consumer_url(database_url: str, tmp_path: Path, name: str) -> str:
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path}/{name}.sqlite3"
    base = database_url.split("?", 1)[0]
    return f"{base}?schema={fresh_schema(base)}"


def test_the_embedded_readyz_covers_its_projections_and_notifier(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    urls = {name: consumer_url(database_url, tmp_path, name) for name in ("projections", "notifier")}
    monkeypatch.setenv("PROJECTIONS_DATABASE_URL", urls["projections"])
    monkeypatch.setenv("NOTIFIER_DATABASE_URL", urls["notifier"])
    app = create_embedded_app(LedgerSettings(database_url=database_url, data_dir=tmp_path, cipher_key=None), TEST_AUTH)
    refuse_cycles(urls["projections"], "proj_cycles")
    refuse_cycles(urls["notifier"], "notifier_cycles")
    followers: dict[str, Follower] = {
        "projections": app.state.projections_follower,
        "notifier": app.state.notifier_follower,
    }
    with TestClient(app) as client:
        world = World(app.state.ledger).register_everyone()
        world.cycle()
        for follower in followers.values():
            wait_for_stall(follower)
        ready = client.get("/readyz")
        assert ready.status_code == 503
        checks: dict[str, Any] = ready.json()["checks"]
        assert checks["event_store"] == "ok"
        for kind in followers:
            assert checks[kind]["status"] == "stalled"
            assert (checks[kind]["consumer"], checks[kind]["event_type"]) == (kind, "AuditCycleScheduled")
            assert checks[kind]["position"] == app.state.ledger.feed_page(0, 1).head
        names = {
            labels["consumer"]
            for labels, value in metric_samples(client.get("/metrics").text, "qa_ledger_consumer_stalled_position")
            if value > 0
        }
        assert {"projections", "notifier"} <= names


class TestWhatAnErrorMaySay:
    """The text an operator sees names the kind of error and where, never the value refused."""

    def test_a_validation_error_names_fields_and_rules_not_the_input(self) -> None:
        from datetime import date

        from pydantic import BaseModel

        class Allocation(BaseModel):
            due_on: date
            notes: dict[str, int]

        with pytest.raises(ValueError) as caught:
            Allocation.model_validate({"due_on": PERSONAL, "notes": {PERSONAL: "x"}})
        text = describe(caught.value)
        assert PERSONAL not in text and "due_on" in text and "ValidationError" in text

    def test_a_message_quoting_the_value_is_masked(self, database_url: str) -> None:
        caught: pytest.ExceptionInfo[Exception]
        if database_url.startswith("sqlite"):  # SQLite's own messages name columns, not values
            from datetime import date

            with pytest.raises(ValueError) as caught:
                date.fromisoformat(PERSONAL)
        else:
            base = database_url.split("?", 1)[0]
            with psycopg2.connect(base) as conn, conn.cursor() as cursor, pytest.raises(psycopg2.Error) as caught:
                cursor.execute("SELECT %s::integer", (PERSONAL,))
        assert PERSONAL in str(caught.value)  # what the driver or Python says...
        text = describe(caught.value)
        assert PERSONAL not in text and text.startswith(type(caught.value).__name__)  # ...and what we say

    def test_an_overflow_keeps_its_message(self) -> None:
        assert describe(OverflowError("Python int too large to convert to SQLite INTEGER")) == (
            "OverflowError: Python int too large to convert to SQLite INTEGER"
        )
