"""A thread that keeps one consumer up to date with a feed, and says so when it cannot.

A consumer that cannot apply an event stops at it: everything before it is applied, nothing after
it, and it is never skipped (a read model or a notification would silently be wrong). The follower
retries with a growing pause, so a passing fault (the store restarting) heals by itself and a
lasting one (a value the store cannot hold) does not spin. `stall` says where and why, for the
readiness check, the status endpoints and the metrics.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from services.feed.base import Batch, EventFeed, PositionedConsumer
from services.platform.failures import describe, error_kind, frames

if TYPE_CHECKING:
    from schemas.envelope import EventEnvelope

log = logging.getLogger("qa_ledger.feed")

FIRST_PAUSE, LONGEST_PAUSE = 0.5, 30.0


class EventNotApplied(RuntimeError):
    """The consumer could not apply the envelope at `position`; `error` is safe to show and log."""

    def __init__(self, consumer: str, envelope: EventEnvelope, cause: Exception) -> None:
        self.consumer = consumer
        self.position = envelope.position
        self.event_type = envelope.contract
        self.error = describe(cause)
        self.error_kind = error_kind(cause)
        super().__init__(f"{consumer} cannot apply {self.event_type} at position {self.position}: {self.error}")


@dataclass(frozen=True)
class Stall:
    consumer: str
    position: int
    event_type: str
    error: str
    error_kind: str
    since: datetime
    attempts: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": "stalled",
            "consumer": self.consumer,
            "position": self.position,
            "event_type": self.event_type,
            "error": self.error,
            "error_kind": self.error_kind,
            "since": self.since.isoformat(),
            "attempts": self.attempts,
        }


class Follower:
    def __init__(self, feed: EventFeed, consumer: PositionedConsumer, batch_size: int = 500) -> None:
        self.feed = feed
        self.consumer = consumer
        self.batch_size = batch_size
        self.head: int | None = None
        self.last_error: str | None = None  # safe to show: see services/feed/failures.py
        self.stall: Stall | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        return self.consumer.name

    def catch_up_once(self, timeout: float = 0.0) -> int:
        """Apply one batch; returns how many envelopes it held. Raises `EventNotApplied`."""
        batch = self.feed.poll(self.consumer.position(), self.batch_size, timeout)
        if batch.head is not None:
            self.head = batch.head
        if batch.envelopes:
            self._apply(batch)
        return len(batch.envelopes)

    def catch_up(self) -> None:
        """Apply everything available now."""
        while self.catch_up_once():
            pass

    def _apply(self, batch: Batch) -> None:
        try:
            self.consumer.apply(batch)
        except Exception:
            # A batch is one transaction, so one bad envelope undoes the lot: apply them one by
            # one to get past the good ones and name the first that fails.
            for envelope in batch.envelopes:
                try:
                    self.consumer.apply(Batch([envelope], batch.head))
                except Exception as exc:
                    raise EventNotApplied(self.consumer.name, envelope, exc) from exc

    @property
    def lag(self) -> int | None:
        return None if self.head is None else max(0, self.head - self.consumer.position())

    def readiness(self) -> str | dict[str, Any] | None:
        """None when following; else what is wrong (a `Stall` as a dict, or the feed's error)."""
        if self.stall is not None:
            return self.stall.as_dict()
        if self.last_error:
            return f"{self.name}: the feed failed: {self.last_error}"
        return None if self.head is not None else f"{self.name}: the feed has not answered yet"

    def start(self) -> Follower:
        self._thread = threading.Thread(target=self._run, name=f"follow-{self.consumer.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        # Let the running poll end (they wait at most about a second) so the consumer's position is
        # final, and tell the feed: a Kafka feed commits offsets up to it instead of re-reading them.
        if self._thread:
            self._thread.join(min(timeout, 1.5))
        running = self._thread is not None and self._thread.is_alive()
        self.feed.close(applied=None if running else self.consumer.position())
        if self._thread:
            self._thread.join(timeout)

    def _run(self) -> None:
        pause = FIRST_PAUSE
        while not self._stop.is_set():
            try:
                self.catch_up_once(timeout=0.5)
            except EventNotApplied as exc:
                self._stalled(exc, pause)
            except Exception as exc:  # the feed itself: keep trying, and say so
                self.last_error = describe(exc)
                log.warning(
                    "%s could not read the feed; retrying in %.1fs: %s",
                    self.name,
                    pause,
                    self.last_error,
                    extra={"service": self.name, "stack": frames(exc)},
                )
            else:
                if self.stall is not None:
                    log.info("%s got past position %d", self.name, self.stall.position, extra={"service": self.name})
                self.stall, self.last_error, pause = None, None, FIRST_PAUSE
                continue
            self._stop.wait(pause)
            pause = min(pause * 2, LONGEST_PAUSE)

    def _stalled(self, exc: EventNotApplied, pause: float) -> None:
        previous = self.stall
        same = previous is not None and previous.position == exc.position
        self.stall = Stall(
            exc.consumer,
            exc.position,
            exc.event_type,
            exc.error,
            exc.error_kind,
            previous.since if same and previous else datetime.now(UTC),
            previous.attempts + 1 if same and previous else 1,
        )
        self.last_error = str(exc)
        extra = {"service": self.name, "position": exc.position, "event_type": exc.event_type}
        if not same:
            log.error(
                "%s stopped at position %d (%s) and will not skip it; retrying with backoff. "
                "See docs/operations.md, 'A stalled consumer'. %s",
                self.name,
                exc.position,
                exc.event_type,
                exc.error,
                extra={**extra, "stack": frames(exc.__cause__ or exc)},
            )
        else:
            log.warning(
                "%s still cannot apply position %d; retrying in %.1fs", self.name, exc.position, pause, extra=extra
            )
