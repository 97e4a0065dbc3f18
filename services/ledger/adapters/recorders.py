"""The ledger's event recorders: eventsourcing's own, plus a hash chain and append-only guards.

Selected through eventsourcing's APPLICATION_RECORDER_TOPIC, so the library still owns the
events table and the insert transaction. We add, inside that same transaction:
- a link of the hash chain for every published event (`<events table>_chain`): its `sequence`
  (1, 2, 3... with no gap: the published sequence number), the event's position, the rule that
  made its hash (`scheme`), the hash and the previous link's hash. Any later edit, deletion or
  reordering is detected by `verify`;
- triggers that refuse UPDATE, DELETE and TRUNCATE of events and links, so immutability is the
  database's rule, not only the code's.
Stores written before the chain had sequence numbers keep their links in `<events table>_hashes`
(rule 1); on opening, those links are copied once, numbered in position order, into the chain.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg.sql import SQL, Composed, Identifier, Literal

from schemas.integrity import CURRENT_RULE, RULE_V1

if TYPE_CHECKING:
    from uuid import UUID

    from eventsourcing.persistence import StoredEvent
    from psycopg import Cursor
    from psycopg.rows import DictRow

# (stored event, its position, its sequence, previous link's hash) -> its hash, or None if unpublished
ChainLinker = Callable[["StoredEvent", int, int, "str | None"], "str | None"]


class ProofSwitchedOff(RuntimeError):
    """A setting would write events without the recorder's lock or chain: the ledger will not start."""


@dataclass(frozen=True)
class Link:
    sequence: int
    position: int
    scheme: int
    hash: str
    prevhash: str | None


class HashChain:
    """What both recorders share: the linker the application installs, and the link arithmetic."""

    linker: ChainLinker | None = None

    def links_for(
        self, stored_events: Sequence[StoredEvent], positions: Sequence[int], head: Link | None
    ) -> list[Link]:
        if self.linker is None:
            raise RuntimeError("the ledger recorder has no hash-chain linker installed")
        links: list[Link] = []
        sequence, prevhash = (head.sequence, head.hash) if head else (0, None)
        for stored, position in zip(stored_events, positions, strict=True):
            digest = self.linker(stored, position, sequence + 1, prevhash)
            if digest is not None:
                links.append(Link(sequence + 1, position, CURRENT_RULE, digest, prevhash))
                sequence, prevhash = sequence + 1, digest
        return links


CHAIN_COLUMNS = "sequence, position, scheme, hash, prevhash"


