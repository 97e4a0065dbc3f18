"""Where a rebuild builds, and how its tables take the live ones' place in one transaction.

The tables keep their names; what changes is where they live. Beside a PostgreSQL schema `s` the
build area is the schema `s_rebuild`; beside a SQLite file `f` it is the file `f.rebuild`. The
projectors' SQL never changes: a rebuild's `Database` simply points at the build area.

The swap is one transaction on the live store. On PostgreSQL it locks every live table (so no
reader or follower is half way through: each is wholly before the swap or wholly after it), checks
that the rebuilt models are at least as far as the live ones, drops the live tables and moves the
rebuilt ones in (`ALTER TABLE … SET SCHEMA`: no copying). It waits for a lock at most
`LOCK_WAIT`, shorter than PostgreSQL's deadlock timeout, so a reader is never the one cut off:
the swap gives up and tries again. On SQLite the swap is one write transaction that copies the
rebuilt rows into the live file from the attached build file; readers keep their snapshot.
"""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

import psycopg2
import psycopg2.errors

from services.projections.store import Database, Tx

BUILD_SUFFIX = "_rebuild"
LOCK_WAIT = "200ms"  # below PostgreSQL's default deadlock_timeout (1s)
SQLITE_BUSY_SECONDS = 10.0
IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")

# Runs inside the swap's transaction, with the live tables locked: checks positions, moves tracking.
Guard = Callable[[Tx], None]


class RebuildRefused(RuntimeError):
    """Another rebuild of this store is running."""


class LiveBusy(RuntimeError):
    """The live tables could not be locked in time (a long read); the swap can be tried again."""


def build_area(live: Database) -> BuildArea:
    return PostgresBuildArea(live) if live.postgres else SqliteBuildArea(live)


class BuildArea:
    """The place beside a live store where a rebuild writes, and the swap back into it."""

    live: Database

    def exclusive(self) -> AbstractContextManager[None]:
        """Held for the whole rebuild: a second rebuild of the same store is refused."""
        raise NotImplementedError

    def open(self) -> Database:
        """An empty build area (what an interrupted rebuild left is dropped first)."""
        raise NotImplementedError

    def discard(self) -> None:
        raise NotImplementedError

    def swap_in(self, tables: Sequence[str], all_live_tables: Sequence[str], guard: Guard) -> None:
        raise NotImplementedError


class PostgresBuildArea(BuildArea):
    def __init__(self, live: Database) -> None:
        self.live = live
        self.schema = live.current_schema()
        if not IDENTIFIER.fullmatch(self.schema):
            raise ValueError(f"a rebuild needs a plain schema name (a-z, 0-9, _), not {self.schema!r}")
        self.build_schema = self.schema + BUILD_SUFFIX

    @contextmanager
    def exclusive(self) -> Iterator[None]:  # type: ignore[override]  # (decorated: a context manager)
        """A session lock on the live schema's name: held until the rebuild ends or its process dies."""
        key = f"qa_ledger.projections.rebuild:{self.schema}"
        with self.live.connection() as conn, conn.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (key,))
            if not cursor.fetchone()[0]:
                raise RebuildRefused(f"another rebuild of schema {self.schema} is running")
            try:
                yield
            finally:
                cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (key,))

    def open(self) -> Database:
        with self.live.transaction() as tx:
            # CREATE SCHEMA needs CREATE on the database even with IF NOT EXISTS: only when missing.
            if not tx.scalar("SELECT 1 FROM pg_namespace WHERE nspname = ?", (self.build_schema,)):
                tx.execute(f'CREATE SCHEMA "{self.build_schema}"')
        self.discard()
        parsed = urlparse(self.live.url)
        query = {k: v[0] for k, v in parse_qs(parsed.query).items()} | {"schema": self.build_schema}
        return Database(urlunparse(parsed._replace(query=urlencode(query))))

    def discard(self) -> None:
        """Drop every table in the build area (the schema itself stays, empty: it may be provisioned)."""
        with self.live.transaction() as tx:
            tables = tx.all("SELECT tablename FROM pg_tables WHERE schemaname = ?", (self.build_schema,))
            for row in tables:
                tx.execute(f'DROP TABLE IF EXISTS "{self.build_schema}"."{row["tablename"]}"')

    def swap_in(self, tables: Sequence[str], all_live_tables: Sequence[str], guard: Guard) -> None:
        live, build = f'"{self.schema}"', f'"{self.build_schema}"'
        try:
            with self.live.transaction() as tx:
                tx.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
                present = [
                    r["tablename"]
                    for r in tx.all("SELECT tablename FROM pg_tables WHERE schemaname = ?", (self.schema,))
                ]
                locked = [f'{live}."{t}"' for t in all_live_tables if t in present]
                tx.execute(f"LOCK TABLE {', '.join(locked)} IN ACCESS EXCLUSIVE MODE")
                guard(tx)
                for table in tables:
                    tx.execute(f'DROP TABLE IF EXISTS {live}."{table}"')
                    tx.execute(f'ALTER TABLE {build}."{table}" SET SCHEMA {live}')
        except (psycopg2.errors.LockNotAvailable, psycopg2.errors.DeadlockDetected) as exc:
            raise LiveBusy(f"the live read models in schema {self.schema} are busy") from exc


class SqliteBuildArea(BuildArea):
    def __init__(self, live: Database) -> None:
        assert live.sqlite_path is not None
        self.live = live
        self.path = Path(live.sqlite_path)
        self.build_path = self.path.with_name(self.path.name + ".rebuild")

    @contextmanager
    def exclusive(self) -> Iterator[None]:  # type: ignore[override]  # (decorated: a context manager)
        """An exclusive lock on a file beside the store: the kernel drops it if the process dies."""
        with open(self.path.with_name(self.path.name + ".rebuild-lock"), "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RebuildRefused(f"another rebuild of {self.path} is running") from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def open(self) -> Database:
        self.discard()
        return Database(f"sqlite:///{self.build_path}")

    def discard(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with_suffix = self.build_path.with_name(self.build_path.name + suffix)
            if with_suffix.exists():
                os.remove(with_suffix)

    def swap_in(self, tables: Sequence[str], all_live_tables: Sequence[str], guard: Guard) -> None:
        conn = sqlite3.connect(self.path, timeout=SQLITE_BUSY_SECONDS, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("ATTACH DATABASE ? AS rebuild", (str(self.build_path),))
            try:
                conn.execute("BEGIN IMMEDIATE")  # waits for the live follower's write, if any
            except sqlite3.OperationalError as exc:
                raise LiveBusy(f"the live read models in {self.path} are busy") from exc
            try:
                guard(Tx(conn.cursor(), postgres=False))
                for table in tables:
                    self._copy_in(conn, table)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    @staticmethod
    def _copy_in(conn: sqlite3.Connection, table: str) -> None:
        """Replace the live table by the rebuilt one: same DDL (from the build file), rows, indexes."""
        schema = conn.execute(
            "SELECT type, sql FROM rebuild.sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
            "ORDER BY type = 'index'",
            (table,),
        ).fetchall()
        conn.execute(f'DROP TABLE IF EXISTS main."{table}"')
        for row in schema:
            conn.execute(row["sql"])  # unqualified: created in main, the live file
            if row["type"] == "table":
                conn.execute(f'INSERT INTO main."{table}" SELECT * FROM rebuild."{table}"')
