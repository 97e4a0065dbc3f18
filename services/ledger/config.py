"""The ledger's settings, from the environment, checked once at startup."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from services.ledger.adapters.store import DEFAULT_URL


@dataclass(frozen=True)
class LedgerSettings:
    database_url: str = DEFAULT_URL
    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = 8000

    @classmethod
    def from_env(cls) -> LedgerSettings:
        data_dir = Path(os.environ.get("QA_LEDGER_DATA_DIR", "data"))
        return cls(
            database_url=os.environ.get("LEDGER_DATABASE_URL", f"sqlite:///{data_dir}/ledger.sqlite3"),
            data_dir=data_dir,
            host=os.environ.get("HOST", "127.0.0.1"),
            port=int(os.environ.get("PORT", "8000")),
        )
