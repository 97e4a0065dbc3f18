"""Where the ledger keeps its events: one URL in, eventsourcing's own environment keys out."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from eventsourcing.utils import get_topic

from services.ledger.adapters.recorders import PostgresLedgerRecorder, SQLiteLedgerRecorder

DEFAULT_URL = "sqlite:///./data/ledger.sqlite3"


def eventsourcing_env(database_url: str, cipher_key: str | None = None) -> dict[str, str]:
    """eventsourcing's keys for a store URL; with a cipher key, every event's state is encrypted
    at rest (AES-GCM: findings, discussion notes and action descriptions are free text about
    children's casework), and only the ledger process, holding the key, can read them."""
    env = store_env(database_url)
    if cipher_key:
        env |= {"CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher", "CIPHER_KEY": cipher_key}
    return env


def store_env(database_url: str) -> dict[str, str]:
    """Translate `sqlite:///relative/path`, `sqlite:////absolute/path` or
    `postgresql://user:pw@host:port/db?schema=name&create_table=false` into eventsourcing's keys."""
    url = urlparse(database_url)
    if url.scheme == "sqlite":
        if url.path in ("", "/", "/:memory:"):
            raise ValueError("the ledger needs a SQLite file: sqlite:///path/to/ledger.sqlite3")
        path = Path(unquote(url.path[1:]))
        path.parent.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(path),
            "SQLITE_LOCK_TIMEOUT": "10",
            "APPLICATION_RECORDER_TOPIC": get_topic(SQLiteLedgerRecorder),
        }
    if url.scheme in ("postgres", "postgresql"):
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.path.lstrip("/"),
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_POOL_SIZE": "8",
            "POSTGRES_MAX_OVERFLOW": "8",
            "POSTGRES_LOCK_TIMEOUT": "5",
            "APPLICATION_RECORDER_TOPIC": get_topic(PostgresLedgerRecorder),
        }
        query = parse_qs(url.query)
        if "schema" in query:
            env["POSTGRES_SCHEMA"] = query["schema"][0]
        if query.get("create_table") == ["false"]:
            # The least-privilege role cannot create tables; `python -m services.ledger.provision` did.
            env["CREATE_TABLE"] = "false"
        return env
    raise ValueError(f"unsupported LEDGER_DATABASE_URL scheme {url.scheme!r}: use sqlite:/// or postgresql://")