class SQLiteLedgerRecorder(HashChain, SQLiteApplicationRecorder):
    @property
    def chain_table(self) -> str:
        return f"{self.events_table_name}_chain"

    @property
    def legacy_table(self) -> str:
        return f"{self.events_table_name}_hashes"

    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {self.chain_table} (sequence INTEGER PRIMARY KEY, "
            "position INTEGER NOT NULL UNIQUE, scheme INTEGER NOT NULL, hash TEXT NOT NULL, prevhash TEXT)"
        )
        for table in (self.events_table_name, self.chain_table):
            for verb in ("UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'the QA ledger is append-only'); END"
                )
        return statements

    def _create_table(self, c: SQLiteCursor) -> None:
        super()._create_table(c)
        c.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (self.legacy_table,))
        if c.fetchone():
            c.execute(
                f"INSERT INTO {self.chain_table} ({CHAIN_COLUMNS}) "
                f"SELECT ROW_NUMBER() OVER (ORDER BY position), position, {RULE_V1}, hash, prevhash "
                f"FROM {self.legacy_table} WHERE NOT EXISTS (SELECT 1 FROM {self.chain_table})"
            )

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int]:
        positions = list(super()._insert_events(c, stored_events, **kwargs) or [])
        # The write lock is held from the first INSERT, so the head read here cannot move.
        c.execute(f"SELECT {CHAIN_COLUMNS} FROM {self.chain_table} ORDER BY sequence DESC LIMIT 1")
        row = c.fetchone()
        links = self.links_for(stored_events, positions, Link(*row) if row else None)
        c.executemany(
            f"INSERT INTO {self.chain_table} ({CHAIN_COLUMNS}) VALUES (?,?,?,?,?)",
            [(k.sequence, k.position, k.scheme, k.hash, k.prevhash) for k in links],
        )
        return positions

    @property
    def append_only_tables(self) -> tuple[str, ...]:
        return (self.events_table_name, self.chain_table)

    def select_positions(self, originator_id: UUID) -> dict[int, int]:
        """Aggregate version → global position, for one stream."""
        statement = f"SELECT originator_version, rowid FROM {self.events_table_name} WHERE originator_id=?"
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, (originator_id.hex,))
            return {row[0]: row[1] for row in c.fetchall()}

    def chain_head(self) -> Link | None:
        """The last link: the head of the published feed (every published event has one link)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT {CHAIN_COLUMNS} FROM {self.chain_table} ORDER BY sequence DESC LIMIT 1")
            row = c.fetchone()
            return Link(*row) if row else None

    def max_published_position(self) -> int:
        head = self.chain_head()
        return head.position if head else 0

    def select_links(self, first: int, last: int) -> dict[int, Link]:
        """Links of the events at positions first..last, by position."""
        statement = f"SELECT {CHAIN_COLUMNS} FROM {self.chain_table} WHERE position BETWEEN ? AND ?"
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, (first, last))
            return {row[1]: Link(*row) for row in c.fetchall()}

    def link_at_or_before(self, position: int) -> Link | None:
        statement = f"SELECT {CHAIN_COLUMNS} FROM {self.chain_table} WHERE position <= ? ORDER BY position DESC LIMIT 1"
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, (position,))
            row = c.fetchone()
            return Link(*row) if row else None


class PostgresLedgerRecorder(HashChain, PostgresApplicationRecorder):
    def __init__(self, datastore: Any, *, events_table_name: str = "stored_events") -> None:
        if datastore.enable_db_functions:
            # eventsourcing's SQL insert function takes no lock of ours and writes no chain link.
            raise ProofSwitchedOff(
                "POSTGRES_ENABLE_DB_FUNCTIONS would insert events without the ledger's lock and hash chain: "
                "unset it (the ledger refuses to start with it)"
            )
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        self.chain = SQL("{0}.{1}").format(schema, Identifier(self.chain_table))
        self.legacy = SQL("{0}.{1}").format(schema, Identifier(f"{self.events_table_name}_hashes"))
        guard = Identifier(f"{self.events_table_name}_append_only")
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} (sequence bigint PRIMARY KEY, position bigint NOT NULL UNIQUE, "
                "scheme smallint NOT NULL, hash text NOT NULL, prevhash text)"
            ).format(self.chain),
            SQL(
                "CREATE OR REPLACE FUNCTION {0}.{1}() RETURNS trigger LANGUAGE plpgsql AS "
                "$$BEGIN RAISE EXCEPTION 'the QA ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME; END$$"
            ).format(schema, guard),
        ]
        for table in self.append_only_tables:
            for name, when in (
                ("no_change", "BEFORE UPDATE OR DELETE ON {s}.{t} FOR EACH ROW"),
                ("no_truncate", "BEFORE TRUNCATE ON {s}.{t} FOR EACH STATEMENT"),
            ):
                self.sql_create_statements.append(
                    SQL("CREATE OR REPLACE TRIGGER {n} " + when + " EXECUTE FUNCTION {s}.{g}()").format(
                        n=Identifier(f"{table}_{name}"), s=schema, t=Identifier(table), g=guard
                    )
                )

    @property
    def chain_table(self) -> str:
        return f"{self.events_table_name}_chain"

    @property
    def append_only_tables(self) -> tuple[str, ...]:
        return (self.events_table_name, self.chain_table)

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        super()._create_table(curs)
        legacy = f"{self.datastore.schema}.{self.events_table_name}_hashes"
        curs.execute("SELECT to_regclass(%s) IS NOT NULL AS present", (legacy,))
        row = curs.fetchone()
        if row and row["present"]:
            curs.execute(
                SQL(
                    "INSERT INTO {0} (" + CHAIN_COLUMNS + ") "
                    "SELECT ROW_NUMBER() OVER (ORDER BY position), position, {1}, hash, prevhash FROM {2} "
                    "WHERE NOT EXISTS (SELECT 1 FROM {0})"
                ).format(self.chain, Literal(RULE_V1), self.legacy)
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
        # Still inside the insert transaction, under the advisory lock that every ledger write
        # takes, so links are appended in position order without races.
        curs.execute(self._select_chain("ORDER BY sequence DESC LIMIT 1"))
        row = curs.fetchone()
        links = self.links_for(stored_events, positions, _link(row) if row else None)
        if links:
            curs.executemany(
                SQL("INSERT INTO {0} (" + CHAIN_COLUMNS + ") VALUES (%s, %s, %s, %s, %s)").format(self.chain),
                [(k.sequence, k.position, k.scheme, k.hash, k.prevhash) for k in links],
            )
        return positions

    def _select_chain(self, tail: str) -> Composed:
        return SQL("SELECT " + CHAIN_COLUMNS + " FROM {0} " + tail).format(self.chain)

    def select_positions(self, originator_id: UUID) -> dict[int, int]:
        statement = SQL("SELECT originator_version, notification_id FROM {0}.{1} WHERE originator_id = %s").format(
            Identifier(self.datastore.schema), Identifier(self.events_table_name)
        )
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (originator_id,))
            return {row["originator_version"]: row["notification_id"] for row in curs.fetchall()}

    def chain_head(self) -> Link | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_chain("ORDER BY sequence DESC LIMIT 1"))
            row = curs.fetchone()
            return _link(row) if row else None

    def max_published_position(self) -> int:
        head = self.chain_head()
        return head.position if head else 0

    def select_links(self, first: int, last: int) -> dict[int, Link]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_chain("WHERE position BETWEEN %s AND %s"), (first, last))
            return {r["position"]: _link(r) for r in curs.fetchall()}

    def link_at_or_before(self, position: int) -> Link | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_chain("WHERE position <= %s ORDER BY position DESC LIMIT 1"), (position,))
            row = curs.fetchone()
            return _link(row) if row else None


def _link(row: Any) -> Link:
    return Link(row["sequence"], row["position"], row["scheme"], row["hash"], row["prevhash"])


def require_chain(recorder: object) -> None:
    """Refuse any recorder that would write events without the chain (another PERSISTENCE_MODULE,
    APPLICATION_RECORDER_TOPIC, or a bypass setting): the proof is not optional."""
    if not isinstance(recorder, SQLiteLedgerRecorder | PostgresLedgerRecorder):
        raise ProofSwitchedOff(
            f"the ledger needs its own recorder (hash chain, append-only guards), not {type(recorder).__name__}: "
            "check PERSISTENCE_MODULE and APPLICATION_RECORDER_TOPIC"
        )
