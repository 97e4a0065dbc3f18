"""What the read side *says* matches what the guidance *means* (issue 10), over HTTP, on both stores:
effective grades, the Head of Service who owns completion, reflective discussions due and overdue,
the six-monthly window and domain profiles, `as_of` as a point in time, and Team Managers' view.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from schemas.vocabulary import Role
from services.feed import Follower
from services.ledger import commands as c
from services.ledger.api.app import create_app
from services.ledger.application import Actor, LedgerApplication
from services.projections.projectors.base import LONDON
from services.projections.wiring import attach_projections, build_projections, projections_router
from tests.conftest import TEST_AUTH, Clock
from tests.support.projections import ledger_feed, projections_url
from tests.support.world import EH, MASH, NO_KEY, SOC, World, actor, domain_findings

Auth = Callable[..., dict[str, str]]
NOTIFIER = Actor(id="notifier", roles=frozenset({Role.SERVICE}))


@pytest.fixture
def world(ledger: LedgerApplication) -> World:
    return World(ledger).register_everyone()


@pytest.fixture
def follower(ledger: LedgerApplication, database_url: str, tmp_path: Path, clock: Clock) -> Iterator[Follower]:
    projections = build_projections(projections_url(database_url, tmp_path), today=clock)
    yield Follower(ledger_feed(ledger), projections, batch_size=50)
    projections.db.close()


@pytest.fixture
def api(ledger: LedgerApplication, follower: Follower) -> Iterator[TestClient]:
    app = create_app(ledger, TEST_AUTH)
    attach_projections(app, follower.consumer, follower, start_follower=False)  # type: ignore[arg-type]
    app.include_router(projections_router())
    with TestClient(app) as client:
        yield client


def read(api: TestClient, follower: Follower, path: str, headers: dict[str, str], **params: Any) -> Any:
    follower.catch_up()
    response = api.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def event_of(world: World, audit: UUID, event_type: str) -> Any:
    return [e for e in world.ledger.read_stream(world.qa, audit) if e.contract == event_type][-1]


def receipt(world: World, cause: Any, rule: str, recipient: str) -> None:
    world.ledger.record_notification_delivered(
        NOTIFIER,
        c.RecordNotificationDelivered(
            cause_event_id=cause.id,
            cause_aggregate_id=cause.aggregateid,
            cause_event_type=cause.contract,
            rule=rule,
            recipient_id=recipient,
            channel="email",
            subject_line="An audit graded inadequate",
        ),
        NO_KEY,
    )


QA = ("qa.manager", "qa_manager")


class TestEffectiveGrade:
    def test_a_moderation_to_inadequate_counts_as_inadequate_everywhere_and_its_receipts_say_who_was_told(
        self, world: World, api: TestClient, follower: Follower, auth: Auth
    ) -> None:
        cycle = world.cycle()
        lowered = world.allocate(cycle, child_ref="MOS-610001")
        world.submit(lowered, grade="good")
        world.moderate(lowered, grade="inadequate")
        raised = world.allocate(cycle, child_ref="MOS-610002")
        world.submit(raised, grade="inadequate")
        world.moderate(raised, by="psw.one", grade="requires_improvement")
        qa = auth(*QA)

        coverage = read(api, follower, f"/v1/cycles/{cycle}/moderation-coverage", qa)
        [listed] = coverage["inadequate_audits"]
        assert listed["child_ref"] == "MOS-610001"
        assert (listed["auditor_grade"], listed["moderated_grade"], listed["effective_grade"]) == (
            "good",
            "inadequate",
            "inadequate",
        )
        assert listed["sent_to_ad_and_hos"] is False and "escalated" not in listed

        board = read(api, follower, f"/v1/cycles/{cycle}/dashboard", qa)
        assert board["grade_distribution"] == {
            "outstanding": 0,
            "good": 0,
            "requires_improvement": 1,
            "inadequate": 1,
        }
        report = read(api, follower, "/v1/reports/head-of-service", qa, cycle=str(cycle), service_area=SOC.value)
        assert report["grade_distribution"]["inadequate"] == 1 and report["grade_distribution"]["good"] == 0

        trail = read(api, follower, f"/v1/audits/{lowered}/trail", qa)
        assert trail["grades"][str(lowered)] == {
            "auditor_grade": "good",
            "moderated_grade": "inadequate",
            "effective_grade": "inadequate",
        }

        # The notifier tells the AD and HoS about the moderation (its cause is the AuditModerated event).
        moderation = event_of(world, lowered, "AuditModerated")
        receipt(world, moderation, "audit.inadequate.escalate", "ad.one")
        receipt(world, moderation, "audit.inadequate.escalate", "hos.soc")
        receipt(world, moderation, "audit.inadequate.invite_service_manager", "sm.soc")  # an invitation, not this
        [listed] = read(api, follower, f"/v1/cycles/{cycle}/moderation-coverage", qa)["inadequate_audits"]
        assert listed["sent_to_ad_and_hos"] is True
        assert [(p["staff_id"], p["name"]) for p in listed["sent_to"]] == [("ad.one", "Ad One"), ("hos.soc", "Hos Soc")]
        board = read(api, follower, f"/v1/cycles/{cycle}/dashboard", qa)
        assert board["inadequate_audits"]["sent_to_ad_and_hos"] == 1

    def test_an_amended_grade_is_the_auditors_latest(
        self, world: World, api: TestClient, follower: Follower, auth: Auth
    ) -> None:
        cycle = world.cycle()
        audit = world.allocate(cycle, child_ref="MOS-610003")
        world.submit(audit, grade="good")
        world.ledger.amend_audit(
            actor("aud.mash"), audit, c.AmendAudit(reason="Risk was missed", overall_grade="inadequate"), NO_KEY
        )
        [listed] = read(api, follower, f"/v1/cycles/{cycle}/moderation-coverage", auth(*QA))["inadequate_audits"]
        assert (listed["auditor_grade"], listed["effective_grade"], listed["moderated"]) == (
            "inadequate",
            "inadequate",
            False,
        )


class TestHeadsOfService:
    def test_an_overdue_audit_counts_against_the_auditors_head_of_service_and_each_list_is_named(
        self, world: World, api: TestClient, follower: Follower, auth: Auth, clock: Clock
    ) -> None:
        cycle = world.cycle()
        world.allocate(cycle, auditor="aud.mash", child_ref="MOS-620001")  # a MASH auditor, a SOC case
        clock.today += timedelta(days=21)  # well past day 14

        mash = read(api, follower, f"/v1/cycles/{cycle}/dashboard", auth("hos.mash", "head_of_service"))
        [overdue] = mash["overdue_audits"]
        assert (overdue["child_ref"], overdue["auditor_name"]) == ("MOS-620001", "Aud Mash")
        assert overdue["heads_of_service"] == [{"staff_id": "hos.mash", "name": "Hos Mash"}]
        assert "auditor's service area" in mash["completion_by_day_14"]["attributed_to"]
        assert mash["completion_by_day_14"]["overdue"] == 1 and mash["findings"]["by_service_area"] == []

        soc = read(api, follower, f"/v1/cycles/{cycle}/dashboard", auth("hos.soc", "head_of_service"))
        assert soc["overdue_audits"] == [] and soc["completion_by_day_14"]["allocated"] == 0
        assert "child's case" in soc["findings"]["attributed_to"]
        assert [a["service_area"] for a in soc["findings"]["by_service_area"]] == [SOC.value]

        report = read(
            api, follower, "/v1/reports/head-of-service", auth(*QA), cycle=str(cycle), service_area=MASH.value
        )
        assert [a["child_ref"] for a in report["completion"]["overdue_audits"]] == ["MOS-620001"]
        assert report["heads_of_service"] == [{"staff_id": "hos.mash", "name": "Hos Mash"}]

    def test_a_team_manager_sees_the_dashboard_and_actions_of_their_own_team(
        self, world: World, api: TestClient, follower: Follower, auth: Auth
    ) -> None:
        cycle = world.cycle()
        audit = world.allocate(cycle, auditor="aud.mash", child_ref="MOS-620002")  # a Children in Care 1 case
        world.allocate(cycle, auditor="aud.soc", child_ref="MOS-620003", case_team="Assessment 2", case_area=MASH)
        world.submit(audit)
        world.discuss(audit)
        world.agree_action(audit)
        tm = auth("tm.cic1", "team_manager")
        board = read(api, follower, f"/v1/cycles/{cycle}/dashboard", tm)
        assert board["teams"] == ["Children in Care 1"] and board["service_areas"] == []
        assert [a["service_area"] for a in board["findings"]["by_service_area"]] == [SOC.value]
        assert board["findings"]["submitted"] == 1 and board["completion_by_day_14"]["allocated"] == 0
        actions = read(api, follower, "/v1/actions/outstanding", tm)
        assert [a["owner_name"] for a in actions["actions"]] == ["Tm Cic1"]
        other = api.get(f"/v1/cycles/{cycle}/dashboard", headers=tm, params={"service_area": MASH.value})
        assert other.status_code == 403
        assert api.get(f"/v1/cycles/{cycle}/moderation-coverage", headers=tm).status_code == 403


class TestReflectiveDiscussions:
    def test_a_discussion_is_due_two_weeks_after_submission_and_overdue_after(
        self, world: World, api: TestClient, follower: Follower, auth: Auth, clock: Clock
    ) -> None:
        cycle = world.cycle()
        audit = world.allocate(cycle, child_ref="MOS-630001")
        world.submit(audit, grade="inadequate")
        submitted_on = clock.today
        qa = auth(*QA)
        clock.today = submitted_on + timedelta(days=14)
        board = read(api, follower, f"/v1/cycles/{cycle}/dashboard", qa)
        assert board["reflective_discussions"]["overdue"] == []
        clock.today = submitted_on + timedelta(days=15)
        [late] = read(api, follower, f"/v1/cycles/{cycle}/dashboard", qa)["reflective_discussions"]["overdue"]
        assert late["due_on"] == (submitted_on + timedelta(days=14)).isoformat() and late["days_overdue"] == 1
        assert late["to_be_logged_by"] == "service_manager"  # the effective grade is inadequate

        world.discuss(audit, by="sm.soc", with_service_manager=True)
        board = read(api, follower, f"/v1/cycles/{cycle}/dashboard", qa)
        assert board["reflective_discussions"]["overdue"] == [] and board["reflective_discussions"]["logged"] == 1
        [row] = read(api, follower, "/v1/registers/audits", qa, cycle=str(cycle))["items"]
        discussion = row["reflective_discussion"]
        assert discussion["logged_by"] == {"staff_id": "sm.soc", "name": "Sm Soc"}
        assert {(p["name"], p["capacity"], p["attended"]) for p in discussion["participants"]} >= {
            ("Sw Cic1", "allocated_practitioner", True),
            ("Sm Soc", "service_manager", True),
        }


class TestSixMonthly:
    def test_the_window_is_six_months_to_the_day_and_domains_are_per_tool(
        self, world: World, api: TestClient, follower: Follower, auth: Auth, clock: Clock
    ) -> None:
        def audit_on(day: date, child_ref: str, tool: str = "ten_domain", grade: str = "good") -> UUID:
            clock.today = day
            audit = world.allocate(None, child_ref=child_ref, tool=tool, due_on=day + timedelta(days=7))
            world.submit(audit, grade=grade, domain_findings=domain_findings(grade, tool))
            return audit

        audit_on(date(2026, 3, 31), "MOS-640001")  # a day before the 6 months that end on 30 September
        first = audit_on(date(2026, 4, 1), "MOS-640002")
        audit_on(date(2026, 9, 30), "MOS-640003", tool="specialist", grade="inadequate")
        world.moderate(first, grade="good")
        qa = auth(*QA)
        report = read(api, follower, "/v1/reports/six-monthly", qa, to="2026-09-30")
        assert (report["from"], report["to"]) == ("2026-04-01", "2026-09-30")
        assert report["audits"]["submitted"] == 2

        # "Impact and outcomes" is a domain of both tools: graded good in one and inadequate in the other,
        # it is a strength of the 10 Domain tool and a challenge of the specialist tool, each with its title.
        profiles = {p["tool"]: p for p in report["domains"]}
        ten, specialist = profiles["ten_domain"], profiles["specialist"]
        impact = [d for d in ten["by_domain"] if d["domain"] == "impact_outcomes"]
        assert impact == [
            {
                "domain": "impact_outcomes",
                "title": "Impact and outcomes: what difference did it make?",
                "good_or_outstanding": 1,
                "requires_improvement_or_inadequate": 0,
            }
        ]
        assert {"domain": "impact_outcomes", "title": "Impact and outcomes", "audits": 1} in specialist["challenges"]
        assert ten["tool_title"] == "Service-wide 10 Domain audit tool (v1)"

        markdown = report["markdown"]
        assert "Moderated: 50% of the audits submitted in the period." in markdown
        assert "agreed with the auditor's grade in 100% of audits" in markdown
        assert "1 April 2026 to 30 September 2026" in markdown


class TestPointInTime:
    def test_as_of_a_day_before_anything_was_recorded_knows_nothing(
        self, world: World, api: TestClient, follower: Follower, auth: Auth
    ) -> None:
        cycle = world.cycle()
        audit = world.allocate(cycle, child_ref="MOS-650001")
        world.submit(audit)
        follower.catch_up()
        qa = auth(*QA)
        recorded = datetime.now(LONDON).date()  # events carry the time the ledger recorded them
        before = (recorded - timedelta(days=1)).isoformat()
        missing = api.get(f"/v1/cycles/{cycle}/dashboard", headers=qa, params={"as_of": before})
        assert missing.status_code == 404 and "not yet scheduled" in missing.json()["detail"]
        then = api.get(f"/v1/cycles/{cycle}/dashboard", headers=qa, params={"as_of": recorded.isoformat()})
        assert then.status_code == 200 and then.json()["findings"]["submitted"] == 1
        assert read(api, follower, "/v1/actions/outstanding", qa, as_of=before)["actions"] == []


class TestNames:
    def test_no_field_says_escalated_and_the_auditors_challenges_keep_their_word(
        self, world: World, api: TestClient, follower: Follower, auth: Auth
    ) -> None:
        cycle = world.cycle()
        audit = world.allocate(cycle, child_ref="MOS-660001", auditor="eh.leader", case_team="Early Help North",
                               case_area=EH, tool="early_help")  # fmt: skip
        world.submit(audit, auditor="eh.leader", domain_findings=domain_findings("requires_improvement", "early_help"))
        qa = auth(*QA)
        everything = [
            read(api, follower, f"/v1/cycles/{cycle}/moderation-coverage", qa),
            read(api, follower, f"/v1/cycles/{cycle}/dashboard", qa),
            read(api, follower, "/v1/reports/cycle", qa, cycle=str(cycle)),
        ]
        assert "escalat" not in str(everything)
        report = read(api, follower, "/v1/reports/head-of-service", qa, cycle=str(cycle), service_area=EH.value)
        [line] = report["strengths_and_challenges"]["audits"]
        assert line["challenges"] == "Chronology needs updating." and "areas_for_development" not in line
