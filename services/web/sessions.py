"""Who is signed in: a server-side session behind an opaque cookie, and a CSRF token per session.

The cookie carries only a random id (HttpOnly, SameSite=Lax, Secure outside localhost); the bearer
token the APIs want stays on the server. Signing in starts a new session id, signing out ends it.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request, Response

COOKIE = "qa_ledger_session"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_SESSIONS = 10_000  # anonymous sessions (a sign-in form shown) are evicted oldest first


@dataclass
class Session:
    id: str
    csrf: str
    expires_at: float
    subject: str | None = None
    display_name: str = ""
    roles: tuple[str, ...] = ()
    token: str | None = None
    how: str = ""  # "development" or "oidc"
    flash: list[str] = field(default_factory=list)
    pending: dict[str, Any] = field(default_factory=dict)  # e.g. the OIDC state and PKCE verifier

    @property
    def signed_in(self) -> bool:
        return self.subject is not None and self.token is not None

    def holds(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)


class SessionStore:
    def __init__(self, ttl_seconds: int) -> None:
        self.ttl = ttl_seconds
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def new(self) -> Session:
        session = Session(
            id=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32), expires_at=time.time() + self.ttl
        )
        with self._lock:
            self._sessions[session.id] = session
            while len(self._sessions) > MAX_SESSIONS:
                self._sessions.popitem(last=False)
        return session

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if session.expires_at < time.time():
                del self._sessions[session_id]
                return None
            return session

    def end(self, session: Session) -> None:
        with self._lock:
            self._sessions.pop(session.id, None)

    def rotate(self, session: Session) -> Session:
        """A new id (and CSRF token) for the same person: signing in never keeps a pre-sign-in id."""
        self.end(session)
        fresh = self.new()
        fresh.flash = session.flash
        return fresh


def set_cookie(request: Request, response: Response, session: Session, ttl_seconds: int) -> None:
    response.set_cookie(
        COOKIE,
        session.id,
        max_age=ttl_seconds,
        httponly=True,
        samesite="lax",
        secure=request.url.hostname not in LOCAL_HOSTS,
        path="/",
    )


def clear_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.hostname not in LOCAL_HOSTS
    )
