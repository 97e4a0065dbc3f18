"""Group commit: the saves of commands that arrive together go to the store in one transaction.

Every ledger write is serialised (positions must be issued in commit order), so under load the
commands queue for the write lock one transaction at a time. Instead, the first command to
arrive leads: it takes every save waiting behind it and commits them together, and the others
wait for their result. One writer, fewer transactions, the same guarantees: if the combined
transaction is refused (two commands raced on one aggregate, or one Idempotency-Key), each save
is retried alone, so every command gets exactly the answer it would have had on its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import IntegrityError

MAX_BATCH = 64


@dataclass
class _Save:
    events: list[Any]
    done: threading.Event = field(default_factory=threading.Event)
    recordings: list[Any] = field(default_factory=list)
    error: BaseException | None = None

    def result(self) -> list[Any]:
        self.done.wait()
        if self.error is not None:
            raise self.error
        return self.recordings


class GroupCommitter:
    def __init__(self, save_events: Callable[..., list[Any]], max_batch: int = MAX_BATCH) -> None:
        self._save_events = save_events
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._waiting: list[_Save] = []
        self._leading = False

    def save(self, aggregates: list[Any]) -> list[Any]:
        """Save the aggregates' pending events (alone or with others'); their recordings, in order."""
        mine = _Save([event for aggregate in aggregates for event in aggregate.collect_events()])
        with self._lock:
            self._waiting.append(mine)
            lead = not self._leading
            self._leading = True
        if lead:
            self._lead()
        return mine.result()

    def _lead(self) -> None:
        while True:
            with self._lock:
                batch, self._waiting = self._waiting[: self._max_batch], self._waiting[self._max_batch :]
                if not batch:
                    self._leading = False
                    return
            self._commit(batch)

    def _commit(self, batch: list[_Save]) -> None:
        if len(batch) > 1:
            try:
                recordings = self._save_events(*[event for save in batch for event in save.events])
            except IntegrityError:
                pass  # someone in the batch conflicts: retry each alone, below
            except BaseException as exc:
                for save in batch:
                    save.error = exc
                    save.done.set()
                return
            else:
                start = 0
                for save in batch:  # recordings come back in the order the events were given
                    save.recordings = recordings[start : start + len(save.events)]
                    start += len(save.events)
                    save.done.set()
                return
        for save in batch:
            try:
                save.recordings = self._save_events(*save.events)
            except BaseException as exc:
                save.error = exc
            save.done.set()
