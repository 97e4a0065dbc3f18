"""Embedded mode: the three services in one process on SQLite files under ./data.

`make run` starts this. The projections and the notifier follow the ledger in-process by polling
its notification log (SQLite cannot push to subscribers in eventsourcing 9.5).
"""

from __future__ import annotations

import logging
import os

import uvicorn
from fastapi import FastAPI

from schemas.envelope import EventEnvelope
from services.feed.log import ReadPage
from services.ledger.api.app import attach_ledger, ledger_router
from services.ledger.application import LedgerApplication
from services.ledger.config import LedgerSettings
from services.ledger.wiring import build_ledger
from services.platform.auth import AuthSettings
from services.platform.logs import configure_logging
from services.projections.wiring import mount_projections

log = logging.getLogger("qa_ledger.embedded")


def create_embedded_app(settings: LedgerSettings, auth: AuthSettings) -> FastAPI:
    ledger = build_ledger(settings)
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
    mount_projections(
        app, settings_url("PROJECTIONS_DATABASE_URL", settings, "projections"), read_page(ledger), ledger.after_commit
    )
    # --- notifier (issue 4) wires in here ---
    return app


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
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
