"""What every ledger aggregate shares: who acted, and the correlation of the request."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from schemas.registry import LATEST_VERSION
from schemas.reshape_v3 import V2_TO_V3

LEDGER_NAMESPACE = uuid5(NAMESPACE_URL, "urn:qa-ledger")


@dataclass(frozen=True)
class Stamp:
    """Who is acting and why, set by the application for the duration of one command."""

    actor_id: str = "system"
    actor_role: str = "system"
    correlation_id: str = ""
    causation_id: str | None = None


stamp_cvar: ContextVar[Stamp] = ContextVar("stamp", default=Stamp())  # noqa: B039 (Stamp is frozen)


def derived_id(kind: str, *parts: Any) -> UUID:
    """A stable id for something that must be unique, e.g. one cycle per week-1 Monday."""
    return uuid5(LEDGER_NAMESPACE, ":".join([kind, *map(str, parts)]))


class LedgerAggregate(Aggregate):
    class Event(Aggregate.Event):
        """Each event class's version is its contract's latest payload version (`schemas.registry`):
        eventsourcing stores it with the event and upcasts older stored events when loading."""

        class_version: ClassVar[int] = 1

        def __init_subclass__(cls) -> None:
            super().__init_subclass__()
            cls.class_version = LATEST_VERSION.get(cls.__name__, 1)
            missing = [v for v in range(1, cls.class_version) if not hasattr(cls, f"upcast_v{v}_v{v + 1}")]
            if missing:
                raise TypeError(f"{cls.__qualname__} needs upcast_v{missing[0]}_v{missing[0] + 1}")

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Contract v2 bounds the values; the shape is v1's, so a v1 event loads as it is."""

        @classmethod
        def upcast_v2_v3(cls, state: dict[str, Any]) -> None:
            """Contract v3 reshaped some payloads (`schemas/reshape_v3.py`); their stored events alike.
            Only a class whose contract is at v3 is ever asked to take this step."""
            V2_TO_V3[cls.__name__](state)

        actor_id: str = field(default_factory=lambda: stamp_cvar.get().actor_id, init=False)
        actor_role: str = field(default_factory=lambda: stamp_cvar.get().actor_role, init=False)
        correlation_id: str = field(default_factory=lambda: stamp_cvar.get().correlation_id, init=False)
        causation_id: str | None = field(default_factory=lambda: stamp_cvar.get().causation_id, init=False)

    class Created(Event, Aggregate.Created):
        pass


# Attributes of a stored event that belong in the envelope, not in the published payload.
ENVELOPE_ATTRIBUTES = frozenset(
    {
        "originator_id",
        "originator_version",
        "originator_topic",
        "timestamp",
        "actor_id",
        "actor_role",
        "correlation_id",
        "causation_id",
    }
)
