"""The notifier judges deadlines and sends only once it has caught up with the ledger's head, asked of
the ledger: an empty poll (a Kafka consumer group still joining) proves nothing. So a restart tells
nobody something false, and a replay into a fresh store (the notifier's rebuild) sends nothing twice,
over the in-process feed and over Kafka. Real SMTP; SQLite and PostgreSQL.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.feed import Batch
from services.feed.kafka import KafkaFeed
from services.ledger.application import LedgerApplication
from services.ledger.relay import Relay
from services.notifier.adapters.channels import FileOutboxChannel, SmtpChannel
from services.notifier.adapters.receipts import HttpReceiptSink
from services.notifier.wiring import NotifierRunner, build_notifier, follow_notifier
from services.platform.auth import mint_local_token
from tests.conftest import TEST_AUTH, Clock
from tests.integration.test_notifier_rules import MONDAY, ledger_feed, notifier_store_url
from tests.support.mail import smtp_server
from tests.support.world import SOC, World


class Joining:
    """A feed whose first polls hand out nothing, as a Kafka consumer group does while it joins."""

    def __init__(self, feed: Any, empty_polls: int) -> None:
        self.feed, self.empty_polls = feed, empty_polls

    def poll(self, after: int, max_events: int = 500, timeout: float = 0.5) -> Batch:
        if self.empty_polls > 0:
            self.empty_polls -= 1
            return Batch([], None)
        return self.feed.poll(after, max_events, timeout)  # type: ignore[no-any-return]

    def head(self) -> int:
        return self.feed.head()  # type: ignore[no-any-return]

    def close(self, applied: int | None = None) -> None:
        self.feed.close(applied)


def overdue_messages(notifier: Any) -> list[Any]:
    with notifier.store.transaction() as tx:
        return [d for d in tx.deliveries(limit=500) if d.rule == "audit.overdue"]


def test_a_restart_judges_no_deadline_before_it_has_caught_up(
    ledger: LedgerApplication, clock: Clock, database_url: str, tmp_path: Path
) -> None:
    clock.today = MONDAY - timedelta(days=7)
    world = World(ledger).register_everyone()
    audit = world.allocate(world.cycle(MONDAY), child_ref="MOS-960001", case_area=SOC)
    notifier = build_notifier(
        notifier_store_url(database_url, tmp_path), [FileOutboxChannel(tmp_path / "outbox")], None, clock
    )
    try:
        follow_notifier(ledger_feed(ledger), notifier).catch_up()  # up to the allocation
        clock.today = MONDAY + timedelta(days=3)
        world.submit(audit)  # on time; the notifier is down and has not seen it
        clock.today = MONDAY + timedelta(days=16)  # past the due date

        # Restarted over Kafka: the group is still joining, so the first poll is empty.
        follower = follow_notifier(Joining(ledger_feed(ledger), empty_polls=1), notifier)
        assert follower.catch_up_once() == 0
        notifier.tick()
        assert overdue_messages(notifier) == [], "judged the audit overdue from a stale read model"

        follower.catch_up()
        notifier.tick()
        assert overdue_messages(notifier) == []
    finally:
        notifier.store.close()


@pytest.mark.kafka
@pytest.mark.timeout(120)
def test_a_notifier_rebuilt_from_kafka_into_a_fresh_store_sends_nothing_twice(
    ledger: LedgerApplication, clock: Clock, database_url: str, tmp_path: Path, client: TestClient, kafka_broker: Any
) -> None:
    sink = HttpReceiptSink("", mint_local_token(TEST_AUTH, "notifier", ["service"]), client=client)
    clock.today = MONDAY - timedelta(days=7)
    world = World(ledger).register_everyone()
    cycle = world.cycle(MONDAY)
    with smtp_server() as inbox:
        channels = [SmtpChannel(inbox.host, inbox.port)]
        first = build_notifier(notifier_store_url(database_url, tmp_path / "first"), channels, sink, clock)
        try:
            for n, grade in enumerate(["inadequate", "good", "requires_improvement"]):
                audit = world.allocate(cycle, child_ref=f"MOS-97000{n}", case_area=SOC)
                clock.today = MONDAY + timedelta(days=3)
                world.submit(audit, grade=grade)
            follow_notifier(ledger_feed(ledger), first).catch_up()
            report = first.tick()
            assert report.sent >= 6 and report.receipts_recorded == report.sent
        finally:
            first.store.close()
        sent = len(inbox.messages())

        # The store is lost; a fresh one replays the topic from its first record, as its own process
        # would: the follower and the scheduler each in their thread, ticking all the while.
        topic = f"notifier-rebuild-{uuid.uuid4().hex[:8]}"
        relay = Relay(ledger, kafka_broker.bootstrap_servers, topic)
        relay.publish_available()
        relay.stop()
        feed = KafkaFeed(
            kafka_broker.bootstrap_servers,
            topic,
            f"notifier-{uuid.uuid4().hex[:8]}",
            ledger_head=lambda: ledger.feed_page(0, 1).head,
        )
        rebuilt = build_notifier(notifier_store_url(database_url, tmp_path / "rebuilt"), channels, sink, clock)
        follower = follow_notifier(feed, rebuilt, batch_size=3)
        runner = NotifierRunner(rebuilt, interval=0.05)
        follower.start()
        runner.start()
        try:
            deadline = time.monotonic() + 60
            while rebuilt.position() < ledger.feed_page(0, 1).head:
                assert time.monotonic() < deadline, f"stuck at {rebuilt.position()}: {follower.readiness()}"
                time.sleep(0.05)
            time.sleep(0.5)  # a few more ticks once caught up
        finally:
            runner.stop()
            follower.stop()
            rebuilt.store.close()
        assert runner.last_error is None
        assert len(inbox.messages()) == sent
