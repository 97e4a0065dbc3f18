"""The web service's composition root: pages, assets, sessions, and how it joins a process.

Embedded (`make run`): mounted at `/` beside the APIs, calling them in-process.
Distributed (`python -m services.web`): its own process, calling the APIs over HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from schemas.vocabulary import Role
from services.platform.auth import AuthSettings, mint_local_token
from services.platform.http import install_middleware
from services.web import pages
from services.web.api import ApiProblem, Apis
from services.web.config import WebSettings
from services.web.directory import StaffDirectory
from services.web.pages import CsrfRefused, NotAllowedHere, SignInRequired, Web, render
from services.web.routes import ROUTERS
from services.web.sessions import SessionStore

STATIC = pages.HERE / "static"


def create_web_app(
    settings: WebSettings,
    apis: Apis,
    *,
    mint: Callable[[str, list[str]], str] | None = None,
    service_token: Callable[[], str] | None = None,
    today: Callable[[], date] = date.today,
) -> FastAPI:
    """`mint(subject, roles)` signs development sign-in tokens (embedded only); `service_token()`
    lets the staff directory follow the feed."""
    app = FastAPI(title="QA Ledger: pages", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web = Web(
        settings=settings,
        apis=apis,
        sessions=SessionStore(settings.session_hours * 3600),
        templates=Jinja2Templates(env=pages.environment()),
        directory=StaffDirectory(apis, service_token),
        mint=mint if settings.dev_sign_in else None,
        today=today,
    )
    app.mount("/assets", StaticFiles(directory=STATIC), name="assets")
    for router in ROUTERS:
        app.include_router(router)
    install_error_pages(app)
    app.router.on_shutdown.append(apis.close)
    return app


def install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    def _sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(f"/sign-in?next={exc.next_url}", status_code=303)

    @app.exception_handler(CsrfRefused)
    def _csrf(request: Request, exc: CsrfRefused) -> Response:
        return render(
            request,
            "pages/error.html",
            403,
            title="This form has expired",
            message="Go back, reload the page and try again.",
        )

    @app.exception_handler(NotAllowedHere)
    def _not_allowed(request: Request, exc: NotAllowedHere) -> Response:
        return render(
            request,
            "pages/error.html",
            403,
            title="You cannot see this page",
            message="Your roles in the staff register do not include this part of the service.",
        )

    @app.exception_handler(ApiProblem)
    def _problem(request: Request, exc: ApiProblem) -> Response:
        if exc.status == 401:
            return RedirectResponse(f"/sign-in?next={request.url.path}", status_code=303)
        titles = {403: "You cannot see this page", 404: "Page not found"}
        return render(
            request,
            "pages/error.html",
            exc.status if exc.status < 500 else 502,
            title=titles.get(exc.status, "Sorry, there is a problem with the service"),
            message=exc.detail,
        )

    @app.exception_handler(404)
    def _not_found(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/v1/"):  # an API path nobody serves: answer as the APIs do
            return JSONResponse(
                {"type": "about:blank", "title": "Not found", "status": 404, "detail": f"no route {request.url.path}"},
                status_code=404,
                media_type="application/problem+json",
            )
        return render(
            request,
            "pages/error.html",
            404,
            title="Page not found",
            message="If you typed the web address, check it is correct.",
        )


@dataclass(frozen=True)
class DevTokens:
    """With the local development key: tokens for the development sign-in and the staff directory."""

    mint: Callable[[str, list[str]], str] | None = None
    service_token: Callable[[], str] | None = None

    @classmethod
    def of(cls, auth: AuthSettings, settings: WebSettings) -> DevTokens:
        if auth.local_key is None:
            return cls()

        def mint(subject: str, roles: list[str]) -> str:
            return mint_local_token(auth, subject, roles, ttl_seconds=settings.session_hours * 3600)

        def service_token() -> str:
            return mint_local_token(auth, "web", [Role.SERVICE.value], ttl_seconds=300)

        return cls(mint, service_token)


def mount_web(
    app: FastAPI, settings: WebSettings, auth: AuthSettings, today: Callable[[], date] = date.today
) -> FastAPI:
    """Embedded mode: the pages answer every path the APIs do not, calling the APIs in-process."""
    tokens = DevTokens.of(auth, settings)
    web_app = create_web_app(
        settings, Apis.in_process(app), mint=tokens.mint, service_token=tokens.service_token, today=today
    )
    app.mount("/", web_app)
    return web_app


def standalone(settings: WebSettings, auth: AuthSettings) -> FastAPI:
    """Distributed mode: the ledger, projections and notifier over HTTP."""
    if not (settings.ledger_url and settings.projections_url):
        raise ValueError("the web front end needs QA_LEDGER_URL and QA_LEDGER_PROJECTIONS_URL")
    apis = Apis.over_http(settings.ledger_url, settings.projections_url, settings.notifier_url)
    service_token = settings.service_token
    tokens = DevTokens.of(auth, settings)
    app = create_web_app(
        settings,
        apis,
        mint=tokens.mint,
        service_token=(lambda: service_token) if service_token else tokens.service_token,
    )
    install_middleware(app)
    install_health(app, apis)
    return app


def install_health(app: FastAPI, apis: Apis) -> None:
    """`/healthz` (the process answers) and `/readyz` (the APIs it calls answer theirs)."""

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        failing = {}
        for name, client in apis.clients.items():
            try:
                answer = await client.get("/readyz", timeout=5)
                if answer.status_code != 200:
                    failing[name] = f"answered {answer.status_code}"
            except httpx.HTTPError as exc:
                failing[name] = type(exc).__name__
        status = 200 if not failing else 503
        return JSONResponse({"status": "ready" if not failing else "not ready", "failing": failing}, status)
