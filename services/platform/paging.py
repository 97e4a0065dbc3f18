"""Keyset paging, the one convention for every list (SPEC §7: no unbounded answers).

A list answers at most `limit` items (1-500, default 50) in a fixed order and, when more follow,
`next_cursor`: an opaque token naming the last item's sort key. Asking again with `cursor=<next_cursor>`
continues after that item, so a page never repeats or skips an item when others are added meanwhile,
and costs the same on page 1,000 as on page 1 (`WHERE (sort key) > (last key)`, not `OFFSET`).

A cursor names the list it came from: one from another list, or one that is not ours, is a 422
naming `cursor`. A cursor is not a credential: it only says where to resume, and the caller's scope
applies to every page.

    page = PageDep                                   # in a route's parameters
    after = page.after("audits", arity=2)            # None on the first page
    where, params = keyset(("allocated_on", "audit_id"), after, descending=True)
    rows = tx.all(f"SELECT ... WHERE ... {where} ORDER BY allocated_on DESC, audit_id DESC LIMIT ?",
                  [..., *params, page.fetch])
    return page.answer("audits", rows, key=lambda r: (r["allocated_on"], r["audit_id"]), render=...)
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query
from fastapi.exceptions import RequestValidationError

MAX_LIMIT = 500
DEFAULT_LIMIT = 50
MAX_CURSOR_LENGTH = 1000
Key = tuple[str | int | None, ...]


def invalid(field: str, rule: str) -> RequestValidationError:
    """A 422 in the same problem-details shape as every other invalid query parameter."""
    return RequestValidationError([{"loc": ("query", field), "msg": rule, "type": "value_error"}])


def encode_cursor(list_name: str, key: Key) -> str:
    raw = json.dumps([list_name, list(key)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, list_name: str, arity: int) -> Key:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, key = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise invalid("cursor", "is not a cursor this API gave out: use next_cursor as it came") from None
    if name != list_name:
        raise invalid("cursor", f"came from another list ({name!r}): use the next_cursor of this list")
    if not isinstance(key, list) or len(key) != arity or not all(isinstance(v, str | int | None) for v in key):
        raise invalid("cursor", "is not a cursor this API gave out: use next_cursor as it came")
    return tuple(key)


@dataclass(frozen=True)
class PageRequest:
    limit: int
    cursor: str | None

    @property
    def fetch(self) -> int:
        """Rows to ask the store for: one more than a page, to know whether another page follows."""
        return self.limit + 1

    def after(self, list_name: str, arity: int) -> Key | None:
        return None if self.cursor is None else decode_cursor(self.cursor, list_name, arity)

    def answer(
        self,
        list_name: str,
        rows: Sequence[Any],
        key: Callable[[Any], Key],
        render: Callable[[Any], Any] = lambda row: row,
    ) -> dict[str, Any]:
        page = list(rows[: self.limit])
        more = len(rows) > self.limit
        return {
            "items": [render(row) for row in page],
            "limit": self.limit,
            "next_cursor": encode_cursor(list_name, key(page[-1])) if more and page else None,
        }


def keyset(columns: Sequence[str], after: Key | None, *, descending: bool = False) -> tuple[str, list[Any]]:
    """` AND (c1, c2) > (?, ?)` (or `<` when descending) after the last key seen; nothing on page 1.
    Sort columns must be NOT NULL and end with a unique one, so the order is total."""
    if after is None:
        return "", []
    marks = ", ".join("?" for _ in columns)
    return f" AND ({', '.join(columns)}) {'<' if descending else '>'} ({marks})", list(after)


def page_request(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page (at most {MAX_LIMIT}).")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_CURSOR_LENGTH,
            description="Where to continue: the `next_cursor` of the previous page, as it came.",
        ),
    ] = None,
) -> PageRequest:
    return PageRequest(limit, cursor)


PageDep = Annotated[PageRequest, Depends(page_request)]
