"""Raw access to a test store, as an attacker with database access (or a careless admin) would have."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlparse, urlunparse

import psycopg


def split_postgres_url(url: str) -> tuple[str, str]:
    """(connection URL without query, schema) of a `postgresql://...?schema=` test URL."""
    parts = urlparse(url)
    schema = parse_qs(parts.query).get("schema", ["public"])[0]
    return urlunparse(parts._replace(query="")), schema


@contextmanager
def superuser(database_url: str) -> Iterator[tuple[Any, str]]:
    """A raw connection as the database owner, plus the name of the events table to tamper with."""
    if database_url.startswith("sqlite"):
        conn = sqlite3.connect(urlparse(database_url).path[1:], isolation_level=None)
        try:
            yield conn, "stored_events"
        finally:
            conn.close()
        return
    url, schema = split_postgres_url(database_url)
    with psycopg.connect(url, autocommit=True) as pg:
        yield pg, f'"{schema}".ledger_events'
