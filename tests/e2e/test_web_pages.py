"""The pages over HTTP without a browser: sessions, CSRF, refusals that record nothing, offline docs."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.embedded import create_embedded_app
from services.ledger.config import LedgerSettings
from services.platform.auth import AuthSettings, mint_local_token
from services.web.config import WebSettings
from services.web.routes.signin import safe_next
from tests.support.embedded_server import name_first_qa_manager

KEY = "web-pages-test-key-not-for-production"
AUTH = AuthSettings(local_key=KEY)
TODAY = date(2026, 11, 26)


@pytest.fixture
def web(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = LedgerSettings(data_dir=tmp_path, database_url=database_url)
    app = create_embedded_app(settings, AUTH, clock=lambda: TODAY, web=WebSettings(council_name="Test Council"))
    name_first_qa_manager(app)  # Priya Shah, qa.manager
    with TestClient(app, base_url="http://localhost") as client:
        qa = headers("qa.manager", "qa_manager")
        for handle, roles, area in (("sam.auditor", ["auditor"], "mash_assessment_support_awaken"),):
            body = {
                "staff_id": handle,
                "display_name": handle.title(),
                "email": f"{handle}@example.gov.uk",
                "roles": roles,
                "team": "Team A",
                "service_area": area,
            }
            assert client.post("/v1/staff", json=body, headers=qa).status_code == 201
        yield client
    app.state.ledger.close()  # its PostgreSQL pool: the app leaves the store open for the next lifespan


def headers(sub: str, *roles: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_local_token(AUTH, sub, list(roles))}"}


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in(client: TestClient, handle: str) -> None:
    page = client.get("/sign-in")
    answer = client.post(
        "/sign-in", data={"csrf_token": csrf(page.text), "staff_id": handle, "next": "/"}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text


def events(client: TestClient) -> int:
    return int(
        client.get("/v1/events", params={"limit": 1000}, headers=headers("qa.manager", "qa_manager")).json()["head"]
    )


def test_the_session_cookie_is_httponly_lax_and_a_new_id_on_sign_in(web: TestClient) -> None:
    page = web.get("/sign-in")
    before = page.cookies.get("qa_ledger_session") or web.cookies.get("qa_ledger_session")
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie  # localhost: no TLS
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    sign_in(web, "qa.manager")
    assert web.cookies.get("qa_ledger_session") != before
    assert web.get("/").status_code == 200


def test_outside_localhost_the_cookie_is_secure(web: TestClient) -> None:
    answer = web.get("https://qa.example.gov.uk/sign-in")
    assert "Secure" in answer.headers["set-cookie"]


def test_a_form_without_the_sessions_csrf_token_is_refused_and_records_nothing(web: TestClient) -> None:
    sign_in(web, "qa.manager")
    before = events(web)
    body = {"name": "Cycle 9", "week1_monday-day": "30", "week1_monday-month": "11", "week1_monday-year": "2026"}
    refused = web.post("/cycles", data={**body, "csrf_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 403 and "This form has expired" in refused.text
    assert events(web) == before
    accepted = web.post("/cycles", data={**body, "csrf_token": csrf(web.get("/cycles").text)}, follow_redirects=False)
    assert accepted.status_code == 303 and events(web) == before + 1


def test_a_refused_command_shows_the_ledgers_rule_beside_the_field_and_records_nothing(web: TestClient) -> None:
    sign_in(web, "qa.manager")
    before = events(web)
    form = {
        "csrf_token": csrf(web.get("/cycles").text),
        "name": "Cycle 9",
        "week1_monday-day": "1",
        "week1_monday-month": "12",
        "week1_monday-year": "2026",
    }  # a Tuesday
    answer = web.post("/cycles", data=form)
    assert answer.status_code == 422
    summary = re.search(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', answer.text, re.S)
    assert summary and 'href="#week1_monday-day"' in summary.group(1) and "Monday" in summary.group(1)
    assert 'value="Cycle 9"' in answer.text  # what was typed is kept
    assert events(web) == before


def test_sign_out_ends_the_session(web: TestClient) -> None:
    sign_in(web, "sam.auditor")
    cookie = web.cookies.get("qa_ledger_session")
    web.post("/sign-out", data={"csrf_token": csrf(web.get("/").text)})
    web.cookies.set("qa_ledger_session", cookie or "")
    assert web.get("/", follow_redirects=False).headers["location"].startswith("/sign-in")


def test_pages_need_a_signed_in_person_and_only_show_what_their_role_may_see(web: TestClient) -> None:
    assert web.get("/audits/0f8fad5b-d9cb-469f-a165-70867728950e", follow_redirects=False).status_code == 303
    sign_in(web, "sam.auditor")
    assert web.get("/staff").status_code == 403
    assert "Staff" not in re.findall(r'govuk-service-navigation__link"[^>]*>\s*([^<]+?)\s*<', web.get("/").text)


def test_after_sign_in_only_a_path_on_this_site_is_followed() -> None:
    assert safe_next("/audits/1") == "/audits/1"
    for hostile in ("//evil.example", "https://evil.example/", "/\\evil.example", "", None):
        assert safe_next(hostile) == "/"


def test_docs_and_redoc_load_nothing_from_another_host(web: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        html = web.get(path).text
        remote = re.findall(r'(?:src|href)\s*=\s*["\'](https?:)?//', html)
        assert not remote, f"{path} loads from another host"
        for asset in re.findall(r'(?:src|href)\s*=\s*["\'](/docs-assets/[^"\']+)', html):
            assert web.get(asset).status_code == 200, asset
    assert "fonts.googleapis" not in web.get("/redoc").text


def test_an_api_path_nobody_serves_still_answers_as_an_api(web: TestClient) -> None:
    answer = web.get("/v1/no-such-thing")
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("application/problem+json")


def test_request_logs_name_the_route_never_a_childs_reference(
    web: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    sign_in(web, "qa.manager")
    with caplog.at_level(logging.INFO, logger="qa_ledger.http"):
        web.get("/inspect/child/MOS-987654")
        web.get("/v1/children/MOS-987654/trail", headers=headers("qa.manager", "qa_manager"))
    lines = [r.getMessage() for r in caplog.records if r.name == "qa_ledger.http"]
    assert any("/inspect/{kind}/{key}" in line for line in lines), lines
    assert not any("MOS-987654" in line for line in lines), lines
