"""The ledger's settings, from the environment, checked once at startup."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from eventsourcing.cryptography import AESCipher

from schemas.envelope import Presentation
from services.ledger.adapters.store import DEFAULT_URL


@dataclass(frozen=True)
class LedgerSettings:
    database_url: str = DEFAULT_URL
    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = 8000
    cipher_key: str | None = None
    presentation: Presentation = field(default_factory=Presentation)

    @classmethod
    def from_env(cls) -> LedgerSettings:
        data_dir = Path(os.environ.get("QA_LEDGER_DATA_DIR", "data"))
        return cls(
            database_url=os.environ.get("LEDGER_DATABASE_URL", f"sqlite:///{data_dir}/ledger.sqlite3"),
            data_dir=data_dir,
            host=os.environ.get("HOST", "127.0.0.1"),
            port=int(os.environ.get("PORT", "8000")),
            cipher_key=os.environ.get("QA_LEDGER_CIPHER_KEY") or dev_cipher_key(data_dir),
            presentation=presentation_from_env(),
        )


def presentation_from_env() -> Presentation:
    """How envelopes name this deployment: not covered by the hash chain, so safe to change."""
    default = Presentation()
    port = os.environ.get("PORT", "8000")
    return Presentation(
        type_prefix=os.environ.get("QA_LEDGER_EVENT_TYPE_PREFIX", default.type_prefix),
        source_base=os.environ.get("QA_LEDGER_EVENT_SOURCE", default.source_base),
        public_url=os.environ.get("QA_LEDGER_PUBLIC_URL", f"http://127.0.0.1:{port}"),
    )


def dev_cipher_key(data_dir: Path) -> str:
    """The embedded mode encrypts events at rest too, with a key kept under the data dir."""
    if os.environ.get("QA_LEDGER_ENV", "dev") == "production":
        raise ValueError("production needs QA_LEDGER_CIPHER_KEY (base64 AES-256 key) to encrypt events at rest")
    path = data_dir / "event-cipher.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(AESCipher.create_key(32))
        path.chmod(0o600)
    return path.read_text().strip()
