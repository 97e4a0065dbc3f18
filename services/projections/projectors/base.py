"""What every projector is: a name, the tables it owns, and one handler per event type it reads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from schemas.envelope import EventEnvelope
    from services.projections.store import Tx

LONDON = ZoneInfo("Europe/London")
Handler = Callable[["Tx", "EventEnvelope", Any], None]


class Projector:
    """Subclasses set `name`, `tables` (name → DDL), `indexes` and map event types to handlers."""

    name: str = ""
    tables: dict[str, str] = {}
    indexes: tuple[str, ...] = ()

    def handlers(self) -> dict[str, Handler]:
        raise NotImplementedError

    def handle(self, tx: Tx, envelope: EventEnvelope) -> None:
        table = self.__dict__.get("_handler_table")
        if table is None:  # built once per projector: `handlers()` makes a new dict on each call
            table = self.__dict__["_handler_table"] = self.handlers()
        handler = table.get(envelope.contract)
        if handler is not None:
            handler(tx, envelope, envelope.payload())


def flag(value: bool | None) -> int | None:
    """Booleans are stored as 0/1 so that the same SQL runs on SQLite and PostgreSQL."""
    return None if value is None else int(value)


def iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def utc_text(moment: datetime) -> str:
    """A sortable UTC timestamp, so `as_of` comparisons are plain text comparisons on both stores."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def london_date(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def end_of_day(day: date) -> datetime:
    """The last instant of a day in London: what `as_of=<date>` means."""
    return datetime.combine(day + timedelta(days=1), time.min, LONDON) - timedelta(microseconds=1)


def known_at(day: date) -> str:
    """`as_of=<date>` as the instant the versioned tables are read at (UTC text)."""
    return utc_text(end_of_day(day))
