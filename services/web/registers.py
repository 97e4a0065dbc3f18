"""Reading the projections' registers (keyset-paged lists) with the signed-in person's token, so the
pages list exactly what that person's scope allows."""

from __future__ import annotations

from typing import Any

from services.web.api import ApiProblem, Caller

PAGE = 500
MAX_PAGES = 20  # a page never shows more than 10,000 rows of one register


async def every(api: Caller, path: str, **params: Any) -> list[dict[str, Any]]:
    """All items of a register (bounded), following `next_cursor`."""
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(MAX_PAGES):
        page = await api.get("projections", path, limit=PAGE, cursor=cursor, **params)
        items.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return items


async def first(api: Caller, path: str, limit: int = 50, **params: Any) -> list[dict[str, Any]]:
    page = await api.get("projections", path, limit=limit, **params)
    return list(page["items"])


async def visible(api: Caller, path: str, **params: Any) -> list[dict[str, Any]] | None:
    """A register the person's roles may not read: None, and the page leaves that part out."""
    try:
        return await every(api, path, **params)
    except ApiProblem as problem:
        if problem.status == 403:
            return None
        raise


async def names(api: Caller) -> dict[str, str]:
    """Handle -> name for everyone the person may see in the staff register."""
    staff = await visible(api, "/v1/registers/staff")
    return {s["staff_id"]: s["name"] for s in staff or []}
