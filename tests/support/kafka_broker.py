"""The Tansu Kafka broker for tests: the start logic lives in `devtools.kafka_broker` (also used by
`make run-distributed`); this module keeps the names the tests import."""

from __future__ import annotations

from devtools.kafka_broker import (
    EXTERNAL_BOOTSTRAP_ENV,
    TANSU_BIN_ENV,
    BrokerStartError,
    ExternalBroker,
    ForeignBrokerError,
    TansuBinaryNotFoundError,
    TansuBroker,
    create_topic,
    free_port,
    main,
    make_broker_fixture,
    tansu_binary,
    wait_for_broker,
)

__all__ = [
    "EXTERNAL_BOOTSTRAP_ENV",
    "TANSU_BIN_ENV",
    "BrokerStartError",
    "ExternalBroker",
    "ForeignBrokerError",
    "TansuBinaryNotFoundError",
    "TansuBroker",
    "create_topic",
    "free_port",
    "main",
    "make_broker_fixture",
    "tansu_binary",
    "wait_for_broker",
]
