"""Payloads generated from the committed JSON Schema files, drawn towards the edges of every bound.

Random values rarely land on a bound, and the bounds are where stores break (an integer one past
32 bits, a string at its full length, the first and last day the contract allows). So every bounded
dimension is drawn as its minimum, its maximum or something in between, each about a third of the
time: integers, string lengths, list lengths, map sizes, dates and instants. Characters come from
the whole of Unicode less what the schema forbids, with the awkward ones favoured (the first allowed
after the control ranges, astral planes, U+FFFF, right-to-left marks, quotes, `%`, `?`, backslash),
and newline and tab wherever free text allows them.

Long strings are a short drawn seed repeated to the drawn length, so a 20,000-character value costs
hypothesis a few bytes; a payload's strings share a budget (`BUDGET`: no command can send more than
the ledger's 1 MB request limit), after which they take their minimum length.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

JSON_DIR = Path(__file__).parents[2] / "schemas" / "json"
BUDGET = 200_000  # characters of string per payload
INT32 = (-(2**31), 2**31 - 1)
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2200, 12, 31)
AWKWARD = [" ", "\u00a0", "\u00ff", "\u0100", "\ufffd", "\uffff", "\U0001f600", "\U0010ffff", "\u202e", "\u0301"]
AWKWARD += ["'", '"', "\\", "%", "?", "_", "é", "ß", "\u4e2d", "\u200b", ";", "--", "/*"]
SINGLE_LINE = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
FREE_TEXT = "^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f]*$"


def latest_schemas() -> dict[str, dict[str, Any]]:
    """Each contract's latest committed payload schema, by contract name."""
    latest: dict[str, tuple[int, dict[str, Any]]] = {}
    for path in sorted((JSON_DIR / "events").glob("*.v*.json")):
        name, version = path.name.removesuffix(".json").rsplit(".v", 1)
        if int(version) > latest.get(name, (0, {}))[0]:
            latest[name] = (int(version), json.loads(path.read_text()))
    return {name: schema for name, (_, schema) in latest.items()}


class Unbounded(AssertionError):
    """A value in the contract with no bound: the contract itself is at fault."""


