"""Composition root of the notifier: store, channels, feed follower, scheduler thread and HTTP API.

Embedded mode (services/embedded.py) calls `build_notifier`, `follow_notifier`, `attach_notifier`,
`notifier_router` and starts a `NotifierRunner`; `python -m services.notifier` runs it alone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from fastapi import APIRouter, FastAPI

from services.feed.base import Batch, EventFeed
from services.feed.follower import Follower
from services.notifier import api
from services.notifier.adapters.channels import FileOutboxChannel, SmtpChannel, WebhookChannel
from services.notifier.adapters.database import Database
from services.notifier.adapters.store import NotifierStore
from services.notifier.application import Notifier, RetryPolicy, utc_now
from services.platform.auth import AuthSettings, TokenVerifier
from services.platform.docs import serve_docs_offline
from services.platform.failures import describe, frames
from services.platform.http import install_middleware
from services.platform.problems import install_problem_handlers

if TYPE_CHECKING:
    from services.notifier.config import NotifierSettings
    from services.notifier.ports import Channel, ReceiptSink

log = logging.getLogger("qa_ledger.notifier")


def build_notifier(
    database_url: str,
    channels: Sequence[Channel],
    receipts: ReceiptSink | None,
    clock: Callable[[], date] = date.today,
    now: Callable[[], datetime] = utc_now,
    retry: RetryPolicy | None = None,
) -> Notifier:
    """`clock` says what day it is for deadline rules; tests pass a settable one."""
    return Notifier(NotifierStore(Database(database_url)), channels, receipts, clock, now, retry)


def channels_from_settings(settings: NotifierSettings) -> list[Channel]:
    """SMTP when SMTP_HOST is set, else .eml files under data/outbox; plus a webhook when configured."""
    email: Channel
    if settings.smtp_host:
        email = SmtpChannel(
            settings.smtp_host,
            settings.smtp_port,
            settings.mail_from,
            settings.smtp_username,
            settings.smtp_password,
            settings.smtp_starttls,
        )
    else:
        email = FileOutboxChannel(settings.outbox_dir, settings.mail_from)
    channels: list[Channel] = [email]
    if settings.webhook_url and settings.webhook_secret:
        channels.append(WebhookChannel(settings.webhook_url, settings.webhook_secret))
    return channels


def retry_from_settings(settings: NotifierSettings) -> RetryPolicy:
    return RetryPolicy(settings.max_attempts, timedelta(seconds=settings.retry_base_seconds))


class ObservedFeed:
    """Wraps the feed to notice when the notifier has caught up with the ledger: a poll that brought
    nothing new *and* a position at the ledger's head, as the ledger reports it (LogFeed, HttpFeed; a
    KafkaFeed asks the ledger, see `ledger_head`). An empty poll alone proves nothing: a Kafka consumer
    group hands out nothing while it joins. Judging deadlines or sending from a stale read model would
    call a submitted audit overdue, or send again what a receipt later in the log says was delivered.
    """

    def __init__(self, feed: EventFeed) -> None:
        self.feed = feed
        self.quiet = False

    def poll(self, after: int, max_events: int = 500, timeout: float = 0.5) -> Batch:
        batch = self.feed.poll(after, max_events, timeout)
        self.quiet = not batch.envelopes and batch.head is not None and after >= batch.head
        return batch

    def head(self) -> int:
        return self.feed.head()

    def close(self, applied: int | None = None) -> None:
        self.feed.close(applied)


def follow_notifier(feed: EventFeed, notifier: Notifier, batch_size: int = 500) -> Follower:
    """The follower that drives the notifier; also tells it when it is caught up."""
    observed = ObservedFeed(feed)
    notifier.caught_up = lambda: observed.quiet
    return Follower(observed, notifier, batch_size)


class NotifierRunner:
    """A thread that ticks the notifier: deadlines, delivery with backoff, receipts."""

    def __init__(self, notifier: Notifier, interval: float = 5.0) -> None:
        self.notifier = notifier
        self.interval = interval
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        """Tick now (e.g. after the follower queued messages) rather than at the next interval."""
        self._wake.set()

    def start(self) -> NotifierRunner:
        self._thread = threading.Thread(target=self._run, name="notifier-scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.notifier.tick()
                self.last_error = None
            except Exception as exc:  # keep ticking; /readyz and the status endpoint show the error
                self.last_error = describe(exc)  # never the message as raised: it may quote personal data
                log.error("notifier tick failed: %s", self.last_error, extra={"stack": frames(exc)})
            self._wake.wait(self.interval)
            self._wake.clear()


def notifier_router() -> APIRouter:
    router = APIRouter(prefix="/v1")
    router.include_router(api.router)
    return router


def attach_notifier(app: FastAPI, notifier: Notifier, follower: Follower | None = None) -> None:
    """Put the notifier (and the follower, for lag) where the routes find them."""
    app.state.notifier = notifier
    app.state.notifier_follower = follower


def create_notifier_app(notifier: Notifier, follower: Follower | None, auth: AuthSettings) -> FastAPI:
    """The notifier on its own (distributed mode)."""
    app = FastAPI(
        title="QA Ledger: notifier",
        version="1.0.0",
        description="Notifications of the audit cycle: who was told what; pending and dead-lettered mail.",
    )
    app.state.verifier = TokenVerifier(auth)
    serve_docs_offline(app)
    install_middleware(app)
    install_problem_handlers(app, {})
    attach_notifier(app, notifier, follower)
    app.include_router(notifier_router())

    @app.get("/healthz", tags=["operations"], include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "time": datetime.now(UTC).isoformat()}

    return app
