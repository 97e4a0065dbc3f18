"""Delivery: signed webhooks, retries with backoff, dead letters, receipts in the ledger, replays and
restarts that send nothing twice. Real SMTP server, real HTTP receiver, SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from services.ledger.application import LedgerApplication
from services.notifier.adapters.channels import FileOutboxChannel, SmtpChannel, WebhookChannel
from services.notifier.adapters.receipts import HttpReceiptSink
from services.notifier.application import RetryPolicy
from services.notifier.ports import Channel
from services.notifier.wiring import NotifierRunner, build_notifier
from services.platform.auth import mint_local_token
from tests.conftest import TEST_AUTH, Clock
from tests.integration.test_notifier_rules import MONDAY, Harness, graded_audit, make_harness, notifier_store_url
from tests.support.mail import SmtpInbox, smtp_server
from tests.support.webhooks import WebhookReceiver, webhook_receiver
from tests.support.world import SOC

SECRET = "test-webhook-secret-4f1c"


@pytest.fixture
def notifier_url(database_url: str, tmp_path: Path) -> str:
    return notifier_store_url(database_url, tmp_path)


@pytest.fixture
def inbox() -> Iterator[SmtpInbox]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as r:
        yield r


def ledger_sink(client: TestClient, role: str = "service") -> HttpReceiptSink:
    return HttpReceiptSink("", mint_local_token(TEST_AUTH, "notifier", [role]), client=client)


@pytest.fixture
def harness(
    ledger: LedgerApplication,
    clock: Clock,
    notifier_url: str,
    inbox: SmtpInbox,
    receiver: WebhookReceiver,
    client: TestClient,
) -> Iterator[Harness]:
    clock.today = MONDAY - timedelta(days=7)
    channels: list[Channel] = [SmtpChannel(inbox.host, inbox.port), WebhookChannel(receiver.url, SECRET)]
    retry = RetryPolicy(max_attempts=3, base_delay=timedelta(seconds=10))
    h = make_harness(ledger, clock, notifier_url, channels, ledger_sink(client), retry, inbox)
    h.world.register_everyone()
    yield h
    h.notifier.store.close()


def receipts_in_ledger(ledger: LedgerApplication) -> list[dict[str, object]]:
    return [e.data for e in ledger.feed_page(0, 1000).events if e.contract == "NotificationDelivered"]


def allocate_one(h: Harness, child_ref: str = "MOS-700007") -> UUID:
    cycle = h.world.cycle(MONDAY)
    return h.world.allocate(cycle, auditor="aud.mash", child_ref=child_ref, case_area=SOC)


class TestSignedWebhooks:
    def test_the_body_is_signed_with_hmac_sha256_of_the_shared_secret(self, harness: Harness, receiver) -> None:  # type: ignore[no-untyped-def]
        allocate_one(harness)
        harness.sync()

        [request] = receiver.received()
        expected = "sha256=" + hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
        assert receiver.header(request, "X-QA-Ledger-Signature") == expected
        forged = "sha256=" + hmac.new(b"another-secret", request.body, hashlib.sha256).hexdigest()
        assert receiver.header(request, "X-QA-Ledger-Signature") != forged
        body = json.loads(request.body)
        assert receiver.header(request, "X-QA-Ledger-Timestamp") == str(body["sent_at"])  # signed copy
        assert body["rule"] == "audit.allocated" and body["recipient_id"] == "aud.mash"
        assert body["subject_line"].startswith("Audit allocated: case MOS-700007")
        assert harness.inbox.to("aud.mash@example.gov.uk")  # and the e-mail went too

    def test_failures_are_retried_with_exponential_backoff_then_succeed(self, harness: Harness, receiver) -> None:  # type: ignore[no-untyped-def]
        receiver.plan = [500, 503]
        allocate_one(harness)

        assert harness.sync().failed == 1  # attempt 1 fails: retry in 10 s
        assert harness.notifier.dispatch().sent == 0 and len(receiver.received()) == 1  # not yet due
        harness.now.advance(seconds=10)
        assert harness.notifier.dispatch().failed == 1  # attempt 2 fails: retry in 20 s
        harness.now.advance(seconds=19)
        harness.notifier.dispatch()
        assert len(receiver.received()) == 2
        harness.now.advance(seconds=1)
        assert harness.notifier.dispatch().sent == 1

        assert [r.answered for r in receiver.received()] == [500, 503, 204]
        with harness.notifier.store.transaction() as tx:
            [webhook] = [d for d in tx.deliveries(rule="audit.allocated") if d.channel == "webhook"]
        assert webhook.channel == "webhook" and webhook.attempts == 3 and webhook.receipt_recorded_at
        assert {r["channel"] for r in receipts_in_ledger(harness.ledger)} == {"email", "webhook"}

    def test_after_the_last_attempt_the_message_is_dead_lettered(self, harness: Harness, receiver) -> None:  # type: ignore[no-untyped-def]
        receiver.default_status = 500
        allocate_one(harness)
        harness.sync()
        for _ in range(5):
            harness.now.advance(minutes=5)
            harness.notifier.dispatch()

        assert len(receiver.received()) == 3  # max_attempts, then no more
        with harness.notifier.store.transaction() as tx:
            [dead] = tx.deliveries(status="dead")
            counts = tx.delivery_counts()
        assert dead.channel == "webhook" and dead.attempts == 3 and "answered 500" in (dead.last_error or "")
        assert counts["dead"] == 1 and counts["sent"] == 1  # the e-mail was delivered regardless
        assert [r["channel"] for r in receipts_in_ledger(harness.ledger)] == ["email"]  # no receipt when undelivered

        assert harness.notifier.requeue_dead_letter(dead.message_id, "webhook")
        receiver.default_status = 204
        assert harness.notifier.dispatch().sent == 1


class TestReceipts:
    def test_each_delivery_is_recorded_in_the_ledger_once(self, harness: Harness) -> None:
        audit_id = graded_audit(harness, "inadequate")
        harness.sync()

        receipts = receipts_in_ledger(harness.ledger)
        graded = next(e for e in harness.ledger.read_stream(harness.world.qa, audit_id) if e.contract == "AuditGraded")
        escalations = {
            (r["recipient_id"], r["channel"])
            for r in receipts
            if r["cause_event_id"] == str(graded.id)
            and r["cause_event_type"] == "AuditGraded"
            and str(r["rule"]).startswith("audit.inadequate")
        }
        assert escalations == {(who, ch) for who in ("sm.soc", "ad.one", "hos.soc") for ch in ("email", "webhook")}
        assert len(receipts) == 8  # the allocation's two, plus six for the grade

        harness.sync()  # the receipts come back through the feed: they trigger nothing
        assert len(receipts_in_ledger(harness.ledger)) == 8

    def test_a_receipt_the_ledger_refuses_is_kept_and_recorded_later(self, harness: Harness, client) -> None:  # type: ignore[no-untyped-def]
        harness.notifier.receipts = ledger_sink(client, role="auditor")  # 403 from the ledger
        allocate_one(harness)
        report = harness.sync()
        assert report.sent == 2 and report.receipt_errors and not receipts_in_ledger(harness.ledger)

        harness.notifier.receipts = ledger_sink(client)
        assert harness.notifier.dispatch().receipts_recorded == 2
        assert len(receipts_in_ledger(harness.ledger)) == 2


class TestReplayAndRestart:
    def scenario(self, h: Harness) -> None:
        audit_id = graded_audit(h, "inadequate")  # allocation + 3 told of the grade
        cycle_two = h.world.cycle(MONDAY + timedelta(days=56), name="Next")
        h.world.allocate(
            cycle_two, auditor="aud.soc", child_ref="MOS-800008", case_area="mash_assessment_support_awaken"
        )
        h.sync()
        h.world.discuss(audit_id, by="sm.soc", with_service_manager=True)
        h.world.agree_action(audit_id, owner="tm.cic1", by="sm.soc", due_in_days=3)
        h.on_day(MONDAY + timedelta(days=20))  # moderation floor, action due soon and overdue

    def sent(self, h: Harness, receiver: WebhookReceiver) -> tuple[int, int, int]:
        return len(h.inbox.messages()), len(receiver.received()), len(receipts_in_ledger(h.ledger))

    def test_replaying_the_whole_log_sends_nothing_new(self, harness: Harness, receiver) -> None:  # type: ignore[no-untyped-def]
        self.scenario(harness)
        before = self.sent(harness, receiver)
        assert before[0] >= 8 and before[0] == before[1] and before[2] == 2 * before[0]

        harness.notifier.rewind(0)
        assert harness.notifier.position() == 0
        harness.sync()
        assert self.sent(harness, receiver) == before
        assert harness.notifier.position() == harness.ledger.feed_page(0, 1000).events[-1].position

    def test_a_second_consumer_over_the_same_store_sends_nothing_new(  # type: ignore[no-untyped-def]
        self,
        harness: Harness,
        receiver,
        ledger,
        clock,
        notifier_url,
        client,
    ) -> None:
        self.scenario(harness)
        before = self.sent(harness, receiver)
        harness.notifier.store.close()  # the process stops

        channels = [SmtpChannel(harness.inbox.host, harness.inbox.port), WebhookChannel(receiver.url, SECRET)]
        again = make_harness(ledger, clock, notifier_url, channels, ledger_sink(client), inbox=harness.inbox)
        again.notifier.rewind(0)
        again.sync()
        again.on_day(clock.today + timedelta(days=1))
        assert self.sent(again, receiver) == before
        again.notifier.store.close()

    def test_a_deadline_evaluated_before_a_crash_is_sent_once_after_restart(  # type: ignore[no-untyped-def]
        self,
        harness: Harness,
        receiver,
        ledger,
        clock,
        notifier_url,
        client,
    ) -> None:
        allocate_one(harness)
        harness.sync()
        clock.today = MONDAY + timedelta(days=16)  # down over day 15: the deadline is not lost
        harness.follower.catch_up()
        assert harness.notifier.evaluate_deadlines() == 2  # auditor and HoS queued...
        harness.notifier.store.close()  # ...and the process dies before sending

        channels = [SmtpChannel(harness.inbox.host, harness.inbox.port), WebhookChannel(receiver.url, SECRET)]
        restarted = make_harness(ledger, clock, notifier_url, channels, ledger_sink(client), inbox=harness.inbox)
        restarted.sync()
        restarted.sync()
        assert restarted.count("audit.overdue") == 2
        assert sorted(r["recipient_id"] for r in receipts_in_ledger(ledger) if r["rule"] == "audit.overdue") == [
            "aud.mash",
            "aud.mash",
            "hos.mash",
            "hos.mash",  # e-mail and webhook each
        ]
        restarted.notifier.store.close()

    def test_deadlines_wait_until_the_notifier_has_caught_up(self, harness: Harness) -> None:
        harness.world.submit(allocate_one(harness))
        harness.clock.today = MONDAY + timedelta(days=16)
        # Nothing applied yet: judging now would call the submitted audit overdue.
        assert harness.notifier.evaluate_deadlines() == 0
        harness.sync()
        assert harness.count("audit.overdue") == 0


def test_embedded_mode_writes_eml_files_to_the_outbox(
    ledger: LedgerApplication,
    clock: Clock,
    notifier_url: str,
    tmp_path: Path,
) -> None:
    clock.today = MONDAY - timedelta(days=7)
    outbox = tmp_path / "data" / "outbox"
    h = make_harness(ledger, clock, notifier_url, [FileOutboxChannel(outbox)])
    h.world.register_everyone()
    allocate_one(h)
    h.follower.catch_up()
    h.notifier.tick()
    [eml] = list(outbox.glob("*.eml"))
    text = eml.read_text()
    assert "To: Aud Mash <aud.mash@example.gov.uk>" in text and "Subject: Audit allocated: case MOS-700007" in text
    h.notifier.store.close()


def test_the_notifier_refuses_two_channels_of_one_kind(notifier_url: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="one channel per kind"):
        build_notifier(notifier_url, [FileOutboxChannel(tmp_path), FileOutboxChannel(tmp_path)], None)


def test_in_the_background_the_follower_and_scheduler_deliver_unprompted(
    ledger: LedgerApplication, clock: Clock, notifier_url: str, inbox: SmtpInbox
) -> None:
    clock.today = MONDAY - timedelta(days=7)
    h = make_harness(ledger, clock, notifier_url, [SmtpChannel(inbox.host, inbox.port)], inbox=inbox)
    h.world.register_everyone()
    runner = NotifierRunner(h.notifier, interval=0.05)
    h.follower.start()
    runner.start()
    try:
        allocate_one(h)
        assert [m.rcpt_tos for m in inbox.wait_for(1, timeout=10)] == [["aud.mash@example.gov.uk"]]
        clock.today = MONDAY + timedelta(days=15)
        assert len(inbox.wait_for(3, timeout=10)) == 3  # overdue: the auditor and their HoS
    finally:
        runner.stop()
        h.follower.stop()
        h.notifier.store.close()
    assert runner.last_error is None and h.follower.last_error is None


def test_a_lost_outbox_replayed_from_the_ledger_tells_nobody_twice(  # type: ignore[no-untyped-def]
    harness: Harness, receiver, ledger, clock, database_url, tmp_path, client
) -> None:
    # A cycle's worth of notifications goes out, each with its receipt in the ledger.
    replays = TestReplayAndRestart()
    replays.scenario(harness)
    before = replays.sent(harness, receiver)
    assert before[0] >= 8
    harness.notifier.store.close()

    # The notifier's store is lost; a new one follows the whole log from position 0.
    (tmp_path / "fresh").mkdir()
    fresh_url = notifier_store_url(database_url, tmp_path / "fresh")
    channels = [SmtpChannel(harness.inbox.host, harness.inbox.port), WebhookChannel(receiver.url, SECRET)]
    rebuilt = make_harness(ledger, clock, fresh_url, channels, ledger_sink(client), inbox=harness.inbox)
    rebuilt.sync()
    rebuilt.on_day(clock.today + timedelta(days=1))

    # The receipts it read back stopped every send: the inbox and the webhook saw nothing new.
    assert replays.sent(rebuilt, receiver) == before
    rebuilt.notifier.store.close()
