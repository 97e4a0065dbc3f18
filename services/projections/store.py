"""Where the read models live: SQLite (embedded) or PostgreSQL (distributed), behind plain SQL.

Queries are written once with `?` placeholders, integers for booleans and ISO text for dates, so
the same statement runs on both stores. A transaction is one `with` block.

The consumer's transactions batch their writes on PostgreSQL (`transaction(batch_writes=True)`):
statements are bound client-side and sent many to a round trip, in order, before the next read and
before the commit. A rebuild issues several statements per event, and on a socket each round trip
costs more than the statement itself: a 100,000-event rebuild went from ~2,000 to ~5,500 events/s
(BENCHMARKS.md).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse, urlunparse

import psycopg2
import psycopg2.extras
import psycopg2.pool

DEFAULT_URL = "sqlite:///data/projections.sqlite3"
Row = dict[str, Any]
# A batch of queued writes goes out when it holds this many statements or bytes, or before a read.
MAX_QUEUED_STATEMENTS = 500
MAX_QUEUED_BYTES = 4 * 1024 * 1024


class Tx:
    """One open transaction (or read snapshot): execute statements, fetch rows as dicts.

    `memo` lives as long as the transaction: projectors cache what they read or wrote in it, which
    cannot go stale, since a rollback discards the cache with the rows.
    """

    def __init__(self, cursor: Any, postgres: bool, *, batch_writes: bool = False) -> None:
        self._cursor = cursor
        self._postgres = postgres
        self._batch = batch_writes and postgres
        self._queued: list[bytes] = []
        self._queued_bytes = 0
        self.memo: dict[str, Any] = {}

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        if not self._batch:
            self._run(sql, params)
            return
        statement = self._cursor.mogrify(sql.replace("?", "%s"), tuple(params))
        self._queued.append(statement)
        self._queued_bytes += len(statement)
        if len(self._queued) >= MAX_QUEUED_STATEMENTS or self._queued_bytes >= MAX_QUEUED_BYTES:
            self.flush()

    def flush(self) -> None:
        """Send the queued writes in one round trip (psycopg2 runs a multi-statement string as is)."""
        if self._queued:
            statements, self._queued, self._queued_bytes = self._queued, [], 0
            self._cursor.execute(b";\n".join(statements))

    def _run(self, sql: str, params: Sequence[Any]) -> None:
        self._cursor.execute(sql.replace("?", "%s") if self._postgres else sql, tuple(params))

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self.flush()  # a read sees every write before it
        self._run(sql, params)
        return [dict(row) for row in self._cursor.fetchall()]

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self.all(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else next(iter(row.values()))


class Database:
    def __init__(self, url: str = DEFAULT_URL) -> None:
        self.url = url
        parsed = urlparse(url)
        self.postgres = parsed.scheme in ("postgres", "postgresql")
        self._pool: psycopg2.pool.ThreadedConnectionPool | None = None
        self._sqlite_path: str | None = None
        self._write_lock = threading.Lock()  # one SQLite writer at a time inside this process
        self._schema: str | None = None
        if self.postgres:
            self._schema = parse_qs(parsed.query).get("schema", [None])[0]
            dsn = urlunparse(parsed._replace(query=""))
            options = f"-c search_path={self._schema}" if self._schema else None
            self._pool = psycopg2.pool.ThreadedConnectionPool(1, 8, dsn, options=options)
        elif parsed.scheme == "sqlite":
            if parsed.path in ("", "/", "/:memory:"):
                raise ValueError("projections need a SQLite file: sqlite:///path/to/projections.sqlite3")
            path = Path(unquote(parsed.path[1:]))
            path.parent.mkdir(parents=True, exist_ok=True)
            self._sqlite_path = str(path)
            with self._sqlite() as conn:
                conn.execute("PRAGMA journal_mode=WAL")
        else:
            raise ValueError(f"unsupported PROJECTIONS_DATABASE_URL scheme {parsed.scheme!r}")

    @property
    def sqlite_path(self) -> str | None:
        return self._sqlite_path

    def current_schema(self) -> str:
        """PostgreSQL: the schema the tables live in (`?schema=`, else the server's default)."""
        if self._schema is None:
            with self.snapshot() as tx:
                self._schema = str(tx.scalar("SELECT current_schema()"))
        return self._schema

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """A raw pooled PostgreSQL connection (autocommit), e.g. to hold a session lock."""
        assert self._pool is not None, "PostgreSQL only"
        conn = self._pool.getconn()
        try:
            conn.autocommit = True
            yield conn
        finally:
            conn.autocommit = False
            self._pool.putconn(conn)

    @contextmanager
    def _sqlite(self) -> Iterator[sqlite3.Connection]:
        assert self._sqlite_path is not None
        conn = sqlite3.connect(self._sqlite_path, timeout=10, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def transaction(self, *, batch_writes: bool = False) -> Iterator[Tx]:
        """A write transaction: committed when the block ends, rolled back if it raises.

        With `batch_writes`, PostgreSQL writes are queued and sent together (see `Tx`).
        """
        if self._pool is not None:
            conn = self._pool.getconn()
            try:
                with conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cursor:
                    tx = Tx(cursor, postgres=True, batch_writes=batch_writes)
                    yield tx
                    tx.flush()
            finally:
                self._pool.putconn(conn)
            return
        with self._write_lock, self._sqlite() as conn:
            cursor = conn.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(cursor, postgres=False)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    @contextmanager
    def snapshot(self) -> Iterator[Tx]:
        """A read-only, consistent view for one query that reads several tables."""
        if self._pool is not None:
            conn = self._pool.getconn()
            try:
                conn.set_session(readonly=True, isolation_level="REPEATABLE READ")
                with conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cursor:
                    yield Tx(cursor, postgres=True)
            finally:
                conn.set_session(readonly=False, isolation_level="READ COMMITTED")
                self._pool.putconn(conn)
            return
        with self._sqlite() as conn:
            cursor = conn.cursor()
            cursor.execute("BEGIN")
            try:
                yield Tx(cursor, postgres=False)
            finally:
                conn.rollback()

    def close(self) -> None:
        if self._pool is not None and not self._pool.closed:
            self._pool.closeall()
