"""The relay beside the ledger (distributed mode): `python -m services.ledger.relay`.

Reads LEDGER_DATABASE_URL (the ledger's store) and KAFKA_BOOTSTRAP_SERVERS; KAFKA_TOPIC overrides
the topic. In its own process it cannot hear the ledger's commits, so it polls every
RELAY_POLL_SECONDS (default 0.5).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import Any

from schemas.envelope import KAFKA_TOPIC
from services.ledger.config import LedgerSettings
from services.ledger.relay.relay import Relay
from services.ledger.wiring import build_ledger
from services.platform.logs import configure_logging

log = logging.getLogger("qa_ledger.relay")


def main() -> None:
    configure_logging("relay")
    logging.getLogger("kafka").setLevel(logging.WARNING)
    settings = LedgerSettings.from_env()
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    topic = os.environ.get("KAFKA_TOPIC", KAFKA_TOPIC)
    ledger = build_ledger(settings)  # the same keys as the ledger: events are encrypted at rest
    relay = Relay(ledger, bootstrap, topic, idle_interval=float(os.environ.get("RELAY_POLL_SECONDS", "0.5")))
    stopping = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    relay.start()
    log.info("relaying the ledger's events to %s on %s", topic, bootstrap)
    stopping.wait()
    relay.stop()
    ledger.close()


if __name__ == "__main__":
    main()
