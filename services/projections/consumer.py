"""The projections consumer: applies each batch to every projector in one transaction.

Each projector tracks its own position in `proj_tracking`, written in the same transaction as its
rows, so an envelope at or below a projector's position is skipped: replays change nothing, and
one projector can be rebuilt (blue/green, rebuild.py) while the others stand still.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING

from services.feed import Batch, EventFeed
from services.projections.projectors import Projector, all_projectors
from services.projections.projectors.base import LONDON
from services.projections.rebuild import rebuild
from services.projections.store import Database, Tx

if TYPE_CHECKING:
    from schemas.envelope import EventEnvelope

from services.projections.trail_reads import TRAIL_READS_DDL, TRAIL_READS_INDEX

log = logging.getLogger("qa_ledger.projections")

TRACKING_DDL = """
    CREATE TABLE IF NOT EXISTS proj_tracking (projection TEXT PRIMARY KEY, position BIGINT NOT NULL)"""
# The table definitions each projector's rows were written with: when they change (a new column), that
# projector's tables are dropped and replayed from position 0 instead of failing on the old ones.
SCHEMA_DDL = """
    CREATE TABLE IF NOT EXISTS proj_schema (projection TEXT PRIMARY KEY, fingerprint TEXT NOT NULL)"""


def fingerprint(projector: Projector) -> str:
    return hashlib.sha256("\n".join([*projector.tables.values(), *projector.indexes]).encode()).hexdigest()


def london_today() -> date:
    return datetime.now(LONDON).date()


class Projections:
    """A `PositionedConsumer` over all read models, plus the store their queries read."""

    name = "projections"

    def __init__(
        self,
        db: Database,
        projectors: list[Projector] | None = None,
        today: Callable[[], date] = london_today,
        *,
        reshape: bool = True,
    ) -> None:
        """`reshape=False` leaves the projectors' tables as they are, whatever their shape: a rebuild's
        view of the live store, which it replaces whole at the swap (a changed projector included)
        while the running release keeps serving the old ones."""
        self.db = db
        self.projectors = projectors if projectors is not None else all_projectors()
        self.today = today
        self.create_tables(reshape=reshape)

    def create_tables(self, *, reshape: bool = True) -> None:
        with self.db.transaction() as tx:
            tx.execute(TRACKING_DDL)
            tx.execute(SCHEMA_DDL)
            tx.execute(TRAIL_READS_DDL)
            tx.execute(TRAIL_READS_INDEX)
            if not reshape:
                return
            stored = {row["projection"]: row["fingerprint"] for row in tx.all("SELECT * FROM proj_schema")}
            for projector in self.projectors:
                current = fingerprint(projector)
                if stored.get(projector.name) != current:
                    self._drop(tx, projector)
                    if projector.name in stored:
                        log.warning("the %s read models changed shape: replaying them from position 0", projector.name)
                for ddl in [*projector.tables.values(), *projector.indexes]:
                    tx.execute(ddl)
                tx.execute(
                    "INSERT INTO proj_tracking (projection, position) VALUES (?, 0)"
                    " ON CONFLICT (projection) DO NOTHING",
                    (projector.name,),
                )
                tx.execute(
                    "INSERT INTO proj_schema (projection, fingerprint) VALUES (?, ?)"
                    " ON CONFLICT (projection) DO UPDATE SET fingerprint = EXCLUDED.fingerprint",
                    (projector.name, current),
                )

    @staticmethod
    def _drop(tx: Tx, projector: Projector) -> None:
        for table in projector.tables:
            tx.execute(f"DROP TABLE IF EXISTS {table}")
        tx.execute("DELETE FROM proj_tracking WHERE projection = ?", (projector.name,))

    # --- PositionedConsumer -----------------------------------------------------------------------

    def positions(self) -> dict[str, int]:
        with self.db.snapshot() as tx:
            rows = tx.all("SELECT projection, position FROM proj_tracking")
        tracked = {row["projection"]: int(row["position"]) for row in rows}
        return {p.name: tracked.get(p.name, 0) for p in self.projectors}

    def position(self) -> int:
        """The slowest projector's position: the feed is read from there, the others skip ahead."""
        return min(self.positions().values(), default=0)

    def apply(self, batch: Batch) -> None:
        # Writes are batched (one round trip per many statements); the tracking update is in the same
        # transaction, after them, so a batch is applied whole or not at all.
        with self.db.transaction(batch_writes=True) as tx:
            for projector in self.projectors:
                self._apply_to(tx, projector, batch.envelopes)

    @staticmethod
    def _apply_to(tx: Tx, projector: Projector, envelopes: Iterable[EventEnvelope]) -> None:
        position = int(tx.scalar("SELECT position FROM proj_tracking WHERE projection = ?", (projector.name,)) or 0)
        last = position
        for envelope in envelopes:
            if envelope.position <= last:
                continue  # at-least-once delivery: already applied
            projector.handle(tx, envelope)
            last = envelope.position
        if last != position:
            tx.execute("UPDATE proj_tracking SET position = ? WHERE projection = ?", (last, projector.name))

    # --- rebuild ---------------------------------------------------------------------------------

    def chosen(self, names: Iterable[str] | None = None) -> list[Projector]:
        """The projectors with these names (all by default); an unknown name is an error."""
        wanted = set(names) if names is not None else {p.name for p in self.projectors}
        unknown = wanted - {p.name for p in self.projectors}
        if unknown:
            raise ValueError(f"unknown projections: {sorted(unknown)}")
        return [p for p in self.projectors if p.name in wanted]

    def rebuild(
        self, feed: EventFeed, names: Iterable[str] | None = None, batch_size: int = 500, patience: float = 60.0
    ) -> int:
        """Replay the feed from position 0 beside the live tables, then swap them in (blue/green, see
        rebuild.py); returns the position the rebuilt models were swapped in at."""
        return rebuild(self, feed, names, batch_size=batch_size, patience=patience).position
