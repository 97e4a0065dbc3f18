"""The notifier's settings, from the environment, checked once at startup."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from services.platform.auth import AuthSettings, mint_local_token

# Long enough for a dev deployment to run for weeks; production supplies QA_LEDGER_SERVICE_TOKEN.
DEV_SERVICE_TOKEN_SECONDS = 90 * 24 * 3600
PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "dev-webhook-secret"})


@dataclass(frozen=True)
class NotifierSettings:
    database_url: str = "sqlite:///data/notifier.sqlite3"
    data_dir: Path = Path("data")
    ledger_url: str | None = None
    service_token: str | None = None
    kafka_bootstrap_servers: str | None = None
    kafka_topic: str = "qa-ledger.events.v1"
    kafka_group_id: str = "qa-ledger-notifier"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "QA Ledger <qa-ledger@localhost>"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    max_attempts: int = 6
    retry_base_seconds: float = 30.0
    tick_seconds: float = 5.0
    host: str = "127.0.0.1"
    port: int = 8002
    production: bool = False

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @classmethod
    def from_env(cls) -> NotifierSettings:
        env = os.environ
        data_dir = Path(env.get("QA_LEDGER_DATA_DIR", "data"))
        settings = cls(
            database_url=env.get("NOTIFIER_DATABASE_URL", f"sqlite:///{data_dir}/notifier.sqlite3"),
            data_dir=data_dir,
            ledger_url=env.get("QA_LEDGER_URL"),
            service_token=env.get("QA_LEDGER_SERVICE_TOKEN") or dev_service_token(data_dir),
            kafka_bootstrap_servers=env.get("KAFKA_BOOTSTRAP_SERVERS") or None,
            kafka_topic=env.get("KAFKA_TOPIC", "qa-ledger.events.v1"),
            kafka_group_id=env.get("NOTIFIER_KAFKA_GROUP_ID", "qa-ledger-notifier"),
            smtp_host=env.get("SMTP_HOST") or None,
            smtp_port=int(env.get("SMTP_PORT", "25")),
            smtp_username=env.get("SMTP_USERNAME") or None,
            smtp_password=env.get("SMTP_PASSWORD") or None,
            smtp_starttls=env.get("SMTP_STARTTLS", "false").lower() in ("1", "true", "yes"),
            mail_from=env.get("NOTIFIER_MAIL_FROM", "QA Ledger <qa-ledger@localhost>"),
            webhook_url=env.get("NOTIFIER_WEBHOOK_URL") or None,
            webhook_secret=env.get("NOTIFIER_WEBHOOK_SECRET") or None,
            max_attempts=int(env.get("NOTIFIER_MAX_ATTEMPTS", "6")),
            retry_base_seconds=float(env.get("NOTIFIER_RETRY_BASE_SECONDS", "30")),
            tick_seconds=float(env.get("NOTIFIER_TICK_SECONDS", "5")),
            host=env.get("HOST", "127.0.0.1"),
            port=int(env.get("PORT", "8002")),
            production=env.get("QA_LEDGER_ENV", "dev") == "production",
        )
        settings.check()
        return settings

    def check(self) -> None:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("NOTIFIER_WEBHOOK_SECRET is required with NOTIFIER_WEBHOOK_URL (receivers verify it)")
        if self.production and self.webhook_url and (self.webhook_secret or "") in PLACEHOLDER_SECRETS:
            raise ValueError("NOTIFIER_WEBHOOK_SECRET is a placeholder; set a real secret in production")
        if self.max_attempts < 1:
            raise ValueError("NOTIFIER_MAX_ATTEMPTS must be at least 1")


def dev_service_token(data_dir: Path) -> str | None:
    """In dev, a `service` token signed with the shared local key (QA_LEDGER_JWT_SECRET, or the key
    under the data dir), so a distributed run needs no token minted by hand. Never in production."""
    if os.environ.get("QA_LEDGER_ENV", "dev") == "production" or os.environ.get("QA_LEDGER_OIDC_JWKS_URL"):
        return None
    auth = AuthSettings.from_env(data_dir)
    return mint_local_token(auth, "notifier", ["service"], ttl_seconds=DEV_SERVICE_TOKEN_SECONDS)
