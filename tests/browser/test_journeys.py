"""Each role signs in and does its main job in Chromium, as the person would: an auditor submits an
audit (and first sees the error summary), a Team Manager logs the RCD, the QA Manager schedules,
allocates and moderates to inadequate, a Head of Service opens their report, an inspector finds a
child's trail, sees it verified and checks the evidence pack offline."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from schemas.integrity import contract_name
from tests.browser.conftest import Site, field_errors, look_at, sign_in, wait_until


def allocated_audit(site: Site, child_ref: str, auditor: str = "aud.mash", team: str = "Children in Care 1") -> str:
    return str(site.ledger.allocate(site.cycle_id, auditor, child_ref, team)["id"])


def submitted_audit(site: Site, child_ref: str, grade: str = "good", auditor: str = "aud.mash") -> str:
    audit_id = allocated_audit(site, child_ref, auditor)
    site.ledger.submit(audit_id, auditor, grade, site.today)
    return audit_id


def test_an_auditor_submits_an_audit_after_seeing_what_is_missing(page: Page, site: Site) -> None:
    audit_id = allocated_audit(site, "MOS-200001")
    sign_in(page, site, "aud.mash")
    # My work lists the audit once the allocation notice has been sent.
    wait_until(lambda: page.reload() or page.get_by_role("link", name="MOS-200001").count(), message="my work")
    look_at(page, "my-work-auditor")
    page.get_by_role("link", name="MOS-200001").first.click()
    expect(page.get_by_role("heading", name="Audit of MOS-200001")).to_be_visible()
    look_at(page, "audit-to-submit")

    # Only a summary typed: the ledger names what is missing, the summary links to each field.
    page.get_by_label("Summary").fill("Child-centred practice; the plan is reviewed on time.")
    page.get_by_role("button", name="Submit audit").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    errors = field_errors(page)
    assert any("Practice period: from" in e for e in errors), errors
    assert any("Strengths" in e for e in errors), errors
    look_at(page, "audit-submission-errors")
    page.locator(".govuk-error-summary__list a", has_text="Strengths").first.click()
    expect(page.get_by_label("Strengths")).to_be_focused()
    assert page.get_by_label("Summary").input_value().startswith("Child-centred practice")  # kept

    frm, to = site.today.replace(month=site.today.month - 4), site.today.replace(day=site.today.day - 1)
    for prefix, day in (("practice_period_from", frm), ("practice_period_to", to)):
        page.locator(f"#{prefix}-day").fill(str(day.day))
        page.locator(f"#{prefix}-month").fill(str(day.month))
        page.locator(f"#{prefix}-year").fill(str(day.year))
    page.get_by_label("Strengths").fill("The child's voice is clear throughout.")
    page.get_by_label("Areas for development").fill("The chronology needs updating.")
    findings = page.locator("textarea[name$='.finding']")
    for i in range(findings.count()):
        findings.nth(i).fill("Evidenced in the case record.")
        page.locator(f"#domain_findings-{i}-grade-2").check()  # Good
    page.locator("#overall_grade-2").check()
    page.get_by_role("button", name="Submit audit").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Audit submitted")
    expect(page.locator(".app-timeline")).to_contain_text("Audit submitted")
    look_at(page, "audit-submitted")
    assert contract_name(site.api.get("qa.manager", f"/v1/streams/{audit_id}")[-1]["type"]) == "AuditGraded"


def test_a_team_manager_logs_the_reflective_case_discussion(page: Page, site: Site) -> None:
    audit_id = submitted_audit(site, "MOS-200002")
    sign_in(page, site, "tm.cic1")
    # My work lists the discussions of the team's audits still to be logged.
    wait_until(
        lambda: page.reload() or page.get_by_role("link", name="Log the discussion of MOS-200002").count(),
        message="the discussion in my work",
    )
    look_at(page, "my-work-team-manager")
    page.get_by_role("link", name="Log the discussion of MOS-200002").click()
    assert audit_id in page.url
    form = page.locator("form[action$='/reflective-discussion']")
    form.locator("#held_on-day").fill(str(site.today.day))
    form.locator("#held_on-month").fill(str(site.today.month))
    form.locator("#held_on-year").fill(str(site.today.year))
    form.get_by_label("Allocated practitioner").fill("sw.cic1")
    form.get_by_label("Practitioner's manager").fill("tm.cic1")
    form.get_by_label("What was discussed and agreed").fill("Agreed to update the chronology with the family.")
    form.get_by_role("button", name="Log discussion").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Reflective case discussion logged")
    expect(page.locator(".app-timeline")).to_contain_text("Reflective case discussion logged")
    look_at(page, "audit-rcd-logged")


def test_the_qa_manager_schedules_allocates_picks_a_sample_and_moderates_to_inadequate(page: Page, site: Site) -> None:
    next_monday = site.week1_monday + timedelta(weeks=8)
    sign_in(page, site, "qa.manager")
    look_at(page, "my-work-qa-manager")
    page.get_by_role("link", name="Cycles").click()
    look_at(page, "cycles")

    # Schedule the next cycle from the Monday of its week 1.
    page.get_by_label("Name").fill("Cycle 5 2026/27")
    page.locator("#week1_monday-day").fill(str(next_monday.day))
    page.locator("#week1_monday-month").fill(str(next_monday.month))
    page.locator("#week1_monday-year").fill(str(next_monday.year))
    page.get_by_role("button", name="Schedule cycle").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Cycle 5 2026/27 is scheduled")
    cycle_url = page.url.split("?")[0]
    cycle_id = cycle_url.rsplit("/", 1)[1]

    # Allocate: the cross-service rule is shown before anything is recorded.
    page.get_by_label("Auditor").select_option("aud.soc")
    page.get_by_label("Child's case reference").fill("MOS-200004")
    page.get_by_label("Team the child is allocated to").fill("Children in Care 1")
    page.get_by_label("Service area of the child's team").select_option("supporting_our_children")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-warning-text")).to_contain_text("own service area")
    look_at(page, "allocation-check")
    page.get_by_role("button", name="Allocate audit").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Audit of MOS-200004 allocated")
    expect(page.locator("main")).to_contain_text("Own-area allocation (flagged)")

    # An audit of the new cycle is submitted: the moderation picker proposes it to reach the 15% floor.
    audit_id = str(site.ledger.allocate(cycle_id, "aud.mash", "MOS-200003", "Children in Care 1")["id"])
    site.ledger.submit(audit_id, "aud.mash", "requires_improvement", site.today)
    page.goto(cycle_url)
    wait_until(
        lambda: page.reload() or page.get_by_role("link", name="Moderate the audit of MOS-200003").count(),
        message="the moderation picker",
    )
    look_at(page, "cycle")
    page.get_by_role("link", name="Moderate the audit of MOS-200003").click()

    # Moderate to inadequate: the Assistant Director and Head of Service are told.
    form = page.locator("form[action$='/moderation']")
    form.locator("#moderated_grade-4").check()
    form.get_by_label("Feedback to the auditor").fill("Risk is not understood: the child has not been seen alone.")
    form.get_by_role("button", name="Record moderation").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Moderation recorded")
    expect(page.locator(".govuk-summary-list").first).to_contain_text("Inadequate")
    # The Assistant Director (Owen Hughes) is told, and the notice is part of the audit's trail.
    wait_until(
        lambda: page.reload() or page.locator(".app-timeline__item", has_text="Owen Hughes").count(),
        message="the inadequate notice to the Assistant Director in the trail",
    )
    look_at(page, "audit-moderated")
    page.goto(f"{site.url}/reports")
    page.locator("#cycle-report-cycle").select_option(cycle_id)
    page.get_by_role("button", name="Open cycle report").click()
    expect(page.locator(".app-report")).to_contain_text("Cycle 5 2026/27")
    look_at(page, "report-cycle")


def test_a_head_of_service_opens_their_report(page: Page, site: Site) -> None:
    submitted_audit(site, "MOS-200005", grade="good")
    sign_in(page, site, "hos.soc")
    page.get_by_role("link", name="Reports").click()
    look_at(page, "reports")
    page.get_by_label("Cycle").select_option(site.cycle_id)
    page.get_by_label("Service area").select_option("supporting_our_children")
    page.get_by_role("button", name="Open report").click()
    expect(page.locator(".app-report")).to_contain_text("Supporting Our Children")
    look_at(page, "report-head-of-service")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as Markdown").click()
    assert "Head of Service" in Path(download.value.path()).read_text()


def test_an_inspector_finds_a_childs_trail_and_verifies_the_evidence_pack(
    page: Page, site: Site, tmp_path: Path
) -> None:
    submitted_audit(site, "MOS-200006", grade="good")
    site.api.post(
        "qa.manager",
        "/v1/staff",
        {
            "staff_id": "insp.ofsted",
            "display_name": "Ruth Inspector",
            "email": "ruth@example.gov.uk",
            "roles": ["inspector"],
            "team": "Inspection",
            "service_area": "safeguarding_quality_review",
        },
        key="staff-insp.ofsted",
    )
    sign_in(page, site, "insp.ofsted")
    page.get_by_role("link", name="Inspect").click()
    look_at(page, "inspect")
    page.get_by_label("Search for").fill("MOS-200006")
    page.get_by_role("button", name="Find trail").click()
    expect(page.locator("#integrity")).to_contain_text("Verified")
    expect(page.locator(".app-timeline")).to_contain_text("Audit submitted")
    look_at(page, "trail-child")
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Download the trail as CSV").click()
    assert Path(csv_download.value.path()).read_text().startswith("position,time,id,type")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the evidence pack").click()
    with zipfile.ZipFile(download.value.path()) as pack:
        assert set(pack.namelist()) >= {
            "README.txt",
            "trail.json",
            "trail.csv",
            "checkpoint.json",
            "public-key.json",
            "verify_checkpoint.py",
        }
        pack.extractall(tmp_path)
    trail = json.loads((tmp_path / "trail.json").read_text())
    assert trail["count"] >= 3
    verified = subprocess.run(
        [sys.executable, "-m", "schemas.verify_trail", str(tmp_path / "trail.json")],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert verified.returncode == 0 and "all verified" in verified.stdout, verified.stderr
    signed = subprocess.run([sys.executable, "verify_checkpoint.py"], capture_output=True, text=True, cwd=tmp_path)
    assert signed.returncode == 0 and "checkpoint signature valid" in signed.stdout, signed.stderr
    kept = json.loads((tmp_path / "checkpoint.json").read_text())
    kept["checkpoint"]["position"] += 1  # a checkpoint claiming more history than was signed
    (tmp_path / "checkpoint.json").write_text(json.dumps(kept))
    forged = subprocess.run([sys.executable, "verify_checkpoint.py"], capture_output=True, text=True, cwd=tmp_path)
    assert forged.returncode == 1 and "NOT valid" in forged.stderr
