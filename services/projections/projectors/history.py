"""Point in time: a versioned table keeps, beside its current rows, a copy of each row as every event left it.

The current table answers "now" quickly. Its versions table answers "what the system knew at an
instant": for each key, the latest version (by ledger position) whose event was recorded at or before
that instant. A version carries the event's own position and time, never the time it was projected,
so a rebuild from position 0 writes exactly the same versions and an `as_of` answer is reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from services.projections.projectors.base import utc_text

if TYPE_CHECKING:
    from schemas.envelope import EventEnvelope
    from services.projections.store import Tx


@dataclass(frozen=True)
class Versioned:
    """A table keyed by one column, with its history in `<table>_versions`.

    `columns` are the column definitions (key included, no table constraints), written once so the
    two tables can never drift apart.
    """

    table: str
    key: str
    columns: str

    @property
    def versions(self) -> str:
        return f"{self.table}_versions"

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(part.split()[0] for part in self.columns.split(",") if part.strip())

    @cached_property
    def _copy(self) -> str:
        names = ", ".join(self.names)
        return (
            f"INSERT INTO {self.versions} (version_position, version_time, version_event_id, {names})"
            f" SELECT ?, ?, ?, {names} FROM {self.table} WHERE {self.key} = ?"
            f" ON CONFLICT ({self.key}, version_position) DO NOTHING"
        )

    def ddl(self) -> dict[str, str]:
        return {
            self.table: f"CREATE TABLE IF NOT EXISTS {self.table} ({self.columns}, PRIMARY KEY ({self.key}))",
            self.versions: (
                f"CREATE TABLE IF NOT EXISTS {self.versions} (version_position BIGINT NOT NULL,"
                f" version_time TEXT NOT NULL, version_event_id TEXT NOT NULL, {self.columns},"
                f" PRIMARY KEY ({self.key}, version_position))"
            ),
        }

    def keep(self, tx: Tx, envelope: EventEnvelope, key: str) -> None:
        """Copy the row as this event left it (call once per event, after the handler's writes). The copy
        names the event, so something that refers to an event (a receipt) finds its row."""
        tx.execute(self._copy, (envelope.position, utc_text(envelope.time), str(envelope.id), key))

    def source(self, known_at: str | None) -> tuple[str, list[Any]]:
        """A FROM item with the table's columns: the current rows, or the rows as known at `known_at`
        (a UTC text instant, see `utc_text`). Use it as `FROM {source} AS alias`."""
        if known_at is None:
            return self.table, []
        names = ", ".join(f"v.{name}" for name in self.names)
        return (
            f"(SELECT {names} FROM {self.versions} v WHERE v.version_position = ("
            f"SELECT MAX(w.version_position) FROM {self.versions} w"
            f" WHERE w.{self.key} = v.{self.key} AND w.version_time <= ?))",
            [known_at],
        )
