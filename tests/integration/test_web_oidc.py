"""Production sign-in: OpenID Connect authorization code flow with PKCE against a real local issuer
over HTTP, whose RS256 tokens the APIs verify with its JWKS, as the deployed service would."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from services.embedded import create_embedded_app
from services.ledger.config import LedgerSettings
from services.platform.auth import AuthSettings
from services.web.config import OidcSettings, WebSettings
from tests.support.embedded_server import name_first_qa_manager

AUDIENCE = "qa-ledger"
CLIENT_ID = "qa-ledger-web"


@dataclass
class Issuer:
    """A minimal OpenID provider: discovery, authorize (signs in `who` at once), token, JWKS."""

    url: str = ""
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    who: dict[str, Any] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def sign(self, claims: dict[str, Any]) -> str:
        now = int(time.time())
        return jwt.encode(
            {"iss": self.url, "iat": now, "exp": now + 300, **claims}, self.key, "RS256", headers={"kid": "k1"}
        )

    def access_token(self, subject: str, roles: list[str]) -> str:
        return self.sign({"sub": subject, "roles": roles, "aud": AUDIENCE})


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    state = Issuer()

    class Handler(BaseHTTPRequestHandler):
        def reply(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            data = json.dumps(body).encode() if body is not None else b""
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path == "/.well-known/openid-configuration":
                self.reply(
                    200,
                    {
                        "issuer": state.url,
                        "authorization_endpoint": f"{state.url}/authorize",
                        "token_endpoint": f"{state.url}/token",
                        "jwks_uri": f"{state.url}/jwks",
                        "code_challenge_methods_supported": ["S256"],
                    },
                )
            elif url.path == "/jwks":
                jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(state.key.public_key()))
                self.reply(200, {"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]})
            elif url.path == "/authorize":
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                assert q["code_challenge_method"] == "S256" and q["client_id"] == CLIENT_ID
                code = secrets.token_urlsafe(16)
                state.codes[code] = q
                back = f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}"
                self.reply(302, headers={"Location": back})
            else:
                self.reply(404, {})

        def do_POST(self) -> None:
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
            state.token_requests.append(form)
            asked = state.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if asked is None or challenge != asked["code_challenge"]:
                self.reply(400, {"error": "invalid_grant"})
                return
            who = state.who
            id_token = state.sign(
                {"sub": who["sub"], "aud": CLIENT_ID, "nonce": asked.get("nonce"), "name": who["name"]}
            )
            self.reply(
                200,
                {
                    "access_token": state.access_token(who["sub"], who["roles"]),
                    "id_token": id_token,
                    "token_type": "Bearer",
                    "expires_in": 300,
                },
            )

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    server.shutdown()


@pytest.fixture
def web(issuer: Issuer, tmp_path: Path) -> Iterator[TestClient]:
    auth = AuthSettings(issuer=issuer.url, audience=AUDIENCE, jwks_url=f"{issuer.url}/jwks")
    pages = WebSettings(
        council_name="Test Council", oidc=OidcSettings(issuer=issuer.url, client_id=CLIENT_ID), dev_sign_in=False
    )
    app = create_embedded_app(
        LedgerSettings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/l.sqlite3"), auth, web=pages
    )
    name_first_qa_manager(app)  # Priya Shah, qa.manager: the operator's `make admin`
    with TestClient(app, base_url="http://localhost") as client:
        yield client


def through_issuer(web: TestClient, issuer: Issuer, next_path: str = "/cycles") -> httpx.Response:
    start = web.get(f"/sign-in/oidc?next={next_path}", follow_redirects=False)
    assert start.status_code == 303 and start.headers["location"].startswith(f"{issuer.url}/authorize")
    at_issuer = httpx.get(start.headers["location"], follow_redirects=False)  # the browser visits the issuer
    back = urlparse(at_issuer.headers["location"])
    return web.get(f"{back.path}?{back.query}", follow_redirects=False)


def test_sign_in_with_the_councils_issuer_uses_pkce_and_the_api_accepts_its_token(
    web: TestClient, issuer: Issuer
) -> None:
    issuer.who = {"sub": "qa.manager", "name": "Priya Shah", "roles": ["qa_manager"]}
    page = web.get("/sign-in")
    assert "Sign in with your council account" in page.text and "Development sign-in" not in page.text
    assert web.post("/sign-in", data={"staff_id": "qa.manager"}).status_code in (403, 404)  # no dev sign-in here

    back = through_issuer(web, issuer)
    assert back.status_code == 303 and back.headers["location"] == "/cycles"
    assert issuer.token_requests[-1]["code_verifier"]  # PKCE: the verifier went only to the token endpoint
    cycles = web.get("/cycles")
    assert cycles.status_code == 200 and "Priya Shah" in cycles.text and "Development sign-in" not in cycles.text


def test_a_callback_with_another_state_is_refused(web: TestClient, issuer: Issuer) -> None:
    issuer.who = {"sub": "qa.manager", "name": "Priya Shah", "roles": ["qa_manager"]}
    start = web.get("/sign-in/oidc", follow_redirects=False)
    at_issuer = httpx.get(start.headers["location"], follow_redirects=False)
    back = urlparse(at_issuer.headers["location"])
    forged = {**{k: v[0] for k, v in parse_qs(back.query).items()}, "state": "forged"}
    answer = web.get(f"{back.path}?{urlencode(forged)}", follow_redirects=False)
    assert answer.status_code == 400
    assert web.get("/", follow_redirects=False).headers["location"].startswith("/sign-in")
