"""The ledger's composition root: builds the application and its HTTP API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI

from services.ledger.api.routes import actions, audits, cycles, evidence, feed, integrity, meetings, schemas, staff
from services.ledger.application import LedgerApplication
from services.ledger.domain.errors import InvalidCommand, NotFound, NotPermitted, StateConflict
from services.ledger.envelopes import UnreadableEvent
from services.ledger.relay import Relay
from services.platform.auth import AuthSettings, TokenVerifier
from services.platform.docs import serve_docs_offline
from services.platform.http import PrincipalDep, install_middleware
from services.platform.operations import EVENTS_APPENDED, RELAY_LAG, install_operations
from services.platform.problems import install_problem_handlers

ERRORS: dict[type[Exception], tuple[int, str]] = {
    InvalidCommand: (422, "Invalid input"),
    NotPermitted: (403, "Not permitted"),
    NotFound: (404, "Not found"),
    StateConflict: (409, "Conflict"),
    UnreadableEvent: (500, "Unreadable stored event"),
}


def ledger_router() -> APIRouter:
    router = APIRouter(prefix="/v1")
    for module in (staff, cycles, audits, actions, meetings, evidence, feed, integrity, schemas):
        router.include_router(module.router)
    return router


def create_app(ledger: LedgerApplication, auth: AuthSettings) -> FastAPI:
    app = FastAPI(
        title="QA Ledger: ledger service",
        version="1.0.0",
        description=(
            "Records every allocation, submission, grade, reflective discussion, moderation, meeting "
            "and action of the children's services audit cycle as an immutable event. "
            "Authenticate with a bearer JWT (`make token ROLE=qa_manager` in dev)."
        ),
    )
    attach_ledger(app, ledger, auth)
    app.include_router(ledger_router())
    return app


def attach_ledger(app: FastAPI, ledger: LedgerApplication, auth: AuthSettings) -> None:
    """Wire state, middleware and error handlers; used by the embedded app too."""
    app.state.ledger = ledger
    app.state.verifier = TokenVerifier(auth)
    serve_docs_offline(app)
    install_middleware(app)
    install_problem_handlers(app, ERRORS)
    install_operations(app, {"event_store": lambda: store_ready(ledger)})
    ledger.after_commit.append(EVENTS_APPENDED.inc)


def attach_relay(app: FastAPI, relay: Relay) -> None:
    """Run the Kafka relay with the API, and show how far it has published."""
    app.router.on_startup.append(relay.start)
    app.router.on_shutdown.append(relay.stop)
    RELAY_LAG.set_function(lambda: relay.status().lag or 0)

    @app.get("/v1/relay/status", tags=["operations"], summary="How far the relay has published to Kafka")
    def relay_status(who: PrincipalDep) -> dict[str, Any]:
        return relay.status().as_dict()


def store_ready(ledger: LedgerApplication) -> str | None:
    ledger.recorder.max_notification_id()  # raises if the store does not answer
    return None
