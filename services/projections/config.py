"""The projections service's settings, from the environment, checked once at startup."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProjectionsSettings:
    database_url: str
    data_dir: Path
    host: str
    port: int
    ledger_url: str | None  # HttpFeed: GET {ledger_url}/v1/events with a service token
    ledger_token: str | None
    kafka_bootstrap_servers: str | None  # KafkaFeed, preferred when set
    kafka_topic: str | None
    kafka_group_id: str

    @classmethod
    def from_env(cls) -> ProjectionsSettings:
        data_dir = Path(os.environ.get("QA_LEDGER_DATA_DIR", "data"))
        settings = cls(
            database_url=os.environ.get("PROJECTIONS_DATABASE_URL", f"sqlite:///{data_dir}/projections.sqlite3"),
            data_dir=data_dir,
            host=os.environ.get("HOST", "127.0.0.1"),
            port=int(os.environ.get("PORT", "8001")),
            ledger_url=os.environ.get("QA_LEDGER_URL"),
            ledger_token=os.environ.get("QA_LEDGER_SERVICE_TOKEN"),
            kafka_bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"),
            kafka_topic=os.environ.get("KAFKA_TOPIC"),
            kafka_group_id=os.environ.get("PROJECTIONS_KAFKA_GROUP_ID", "qa-ledger-projections"),
        )
        if not settings.kafka_bootstrap_servers and not (settings.ledger_url and settings.ledger_token):
            raise ValueError(
                "the projections service needs a feed: KAFKA_BOOTSTRAP_SERVERS, or QA_LEDGER_URL with "
                "QA_LEDGER_SERVICE_TOKEN (a token with the `service` role)"
            )
        return settings
