"""Browser tests: the embedded process on a real port, Debian's Chromium driven by Playwright.

One server and one browser per session. Every page a test opens goes through `look_at`: an axe-core
check (no serious or critical violations) and screenshots at 1280 and 390 px into tests/artifacts/.
Every request any page makes is recorded, and a test fails if one went to another host.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from devtools.department import Client, Ledger
from services.platform.auth import AuthSettings
from services.web.config import WebSettings
from tests.support.embedded_server import embedded_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screens"
SIGNING_KEY = "browser-tests-signing-key-not-for-production"
TODAY = date(2026, 11, 26)  # a Thursday: the cycle below began on Monday 23 November (week 1)


@dataclass
class Site:
    url: str
    api: Client
    ledger: Ledger
    today: date
    cycle_id: str = ""

    @property
    def week1_monday(self) -> date:
        return self.today - timedelta(days=self.today.weekday())


# Package scope: Playwright's sync API keeps an event loop running in this thread while it is open,
# so it (and the browser and server) must close before tests outside tests/browser call asyncio.run().
@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """QA Ledger as `make run` starts it (ledger, projections, notifier, pages), on SQLite files."""
    data = tmp_path_factory.mktemp("browser-data")
    auth = AuthSettings(local_key=SIGNING_KEY)
    with embedded_server(
        data, auth, clock=lambda: TODAY, web=WebSettings(council_name="Seaside Borough Council")
    ) as url:
        api = Client(url, SIGNING_KEY)
        ledger = Ledger(api)
        ledger.register()
        built = Site(url=url, api=api, ledger=ledger, today=TODAY)
        built.cycle_id = ledger.cycle("Cycle 4 2026/27", built.week1_monday)
        yield built
        api.close()


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser, site: Site) -> Iterator[BrowserContext]:
    """A fresh browser profile per test; every request it makes is checked to stay on our host."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    yield context
    context.close()
    ours = urlparse(site.url).netloc
    elsewhere = sorted({u for u in requested if urlparse(u).scheme in ("http", "https") and urlparse(u).netloc != ours})
    assert not elsewhere, f"pages requested another host: {elsewhere}"
    assert requested, "no request was recorded: the host check would prove nothing"


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A tab that fails the test on a console error (e.g. a script the Content-Security-Policy refused)
    or an asset that did not load. A page answered 404 or 422 on purpose is not an error."""
    tab = context.new_page()
    errors: list[str] = []

    def on_console(message: Any) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def on_response(response: Any) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            errors.append(f"{response.status} {response.url}")

    tab.on("console", on_console)
    tab.on("response", on_response)
    yield tab
    assert not errors, f"the browser reported errors: {errors}"


def sign_in(page: Page, site: Site, handle: str) -> None:
    page.goto(f"{site.url}/sign-in")
    page.get_by_text(f"({handle})", exact=False).first.click()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/$"))


AXE = Axe()


def look_at(page: Page, name: str) -> None:
    """The axe check and the two screenshots every page gets."""
    results = AXE.run(page)
    blocking = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not blocking, f"{name}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in blocking
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-1280.png"), full_page=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-1280-top.png"))  # what fits on one screen (README)
    width = page.viewport_size or {"width": 1280, "height": 900}
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / f"{name}-390.png"), full_page=True)
    page.set_viewport_size(width)  # type: ignore[arg-type]


def field_errors(page: Page) -> list[str]:
    return [text.strip() for text in page.locator(".govuk-error-summary__list a").all_inner_texts()]


def wait_until(check: Any, timeout: float = 10.0, message: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {message}"
        time.sleep(0.1)
