"""Production identity: RS256 tokens verified against an OIDC issuer's JWKS served over real HTTP."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from services.ledger.api.app import create_app
from services.ledger.application import LedgerApplication
from services.platform.auth import AuthenticationError, AuthSettings, TokenVerifier
from tests.support.world import World

ISSUER = "https://login.example.gov.uk/realms/childrens-services"
AUDIENCE = "qa-ledger"


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url(signing_key: rsa.RSAPrivateKey) -> Iterator[str]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(signing_key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "key-1", "use": "sig", "alg": "RS256"}]}).encode()

    class JWKS(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), JWKS)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/protocol/openid-connect/certs"
    server.shutdown()


def token(key: Any, algorithm: str = "RS256", **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "sub": "qa.manager",
        "roles": ["qa_manager"],
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 300,
    }
    claims.update(overrides)
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": "key-1"})


@pytest.fixture
def verifier(jwks_url: str) -> TokenVerifier:
    return TokenVerifier(AuthSettings(issuer=ISSUER, audience=AUDIENCE, jwks_url=jwks_url))


def test_a_token_from_the_issuer_is_accepted(verifier: TokenVerifier, signing_key: rsa.RSAPrivateKey) -> None:
    principal = verifier.verify(token(signing_key))
    assert principal.subject == "qa.manager" and {r.value for r in principal.roles} == {"qa_manager"}


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"aud": "another-service"}, "(?i)audience"),
        ({"iss": "https://evil.example"}, "(?i)issuer"),
        ({"exp": 1}, "(?i)expired"),
        ({"roles": []}, "roles"),
        ({"roles": ["overlord"]}, "overlord"),
    ],
)
def test_wrong_audience_issuer_expiry_or_roles_are_refused(
    verifier: TokenVerifier, signing_key: rsa.RSAPrivateKey, overrides: dict[str, Any], reason: str
) -> None:
    with pytest.raises(AuthenticationError, match=reason):
        verifier.verify(token(signing_key, **overrides))


def test_a_token_signed_with_another_key_is_refused(verifier: TokenVerifier) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(AuthenticationError, match="Signature"):
        verifier.verify(token(stranger))


def test_an_hs256_token_is_refused_when_the_issuer_signs_with_rs256(verifier: TokenVerifier) -> None:
    with pytest.raises(AuthenticationError):
        verifier.verify(token("a-shared-secret-that-must-not-work", algorithm="HS256"))


def test_production_refuses_local_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_LEDGER_ENV", "production")
    monkeypatch.delenv("QA_LEDGER_OIDC_JWKS_URL", raising=False)
    with pytest.raises(ValueError, match="OIDC"):
        AuthSettings.from_env()


def test_the_api_accepts_issuer_tokens(
    ledger: LedgerApplication, jwks_url: str, signing_key: rsa.RSAPrivateKey
) -> None:
    World(ledger).register_everyone()  # the token authenticates qa.manager; the register authorises them
    app = create_app(ledger, AuthSettings(issuer=ISSUER, audience=AUDIENCE, jwks_url=jwks_url))
    with TestClient(app) as client:
        ok = client.get("/v1/events", headers={"Authorization": f"Bearer {token(signing_key)}"})
        assert ok.status_code == 200
        wrong = client.get("/v1/events", headers={"Authorization": f"Bearer {token(signing_key, aud='x')}"})
        assert wrong.status_code == 401


@pytest.mark.parametrize("subject", ["Robert'); DROP TABLE staff;--", "", "x", "Qa.Manager", "qa\nmanager", "a" * 80])
def test_the_subject_must_be_a_staff_handle(
    verifier: TokenVerifier, signing_key: rsa.RSAPrivateKey, subject: str
) -> None:
    with pytest.raises(AuthenticationError, match="sub"):
        verifier.verify(token(signing_key, sub=subject))


def production_settings(monkeypatch: pytest.MonkeyPatch, jwks_url: str, env: str) -> AuthSettings:
    monkeypatch.setenv("QA_LEDGER_ENV", env)
    monkeypatch.setenv("QA_LEDGER_OIDC_JWKS_URL", jwks_url)
    monkeypatch.setenv("QA_LEDGER_OIDC_ISSUER", ISSUER)
    monkeypatch.setenv("QA_LEDGER_OIDC_AUDIENCE", AUDIENCE)
    return AuthSettings.from_env()


def test_production_refuses_a_token_that_expires_more_than_a_day_ahead(
    monkeypatch: pytest.MonkeyPatch, jwks_url: str, signing_key: rsa.RSAPrivateKey
) -> None:
    verifier = TokenVerifier(production_settings(monkeypatch, jwks_url, "production"))
    now = int(time.time())
    with pytest.raises(AuthenticationError, match="24 h"):
        verifier.verify(token(signing_key, exp=now + 25 * 3600))
    assert verifier.verify(token(signing_key, exp=now + 23 * 3600)).subject == "qa.manager"


def test_outside_production_a_long_lived_token_is_accepted(
    monkeypatch: pytest.MonkeyPatch, jwks_url: str, signing_key: rsa.RSAPrivateKey
) -> None:
    verifier = TokenVerifier(production_settings(monkeypatch, jwks_url, "dev"))
    assert verifier.verify(token(signing_key, exp=int(time.time()) + 90 * 24 * 3600)).subject == "qa.manager"
