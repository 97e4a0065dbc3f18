"""The distributed shape: the pages in their own process call the ledger and the read models over
HTTP (here the APIs of a running server on a local port), with the same rules and refusals."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from devtools.department import Client, Ledger
from services.platform.auth import AuthSettings
from services.web.app import standalone
from services.web.config import WebSettings
from tests.support.embedded_server import embedded_server

KEY = "web-distributed-test-key-not-for-production"


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_the_pages_work_over_http_against_separate_apis(tmp_path: Path) -> None:
    auth = AuthSettings(local_key=KEY)
    with embedded_server(tmp_path, auth) as api_url:
        Ledger(Client(api_url, KEY)).register()
        settings = WebSettings(ledger_url=api_url, projections_url=api_url, notifier_url=api_url)
        with TestClient(standalone(settings, auth), base_url="http://localhost") as pages:
            sign_in = pages.get("/sign-in")
            assert "Priya Shah" in sign_in.text  # the staff directory followed the feed over HTTP
            pages.post("/sign-in", data={"csrf_token": csrf(sign_in.text), "staff_id": "qa.manager", "next": "/"})
            form = {"csrf_token": csrf(pages.get("/cycles").text), "name": "Cycle 7"}
            refused = pages.post(
                "/cycles",
                data={**form, "week1_monday-day": "2", "week1_monday-month": "12", "week1_monday-year": "2026"},
            )
            assert refused.status_code == 422 and "Monday" in refused.text  # the ledger's rule, over HTTP
            made = pages.post(
                "/cycles",
                data={**form, "week1_monday-day": "7", "week1_monday-month": "12", "week1_monday-year": "2026"},
            )
            assert made.status_code == 200 and "Cycle 7" in made.text and "Week 1" in made.text
