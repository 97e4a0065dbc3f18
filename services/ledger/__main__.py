"""The ledger service alone (distributed mode): `python -m services.ledger`."""

from __future__ import annotations

import logging
import os

import uvicorn

from schemas.envelope import KAFKA_TOPIC
from services.ledger.admin import bootstrap_hint
from services.ledger.api.app import attach_relay, create_app
from services.ledger.config import LedgerSettings
from services.ledger.relay import Relay
from services.ledger.wiring import build_ledger
from services.platform.auth import AuthSettings
from services.platform.logs import configure_logging

log = logging.getLogger("qa_ledger.ledger")
COMPOSE_HOW = (
    "python -m services.ledger.admin --sub … --name … --email … with this service's environment "
    "(docker compose: the ledger-admin one-shot)"
)


def main() -> None:
    """The ledger API; with KAFKA_BOOTSTRAP_SERVERS set, its relay to Kafka runs in the same process."""
    configure_logging("ledger")
    settings = LedgerSettings.from_env()
    ledger = build_ledger(settings)
    app = create_app(ledger, AuthSettings.from_env(settings.data_dir))
    if hint := bootstrap_hint(ledger, how=COMPOSE_HOW):
        log.warning(hint)
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if bootstrap:
        attach_relay(app, Relay(ledger, bootstrap, os.environ.get("KAFKA_TOPIC", KAFKA_TOPIC)))
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
