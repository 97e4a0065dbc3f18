"""Run the notifier alone (distributed mode): `python -m services.notifier`.

Feed: Kafka when KAFKA_BOOTSTRAP_SERVERS is set, else the ledger's HTTP feed (QA_LEDGER_URL with
QA_LEDGER_SERVICE_TOKEN). Receipts go to the ledger over HTTP with the same service token.
"""

from __future__ import annotations

import logging

import uvicorn

from services.feed.base import EventFeed
from services.feed.log import HttpFeed
from services.notifier.adapters.receipts import HttpReceiptSink
from services.notifier.config import NotifierSettings
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

log = logging.getLogger("qa_ledger.notifier")


def feed_from_settings(settings: NotifierSettings) -> EventFeed:
    if settings.kafka_bootstrap_servers:
        from services.feed.kafka import KafkaFeed  # only distributed deployments need kafka-python

        return KafkaFeed(settings.kafka_bootstrap_servers, settings.kafka_topic, settings.kafka_group_id)
    if not (settings.ledger_url and settings.service_token):
        raise SystemExit(
            "set KAFKA_BOOTSTRAP_SERVERS, or QA_LEDGER_URL and QA_LEDGER_SERVICE_TOKEN, to follow the ledger"
        )
    return HttpFeed(settings.ledger_url, settings.service_token)


def main() -> None:
    configure_logging("notifier")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the feed polls twice a second
    settings = NotifierSettings.from_env()
    if not (settings.ledger_url and settings.service_token):
        raise SystemExit(
            "QA_LEDGER_URL and QA_LEDGER_SERVICE_TOKEN are needed to record receipts in the ledger"
        )
    receipts = HttpReceiptSink(settings.ledger_url, settings.service_token)
    notifier = build_notifier(
        settings.database_url, channels_from_settings(settings), receipts, retry=retry_from_settings(settings)
    )
    follower = follow_notifier(feed_from_settings(settings), notifier)
    runner = NotifierRunner(notifier, settings.tick_seconds)
    app = create_notifier_app(notifier, follower, AuthSettings.from_env(settings.data_dir))
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
