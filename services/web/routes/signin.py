"""Signing in and out: a development sign-in (choose a registered staff member) in embedded mode,
OpenID Connect authorization code with PKCE against the API's issuer in production."""

from __future__ import annotations

import asyncio
import secrets
import warnings
from typing import Any

import httpx
import jwt
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.web.forms import FormErrors
from services.web.pages import FormDep, SessionDep, Web, WebDep, redirect, render
from services.web.sessions import Session, clear_cookie, set_cookie

router = APIRouter()


def safe_next(value: str | None) -> str:
    """Only a path on this site: never another host (`//evil`, `https://…`)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


@router.get("/sign-in")
async def sign_in_page(request: Request, site: WebDep, session: SessionDep, next: str = "/") -> Response:
    if session.signed_in:
        return redirect(safe_next(next))
    members = await site.directory.active() if site.mint is not None else []
    return render(
        request,
        "pages/sign_in.html",
        members=members,
        next=safe_next(next),
        development=site.mint is not None,
        oidc=site.settings.oidc is not None,
    )


@router.post("/sign-in")
async def sign_in_as(request: Request, site: WebDep, session: SessionDep, form: FormDep) -> Response:
    """Development sign-in: act as a registered staff member, with their roles from the register."""
    if site.mint is None:
        return render(request, "pages/error.html", 404, title="Page not found", message="")
    staff_id = form.get("staff_id")
    members = {m.staff_id: m for m in await site.directory.active()}
    next_url = safe_next(str(form.get("next") or "/"))
    member = members.get(str(staff_id)) if staff_id else None
    if member is None:
        errors = FormErrors(
            summary=[{"text": "Choose who you are signing in as", "href": "#staff_id"}],
            by_field={"staff_id": "Choose who you are signing in as"},
        )
        return render(
            request,
            "pages/sign_in.html",
            422,
            errors=errors,
            members=list(members.values()),
            next=next_url,
            development=True,
            oidc=site.settings.oidc is not None,
        )
    token = site.mint(member.staff_id, list(member.roles))
    return start_session(
        request, site, session, member.staff_id, member.display_name, member.roles, token, "development", next_url
    )


def start_session(
    request: Request,
    site: Web,
    session: Session,
    subject: str,
    name: str,
    roles: tuple[str, ...],
    token: str,
    how: str,
    next_url: str,
) -> Response:
    fresh = site.sessions.rotate(session)
    fresh.subject, fresh.display_name, fresh.roles, fresh.token, fresh.how = subject, name, roles, token, how
    response = RedirectResponse(next_url, status_code=303)
    set_cookie(request, response, fresh, site.sessions.ttl)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, site: WebDep, session: SessionDep, form: FormDep) -> Response:
    site.sessions.end(session)
    response = RedirectResponse("/signed-out", status_code=303)
    clear_cookie(request, response)
    return response


@router.get("/signed-out")
async def signed_out(request: Request) -> Response:
    return render(request, "pages/signed_out.html")


# --- OpenID Connect: authorization code flow with PKCE -------------------------------------------


async def metadata(site: Web) -> dict[str, Any]:
    assert site.settings.oidc is not None
    cached: dict[str, Any] | None = getattr(site, "_oidc_metadata", None)
    if cached is None:
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.get(site.settings.oidc.discovery_url)
            response.raise_for_status()
            cached = response.json()
        site._oidc_metadata = cached  # type: ignore[attr-defined]
    return cached


def oauth_client(site: Web, request: Request) -> Any:
    """Authlib's OAuth 2 client over httpx (imported here: its module warns about httpx2 on import)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The httpx module is deprecated")
        from authlib.integrations.httpx_client import AsyncOAuth2Client
    oidc = site.settings.oidc
    assert oidc is not None
    return AsyncOAuth2Client(
        client_id=oidc.client_id,
        client_secret=oidc.client_secret,
        scope=oidc.scope,
        redirect_uri=str(request.url_for("oidc_callback")),
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_post" if oidc.client_secret else "none",
    )


@router.get("/sign-in/oidc")
async def oidc_start(request: Request, site: WebDep, session: SessionDep, next: str = "/") -> Response:
    if site.settings.oidc is None:
        return render(request, "pages/error.html", 404, title="Page not found", message="")
    meta = await metadata(site)
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    async with oauth_client(site, request) as client:
        url, state = client.create_authorization_url(
            meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
    session.pending = {"state": state, "verifier": verifier, "nonce": nonce, "next": safe_next(next)}
    assert create_s256_code_challenge(verifier)  # S256 only: the issuer never sees the verifier
    response = RedirectResponse(url, status_code=303)
    if getattr(request.state, "new_session", None) is session:
        set_cookie(request, response, session, site.sessions.ttl)
    return response


@router.get("/sign-in/callback", name="oidc_callback")
async def oidc_callback(
    request: Request, site: WebDep, session: SessionDep, code: str = "", state: str = "", error: str = ""
) -> Response:
    pending, session.pending = session.pending, {}
    if (
        site.settings.oidc is None
        or error
        or not code
        or not pending
        or not secrets.compare_digest(state, str(pending.get("state", "")))
    ):
        return render(
            request,
            "pages/error.html",
            400,
            title="Sign-in did not complete",
            message="Start again from the sign-in page.",
        )
    meta = await metadata(site)
    async with oauth_client(site, request) as client:
        token = await client.fetch_token(
            meta["token_endpoint"], code=code, code_verifier=pending["verifier"], grant_type="authorization_code"
        )
    # PyJWKClient fetches the issuer's keys with blocking I/O: keep it off the event loop.
    identity = await asyncio.to_thread(verify_id_token, site, meta, str(token.get("id_token", "")), pending["nonce"])
    access = str(token["access_token"])
    claims = jwt.decode(access, options={"verify_signature": False})  # the APIs verify it on every call
    roles = tuple(str(r) for r in claims.get("roles", []))
    name = str(identity.get("name") or identity.get("preferred_username") or identity["sub"])
    return start_session(request, site, session, str(identity["sub"]), name, roles, access, "oidc", pending["next"])


def verify_id_token(site: Web, meta: dict[str, Any], id_token: str, nonce: str) -> dict[str, Any]:
    oidc = site.settings.oidc
    assert oidc is not None
    key = jwt.PyJWKClient(meta["jwks_uri"]).get_signing_key_from_jwt(id_token).key
    claims: dict[str, Any] = jwt.decode(
        id_token,
        key,
        algorithms=["RS256"],
        audience=oidc.client_id,
        issuer=oidc.issuer,
        options={"require": ["exp", "sub", "iss", "aud"]},
    )
    if claims.get("nonce") != nonce:
        raise jwt.InvalidTokenError("the ID token's nonce is not the one this sign-in sent")
    return claims
