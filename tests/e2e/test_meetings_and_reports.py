"""Evidence of the QA meetings, and the three report drafts that carry the learning, over HTTP on both stores.

One cycle is played from week 1 to week 8: the auditors' own words, a moderation that changes a grade,
meetings held, late and missing, actions set at an earlier meeting, a specialist audit and an Early Help
audit outside the cycle. The reports must carry the text, with names and case references, no bare ids.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from services.feed import Follower
from services.ledger import commands as c
from services.ledger.api.app import create_app
from services.ledger.application import LedgerApplication
from services.projections.wiring import attach_projections, build_projections, projections_router
from tests.conftest import TEST_AUTH, Clock
from tests.support.projections import ledger_feed, projections_url
from tests.support.world import EH, MASH, NO_KEY, SOC, World, actor, domain_findings

Auth = Callable[..., dict[str, str]]
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


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


def meeting(world: World, by: str, kind: str, focus: str, cycle: UUID, area: str | None, **extra: Any) -> UUID:
    cmd = c.RecordMeeting(kind=kind, focus=focus, cycle_id=cycle, service_area=area, held_on=world.today, **extra)
    return UUID(world.ledger.record_meeting(actor(by), cmd, NO_KEY).body["id"])


@pytest.fixture
def played(world: World, clock: Clock, follower: Follower) -> dict[str, Any]:
    week1 = clock.today - timedelta(days=clock.today.weekday())
    earlier = world.cycle(week1 - timedelta(weeks=8), name="Cycle 0")
    clock.today = week1 - timedelta(weeks=8) + timedelta(days=22)  # the earlier cycle's weeks 4-5
    old_meeting = meeting(world, "hos.soc", "hos_qa", "audit_findings", earlier, SOC.value,
                          attendee_ids=["hos.soc"], invitee_ids=["pdl.soc"])  # fmt: skip
    kept = world.agree_action(
        UUID(int=0), owner="sm.soc", by="hos.soc", source_kind="hos_qa_meeting", source_id=old_meeting
    )
    world.agree_action(UUID(int=0), owner="tm.cic1", by="hos.soc", source_kind="hos_qa_meeting", source_id=old_meeting)
    world.ledger.complete_action(
        actor("sm.soc"), kept, c.CompleteAction(outcome="Every chronology in the team now reviewed monthly"), NO_KEY
    )

    clock.today = week1
    cycle = world.cycle(week1, name="Cycle 1")
    meeting(world, "hos.soc", "hos_qa", "performance_data", cycle, SOC.value, attendee_ids=["hos.soc", "pdl.soc"])
    # MASH has no Practice Development Leader in post; the ledger still wants one invited (another area's).
    meeting(world, "hos.mash", "hos_qa", "performance_data", cycle, MASH.value, attendee_ids=["hos.mash"],
            invitee_ids=["pdl.soc"])  # fmt: skip
    good = world.allocate(cycle, child_ref="MOS-800001")
    weak = world.allocate(cycle, child_ref="MOS-800002")
    world.allocate(cycle, child_ref="MOS-800003", auditor="aud.soc")  # in the auditor's own area: flagged
    clock.today = week1 + timedelta(days=8)
    world.submit(good, grade="good", strengths="Lily's wishes are recorded in her own words.",
                 challenges="The plan has no dates.")  # fmt: skip
    findings = domain_findings("requires_improvement")
    findings[3] = {**findings[3], "finding": "The chronology stops in March; two moves are missing."}
    world.submit(weak, grade="requires_improvement", domain_findings=findings, strengths="Visits are on time.",
                 challenges="Risk from the mother's partner is not analysed.")  # fmt: skip
    world.discuss(good)
    eh = world.allocate(None, auditor="eh.leader", child_ref="MOS-800009", case_team="Early Help North",
                        case_area=EH, tool="early_help", due_on=clock.today + timedelta(days=7))  # fmt: skip
    world.submit(eh, auditor="eh.leader", domain_findings=domain_findings("good", "early_help"),
                 strengths="The family plan was written with the family.")  # fmt: skip

    clock.today = week1 + timedelta(days=16)  # week 3: moderation
    world.moderate(weak, grade="inadequate")
    world.ledger.moderate_audit(
        actor("psw.one"),
        good,
        c.ModerateAudit(moderated_grade="good", feedback="Agree: the child's voice is vivid."),
        NO_KEY,
    )
    clock.today = week1 + timedelta(days=24)  # week 4
    meeting(
        world,
        "hos.soc",
        "hos_qa",
        "audit_findings",
        cycle,
        SOC.value,
        attendee_ids=["hos.soc", "sm.soc"],
        invitee_ids=["pdl.soc"],
        headline_learning="Chronologies lag behind the child's moves.",
        reports=[
            {
                "presenter_id": "hos.soc",
                "service_area": SOC.value,
                "strengths": "Voice",
                "challenges": "Chronologies",
                "addressing_challenges": "Chronology clinics every fortnight.",
            }
        ],
    )
    clock.today = week1 + timedelta(days=37)  # week 6, after the MASH weeks 4-5 window
    adqa = meeting(world, "ad.one", "adqa", "service_overview", cycle, None, attendee_ids=["ad.one", "qa.manager"],
                   moderation_learning="One audit was lowered to inadequate: risk analysis is thin.",
                   reports=[{"presenter_id": "hos.soc", "service_area": SOC.value, "strengths": "Voice",
                             "challenges": "Chronologies"}])  # fmt: skip
    world.agree_action(UUID(int=0), owner="hos.soc", by="ad.one", source_kind="adqa_meeting", source_id=adqa)
    world.ledger.request_thematic_audit(
        actor("ad.one"),
        c.RequestThematicAudit(topic="Cumulative neglect", rationale="Risk analysis is thin.", meeting_id=adqa),
        NO_KEY,
    )
    clock.today = week1 + timedelta(days=53)  # week 8
    follower.catch_up()
    return {"cycle": cycle, "earlier": earlier, "good": good, "weak": weak, "adqa": adqa, "week1": week1}


class TestMeetingsEvidence:
    def test_held_missing_late_chair_pdl_reports_actions_and_thematic_requests(
        self, api: TestClient, auth: Auth, played: dict[str, Any]
    ) -> None:
        evidence = api.get(f"/v1/cycles/{played['cycle']}/meetings", headers=auth("qa.manager", "qa_manager")).json()
        slots = {(m["service_area"], m["slot"]): m for m in evidence["head_of_service_meetings"]}
        assert set(slots) == {(a, s) for a in (MASH.value, SOC.value) for s in ("week_1", "weeks_4_5")}
        assert slots[(SOC.value, "week_1")]["status"] == "held"
        week1 = slots[(SOC.value, "week_1")]["held"][0]
        assert week1["chair"] == {"staff_id": "hos.soc", "name": "Hos Soc"} and week1["in_expected_week"] is True
        assert week1["practice_development_leader"]["invited"] is True  # attended
        findings = slots[(SOC.value, "weeks_4_5")]["held"][0]
        assert findings["headline_learning"] == "Chronologies lag behind the child's moves."
        assert findings["reports_presented"][0]["presenter"]["name"] == "Hos Soc"
        mash_week1 = slots[(MASH.value, "week_1")]["held"][0]
        assert mash_week1["practice_development_leader"] == {
            "invited": False,
            "post_vacant": True,  # MASH has no Practice Development Leader in post
            "practice_development_leaders": [],
        }
        assert slots[(MASH.value, "weeks_4_5")]["status"] == "missing"
        assert [(m["service_area"], m["slot"]) for m in evidence["missing"]] == [(MASH.value, "weeks_4_5")]
        adqa = evidence["adqa_meeting"]
        assert adqa["status"] == "held" and adqa["held"][0]["in_expected_week"] is True
        assert [a["owner"]["name"] for a in adqa["held"][0]["actions_set"]] == ["Hos Soc"]
        assert [t["topic"] for t in adqa["held"][0]["thematic_audits_requested"]] == ["Cumulative neglect"]
        assert adqa["head_of_service_reports_missing"] == [
            {"service_area": MASH.value, "service_area_title": "MASH, Assessment & Support Teams & Awaken"}
        ]

        dashboard = api.get(f"/v1/cycles/{played['cycle']}/dashboard", headers=auth("hos.mash", "head_of_service"))
        assert [m["slot"] for m in dashboard.json()["meetings"]["missing"]] == ["weeks_4_5"]
        soc = api.get(f"/v1/cycles/{played['cycle']}/meetings", headers=auth("hos.soc", "head_of_service")).json()
        assert {m["service_area"] for m in soc["head_of_service_meetings"]} == {SOC.value}

    def test_before_its_window_ends_a_meeting_not_held_is_not_yet_missing(
        self, api: TestClient, auth: Auth, played: dict[str, Any], clock: Clock
    ) -> None:
        clock.today = played["week1"] + timedelta(days=30)  # inside weeks 4-5
        evidence = api.get(f"/v1/cycles/{played['cycle']}/meetings", headers=auth("qa.manager", "qa_manager")).json()
        statuses = {(m["service_area"], m["slot"]): m["status"] for m in evidence["head_of_service_meetings"]}
        assert statuses[(MASH.value, "weeks_4_5")] == "not_yet_due" and evidence["missing"] == []


class TestReports:
    def test_the_head_of_service_report_carries_the_auditors_words_and_the_impact_of_earlier_actions(
        self, api: TestClient, auth: Auth, played: dict[str, Any]
    ) -> None:
        params = {"cycle": str(played["cycle"]), "service_area": SOC.value}
        report = api.get("/v1/reports/head-of-service", headers=auth("hos.soc", "head_of_service"), params=params)
        body = report.json()
        chronology = next(
            d for d in body["strengths_and_challenges"]["by_domain"] if d["domain"] == "chronology_recording"
        )
        [quote] = [q for q in chronology["challenges"] if q["child_ref"] == "MOS-800002"]
        assert quote["finding"] == "The chronology stops in March; two moves are missing."
        assert quote["auditor"] == {"staff_id": "aud.mash", "name": "Aud Mash"}
        assert body["headline_learning"][0]["learning"] == "Chronologies lag behind the child's moves."
        impact = body["impact_of_previous_actions"]
        assert (impact["agreed"], impact["completed"], impact["open"]) == (2, 1, 1)
        [done] = [a for a in impact["actions"] if a["status"] == "completed"]
        assert done["outcome"] == "Every chronology in the team now reviewed monthly"
        assert done["source"].startswith("HoS QA meeting of") and done["owner"]["name"] == "Sm Soc"
        assert body["grade_distribution"]["inadequate"] == 1  # moderated to inadequate
        assert body["what_we_are_doing"][0]["addressing_challenges"] == "Chronology clinics every fortnight."

        markdown = api.get(
            "/v1/reports/head-of-service",
            headers=auth("hos.soc", "head_of_service"),
            params={**params, "format": "markdown"},
        ).text
        for text in (
            "The chronology stops in March; two moves are missing. (MOS-800002 (audited by Aud Mash",
            "Lily's wishes are recorded in her own words.",
            "Risk from the mother's partner is not analysed.",
            "Chronologies lag behind the child's moves.",
            "Every chronology in the team now reviewed monthly",
            "Chronology clinics every fortnight.",
            "## Service priorities",
            "Moderators agreed with the auditor's grade in 50% of audits",
        ):
            assert text in markdown, text
        assert not UUID_TEXT.search(markdown), "a bare id in the Markdown"

    def test_the_qa_managers_cycle_report_has_headlines_moderation_learning_and_what_is_missing(
        self, api: TestClient, auth: Auth, played: dict[str, Any]
    ) -> None:
        qa = auth("qa.manager", "qa_manager")
        report = api.get("/v1/reports/cycle", headers=qa, params={"cycle": str(played["cycle"])}).json()
        [soc] = [h for h in report["headlines"] if h["service_area"] == SOC.value]
        assert soc["headline_learning"] == ["Chronologies lag behind the child's moves."]
        assert soc["heads_of_service"] == [{"staff_id": "hos.soc", "name": "Hos Soc"}]
        [regraded] = report["moderation_learning"]["regraded"]
        assert (regraded["child_ref"], regraded["auditor_grade"], regraded["moderated_grade"]) == (
            "MOS-800002",
            "requires_improvement",
            "inadequate",
        )
        assert report["moderation_learning"]["agreement_percent"] == 50.0
        assert [a["child_ref"] for a in report["inadequate_audits"]] == ["MOS-800002"]
        assert [a["child_ref"] for a in report["flagged_allocations"]] == ["MOS-800003"]
        assert [m["slot"] for m in report["meetings"]["missing"]] == ["weeks_4_5"]
        [outside] = report["outside_the_cycle"]
        assert outside["tool"] == "early_help" and outside["audits"][0]["child_ref"] == "MOS-800009"
        assert report["completion"]["overdue"] == 1  # MOS-800003, by a SOC auditor
        markdown = report["markdown"]
        assert "One audit was lowered to inadequate: risk analysis is thin." in markdown
        assert "NOT yet sent to the AD and HoS" in markdown
        assert "The family plan was written with the family." in markdown
        assert not UUID_TEXT.search(markdown)
        assert api.get("/v1/reports/cycle", headers=auth("hos.soc", "head_of_service"),
                       params={"cycle": str(played["cycle"])}).status_code == 403  # fmt: skip

    def test_the_six_monthly_report_gathers_every_meetings_learning_and_trends_per_cycle(
        self, api: TestClient, auth: Auth, played: dict[str, Any], clock: Clock
    ) -> None:
        report = api.get("/v1/reports/six-monthly", headers=auth("qa.manager", "qa_manager"),
                         params={"to": clock.today.isoformat()}).json()  # fmt: skip
        assert [t["cycle_name"] for t in report["trend_by_cycle"]] == ["Cycle 0", "Cycle 1"]
        assert [x["learning"] for x in report["headline_learning"]] == ["Chronologies lag behind the child's moves."]
        assert report["moderation"]["percent_of_submitted"] == 66.7  # 2 of the 3 audits submitted
        assert {g["tool"] for g in report["outside_the_cycle"]} == {"early_help"}
        assert date.fromisoformat(report["from"]) > date.fromisoformat(report["to"]) - timedelta(days=185)
        assert not UUID_TEXT.search(report["markdown"])


class TestTheGuidancesOwnRecords:
    """Contract v3's facts as the read side shows them: attendance at the reflective case discussion, a
    vacant Practice Development Leader post, wider evidence, Early Help learning, the guidance's flags."""

    def test_attendance_vacancy_evidence_early_help_learning_and_flags(
        self, world: World, api: TestClient, follower: Follower, auth: Auth, clock: Clock
    ) -> None:
        week1 = clock.today - timedelta(days=clock.today.weekday())
        cycle = world.cycle(week1)
        audit = world.allocate(cycle, child_ref="MOS-810001")
        world.submit(audit, grade="requires_improvement", practitioners_audited=["sw.cic1", "aud.soc"])
        world.ledger.record_reflective_discussion(
            actor("tm.cic1"),
            audit,
            c.RecordReflectiveDiscussion(
                held_on=world.today,
                participants=[
                    {"participant_id": "aud.mash", "capacity": "auditor"},
                    {"participant_id": "tm.cic1", "capacity": "practitioner_manager"},
                ],
                absences=[
                    {"participant_id": "sw.cic1", "capacity": "allocated_practitioner", "reason": "long_term_absence"}
                ],
                notes="Agreed the plan.",
            ),
            NO_KEY,
        )
        meeting(world, "hos.mash", "hos_qa", "performance_data", cycle, MASH.value, attendee_ids=["hos.mash"],
                pdl_post_vacant=True)  # fmt: skip
        for source, summary in (
            ("complaint", "A parent complained that nobody returned her calls for three weeks."),
            ("compliment", "A young person thanked his worker for going to court with him."),
        ):
            world.ledger.record_wider_evidence(
                actor("hos.soc"),
                c.RecordWiderEvidence(source=source, received_on=world.today, service_area=SOC, summary=summary,
                                      team="Children in Care 1", child_ref="MOS-810009"),
                NO_KEY,
            )  # fmt: skip
        eh = world.allocate(None, auditor="eh.leader", child_ref="MOS-810002", case_team="Early Help North",
                            case_area=EH, tool="early_help", due_on=world.today + timedelta(days=7))  # fmt: skip
        world.submit(eh, auditor="eh.leader", domain_findings=domain_findings("good", "early_help"))
        world.ledger.summarise_early_help_learning(
            actor("sm.eh"),
            c.SummariseEarlyHelpLearning(
                month=world.today.isoformat()[:7], audit_ids=[eh], learning="Step-down plans are agreed with families."
            ),
            NO_KEY,
        )
        flagged = world.allocate(cycle, auditor="aud.soc", child_ref="MOS-810003")  # inside their own area
        world.submit(flagged, auditor="aud.soc")
        clock.today = week1 + timedelta(days=30)  # week 5: moderation outside week 3
        world.moderate(flagged, grade="good")
        follower.catch_up()
        qa = auth("qa.manager", "qa_manager")

        [row] = api.get("/v1/registers/audits", headers=qa, params={"cycle": str(cycle), "status": "submitted"}).json()[
            "items"
        ]
        discussion = row["reflective_discussion"]
        assert discussion["held_by"] == {"staff_id": "aud.mash", "name": "Aud Mash"}
        absent = {p["staff_id"]: p for p in discussion["participants"] if not p["attended"]}
        assert absent["sw.cic1"]["absence_reason"] == "long_term_absence"
        assert {p["staff_id"] for p in discussion["participants"] if p["attended"]} == {"aud.mash", "tm.cic1"}

        evidence = api.get(f"/v1/cycles/{cycle}/meetings", headers=qa).json()
        [mash] = [m for m in evidence["head_of_service_meetings"] if m["service_area"] == MASH.value and m["held"]]
        assert mash["held"][0]["practice_development_leader"]["post_vacant"] is True

        report = api.get("/v1/reports/head-of-service", headers=qa,
                         params={"cycle": str(cycle), "service_area": SOC.value}).json()  # fmt: skip
        assert sorted(e["source_title"] for e in report["wider_evidence"]) == ["Complaint", "Compliment"]
        assert "A parent complained that nobody returned her calls for three weeks." in report["markdown"]
        early_help = api.get("/v1/reports/head-of-service", headers=qa,
                             params={"cycle": str(cycle), "service_area": EH.value}).json()  # fmt: skip
        assert [x["learning"] for x in early_help["early_help_learning"]] == [
            "Step-down plans are agreed with families."
        ]
        assert "Step-down plans are agreed with families." in early_help["markdown"]

        cycle_report = api.get("/v1/reports/cycle", headers=qa, params={"cycle": str(cycle)}).json()
        reasons = [(f["child_ref"], f["reason"]) for f in cycle_report["flagged_allocations"]]
        assert ("MOS-810003", "allocated within the auditor's own service area") in reasons
        assert ("MOS-810003", "moderated in week 5, outside the moderation week (week 3)") in reasons
        assert "Step-down plans are agreed with families." in cycle_report["markdown"]
        six = api.get("/v1/reports/six-monthly", headers=qa, params={"to": clock.today.isoformat()}).json()
        assert len(six["wider_evidence"]) == 2 and six["early_help_learning"][0]["service_manager"]["name"] == "Sm Eh"
