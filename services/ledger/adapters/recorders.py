"""The ledger's event recorders: eventsourcing's own, plus the look-ups the feed needs.

Selected through eventsourcing's APPLICATION_RECORDER_TOPIC, so the library still owns the
table layout, the insert transaction and the table lock that keeps positions in commit order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier

if TYPE_CHECKING:
    from uuid import UUID


class SQLiteLedgerRecorder(SQLiteApplicationRecorder):
    def select_positions(self, originator_id: UUID) -> dict[int, int]:
        """Aggregate version → global position, for one stream."""
        statement = f"SELECT originator_version, rowid FROM {self.events_table_name} WHERE originator_id=?"
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, (originator_id.hex,))
            return {row[0]: row[1] for row in c.fetchall()}


class PostgresLedgerRecorder(PostgresApplicationRecorder):
    def select_positions(self, originator_id: UUID) -> dict[int, int]:
        statement = SQL("SELECT originator_version, notification_id FROM {0}.{1} WHERE originator_id = %s").format(
            Identifier(self.datastore.schema), Identifier(self.events_table_name)
        )
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (originator_id,))
            return {row["originator_version"]: row["notification_id"] for row in curs.fetchall()}
