"""The stores a scenario runs on: a throwaway PostgreSQL database (dropped after) or SQLite temp files."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg

ADMIN_URL = os.environ.get("QA_LEDGER_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
STORES = ("postgres", "sqlite")


@dataclass
class Stores:
    """One scenario's stores: where the ledger and the read models live."""

    kind: str
    ledger_url: str
    projections_url: str
    data_dir: Path


class BenchDatabase:
    """One PostgreSQL database for the whole run; each scenario takes fresh schemas in it."""

    def __init__(self, admin_url: str = ADMIN_URL) -> None:
        self.admin_url = admin_url
        self.name = f"qaledger_bench_{uuid.uuid4().hex[:10]}"
        self.url = urlunparse(urlparse(admin_url)._replace(path=f"/{self.name}"))

    def __enter__(self) -> BenchDatabase:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        return self

    def __exit__(self, *exc: object) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def schema(self, prefix: str) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{name}"')
        return f"{self.url}?schema={name}"


@contextmanager
def stores(kind: str, database: BenchDatabase) -> Iterator[Stores]:
    data_dir = Path(tempfile.mkdtemp(prefix=f"qaledger-bench-{kind}-"))
    try:
        if kind == "postgres":
            yield Stores(kind, database.schema("ledger"), database.schema("proj"), data_dir)
        else:
            yield Stores(
                kind,
                f"sqlite:///{data_dir}/ledger.sqlite3",
                f"sqlite:///{data_dir}/projections.sqlite3",
                data_dir,
            )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
