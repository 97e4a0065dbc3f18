"""The ledger's event recorders: eventsourcing's own, plus a hash chain and append-only guards.

Selected through eventsourcing's APPLICATION_RECORDER_TOPIC, so the library still owns the
events table, the insert transaction and the table lock that keeps positions in commit order.
We add, inside that same transaction:
- a link of the hash chain for every published event (`<events table>_hashes`): its hash covers
  the event's canonical envelope and the previous link's hash, so any later edit, deletion or
  reordering is detected by `verify`;
- triggers that refuse UPDATE, DELETE and TRUNCATE of events and links, so immutability is the
  database's rule, not only the code's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg.sql import SQL, Identifier

if TYPE_CHECKING:
    from uuid import UUID

    from eventsourcing.persistence import StoredEvent
    from psycopg import Cursor
    from psycopg.rows import DictRow

# (stored event, its position, previous link's hash) -> this event's hash, or None if unpublished
ChainLinker = Callable[["StoredEvent", int, "str | None"], "str | None"]


@dataclass(frozen=True)
class Link:
    position: int
    hash: str
    prevhash: str | None


class HashChain:
    """What both recorders share: the linker the application installs, and the link arithmetic."""

    linker: ChainLinker | None = None

    def links_for(self, stored_events: Sequence[StoredEvent], positions: Sequence[int], head: str | None) -> list[Link]:
        if self.linker is None:
            raise RuntimeError("the ledger recorder has no hash-chain linker installed")
        links: list[Link] = []
        for stored, position in zip(stored_events, positions, strict=True):
            digest = self.linker(stored, position, head)
            if digest is not None:
                links.append(Link(position, digest, head))
                head = digest
        return links


class SQLiteLedgerRecorder(HashChain, SQLiteApplicationRecorder):
    @property
    def hashes_table(self) -> str:
        return f"{self.events_table_name}_hashes"

    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {self.hashes_table} "
            "(position INTEGER PRIMARY KEY, hash TEXT NOT NULL, prevhash TEXT)"
        )
        for table in (self.events_table_name, self.hashes_table):
            for verb in ("UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'the QA ledger is append-only'); END"
                )
        return statements

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int]:
        positions = list(super()._insert_events(c, stored_events, **kwargs) or [])
        # The write lock is held from the first INSERT, so the head read here cannot move.
        c.execute(f"SELECT hash FROM {self.hashes_table} ORDER BY position DESC LIMIT 1")
        row = c.fetchone()
        links = self.links_for(stored_events, positions, row[0] if row else None)
        c.executemany(
            f"INSERT INTO {self.hashes_table} VALUES (?,?,?)", [(k.position, k.hash, k.prevhash) for k in links]
        )
        return positions

    def select_positions(self, originator_id: UUID) -> dict[int, int]:
        """Aggregate version → global position, for one stream."""
        statement = f"SELECT originator_version, rowid FROM {self.events_table_name} WHERE originator_id=?"
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, (originator_id.hex,))
            return {row[0]: row[1] for row in c.fetchall()}

    def max_published_position(self) -> int:
        """The head of the published feed: every published event has exactly one link."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT MAX(position) FROM {self.hashes_table}")
            return c.fetchone()[0] or 0

    def select_links(self, first: int, last: int) -> dict[int, Link]:
        statement = f"SELECT position, hash, prevhash FROM {self.hashes_table} WHERE position BETWEEN ? AND ?"
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, (first, last))
            return {row[0]: Link(row[0], row[1], row[2]) for row in c.fetchall()}


class PostgresLedgerRecorder(HashChain, PostgresApplicationRecorder):
    def __init__(self, datastore: Any, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        hashes = Identifier(f"{self.events_table_name}_hashes")
        self.hashes = SQL("{0}.{1}").format(schema, hashes)
        guard = Identifier(f"{self.events_table_name}_append_only")
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} (position bigint PRIMARY KEY, hash text NOT NULL, prevhash text)"
            ).format(self.hashes),
            SQL(
                "CREATE OR REPLACE FUNCTION {0}.{1}() RETURNS trigger LANGUAGE plpgsql AS "
                "$$BEGIN RAISE EXCEPTION 'the QA ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME; END$$"
            ).format(schema, guard),
        ]
        for table in (self.events_table_name, f"{self.events_table_name}_hashes"):
            for name, when in (
                ("no_change", "BEFORE UPDATE OR DELETE ON {s}.{t} FOR EACH ROW"),
                ("no_truncate", "BEFORE TRUNCATE ON {s}.{t} FOR EACH STATEMENT"),
            ):
                self.sql_create_statements.append(
                    SQL("CREATE OR REPLACE TRIGGER {n} " + when + " EXECUTE FUNCTION {s}.{g}()").format(
                        n=Identifier(f"{table}_{name}"), s=schema, t=Identifier(table), g=guard
                    )
                )

    def _lock_table(self, curs: Cursor[DictRow]) -> None:
        # eventsourcing serialises inserting transactions with LOCK TABLE ... IN EXCLUSIVE MODE, so
        # positions are issued in commit order. That lock needs UPDATE/DELETE/TRUNCATE privileges,
        # which the ledger's role must not have; a transaction-scoped advisory lock gives the
        # same serialisation of writers (readers never took the lock) with INSERT and SELECT only.
        curs.execute(SQL("SET LOCAL lock_timeout = '{0}s'").format(self.datastore.lock_timeout), prepare=True)
        curs.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.advisory_key,), prepare=True)

    @property
    def advisory_key(self) -> str:
        return f"qa-ledger:{self.datastore.schema}.{self.events_table_name}"

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = list(super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs) or [])
        # Still inside the insert transaction, under the EXCLUSIVE lock on the events table that
        # every ledger write takes, so links are appended in position order without races.
        curs.execute(SQL("SELECT hash FROM {0} ORDER BY position DESC LIMIT 1").format(self.hashes))
        row = curs.fetchone()
        links = self.links_for(stored_events, positions, row["hash"] if row else None)
        if links:
            curs.executemany(
                SQL("INSERT INTO {0} VALUES (%s, %s, %s)").format(self.hashes),
                [(k.position, k.hash, k.prevhash) for k in links],
            )
        return positions

    def select_positions(self, originator_id: UUID) -> dict[int, int]:
        statement = SQL("SELECT originator_version, notification_id FROM {0}.{1} WHERE originator_id = %s").format(
            Identifier(self.datastore.schema), Identifier(self.events_table_name)
        )
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (originator_id,))
            return {row["originator_version"]: row["notification_id"] for row in curs.fetchall()}

    def max_published_position(self) -> int:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(SQL("SELECT MAX(position) AS head FROM {0}").format(self.hashes))
            row = curs.fetchone()
            return (row["head"] if row else None) or 0

    def select_links(self, first: int, last: int) -> dict[int, Link]:
        statement = SQL("SELECT position, hash, prevhash FROM {0} WHERE position BETWEEN %s AND %s").format(self.hashes)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (first, last))
            return {r["position"]: Link(r["position"], r["hash"], r["prevhash"]) for r in curs.fetchall()}
