"""Building the projections service: its store and consumer, its router, and how it joins an app.

Embedded mode (services/embedded.py) mounts it next to the ledger and follows the ledger in-process;
`python -m services.projections` runs it alone (see __main__.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from services.feed import Follower, LogFeed
from services.feed.log import ReadPage
from services.platform.auth import AuthSettings, TokenVerifier
from services.platform.docs import serve_docs_offline
from services.platform.http import install_middleware
from services.platform.operations import watch_consumer
from services.platform.problems import PermissionDenied, install_problem_handlers, problem
from services.projections.api.routes import actions, cycles, programme, registers, reports, status, trails
from services.projections.consumer import Projections, london_today
from services.projections.queries.common import InvalidQuery, NotFoundError
from services.projections.store import DEFAULT_URL, Database

ERRORS: dict[type[Exception], tuple[int, str]] = {
    NotFoundError: (404, "Not found"),
    InvalidQuery: (422, "Invalid input"),
}


def build_projections(database_url: str = DEFAULT_URL, today: Callable[[], date] = london_today) -> Projections:
    """The read-model store (SQLite file or `postgresql://...?schema=`) and the consumer that fills it."""
    return Projections(Database(database_url), today=today)


def projections_router() -> APIRouter:
    router = APIRouter(prefix="/v1")
    for module in (cycles, actions, trails, programme, reports, registers, status):
        router.include_router(module.router)
    return router


def attach_projections(
    app: FastAPI, projections: Projections, follower: Follower | None, *, start_follower: bool = True
) -> None:
    """Put the read models on `app.state`, map their errors, and run the follower with the app."""
    app.state.projections = projections
    app.state.projections_follower = follower
    for error, (status_code, title) in ERRORS.items():

        def handler(
            request: Request, exc: Exception, status_code: int = status_code, title: str = title
        ) -> JSONResponse:
            extra = {"field": exc.field, "rule": exc.rule} if isinstance(exc, InvalidQuery) else {}
            return problem(status_code, title, str(exc), **extra)

        app.add_exception_handler(error, handler)
    if PermissionDenied not in app.exception_handlers:
        app.add_exception_handler(PermissionDenied, lambda request, exc: problem(403, "Not permitted", str(exc)))
    if follower is not None and start_follower:
        app.router.on_startup.append(follower.start)
        app.router.on_shutdown.append(follower.stop)
    app.router.on_shutdown.append(projections.db.close)


def mount_projections(
    app: FastAPI, database_url: str, read_page: ReadPage, wake_hooks: list[Callable[[], None]] | None = None
) -> Projections:
    """Embedded mode in one call: follow the ledger's log in-process and serve the read models from `app`.

    `read_page(after, limit) -> (envelopes, head)` pages the ledger's feed; `wake_hooks` (the ledger's
    `after_commit` list) lets each commit wake the follower instead of waiting for the next poll.
    """
    projections = build_projections(database_url)
    feed = LogFeed(read_page)
    if wake_hooks is not None:
        wake_hooks.append(feed.wake)
    follower = Follower(feed, projections)
    attach_projections(app, projections, follower)
    watch_consumer(app, follower)  # the app's /readyz and /metrics cover the read models too
    app.include_router(projections_router())
    return projections


def create_projections_app(
    projections: Projections, follower: Follower | None, auth: AuthSettings, *, start_follower: bool = True
) -> FastAPI:
    """The projections service on its own (distributed mode, or tests)."""
    app = FastAPI(
        title="QA Ledger: projections service",
        version="1.0.0",
        description="Read models of the audit cycle, built from the ledger's event feed: moderation coverage, "
        "outstanding actions, inspection-ready trails, the cycle dashboard, quotas, programme progress and "
        "report drafts. Authenticate with a bearer JWT.",
    )
    app.state.verifier = TokenVerifier(auth)
    serve_docs_offline(app)
    install_middleware(app)
    install_problem_handlers(app, {})
    attach_projections(app, projections, follower, start_follower=start_follower)
    app.include_router(projections_router())

    @app.get("/healthz", tags=["operations"], include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
