"""The projections service's settings, from the environment, checked once at startup."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from services.platform.auth import AuthSettings, mint_local_token

# Long enough for a dev deployment to run for weeks; production supplies QA_LEDGER_SERVICE_TOKEN.
DEV_SERVICE_TOKEN_SECONDS = 90 * 24 * 3600


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
            ledger_token=os.environ.get("QA_LEDGER_SERVICE_TOKEN") or dev_service_token(data_dir),
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


def dev_service_token(data_dir: Path) -> str | None:
    """In dev, a `service` token signed with the shared local key (QA_LEDGER_JWT_SECRET, or the key
    under the data dir), so a distributed run needs no token minted by hand. Never in production."""
    if os.environ.get("QA_LEDGER_ENV", "dev") == "production" or os.environ.get("QA_LEDGER_OIDC_JWKS_URL"):
        return None
    auth = AuthSettings.from_env(data_dir)
    return mint_local_token(auth, "projections", ["service"], ttl_seconds=DEV_SERVICE_TOKEN_SECONDS)
