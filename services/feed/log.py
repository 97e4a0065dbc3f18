"""Feeds that page through the ledger's log: in-process (embedded) or over HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from schemas.envelope import EventEnvelope
from services.feed.base import Batch

# (after, limit) -> (envelopes after `after`, head position)
ReadPage = Callable[[int, int], tuple[list[EventEnvelope], int]]


class LogFeed:
    """Follows the ledger's notification log in the same process.

    SQLite cannot push new events in eventsourcing 9.5, so this polls; `wake()` (called by the
    embedded wiring after each commit) ends a wait early, so followers see a write within
    milliseconds instead of a poll interval.
    """

    def __init__(self, read_page: ReadPage, idle_wait: float = 0.5) -> None:
        self._read_page = read_page
        self._idle_wait = idle_wait
        self._new = threading.Event()

    def wake(self) -> None:
        self._new.set()

    def poll(self, after: int, max_events: int = 500, timeout: float | None = None) -> Batch:
        deadline = time.monotonic() + (self._idle_wait if timeout is None else timeout)
        while True:
            self._new.clear()
            envelopes, head = self._read_page(after, max_events)
            remaining = deadline - time.monotonic()
            if envelopes or remaining <= 0:
                return Batch(envelopes, head)
            self._new.wait(remaining)

    def head(self) -> int:
        return self._read_page(0, 1)[1]

    def close(self, applied: int | None = None) -> None:
        self._new.set()


class HttpFeed:
    """Pages `GET /v1/events` with a `service` token: for a subscriber outside the cluster."""

    def __init__(self, base_url: str, token: str, client: httpx.Client | None = None) -> None:
        self._client = client or httpx.Client(base_url=base_url, timeout=10.0)
        self._headers = {"Authorization": f"Bearer {token}"}

    def head(self) -> int:
        response = self._client.get("/v1/events", params={"after": 0, "limit": 1}, headers=self._headers)
        response.raise_for_status()
        return int(response.json()["head"])

    def poll(self, after: int, max_events: int = 500, timeout: float = 0.5) -> Batch:
        response = self._client.get(
            "/v1/events", params={"after": after, "limit": min(max_events, 1000)}, headers=self._headers
        )
        response.raise_for_status()
        page: dict[str, Any] = response.json()
        envelopes = [EventEnvelope.model_validate(e) for e in page["events"]]
        if not envelopes and timeout:
            time.sleep(min(timeout, 0.5))
        return Batch(envelopes, page["head"])

    def close(self, applied: int | None = None) -> None:
        self._client.close()


def ledger_head(base_url: str, token: str) -> Callable[[], int]:
    """Ask the ledger's HTTP feed for its head: for a Kafka feed, which cannot tell from the topic
    what the ledger holds (a rebuild reads up to it; the notifier waits for it before judging)."""
    return HttpFeed(base_url, token).head
