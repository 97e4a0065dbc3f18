"""What every page shares: the templates, the signed-in person, the CSRF check and rendering."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape
from starlette.datastructures import FormData

from schemas.vocabulary import SERVICE_AREA_TITLES, ServiceArea
from services.web.api import Apis, Caller
from services.web.forms import FormErrors, field_id
from services.web.sessions import COOKIE, Session, SessionStore, set_cookie

if TYPE_CHECKING:
    from services.web.config import WebSettings
    from services.web.directory import StaffDirectory

HERE = Path(__file__).parent
GRADE_TITLES = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires_improvement": "Requires improvement",
    "inadequate": "Inadequate",
}
GRADE_TAGS = {"outstanding": "green", "good": "turquoise", "requires_improvement": "yellow", "inadequate": "red"}
ROLE_TITLES = {
    "auditor": "Auditor",
    "team_manager": "Team Manager",
    "service_manager": "Service Manager",
    "head_of_service": "Head of Service",
    "assistant_director": "Assistant Director",
    "qa_manager": "QA Manager",
    "principal_social_worker": "Principal Social Worker",
    "practice_development_leader": "Practice Development Leader",
    "external_auditor": "External auditor",
    "inspector": "Inspector",
    "service": "Service",
}
QA_STAFF = ("qa_manager", "principal_social_worker", "assistant_director")
CYCLE_READERS = (*QA_STAFF, "head_of_service", "service_manager", "practice_development_leader", "inspector")
MANAGERS = (*CYCLE_READERS, "team_manager")


def environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(HERE / "templates"),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        grade=lambda g: GRADE_TITLES.get(g or "", "Not graded"),
        grade_tag=lambda g: GRADE_TAGS.get(g or "", "grey"),
        area=lambda a: SERVICE_AREA_TITLES.get(ServiceArea(a), a) if a in ServiceArea._value2member_map_ else a,
        role=lambda r: ROLE_TITLES.get(r, r),
        day=long_date,
        moment=long_moment,
        field_id=field_id,
        words=lambda s: (s or "").replace("_", " ").capitalize(),
    )
    env.globals.update(service_areas=SERVICE_AREA_TITLES, grades=GRADE_TITLES, roles=ROLE_TITLES)
    return env


def long_date(value: str | date | None) -> str:
    if not value:
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{day.day} {day:%B %Y}"


def long_moment(value: str | None) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return f"{moment.day} {moment:%B %Y} at {moment:%H:%M} UTC"


@dataclass
class Web:
    """The web service's parts, built once by its composition root."""

    settings: WebSettings
    apis: Apis
    sessions: SessionStore
    templates: Jinja2Templates
    directory: StaffDirectory
    # Development sign-in: a token for a registered staff member (None when sign-in is OIDC only).
    mint: Callable[[str, list[str]], str] | None = None
    today: Callable[[], date] = date.today


class SignInRequired(Exception):
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class NotAllowedHere(Exception):
    """The page is not for the signed-in person's roles (the APIs would refuse it too)."""


def web(request: Request) -> Web:
    return request.app.state.web  # type: ignore[no-any-return]


WebDep = Annotated[Web, Depends(web)]


def current_session(request: Request) -> Session:
    """The visitor's session, made on first sight (the sign-in form needs its CSRF token)."""
    site = web(request)
    session = site.sessions.get(request.cookies.get(COOKIE))
    if session is None:
        session = site.sessions.new()
        request.state.new_session = session
    return session


SessionDep = Annotated[Session, Depends(current_session)]


def signed_in(request: Request, session: SessionDep) -> Session:
    if not session.signed_in:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    return session


UserDep = Annotated[Session, Depends(signed_in)]


def caller(request: Request, user: UserDep) -> Caller:
    return web(request).apis.as_(user.token, getattr(request.state, "correlation_id", ""))


CallerDep = Annotated[Caller, Depends(caller)]


async def checked_form(request: Request, session: SessionDep) -> FormData:
    """Every form carries the session's CSRF token; a form without it (or another's) is refused."""
    form = await request.form()
    sent = form.get("csrf_token")
    if not isinstance(sent, str) or not secrets.compare_digest(sent, session.csrf):
        raise CsrfRefused()
    return form


class CsrfRefused(Exception):
    pass


FormDep = Annotated[FormData, Depends(checked_form)]


def require(session: Session, *roles: str) -> None:
    if not session.holds(*roles):
        raise NotAllowedHere()


def render(
    request: Request,
    template: str,
    status_code: int = 200,
    errors: FormErrors | None = None,
    values: dict[str, Any] | None = None,
    **context: Any,
) -> HTMLResponse:
    site = web(request)
    new_session: Session | None = getattr(request.state, "new_session", None)
    session: Session | None = new_session or site.sessions.get(request.cookies.get(COOKIE))
    nonce = secrets.token_urlsafe(16)  # the one inline script (GOV.UK's js-enabled class) carries it
    flash = list(session.flash) if session else []
    if session:
        session.flash.clear()
    response = site.templates.TemplateResponse(
        request,
        template,
        {
            "site": site.settings,
            "user": session if session and session.signed_in else None,
            "csrf_token": session.csrf if session else "",
            "form_key": str(uuid.uuid4()),
            "errors": errors or FormErrors(),
            "values": values or {},
            "flash": flash,
            "nav": navigation(request, session),
            "today": site.today(),
            "cspNonce": nonce,
            **context,
        },
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(security_headers(nonce))
    if session is not None and new_session is session:
        set_cookie(request, response, session, site.sessions.ttl)
    return response


def security_headers(nonce: str) -> dict[str, str]:
    """Nothing from another host, even if a page were tricked into asking: the browser refuses it."""
    return {
        "Content-Security-Policy": (
            f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }


def redirect(url: str, session: Session | None = None, message: str | None = None) -> RedirectResponse:
    """Post/redirect/get: a successful form answers 303 so a refresh never posts twice."""
    if session is not None and message:
        session.flash.append(message)
    return RedirectResponse(url, status_code=303)


def navigation(request: Request, session: Session | None) -> list[dict[str, Any]]:
    if session is None or not session.signed_in:
        return []
    items: list[tuple[str, str, tuple[str, ...]]] = [
        ("My work", "/", ()),
        ("Cycles", "/cycles", CYCLE_READERS),
        ("Actions", "/actions", ()),
        ("Meetings", "/meetings", (*QA_STAFF, "head_of_service")),
        ("Reports", "/reports", (*QA_STAFF, "head_of_service", "service_manager", "inspector")),
        ("Staff", "/staff", ("qa_manager",)),
        ("Inspect", "/inspect", (*QA_STAFF, "inspector")),
    ]
    path = request.url.path
    return [
        {"text": text, "href": href, "active": path == href or (href != "/" and path.startswith(href))}
        for text, href, roles in items
        if not roles or session.holds(*roles)
    ]
