"""The notifier's HTTP API over a real app (ledger + notifier, as in embedded mode): who may see
which notifications, filters, and the status page with outbox counts and dead letters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.ledger.api.app import create_app
from services.ledger.application import LedgerApplication
from services.notifier.adapters.channels import SmtpChannel, WebhookChannel
from services.notifier.adapters.receipts import HttpReceiptSink
from services.notifier.application import RetryPolicy
from services.notifier.wiring import attach_notifier, notifier_router
from services.platform.auth import mint_local_token
from tests.conftest import TEST_AUTH, Clock
from tests.integration.test_notifier_rules import MONDAY, Harness, graded_audit, make_harness, notifier_store_url
from tests.support.mail import smtp_server
from tests.support.webhooks import WebhookReceiver, webhook_receiver

Auth = Callable[..., dict[str, str]]


@pytest.fixture
def system(
    ledger: LedgerApplication, clock: Clock, database_url: str, tmp_path: Path
) -> Iterator[tuple[Harness, TestClient, WebhookReceiver]]:
    """An inadequate audit told by e-mail (delivered) and by webhook (refused until dead-lettered)."""
    app = create_app(ledger, TEST_AUTH)
    app.include_router(notifier_router())
    with smtp_server() as inbox, webhook_receiver() as receiver, TestClient(app) as client:
        receiver.default_status = 500
        clock.today = MONDAY - timedelta(days=7)
        channels = [SmtpChannel(inbox.host, inbox.port), WebhookChannel(receiver.url, "api-test-secret")]
        receipts = HttpReceiptSink("", mint_local_token(TEST_AUTH, "notifier", ["service"]), client=client)
        h = make_harness(
            ledger,
            clock,
            notifier_store_url(database_url, tmp_path),
            channels,
            receipts,
            retry=RetryPolicy(max_attempts=2, base_delay=timedelta(seconds=1)),
            inbox=inbox,
        )
        attach_notifier(app, h.notifier, h.follower)
        h.world.register_everyone()
        graded_audit(h, "inadequate")
        h.sync()
        h.now.advance(seconds=5)
        h.notifier.dispatch()  # second and last webhook attempt fails: dead letters
        h.follower.catch_up()  # the receipts come back through the feed
        yield h, client, receiver
        h.notifier.store.close()


def test_a_token_is_required(system) -> None:  # type: ignore[no-untyped-def]
    _, client, _ = system
    response = client.get("/v1/notifications")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_the_qa_manager_sees_every_notification_and_can_filter(system, auth: Auth) -> None:  # type: ignore[no-untyped-def]
    _, client, _ = system
    everything = client.get("/v1/notifications", headers=auth("qa.manager", "qa_manager")).json()["items"]
    assert {(i["recipient_id"], i["channel"]) for i in everything} == {
        (who, channel) for who in ("aud.mash", "sm.soc", "ad.one", "hos.soc") for channel in ("email", "webhook")
    }

    escalations = client.get(
        "/v1/notifications",
        params={"rule": "audit.inadequate.escalate", "status": "sent"},
        headers=auth("qa.manager", "qa_manager"),
    ).json()["items"]
    assert {(i["recipient_id"], i["channel"], i["status"]) for i in escalations} == {
        ("ad.one", "email", "sent"),
        ("hos.soc", "email", "sent"),
    }
    assert all(i["cause_event_type"] == "AuditGraded" and "MOS-100001" in i["subject_line"] for i in escalations)
    # `audit.inadequate.escalate` is the rule's old id: the new one finds the same messages.
    assert (
        escalations
        == client.get(
            "/v1/notifications",
            params={"rule": "audit.inadequate.send_to_ad_and_hos", "status": "sent"},
            headers=auth("qa.manager", "qa_manager"),
        ).json()["items"]
    )


def test_an_inspector_sees_all_and_a_member_of_staff_only_their_own(system, auth: Auth) -> None:  # type: ignore[no-untyped-def]
    _, client, _ = system
    assert len(client.get("/v1/notifications", headers=auth("inspector.one", "inspector")).json()["items"]) == 8

    own = client.get("/v1/notifications", headers=auth("sm.soc", "service_manager")).json()["items"]
    assert {i["recipient_id"] for i in own} == {"sm.soc"} and len(own) == 2
    assert own[0]["rule"] == "audit.inadequate.invite_service_manager"

    other = client.get("/v1/notifications", params={"recipient": "ad.one"}, headers=auth("sm.soc", "service_manager"))
    assert other.status_code == 403 and "recipient" in other.json()["detail"]


def test_dead_letters_are_listed_and_counted_on_the_status_page(system, auth: Auth) -> None:  # type: ignore[no-untyped-def]
    h, client, receiver = system
    status = client.get("/v1/notifier/status", headers=auth("qa.manager", "qa_manager")).json()
    assert status["position"] == h.ledger.feed_page(0, 1000).events[-1].position
    assert status["head"] >= status["position"] and status["lag"] == status["head"] - status["position"]
    assert status["outbox"] == {"pending": 0, "sent": 4, "dead": 4, "receipts_pending": 0}
    assert status["channels"] == ["email", "webhook"]
    assert sum(e.contract == "NotificationDelivered" for e in h.ledger.feed_page(0, 1000).events) == 4
    assert len(status["dead_letters"]) == 4 and len(receiver.received()) == 8  # two attempts each
    assert all(d["channel"] == "webhook" and "answered 500" in d["last_error"] for d in status["dead_letters"])

    dead = client.get("/v1/notifications", params={"status": "dead"}, headers=auth("qa.manager", "qa_manager"))
    assert {i["recipient_id"] for i in dead.json()["items"]} == {"aud.mash", "sm.soc", "ad.one", "hos.soc"}


def test_the_status_page_is_not_for_every_role(system, auth: Auth) -> None:  # type: ignore[no-untyped-def]
    _, client, _ = system
    assert client.get("/v1/notifier/status", headers=auth("aud.mash", "auditor")).status_code == 403
    assert client.get("/v1/notifier/status", headers=auth("svc", "service")).status_code == 200


def test_an_unknown_status_filter_is_refused_naming_the_field(system, auth: Auth) -> None:  # type: ignore[no-untyped-def]
    _, client, _ = system
    response = client.get("/v1/notifications", params={"status": "lost"}, headers=auth("qa.manager", "qa_manager"))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "status"
