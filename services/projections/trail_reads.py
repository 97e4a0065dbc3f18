"""Who read which trail, when: a durable log of every trail read, itself readable by inspectors.

Not a projection of the ledger (it records reads, not events), so a rebuild never drops it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from services.projections.store import Database

TRAIL_READS_DDL = """
    CREATE TABLE IF NOT EXISTS proj_trail_reads (
        id TEXT PRIMARY KEY, read_at TEXT NOT NULL, reader TEXT NOT NULL, reader_roles TEXT NOT NULL,
        kind TEXT NOT NULL, subject TEXT NOT NULL, as_of TEXT, events INTEGER NOT NULL, format TEXT NOT NULL)"""
TRAIL_READS_INDEX = "CREATE INDEX IF NOT EXISTS proj_trail_reads_subject ON proj_trail_reads (kind, subject, read_at)"


def record_trail_read(
    db: Database, reader: str, roles: list[str], kind: str, subject: str, as_of: datetime | None, events: int, fmt: str
) -> None:
    with db.transaction() as tx:
        tx.execute(
            "INSERT INTO proj_trail_reads (id, read_at, reader, reader_roles, kind, subject, as_of, events, format)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                str(uuid.uuid4()),
                datetime.now(UTC).isoformat(),
                reader,
                ",".join(roles),
                kind,
                subject,
                as_of.astimezone(UTC).isoformat() if as_of else None,
                events,
                fmt,
            ),
        )


def trail_reads(
    db: Database, kind: str | None, subject: str | None, reader: str | None, limit: int
) -> list[dict[str, Any]]:
    sql, params = "SELECT * FROM proj_trail_reads WHERE 1 = 1", []
    for column, value in (("kind", kind), ("subject", subject), ("reader", reader)):
        if value is not None:
            sql += f" AND {column} = ?"
            params.append(value)
    with db.snapshot() as tx:
        rows = tx.all(sql + " ORDER BY read_at DESC LIMIT ?", [*params, limit])
    return [{**dict(row), "reader_roles": row["reader_roles"].split(",")} for row in rows]