class PayloadDrawer:
    """`mode`: "high" takes every maximum (all optional fields, the last day, the largest number),
    "low" every minimum (only required fields, null where allowed, the first day); "mixed" draws
    each bound as its minimum, its maximum or between, about a third of the time each."""

    def __init__(self, schema: dict[str, Any], mode: str = "mixed") -> None:
        self.root, self.mode = schema, mode
        self.budget = BUDGET

    def payload(self, draw: st.DrawFn) -> Any:
        self.budget = BUDGET
        return self.value(draw, self.root, "")

    # --- one schema node -----------------------------------------------------------------------

    def value(self, draw: st.DrawFn, node: dict[str, Any], where: str) -> Any:
        node = self.resolve(node)
        if "anyOf" in node:
            options = node["anyOf"]
            if self.mode != "mixed":
                nulls = [o for o in options if o.get("type") == "null"]
                others = [o for o in options if o.get("type") != "null"]
                options = (others or nulls) if self.mode == "high" else (nulls or others)
            return self.value(draw, draw(st.sampled_from(options)), where)
        if "enum" in node:
            return draw(st.sampled_from(node["enum"]))
        if "const" in node:
            return node["const"]
        kind = node.get("type")
        if kind == "object":
            return self.object(draw, node, where)
        if kind == "array":
            count = self.size(draw, node.get("minItems", 0), node.get("maxItems"), f"{where}[]")
            if self.mode == "high" and count:  # a full list in few draws: one item, repeated
                before = self.budget
                first = self.value(draw, node["items"], f"{where}[]")
                if (before - self.budget) * (count - 1) <= self.budget:
                    self.budget -= (before - self.budget) * (count - 1)
                    return [first] * count
                self.mode = "low"  # past the budget, the rest are the smallest items
                filler = self.value(draw, node["items"], f"{where}[]")
                self.mode = "high"
                return [first] + [filler] * (count - 1)
            return [self.value(draw, node["items"], f"{where}[]") for _ in range(count)]
        if kind == "integer":
            low, high = node.get("minimum", INT32[0]), node.get("maximum", INT32[1])
            if "minimum" not in node or "maximum" not in node:
                raise Unbounded(f"{where}: an integer needs a minimum and a maximum")
            return self.edge(draw, low, high, st.integers(low, high))
        if kind == "boolean":
            return draw(st.booleans())
        if kind == "null":
            return None
        if kind == "string":
            return self.string(draw, node, where)
        raise Unbounded(f"{where}: no type in {node}")

    def object(self, draw: st.DrawFn, node: dict[str, Any], where: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        required = set(node.get("required", ()))
        for name, child in node.get("properties", {}).items():
            wanted = {"high": True, "low": False}.get(self.mode)
            if name in required or (draw(st.booleans()) if wanted is None else wanted):
                out[name] = self.value(draw, child, f"{where}.{name}")
        for pattern, child in node.get("patternProperties", {}).items():
            count = self.size(draw, node.get("minProperties", 0), node.get("maxProperties"), f"{where}{{}}")
            longest = [f"{n:03d}".ljust(64, "_") for n in range(count)]  # the longest keys, without draws
            if self.mode == "high" and all(re.fullmatch(pattern, key) for key in longest):
                keys = set(longest)
            else:
                keys = draw(st.sets(st.from_regex(pattern, fullmatch=True), min_size=count, max_size=count))
            out.update({key: self.value(draw, child, f"{where}.{key}") for key in keys})
        return out

    def string(self, draw: st.DrawFn, node: dict[str, Any], where: str) -> str:
        fmt = node.get("format")
        if fmt == "uuid":
            return str(draw(st.uuids()))
        if fmt == "date":
            return self.edge(draw, FIRST_DAY, LAST_DAY, st.dates(FIRST_DAY, LAST_DAY)).isoformat()
        if fmt == "date-time":
            day = self.edge(draw, FIRST_DAY, LAST_DAY, st.dates(FIRST_DAY, LAST_DAY))
            moment = datetime.combine(day, self.edge(draw, time.min, time.max, st.times()), UTC)
            return moment.isoformat().replace("+00:00", "Z")
        pattern = node.get("pattern")
        if "maxLength" in node and pattern in (SINGLE_LINE, FREE_TEXT):
            length = self.size(draw, node.get("minLength", 0), node["maxLength"], where, text=True)
            alphabet = st.characters(exclude_categories=("Cc", "Cs")) | st.sampled_from(AWKWARD)
            if pattern == FREE_TEXT:
                alphabet |= st.sampled_from(["\n", "\t", "\n\n"])
            seed = "".join(draw(st.lists(alphabet, min_size=1, max_size=6)))
            return (seed * (length // len(seed) + 1))[:length]
        if pattern:
            return draw(st.from_regex(pattern, fullmatch=True))
        raise Unbounded(f"{where}: a string needs a maxLength, a pattern or a format")

    def size(self, draw: st.DrawFn, low: int, high: int | None, where: str, *, text: bool = False) -> int:
        if high is None:
            raise Unbounded(f"{where}: a list or map needs a maximum size")
        chosen: int = self.edge(draw, low, high, st.integers(low, min(high, low + 12)))
        if text:  # strings share the payload's budget; past it, they take their minimum
            chosen = chosen if chosen <= self.budget else low
            self.budget -= chosen
        return chosen

    def edge(self, draw: st.DrawFn, low: Any, high: Any, between: st.SearchStrategy[Any]) -> Any:
        if self.mode == "high":
            return high
        if self.mode == "low":
            return low
        return draw(st.sampled_from([low, high]) | between)

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        if "$ref" not in node:
            return node
        target: Any = self.root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return {**target, **{k: v for k, v in node.items() if k != "$ref"}}


def payloads(schema: dict[str, Any], mode: str = "mixed") -> st.SearchStrategy[dict[str, Any]]:
    drawer = PayloadDrawer(schema, mode)
    return st.composite(lambda draw: drawer.payload(draw))()
