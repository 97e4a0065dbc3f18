"""Every page, as the people who use it see it: the axe check and screenshots (via `look_at`), the
API reference rendering with no internet, and the forms working with JavaScript switched off."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Site, look_at, sign_in, wait_until


def test_the_qa_managers_other_pages(page: Page, site: Site) -> None:
    audit = site.ledger.allocate(site.cycle_id, "aud.ssf", "MOS-300001", "Children in Care 1")["id"]
    site.ledger.submit(audit, "aud.ssf", "good", site.today)
    site.ledger.discuss(audit, "Children in Care 1", "aud.ssf", site.today, inadequate=False)
    action = site.ledger.agree_action(
        "tm.cic1", "reflective_discussion", audit, site.today, "Update the chronology", by="tm.cic1"
    )
    sign_in(page, site, "qa.manager")
    # GOV.UK Frontend's inline script ran under the Content-Security-Policy (it carries the nonce).
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
    for path, name in (
        ("/staff", "staff"),
        ("/meetings", "meetings"),
        ("/actions", "actions"),
        (f"/actions/{action}", "action"),
        ("/reports/six-monthly", "report-six-monthly"),
        ("/inspect/team/Children%20in%20Care%201", "trail-team"),
        ("/inspect/reads", "trail-reads"),
        ("/accessibility", "accessibility"),
        ("/no-such-page", "not-found"),
    ):
        page.goto(f"{site.url}{path}")
        expect(page.locator("h1")).to_be_visible()
        look_at(page, name)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You have signed out")).to_be_visible()
    look_at(page, "signed-out")
    page.goto(f"{site.url}/sign-in")
    look_at(page, "sign-in")


def test_the_api_reference_renders_offline(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=15000)
    page.goto(f"{site.url}/redoc")
    expect(page.get_by_text("Allocate a case audit").first).to_be_attached(timeout=15000)


def test_forms_work_without_javascript(browser: Browser, site: Site) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, site, "qa.manager")
        page.goto(f"{site.url}/staff")
        page.get_by_label("Staff handle").fill("new.auditor")
        page.get_by_label("Full name").fill("Nia Jones")
        page.get_by_label("Email address").fill("nia.jones@example.gov.uk")
        page.get_by_label("Auditor", exact=True).check()
        page.get_by_label("Team", exact=True).fill("Family Support 2")
        page.get_by_label("Service area").select_option("strengthening_supporting_families")
        page.get_by_role("button", name="Register").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("Nia Jones is in the staff register")
    finally:
        context.close()


def test_a_head_of_service_records_their_qa_meeting_and_sets_an_action(page: Page, site: Site) -> None:
    sign_in(page, site, "hos.soc")
    page.get_by_role("link", name="Meetings").click()
    page.get_by_label("Head of Service QA meeting").check()
    page.get_by_label("Performance data").check()
    page.get_by_label("Audit cycle").select_option(site.cycle_id)
    page.get_by_label("Service area (Head of Service meetings)").select_option("supporting_our_children")
    for part, value in (
        ("day", site.week1_monday.day),
        ("month", site.week1_monday.month),
        ("year", site.week1_monday.year),
    ):
        page.locator(f"#held_on-{part}").fill(str(value))
    page.get_by_label("Who attended").fill("hos.soc, sm.soc, pdl.soc")
    page.get_by_label("Headline learning", exact=True).fill("Visits are on time; chronologies lag behind.")
    look_at(page, "meetings")
    page.get_by_role("button", name="Record meeting").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Meeting recorded")
    expect(page.locator(".govuk-summary-list")).to_contain_text("week 1")
    page.get_by_label("Owner (staff handle)").fill("sm.soc")
    page.get_by_label("Specific: what will be done").fill("Chronology clinic for each team")
    page.get_by_label("Measurable").fill("Chronologies current in the next audit cycle")
    due = site.today + timedelta(days=28)
    for part, value in (("day", due.day), ("month", due.month), ("year", due.year)):
        page.locator(f"#due_on-{part}").fill(str(value))
    page.get_by_role("button", name="Agree action").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Action agreed")
    look_at(page, "meeting")


def test_reports_print_without_the_services_navigation(page: Page, site: Site) -> None:
    sign_in(page, site, "qa.manager")
    page.goto(f"{site.url}/reports/six-monthly")
    page.emulate_media(media="print")
    expect(page.locator(".govuk-service-navigation")).to_be_hidden()
    expect(page.locator(".app-report h1")).to_be_visible()
    assert len(page.pdf(format="A4")) > 1000  # Chromium lays it out on A4


def test_an_action_owner_notes_progress_and_completes_it(page: Page, site: Site) -> None:
    audit = site.ledger.allocate(site.cycle_id, "aud.ssf", "MOS-300002", "Children in Care 1")["id"]
    site.ledger.submit(audit, "aud.ssf", "good", site.today)
    site.ledger.discuss(audit, "Children in Care 1", "aud.ssf", site.today, inadequate=False)
    site.ledger.agree_action(
        "tm.cic1",
        "reflective_discussion",
        audit,
        site.today + timedelta(days=14),
        "Share the plan with the family",
        by="tm.cic1",
    )
    sign_in(page, site, "tm.cic1")
    wait_until(
        lambda: page.reload() or page.get_by_role("link", name="Share the plan with the family").count(),
        message="the action in my work",
    )
    page.get_by_role("link", name="Share the plan with the family").first.click()
    page.get_by_label("What has happened").fill("Plan shared at the home visit.")
    page.get_by_role("button", name="Note progress").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Progress noted")
    page.get_by_role("button", name="Complete action").click()  # no outcome: the ledger says what is missing
    expect(page.locator(".govuk-error-summary")).to_contain_text("Outcome")
    page.get_by_label("What difference did it make?").fill("The family know what will change and when.")
    page.get_by_role("button", name="Complete action").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Action completed")
    look_at(page, "actions-after-completion")


def test_a_discussion_is_logged_with_the_practitioner_absent_and_the_reason_recorded(page: Page, site: Site) -> None:
    audit = site.ledger.allocate(site.cycle_id, "aud.mash", "MOS-300003", "Children in Care 1")["id"]
    site.ledger.submit(audit, "aud.mash", "good", site.today)
    sign_in(page, site, "tm.cic1")
    page.goto(f"{site.url}/audits/{audit}")
    form = page.locator("form[action$='/reflective-discussion']")
    for part, value in (("day", site.today.day), ("month", site.today.month), ("year", site.today.year)):
        form.locator(f"#held_on-{part}").fill(str(value))
    form.get_by_label("Allocated practitioner (staff handle)").fill("sw.cic1")
    form.locator("#absence-allocated_practitioner-reason").select_option("left_the_service")
    form.get_by_label("Practitioner's manager (staff handle)").fill("tm.cic1")
    form.get_by_label("What was discussed and agreed").fill("Discussed with the new allocated worker's manager.")
    form.get_by_role("button", name="Log discussion").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Reflective case discussion logged")
    stream = site.api.get("qa.manager", f"/v1/streams/{audit}")
    held = next(e["data"] for e in stream if e["type"].endswith("ReflectiveDiscussionHeld"))
    assert "left_the_service" in str(held), held
