"""One small SQL session over SQLite (stdlib) or PostgreSQL (psycopg2), chosen by URL.

Queries are written once with `?` placeholders and portable SQL (ISO-8601 text for dates and
times, `ON CONFLICT` upserts), so the read model, outbox and position share one transaction on
either store.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

Row = tuple[Any, ...]


class Session:
    def __init__(self, cursor: Any, dialect: str) -> None:
        self._cursor = cursor
        self.dialect = dialect

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgres" else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        self._cursor.execute(self._sql(sql), tuple(params))
        return int(self._cursor.rowcount or 0)

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        self._cursor.execute(self._sql(sql), tuple(params))
        row = self._cursor.fetchone()
        return tuple(row) if row is not None else None

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self._cursor.execute(self._sql(sql), tuple(params))
        return [tuple(r) for r in self._cursor.fetchall()]

    def columns(self, table: str) -> set[str]:
        """The column names a table has now (to add the ones a newer version needs)."""
        self._cursor.execute(f"SELECT * FROM {table} WHERE 1 = 0")
        return {d[0] for d in self._cursor.description}

    @property
    def for_update(self) -> str:
        """Row lock for PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers."""
        return " FOR UPDATE" if self.dialect == "postgres" else ""


class Database:
    """`sqlite:///relative.sqlite3`, `sqlite:////absolute.sqlite3` or `postgresql://...?schema=name`."""

    def __init__(self, url: str, pool_size: int = 8) -> None:
        parsed = urlparse(url)
        self.url = url
        self._pool: Any = None
        self._sqlite_path: Path | None = None
        self._lock = threading.Lock()
        if parsed.scheme == "sqlite":
            if parsed.path in ("", "/", "/:memory:"):
                raise ValueError("the notifier needs a SQLite file: sqlite:///data/notifier.sqlite3")
            self.dialect = "sqlite"
            self._sqlite_path = Path(unquote(parsed.path[1:]))
            self._sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            with self._sqlite() as conn:
                conn.execute("PRAGMA journal_mode=WAL")
        elif parsed.scheme in ("postgres", "postgresql"):
            from psycopg2.pool import ThreadedConnectionPool

            self.dialect = "postgres"
            schema = parse_qs(parsed.query).get("schema", [None])[0]
            dsn = parsed._replace(query="").geturl()
            options = f"-c search_path={schema}" if schema else None
            self._pool = ThreadedConnectionPool(1, pool_size, dsn, options=options, connect_timeout=10)
        else:
            raise ValueError(
                f"unsupported NOTIFIER_DATABASE_URL scheme {parsed.scheme!r}: use sqlite:/// or postgresql://"
            )

    def _sqlite(self) -> sqlite3.Connection:
        assert self._sqlite_path is not None
        return sqlite3.connect(self._sqlite_path, timeout=15, isolation_level=None, check_same_thread=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        if self.dialect == "sqlite":
            conn = self._sqlite()
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield Session(conn.cursor(), "sqlite")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            finally:
                conn.close()
            return
        conn = self._pool.getconn()
        broken = False
        try:
            with conn.cursor() as cursor:
                yield Session(cursor, "postgres")
            conn.commit()
        except BaseException:
            try:
                conn.rollback()
            except Exception:
                broken = True
            raise
        finally:
            self._pool.putconn(conn, close=broken or bool(conn.closed))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.closeall()
            self._pool = None
