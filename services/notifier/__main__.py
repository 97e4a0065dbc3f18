"""Run the notifier alone (distributed mode): `python -m services.notifier`.

Feed: Kafka when KAFKA_BOOTSTRAP_SERVERS is set, else the ledger's HTTP feed (QA_LEDGER_URL with
QA_LEDGER_SERVICE_TOKEN). Receipts go to the ledger over HTTP with the same service token; in dev,
without QA_LEDGER_SERVICE_TOKEN, the token is minted from the shared local key (QA_LEDGER_JWT_SECRET).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence

import uvicorn
from fastapi import FastAPI

from services.feed.base import EventFeed
from services.feed.follower import Follower
from services.feed.log import HttpFeed, ledger_head
from services.feed.logged import LoggedConsumer
from services.notifier.adapters.receipts import HttpReceiptSink
from services.notifier.application import Notifier
from services.notifier.config import NotifierSettings
from services.notifier.ports import Channel, DeliveryFailed, OutgoingMessage
from services.notifier.wiring import (
    NotifierRunner,
    build_notifier,
    channels_from_settings,
    create_notifier_app,
    follow_notifier,
    retry_from_settings,
)
from services.platform.auth import AuthSettings
from services.platform.logs import configure_logging
from services.platform.operations import DELIVERIES, install_operations, watch_consumer

log = logging.getLogger("qa_ledger.notifier")


class Correlations:
    """Correlation ids of recently applied events by event id, so a send can be logged with the
    correlation of the request that caused it (best effort: after a restart, older ones are gone)."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._ids: OrderedDict[str, str] = OrderedDict()

    def note(self, event_id: str, correlation_id: str) -> None:
        self._ids[event_id] = correlation_id
        while len(self._ids) > self.size:
            self._ids.popitem(last=False)

    def get(self, event_id: str) -> str:
        return self._ids.get(event_id, "")


class CountedChannel:
    """Counts deliveries by channel and outcome (Prometheus) and logs each with its correlation id."""

    def __init__(self, channel: Channel, correlations: Correlations) -> None:
        self.channel = channel
        self.name = channel.name
        self.correlations = correlations

    def send(self, message: OutgoingMessage) -> None:
        extra = {
            "service": "notifier",
            "correlation_id": self.correlations.get(str(message.cause_event_id)),
            "event_type": message.cause_event_type,
        }
        try:
            self.channel.send(message)
        except DeliveryFailed:
            DELIVERIES.labels(self.name, "failed").inc()
            raise
        DELIVERIES.labels(self.name, "sent").inc()
        log.info("sent %s to %s by %s", message.rule, message.recipient_id, self.name, extra=extra)


def feed_from_settings(settings: NotifierSettings) -> EventFeed:
    if settings.kafka_bootstrap_servers:
        from services.feed.kafka import KafkaFeed  # only distributed deployments need kafka-python

        # The ledger's head (over HTTP) says when the notifier has caught up: the topic cannot.
        url, token = settings.ledger_url, settings.service_token
        return KafkaFeed(
            settings.kafka_bootstrap_servers,
            settings.kafka_topic,
            settings.kafka_group_id,
            ledger_head=ledger_head(url, token) if url and token else None,
        )
    if not (settings.ledger_url and settings.service_token):
        raise SystemExit(
            "set KAFKA_BOOTSTRAP_SERVERS, or QA_LEDGER_URL and QA_LEDGER_SERVICE_TOKEN, to follow the ledger"
        )
    return HttpFeed(settings.ledger_url, settings.service_token)


def install_notifier_operations(app: FastAPI, notifier: Notifier, follower: Follower, runner: NotifierRunner) -> None:
    """/healthz, /readyz (store and feed answer, no event stalls the notifier, the scheduler ticks)
    and /metrics with the lag and any stall."""
    install_operations(app, {"scheduler": lambda: runner.last_error})
    watch_consumer(app, follower)


def counted(channels: Sequence[Channel], correlations: Correlations) -> list[Channel]:
    return [CountedChannel(channel, correlations) for channel in channels]


def main() -> None:
    configure_logging("notifier")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the feed polls twice a second
    settings = NotifierSettings.from_env()
    if not (settings.ledger_url and settings.service_token):
        raise SystemExit("QA_LEDGER_URL and QA_LEDGER_SERVICE_TOKEN are needed to record receipts in the ledger")
    receipts = HttpReceiptSink(settings.ledger_url, settings.service_token)
    correlations = Correlations()
    notifier = build_notifier(
        settings.database_url,
        counted(channels_from_settings(settings), correlations),
        receipts,
        retry=retry_from_settings(settings),
    )
    follower = follow_notifier(feed_from_settings(settings), notifier)
    follower.consumer = LoggedConsumer(  # after follow_notifier hooked `caught_up`
        notifier, lambda envelope: correlations.note(str(envelope.id), envelope.correlationid)
    )
    runner = NotifierRunner(notifier, settings.tick_seconds)
    app = create_notifier_app(notifier, follower, AuthSettings.from_env(settings.data_dir))
    install_notifier_operations(app, notifier, follower, runner)
    follower.start()
    runner.start()
    log.info(
        "notifier on http://%s:%s following %s",
        settings.host,
        settings.port,
        settings.kafka_bootstrap_servers or settings.ledger_url,
    )
    try:
        uvicorn.run(app, host=settings.host, port=settings.port, log_config=None)
    finally:
        runner.stop()
        follower.stop()
        notifier.store.close()


if __name__ == "__main__":
    main()
