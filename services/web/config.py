"""The web front end's settings: who the council is, where the APIs are, how people sign in."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class OidcSettings:
    """Production sign-in: OpenID Connect authorization code flow with PKCE at the API's issuer."""

    issuer: str
    client_id: str
    client_secret: str | None = None
    scope: str = "openid profile"
    # Where the issuer publishes its metadata (defaults to the issuer's well-known document).
    metadata_url: str | None = None

    @property
    def discovery_url(self) -> str:
        return self.metadata_url or self.issuer.rstrip("/") + "/.well-known/openid-configuration"


@dataclass(frozen=True)
class WebSettings:
    council_name: str = "Children's Services"
    service_name: str = "QA Ledger"
    # Distributed shape: the APIs over HTTP. None: the same process (embedded), no network hop.
    ledger_url: str | None = None
    projections_url: str | None = None
    notifier_url: str | None = None
    oidc: OidcSettings | None = None
    # Development sign-in: choose a registered staff member (embedded mode, never in production).
    dev_sign_in: bool = True
    session_hours: int = 8
    # Distributed shape: a `service` token for following the feed (the staff directory), as the notifier has.
    service_token: str | None = None

    @classmethod
    def from_env(cls) -> WebSettings:
        issuer = os.environ.get("QA_LEDGER_OIDC_ISSUER")
        client_id = os.environ.get("QA_LEDGER_WEB_OIDC_CLIENT_ID")
        oidc = (
            OidcSettings(
                issuer=issuer,
                client_id=client_id,
                client_secret=os.environ.get("QA_LEDGER_WEB_OIDC_CLIENT_SECRET") or None,
                metadata_url=os.environ.get("QA_LEDGER_WEB_OIDC_METADATA_URL") or None,
            )
            if issuer and client_id
            else None
        )
        production = os.environ.get("QA_LEDGER_ENV", "dev") == "production"
        if production and oidc is None:
            raise ValueError("production sign-in needs QA_LEDGER_OIDC_ISSUER and QA_LEDGER_WEB_OIDC_CLIENT_ID")
        return cls(
            council_name=os.environ.get("QA_LEDGER_COUNCIL_NAME", cls.council_name),
            ledger_url=os.environ.get("QA_LEDGER_URL") or None,
            projections_url=os.environ.get("QA_LEDGER_PROJECTIONS_URL") or None,
            notifier_url=os.environ.get("QA_LEDGER_NOTIFIER_URL") or None,
            oidc=oidc,
            dev_sign_in=not production and oidc is None,
            service_token=os.environ.get("QA_LEDGER_SERVICE_TOKEN") or None,
        )
