"""The paging convention every list shares: opaque cursors that name their list, bounded limits."""

from __future__ import annotations

import pytest
from fastapi.exceptions import RequestValidationError

from services.platform.paging import PageRequest, decode_cursor, encode_cursor, keyset


def test_a_cursor_round_trips_and_names_its_list() -> None:
    cursor = encode_cursor("audits", ("2026-11-26", "5b1c"))
    assert decode_cursor(cursor, "audits", 2) == ("2026-11-26", "5b1c")
    assert "audits" not in cursor  # opaque: the key is not there to edit by eye
    with pytest.raises(RequestValidationError, match="another list"):
        decode_cursor(cursor, "staff", 2)


@pytest.mark.parametrize("bad", ["", "%%%", "bm90IGpzb24", encode_cursor("audits", ("one",)), "W1tdLDFd"])
def test_a_cursor_we_did_not_give_out_is_refused(bad: str) -> None:
    with pytest.raises(RequestValidationError) as refused:
        decode_cursor(bad, "audits", 2)
    assert refused.value.errors()[0]["loc"] == ("query", "cursor")


def test_a_page_says_whether_another_follows() -> None:
    page = PageRequest(limit=2, cursor=None)
    rows = [{"k": n} for n in range(3)]  # limit + 1 fetched: one more follows
    answer = page.answer("things", rows, key=lambda r: (r["k"],))
    assert [r["k"] for r in answer["items"]] == [0, 1] and answer["limit"] == 2
    assert decode_cursor(answer["next_cursor"], "things", 1) == (1,)
    assert page.answer("things", rows[:2], key=lambda r: (r["k"],))["next_cursor"] is None


def test_keyset_continues_after_the_last_key() -> None:
    assert keyset(("a", "b"), None) == ("", [])
    assert keyset(("a", "b"), ("x", 1)) == (" AND (a, b) > (?, ?)", ["x", 1])
    assert keyset(("a", "b"), ("x", 1), descending=True) == (" AND (a, b) < (?, ?)", ["x", 1])
