"""Every payload version ever published, keyed by (contract name, version), and the upcasters that
read an older payload as the latest.

A consumer calls `read_payload(name, version, data)` (or `envelope.payload()`) and always gets
the latest model, whichever version the event was recorded with. History is never rewritten: the
envelope keeps the version and data it was published with; upcasting is how a reader sees it.

Upcasters, one per (name, from_version), each turning a `data` dict of that version into the next:
- v1 → v2 (every type): the shape is unchanged; v2 only bounds the values (`schemas/bounds.py`).
  An event recorded before the bounds may hold a value outside them (a control character, an
  integer past 32 bits): it is read as the nearest value within them — a forbidden character
  becomes U+FFFD, a number is clamped, a string or list is cut — so that no old event can stop a
  consumer. The published envelope still carries the original.
- v2 → v3 (the contracts in `schemas/events_v2.py`): the guidance's words and the fields of
  SPEC 7's decisions; each step is in `schemas/reshape_v3.py`, which says what it assumes.
- New contracts (WiderEvidenceRecorded, EarlyHelpLearningSummarised) start at v1 with bounds.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from schemas import reshape_v3
from schemas.events import LATEST_PAYLOADS, EventPayload
from schemas.events_v1 import V1_PAYLOADS
from schemas.events_v2 import V2_PAYLOADS

Data = dict[str, Any]
Upcaster = Callable[[Data], Data]

PAYLOADS: dict[tuple[str, int], type[EventPayload]] = {
    **{(name, 1): model for name, model in V1_PAYLOADS.items()},  # type: ignore[misc]
    **{(name, 2): model for name, model in V2_PAYLOADS.items()},
    **{(name, model.schema_version): model for name, model in LATEST_PAYLOADS.items()},
}
LATEST_VERSION: dict[str, int] = {name: model.schema_version for name, model in LATEST_PAYLOADS.items()}


class UnknownPayload(LookupError):
    """A (contract name, version) this copy of `schemas/` does not know: update the package."""


def payload_model(name: str, version: int) -> type[EventPayload]:
    try:
        return PAYLOADS[(name, version)]
    except KeyError:
        known = sorted(v for n, v in PAYLOADS if n == name)
        raise UnknownPayload(f"no payload {name} v{version} (known versions: {known})") from None


def read_payload(name: str, version: int, data: Data) -> EventPayload:
    """The payload as the latest model of its type, upcast step by step from the version it has."""
    payload_model(name, version)  # an unknown pair fails here, naming it
    latest = LATEST_VERSION[name]
    if version > latest:
        raise UnknownPayload(f"{name} v{version} is newer than this copy of schemas/ (v{latest}): update it")
    for step in range(version, latest):
        data = UPCASTERS[(name, step)](data)
    return LATEST_PAYLOADS[name].model_validate(data)


def within_bounds(model: type[EventPayload]) -> Upcaster:
    """An upcaster to a version whose shape is the previous one's, with bounds: repair what is out."""

    def upcast(data: Data) -> Data:
        data = copy.deepcopy(data)
        for _ in range(1000):  # each round repairs every error found; a payload has few fields
            try:
                model.model_validate(data)
                return data
            except ValidationError as exc:
                repaired = [_repair(data, error) for error in exc.errors()]
                if not any(repaired):
                    raise
        raise RuntimeError(f"could not bring a {model.__name__} payload within its bounds")

    return upcast


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_NEWLINE_TAB = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _repair(data: Data, error: Any) -> bool:
    *path, last = error["loc"]
    parent: Any = data
    for key in path:
        parent = parent[key]
    value, kind, ctx = parent[last], error["type"], error.get("ctx", {})
    if kind == "control_character":
        forbidden = _CONTROL_BUT_NEWLINE_TAB if "newline" in error["msg"] else _CONTROL
        parent[last] = forbidden.sub("\ufffd", value)
    elif kind in ("string_too_long", "too_long"):
        limit = ctx["max_length"]
        parent[last] = dict(list(value.items())[:limit]) if isinstance(value, dict) else value[:limit]
    elif kind in ("less_than_equal", "greater_than_equal") and isinstance(value, int):
        parent[last] = ctx.get("le", ctx.get("ge"))
    else:
        return False
    return True


def reshaped(step: Callable[[Data], None]) -> Upcaster:
    """An upcaster from a reshaping step (`schemas/reshape_v3.py`), leaving the caller's data as it is."""

    def upcast(data: Data) -> Data:
        data = copy.deepcopy(data)
        step(data)
        return data

    return upcast


UPCASTERS: dict[tuple[str, int], Upcaster] = {
    **{(name, 1): within_bounds(PAYLOADS[(name, 2)]) for name in V1_PAYLOADS},
    **{(name, 2): reshaped(step) for name, step in reshape_v3.V2_TO_V3.items()},
}
