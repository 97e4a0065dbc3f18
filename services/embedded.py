"""Embedded mode: the three services in one process on SQLite files under ./data.

`make run` starts this. The projections and the notifier follow the ledger in-process by polling
its notification log (SQLite cannot push to subscribers in eventsourcing 9.5).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import date

import uvicorn
from fastapi import FastAPI

from schemas.envelope import EventEnvelope
from schemas.vocabulary import Role
from services.feed.log import LogFeed, ReadPage
from services.ledger import commands as c
from services.ledger.admin import bootstrap_hint
from services.ledger.api.app import attach_ledger, ledger_router
from services.ledger.application import Actor, CommandContext, LedgerApplication
from services.ledger.config import LedgerSettings
from services.ledger.wiring import build_ledger
from services.notifier.adapters.channels import FileOutboxChannel
from services.notifier.ports import Receipt
from services.notifier.wiring import (
    NotifierRunner,
    attach_notifier,
    build_notifier,
    follow_notifier,
    notifier_router,
)
from services.platform.auth import AuthSettings
from services.platform.logs import configure_logging
from services.platform.operations import watch_consumer
from services.projections.wiring import mount_projections
from services.web.app import mount_web
from services.web.config import WebSettings

log = logging.getLogger("qa_ledger.embedded")


def create_embedded_app(
    settings: LedgerSettings,
    auth: AuthSettings,
    clock: Callable[[], date] | None = None,
    web: WebSettings | None = None,
) -> FastAPI:
    """`clock` (default: today in London) is what day the ledger, the read models and the notifier's
    deadline rules believe it is; `make demo` passes a simulated calendar to play 8 weeks in a minute."""
    ledger = build_ledger(settings)
    if clock is not None:
        ledger.today = clock
    app = FastAPI(
        title="QA Ledger (embedded: ledger, projections, notifier)",
        version="1.0.0",
        description=(
            "An event-sourced record of the children's services audit cycle. Every command is an "
            "immutable event; read models and notifications follow the event feed. Authenticate "
            "with a bearer JWT: `make token ROLE=qa_manager SUB=qa.manager`."
        ),
    )
    attach_ledger(app, ledger, auth)
    app.include_router(ledger_router())
    projections = mount_projections(
        app, settings_url("PROJECTIONS_DATABASE_URL", settings, "projections"), read_page(ledger), ledger.after_commit
    )
    if clock is not None:
        projections.today = clock
    mount_notifier(app, ledger, settings, log_feed=LogFeed(read_page(ledger)))
    # The pages answer every other path; with the local dev key they offer the development sign-in.
    mount_web(app, web or WebSettings.from_env(), auth, ledger.today)
    return app


class InProcessReceipts:
    """The notifier's receipts go straight to the ledger application (embedded mode only)."""

    actor = Actor(id="notifier", roles=frozenset({Role.SERVICE}))

    def __init__(self, ledger: LedgerApplication) -> None:
        self.ledger = ledger

    def record(self, receipt: Receipt) -> None:
        command = c.RecordNotificationDelivered.model_validate(receipt.as_json())
        self.ledger.record_notification_delivered(self.actor, command, CommandContext())


def mount_notifier(app: FastAPI, ledger: LedgerApplication, settings: LedgerSettings, log_feed: LogFeed) -> None:
    """E-mails go to ./data/outbox as .eml files; deadlines are checked every few seconds."""
    notifier = build_notifier(
        settings_url("NOTIFIER_DATABASE_URL", settings, "notifier"),
        [FileOutboxChannel(settings.data_dir / "outbox")],
        InProcessReceipts(ledger),
        clock=ledger.today,
    )
    ledger.after_commit.append(log_feed.wake)
    follower = follow_notifier(log_feed, notifier)
    runner = NotifierRunner(notifier, interval=5.0)
    attach_notifier(app, notifier, follower)
    watch_consumer(app, follower)  # the app's /readyz and /metrics cover the notifier too
    app.state.notifier_runner = runner  # the demo wakes it after moving its simulated calendar
    app.include_router(notifier_router())
    app.router.on_startup += [follower.start, runner.start]
    app.router.on_shutdown += [runner.stop, follower.stop, notifier.store.close]


def read_page(ledger: LedgerApplication) -> ReadPage:
    """The ledger's feed as consumers see it in-process: (envelopes after a position, head)."""

    def page(after: int, limit: int) -> tuple[list[EventEnvelope], int]:
        feed_page = ledger.feed_page(after, limit)
        return feed_page.events, feed_page.head

    return page


def settings_url(variable: str, settings: LedgerSettings, name: str) -> str:
    return os.environ.get(variable, f"sqlite:///{settings.data_dir}/{name}.sqlite3")


def main() -> None:
    configure_logging("embedded")
    settings = LedgerSettings.from_env()
    auth = AuthSettings.from_env(settings.data_dir)
    app = create_embedded_app(settings, auth)
    log.info("QA Ledger on http://%s:%s (OpenAPI at /docs)", settings.host, settings.port)
    if hint := bootstrap_hint(app.state.ledger):
        print(f"\n{hint}\n", flush=True)
    print(f"\nQA Ledger is starting. Sign in at http://{settings.host}:{settings.port}/sign-in\n", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
