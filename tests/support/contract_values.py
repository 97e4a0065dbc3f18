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
    def __init__(self, schema: dict[str, Any]) -> None:
        self.root = schema
        self.budget = BUDGET

    def payload(self, draw: st.DrawFn) -> Any:
        self.budget = BUDGET
        return self.value(draw, self.root, "")

    # --- one schema node -----------------------------------------------------------------------

    def value(self, draw: st.DrawFn, node: dict[str, Any], where: str) -> Any:
        node = self.resolve(node)
        if "anyOf" in node:
            return self.value(draw, draw(st.sampled_from(node["anyOf"])), where)
        if "enum" in node:
            return draw(st.sampled_from(node["enum"]))
        if "const" in node:
            return node["const"]
        kind = node.get("type")
        if kind == "object":
            return self.object(draw, node, where)
        if kind == "array":
            count = self.size(draw, node.get("minItems", 0), node.get("maxItems"), f"{where}[]")
            return [self.value(draw, node["items"], f"{where}[]") for _ in range(count)]
        if kind == "integer":
            low, high = node.get("minimum", INT32[0]), node.get("maximum", INT32[1])
            if "minimum" not in node or "maximum" not in node:
                raise Unbounded(f"{where}: an integer needs a minimum and a maximum")
            return draw(st.sampled_from([low, high]) | st.integers(low, high))
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
            if name in required or draw(st.booleans()):
                out[name] = self.value(draw, child, f"{where}.{name}")
        for pattern, child in node.get("patternProperties", {}).items():
            count = self.size(draw, node.get("minProperties", 0), node.get("maxProperties"), f"{where}{{}}")
            keys = draw(st.sets(st.from_regex(pattern, fullmatch=True), min_size=count, max_size=count))
            out.update({key: self.value(draw, child, f"{where}.{key}") for key in keys})
        return out

    def string(self, draw: st.DrawFn, node: dict[str, Any], where: str) -> str:
        fmt = node.get("format")
        if fmt == "uuid":
            return str(draw(st.uuids()))
        if fmt == "date":
            return draw(edge_dates()).isoformat()
        if fmt == "date-time":
            day = draw(edge_dates())
            moment = datetime.combine(day, draw(st.sampled_from([time.min, time.max]) | st.times()), UTC)
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
        chosen: int = draw(st.sampled_from([low, high]) | st.integers(low, min(high, low + 12)))
        if text:  # strings share the payload's budget; past it, they take their minimum
            chosen = chosen if chosen <= self.budget else low
            self.budget -= chosen
        return chosen

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        if "$ref" not in node:
            return node
        target: Any = self.root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return {**target, **{k: v for k, v in node.items() if k != "$ref"}}


def edge_dates() -> st.SearchStrategy[date]:
    return st.sampled_from([FIRST_DAY, LAST_DAY]) | st.dates(FIRST_DAY, LAST_DAY)


def payloads(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    drawer = PayloadDrawer(schema)
    return st.composite(lambda draw: drawer.payload(draw))()
