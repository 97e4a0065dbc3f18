"""A thread that keeps one consumer up to date with a feed, and reports how far behind it is."""

from __future__ import annotations

import logging
import threading

from services.feed.base import EventFeed, PositionedConsumer

log = logging.getLogger("qa_ledger.feed")


class Follower:
    def __init__(self, feed: EventFeed, consumer: PositionedConsumer, batch_size: int = 500) -> None:
        self.feed = feed
        self.consumer = consumer
        self.batch_size = batch_size
        self.head: int | None = None
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def catch_up_once(self, timeout: float = 0.0) -> int:
        """Apply one batch; returns how many envelopes it held. Used by tests and rebuilds."""
        batch = self.feed.poll(self.consumer.position(), self.batch_size, timeout)
        if batch.head is not None:
            self.head = batch.head
        if batch.envelopes:
            self.consumer.apply(batch)
        return len(batch.envelopes)

    def catch_up(self) -> None:
        """Apply everything available now."""
        while self.catch_up_once():
            pass

    @property
    def lag(self) -> int | None:
        return None if self.head is None else max(0, self.head - self.consumer.position())

    def start(self) -> Follower:
        self._thread = threading.Thread(target=self._run, name=f"follow-{self.consumer.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.feed.close()
        if self._thread:
            self._thread.join(timeout)

    def _run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                self.catch_up_once(timeout=0.5)
                self.last_error, backoff = None, 0.5
            except Exception as exc:  # keep following; the error is reported on the status endpoint
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.exception("%s could not apply events; retrying in %.1fs", self.consumer.name, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
