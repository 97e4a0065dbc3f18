"""Identity: bearer JWTs carrying the subject (staff handle) and roles.

Embedded mode signs and verifies with a local HS256 key (made on first run under ./data), so a
newcomer can mint a token with `make token`. Production verifies RS256 tokens against an OIDC
issuer's JWKS, with issuer and audience configured; local keys are then refused.
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from pydantic import TypeAdapter, ValidationError

from schemas.events import StaffId
from schemas.vocabulary import Role

EMBEDDED_ISSUER = "urn:qa-ledger:embedded"
DEFAULT_AUDIENCE = "qa-ledger"
PRODUCTION_MAX_TOKEN_SECONDS = 24 * 3600  # a stolen production token is good for a day at most
STAFF_HANDLE = TypeAdapter(StaffId)  # `sub` names a staff handle, by the same rule as `staff_id`


class AuthenticationError(Exception):
    """No valid token (HTTP 401)."""


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: frozenset[Role]
    claims: dict[str, Any]


@dataclass(frozen=True)
class AuthSettings:
    issuer: str = EMBEDDED_ISSUER
    audience: str = DEFAULT_AUDIENCE
    local_key: str | None = None  # HS256 secret, embedded mode only
    jwks_url: str | None = None  # RS256 via the issuer's JWKS, production
    max_token_seconds: int | None = None  # production: refuse tokens that expire further ahead

    @classmethod
    def from_env(cls, data_dir: Path | None = None) -> AuthSettings:
        jwks_url = os.environ.get("QA_LEDGER_OIDC_JWKS_URL")
        if jwks_url:
            issuer = os.environ.get("QA_LEDGER_OIDC_ISSUER")
            if not issuer:
                raise ValueError("QA_LEDGER_OIDC_ISSUER is required with QA_LEDGER_OIDC_JWKS_URL")
            audience = os.environ.get("QA_LEDGER_OIDC_AUDIENCE", DEFAULT_AUDIENCE)
            production = os.environ.get("QA_LEDGER_ENV", "dev") == "production"
            limit = PRODUCTION_MAX_TOKEN_SECONDS if production else None
            return cls(issuer=issuer, audience=audience, jwks_url=jwks_url, max_token_seconds=limit)
        if os.environ.get("QA_LEDGER_ENV", "dev") == "production":
            raise ValueError("production needs an OIDC issuer (QA_LEDGER_OIDC_JWKS_URL); local keys are for dev")
        return cls(local_key=os.environ.get("QA_LEDGER_JWT_SECRET") or local_key(data_dir or Path("data")))


def local_key(data_dir: Path) -> str:
    """The embedded signing key, created once per data directory and kept private to its owner."""
    path = data_dir / "dev-signing.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class TokenVerifier:
    def __init__(self, settings: AuthSettings) -> None:
        self.settings = settings
        self._jwks = jwt.PyJWKClient(settings.jwks_url, cache_keys=True) if settings.jwks_url else None

    def verify(self, token: str) -> Principal:
        try:
            if self._jwks is not None:
                key: Any = self._jwks.get_signing_key_from_jwt(token).key
                algorithms = ["RS256"]
            else:
                key, algorithms = self.settings.local_key, ["HS256"]
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise AuthenticationError(f"invalid bearer token: {exc}") from None
        check_subject_and_lifetime(claims, self.settings.max_token_seconds)
        roles = claims.get("roles")
        if not isinstance(roles, list) or not roles:
            raise AuthenticationError("invalid bearer token: the 'roles' claim must list at least one role")
        try:
            parsed = frozenset(Role(r) for r in roles)
        except ValueError as exc:
            raise AuthenticationError(f"invalid bearer token: {exc}") from None
        return Principal(subject=str(claims["sub"]), roles=parsed, claims=claims)


def check_subject_and_lifetime(claims: dict[str, Any], max_seconds: int | None) -> None:
    try:
        STAFF_HANDLE.validate_python(claims["sub"])
    except ValidationError:
        raise AuthenticationError(
            "invalid bearer token: 'sub' must be a staff handle (a-z, 0-9, '.', '_', '-'; 2 to 64 characters)"
        ) from None
    if max_seconds is not None and claims["exp"] - time.time() > max_seconds:
        raise AuthenticationError(
            f"invalid bearer token: 'exp' is more than {max_seconds // 3600} h ahead; production tokens are short-lived"
        )


def mint_local_token(settings: AuthSettings, subject: str, roles: list[str], ttl_seconds: int = 8 * 3600) -> str:
    """A token for the embedded mode (and tests), signed with the local key."""
    if settings.local_key is None:
        raise ValueError("tokens can only be minted locally in embedded mode")
    now = int(time.time())
    claims = {
        "sub": subject,
        "roles": [Role(r).value for r in roles],
        "iss": settings.issuer,
        "aud": settings.audience,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    return jwt.encode(claims, settings.local_key, algorithm="HS256")
