"""Every rule of the guidance the ledger enforces, each proven on SQLite and on PostgreSQL.

Each refusal also proves that nothing was appended.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from services.ledger import commands as c
from services.ledger.application import Actor, LedgerApplication
from services.ledger.application.core import CommandContext
from services.ledger.domain.errors import InvalidCommand, NotFound, NotPermitted, StateConflict, VersionConflict
from tests.support.world import EH, MASH, NO_KEY, SOC, World, actor, domain_findings


@pytest.fixture
def world(ledger: LedgerApplication) -> World:
    return World(ledger).register_everyone()


@pytest.fixture
def cycle(world: World) -> object:
    return world.cycle()


def refused(world: World, error: type[Exception], match: str, call, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
    before = world.ledger.recorder.max_notification_id()
    with pytest.raises(error, match=match):
        call(*args, **kwargs)
    assert world.ledger.recorder.max_notification_id() == before, "a refused command appended events"


class TestCycleCalendar:
    def test_dates_are_derived_from_the_week_one_monday(self, world: World) -> None:
        outcome = world.ledger.schedule_cycle(
            world.qa, c.ScheduleCycle(name="C4", week1_monday=date(2026, 11, 2)), NO_KEY
        )
        assert outcome.body["audits_due_on"] == "2026-11-15"  # day 14
        assert outcome.body["moderation_week_starts"] == "2026-11-16"  # week 3
        assert outcome.body["hos_qa_findings_window_starts"] == "2026-11-23"  # week 4
        assert outcome.body["adqa_week_starts"] == "2026-12-07"  # week 6
        assert outcome.body["preparation_week_starts"] == "2026-10-26"  # week 8 of the previous cycle

    def test_week_one_must_start_on_a_monday(self, world: World) -> None:
        cmd = c.ScheduleCycle(name="C", week1_monday=date(2026, 11, 4))
        refused(world, InvalidCommand, "must be a Monday", world.ledger.schedule_cycle, world.qa, cmd, NO_KEY)

    def test_one_cycle_per_start_date(self, world: World) -> None:
        world.cycle(date(2026, 11, 2))
        cmd = c.ScheduleCycle(name="Again", week1_monday=date(2026, 11, 2))
        refused(world, StateConflict, "already scheduled", world.ledger.schedule_cycle, world.qa, cmd, NO_KEY)

    def test_a_closed_cycle_takes_no_more_allocations(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        world.ledger.close_cycle(world.qa, cycle, c.CloseCycle(reason="Cycle complete"), NO_KEY)
        refused(world, StateConflict, "closed", world.allocate, cycle)


class TestAllocation:
    def test_auditing_across_the_service_is_not_flagged(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle, auditor="aud.mash", case_area=SOC)
        data = world.ledger.read_stream(world.qa, audit_id)[0].data
        assert data["within_own_service_area"] is False and data["flagged_own_service_area"] is False

    def test_allocation_inside_own_service_area_is_flagged(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle, auditor="aud.soc", case_area=SOC)
        data = world.ledger.read_stream(world.qa, audit_id)[0].data
        assert data["within_own_service_area"] is True and data["flagged_own_service_area"] is True

    @pytest.mark.parametrize(
        ("auditor", "area", "group"),
        [("eh.leader", EH, "early_help_team_leader"), ("lc.auditor", "adolescent", "leaving_care")],
    )
    def test_exempt_groups_audit_their_own_area_unflagged(self, world: World, cycle, auditor, area, group) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle, auditor=auditor, case_area=area)
        data = world.ledger.read_stream(world.qa, audit_id)[0].data
        assert data["within_own_service_area"] is True
        assert data["flagged_own_service_area"] is False and data["exempt_group"] == group

    def test_audit_in_a_cycle_is_due_on_day_fourteen(self, world: World) -> None:
        cycle = world.cycle(date(2026, 11, 23))
        audit_id = world.allocate(cycle)
        assert world.ledger.read_stream(world.qa, audit_id)[0].data["due_on"] == "2026-12-06"

    def test_a_cycle_audit_allocated_after_week_one_is_due_when_the_allocator_says(self, world: World, clock) -> None:  # type: ignore[no-untyped-def]
        cycle = world.cycle(date(2026, 11, 16))  # day 14 is 29 Nov
        clock.today = date(2026, 11, 22)  # still week 1: every audit is due on day 14
        assert world.ledger.read_stream(world.qa, world.allocate(cycle))[0].data["due_on"] == "2026-11-29"
        refused(world, InvalidCommand, "end of week 2", world.allocate, cycle, due_on=date(2026, 12, 3))

        clock.today = date(2026, 11, 24)  # week 2: 14 days on unless the allocator sets a date
        assert world.ledger.read_stream(world.qa, world.allocate(cycle))[0].data["due_on"] == "2026-12-08"
        chosen = world.allocate(cycle, due_on=date(2026, 12, 4))
        assert world.ledger.read_stream(world.qa, chosen)[0].data["due_on"] == "2026-12-04"
        refused(
            world, InvalidCommand, "due_on: must not be in the past", world.allocate, cycle, due_on=date(2026, 11, 23)
        )

    def test_a_fostering_manager_using_another_tool_is_flagged_not_refused(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        world.ledger.register_staff(
            world.qa,
            c.RegisterStaff(
                staff_id="fm.one",
                display_name="Fran Manager",
                email="fm.one@example.gov.uk",
                roles=["auditor", "team_manager"],
                team="Fostering Team",
                service_area=SOC,
                auditor_groups=["fostering_manager"],
            ),
            NO_KEY,
        )
        ten_domain = world.allocate(cycle, auditor="fm.one", child_ref="MOS-700001")
        fostering = world.allocate(cycle, auditor="fm.one", child_ref="MOS-700002", tool="fostering")
        first = world.ledger.read_stream(world.qa, ten_domain)[0].data
        assert (first["expected_tool"], first["flagged_tool"]) == ("fostering", True)
        assert world.ledger.read_stream(world.qa, fostering)[0].data["flagged_tool"] is False
        # Moving a 10 Domain audit to a fostering manager is flagged the same way.
        moved = world.allocate(cycle, auditor="aud.mash", child_ref="MOS-700003")
        world.ledger.reallocate_audit(world.qa, moved, c.ReallocateAudit(auditor_id="fm.one", reason="Leave"), NO_KEY)
        assert world.ledger.read_stream(world.qa, moved)[-1].data["flagged_tool"] is True
        assert world.ledger.read_stream(world.qa, moved)[0].data["flagged_tool"] is False

    def test_a_head_of_service_allocates_only_within_their_own_area(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        hos = actor("hos.soc")
        own = c.AllocateAudit(
            auditor_id="aud.soc", child_ref="MOS-1", case_team="CIC 1", case_service_area=MASH, cycle_id=cycle
        )
        assert world.ledger.allocate_audit(hos, own, NO_KEY).status_code == 201
        other = own.model_copy(update={"auditor_id": "aud.mash"})
        refused(world, NotPermitted, "own service area", world.ledger.allocate_audit, hos, other, NO_KEY)

    def test_only_qa_manager_or_head_of_service_allocate(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        cmd = c.AllocateAudit(
            auditor_id="aud.soc", child_ref="MOS-1", case_team="CIC 1", case_service_area=MASH, cycle_id=cycle
        )
        refused(
            world, NotPermitted, "needs one of the roles", world.ledger.allocate_audit, actor("tm.cic1"), cmd, NO_KEY
        )

    def test_unknown_auditor_is_not_found(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        refused(world, NotFound, "not registered", world.allocate, cycle, "nobody.here")

    def test_reallocation_records_the_reason_and_moves_the_audit(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle, auditor="aud.mash")
        world.ledger.reallocate_audit(
            world.qa, audit_id, c.ReallocateAudit(auditor_id="aud.soc", reason="Auditor on leave"), NO_KEY
        )
        event = world.ledger.read_stream(world.qa, audit_id)[-1]
        assert event.contract == "AuditReallocated" and event.data["reason"] == "Auditor on leave"
        assert event.data["from_auditor_id"] == "aud.mash" and event.data["flagged_own_service_area"] is True
        refused(world, NotPermitted, "allocated auditor", world.submit, audit_id, "aud.mash")


class TestSubmission:
    def test_only_the_allocated_auditor_submits(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle, auditor="aud.mash")
        refused(world, NotPermitted, "only the allocated auditor", world.submit, audit_id, "aud.soc")
        world.submit(audit_id, "aud.mash")
        types = [e.contract for e in world.ledger.read_stream(world.qa, audit_id)]
        assert types == ["AuditAllocated", "AuditSubmitted", "AuditGraded"]

    def test_an_external_auditor_submits_their_own_audit(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle, auditor="ext.auditor")
        world.submit(audit_id, "ext.auditor")

    def test_practice_older_than_six_months_needs_a_reason(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle)
        old = world.today - timedelta(days=200)
        refused(world, InvalidCommand, "6 months", world.submit, audit_id, "aud.mash", "good", practice_period_from=old)
        world.submit(audit_id, practice_period_from=old, extended_period_reason="Earlier section 47 enquiry is key")
        data = world.ledger.read_stream(world.qa, audit_id)[1].data
        assert data["extended_period_reason"] == "Earlier section 47 enquiry is key"

    def test_exactly_six_months_back_needs_no_reason(self, world: World, clock, cycle) -> None:  # type: ignore[no-untyped-def]
        clock.today = date(2026, 11, 30)
        audit_id = world.allocate(cycle)
        world.submit(audit_id, practice_period_from=date(2026, 5, 30), practice_period_to=date(2026, 11, 29))

    def test_practice_period_must_run_forwards_and_not_into_the_future(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle)
        t = world.today
        refused(
            world,
            InvalidCommand,
            "before practice_period.from",
            world.submit,
            audit_id,
            "aud.mash",
            "good",
            practice_period_from=t - timedelta(days=10),
            practice_period_to=t - timedelta(days=20),
        )
        refused(
            world,
            InvalidCommand,
            "after the submission date",
            world.submit,
            audit_id,
            "aud.mash",
            "good",
            practice_period_to=t + timedelta(days=1),
        )

    def test_every_domain_of_the_tool_needs_a_finding_and_grade(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle)
        findings = domain_findings()
        refused(
            world, InvalidCommand, "missing", world.submit, audit_id, "aud.mash", "good", domain_findings=findings[:-1]
        )
        bogus = [*findings, {"domain": "astrology", "grade": "good", "finding": "x"}]
        refused(
            world, InvalidCommand, "not a domain", world.submit, audit_id, "aud.mash", "good", domain_findings=bogus
        )
        ungraded = [{**findings[0], "grade": None}, *findings[1:]]
        refused(
            world, InvalidCommand, "needs a grade", world.submit, audit_id, "aud.mash", "good", domain_findings=ungraded
        )

    def test_the_submission_says_when_the_reflective_discussion_is_due(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle)
        world.submit(audit_id)
        data = world.ledger.read_stream(world.qa, audit_id)[1].data
        assert data["rcd_due_on"] == (world.today + timedelta(days=14)).isoformat()  # two weeks (SPEC 7)
        assert data["challenges"] == "Chronology needs updating." and "areas_for_development" not in data

    def test_submitting_twice_is_a_conflict(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle)
        world.submit(audit_id)
        refused(world, StateConflict, "already been submitted", world.submit, audit_id)

    def test_late_submission_is_recorded_as_not_on_time(self, world: World, clock) -> None:  # type: ignore[no-untyped-def]
        cycle = world.cycle(date(2026, 11, 2))  # due 2026-11-15
        clock.today = date(2026, 11, 2)  # allocated in week 1, so due on day 14
        audit_id = world.allocate(cycle)
        clock.today = date(2026, 11, 26)
        world.submit(audit_id)
        assert world.ledger.read_stream(world.qa, audit_id)[1].data["on_time"] is False


class TestCorrections:
    def test_an_amendment_is_a_new_event_with_a_reason_and_regrades(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle)
        world.submit(audit_id, grade="good")
        cmd = c.AmendAudit(reason="Missed the missing-episode return interviews", overall_grade="requires_improvement")
        world.ledger.amend_audit(actor("aud.mash"), audit_id, cmd, NO_KEY)
        events = world.ledger.read_stream(world.qa, audit_id)
        assert [e.contract for e in events][-2:] == ["AuditAmended", "AuditGraded"]
        assert events[2].data["overall_grade"] == "good"  # the original grade is still there
        assert events[-1].data == {**events[-1].data, "overall_grade": "requires_improvement", "previous_grade": "good"}

    def test_an_amendment_must_change_something(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle)
        world.submit(audit_id)
        refused(
            world,
            InvalidCommand,
            "at least one field",
            world.ledger.amend_audit,
            actor("aud.mash"),
            audit_id,
            c.AmendAudit(reason="nothing"),
            NO_KEY,
        )

    def test_withdrawal_needs_the_qa_manager_and_stops_further_work(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle)
        refused(
            world,
            NotPermitted,
            "roles",
            world.ledger.withdraw_audit,
            actor("hos.soc"),
            audit_id,
            c.WithdrawAudit(reason="x"),
            NO_KEY,
        )
        world.ledger.withdraw_audit(world.qa, audit_id, c.WithdrawAudit(reason="Case closed before audit"), NO_KEY)
        refused(world, StateConflict, "withdrawn", world.submit, audit_id)


class TestReflectiveDiscussion:
    def test_the_team_manager_of_the_childs_team_logs_it(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle)
        world.submit(audit_id)
        refused(world, NotPermitted, "Team Manager of the child's team", world.discuss, audit_id, "aud.mash")
        world.discuss(audit_id, "tm.cic1")
        event = world.ledger.read_stream(world.qa, audit_id)[-1]
        assert event.contract == "ReflectiveDiscussionHeld" and event.data["logged_by_capacity"] == "team_manager"

    def discussion(
        self, world: World, by: str, took_part: list[tuple[str, str]], **extra: Any
    ) -> tuple[Actor, c.RecordReflectiveDiscussion]:
        cmd = c.RecordReflectiveDiscussion(
            held_on=world.today,
            participants=[{"participant_id": p, "capacity": capacity} for p, capacity in took_part],
            notes="Discussed the plan and what difference it is making.",
            **extra,
        )
        return actor(by), cmd

    def log(
        self, world: World, audit_id: UUID, by: str, took_part: list[tuple[str, str]], **extra: Any
    ) -> dict[str, Any]:
        who, cmd = self.discussion(world, by, took_part, **extra)
        world.ledger.record_reflective_discussion(who, audit_id, cmd, NO_KEY)
        return world.ledger.read_stream(world.qa, audit_id)[-1].data

    def refused_log(
        self, world: World, audit_id: UUID, match: str, took_part: list[tuple[str, str]], **extra: Any
    ) -> None:
        who, cmd = self.discussion(world, "tm.cic1", took_part, **extra)
        refused(world, InvalidCommand, match, world.ledger.record_reflective_discussion, who, audit_id, cmd, NO_KEY)

    def test_the_auditor_holds_it(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle, auditor="aud.mash")
        world.submit(audit_id)
        pair = [("sw.cic1", "allocated_practitioner"), ("tm.cic1", "practitioner_manager")]
        self.refused_log(world, audit_id, r"the auditor \(aud.mash\) holds the reflective discussion", pair)
        self.refused_log(world, audit_id, "only they take part as auditor", [*pair, ("aud.soc", "auditor")])
        data = self.log(world, audit_id, "tm.cic1", [*pair, ("aud.mash", "auditor")])
        assert data["held_by"] == "aud.mash"

    def test_the_practitioner_and_their_manager_take_part_or_a_reason_is_recorded(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle)
        world.submit(audit_id)
        without = [("aud.mash", "auditor"), ("tm.cic1", "practitioner_manager")]
        self.refused_log(world, audit_id, "the allocated practitioner takes part, or `absences` names them", without)
        gone = {"participant_id": "sw.cic1", "capacity": "allocated_practitioner"}
        self.refused_log(
            world,
            audit_id,
            "absences: the allocated practitioner did not take part: give a reason",
            without,
            absences=[gone],
        )
        self.refused_log(
            world, audit_id, "a reason of 'other' needs a note", without, absences=[{**gone, "reason": "other"}]
        )
        data = self.log(world, audit_id, "tm.cic1", without, absences=[{**gone, "reason": "left_the_service"}])
        absent = next(p for p in data["participants"] if p["participant_id"] == "sw.cic1")
        assert absent == {
            "participant_id": "sw.cic1",
            "capacity": "allocated_practitioner",
            "attended": False,
            "absence_reason": "left_the_service",
            "absence_note": None,
        }

    def test_others_whose_practice_was_audited_are_invited_and_their_attendance_shown(
        self, world: World, cycle
    ) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle)
        world.submit(audit_id, practitioners_audited=["sw.cic1", "aud.soc", "pdl.soc"])
        took_part = [(p["participant_id"], p["capacity"]) for p in world.participants()]
        data = self.log(world, audit_id, "tm.cic1", [*took_part, ("aud.soc", "other_practitioner")])
        attendance = {p["participant_id"]: (p["capacity"], p["attended"]) for p in data["participants"]}
        assert attendance["aud.soc"] == ("other_practitioner", True)
        assert attendance["pdl.soc"] == ("other_practitioner", False)  # invited, not listed as taking part
        assert attendance["sw.cic1"] == ("allocated_practitioner", True)

    def test_inadequate_the_service_manager_logs_it_and_whether_they_attended_is_recorded(
        self, world: World, cycle
    ) -> None:  # type: ignore[no-untyped-def]
        absent_sm, present_sm = world.allocate(cycle), world.allocate(cycle, child_ref="MOS-100002")
        for audit_id in (absent_sm, present_sm):
            world.submit(audit_id, grade="inadequate")
        refused(world, NotPermitted, "Service Manager", world.discuss, absent_sm, "tm.cic1", with_service_manager=True)
        # The Service Manager could not come: the record says so, and nothing stops it being logged.
        world.discuss(absent_sm, "sm.soc")
        data = world.ledger.read_stream(world.qa, absent_sm)[-1].data
        assert data["logged_by_capacity"] == "service_manager"
        assert (data["service_manager_invited"], data["service_manager_attended"]) == (True, False)
        [sm] = [p for p in data["participants"] if p["participant_id"] == "sm.soc"]
        assert (sm["capacity"], sm["attended"]) == ("service_manager", False)
        world.discuss(present_sm, "sm.soc", with_service_manager=True)
        data = world.ledger.read_stream(world.qa, present_sm)[-1].data
        assert (data["service_manager_invited"], data["service_manager_attended"]) == (True, True)

    def test_a_good_audits_discussion_invites_no_service_manager(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle)
        world.submit(audit_id)
        world.discuss(audit_id)
        data = world.ledger.read_stream(world.qa, audit_id)[-1].data
        assert (data["service_manager_invited"], data["service_manager_attended"]) == (False, False)
        assert all(p["attended"] for p in data["participants"])

    def test_it_cannot_be_logged_before_submission_or_twice(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle)
        refused(world, StateConflict, "not been submitted", world.discuss, audit_id)
        world.submit(audit_id)
        world.discuss(audit_id)
        refused(world, StateConflict, "already been logged", world.discuss, audit_id)


class TestEffectiveGrade:
    """SPEC 7: the moderator's grade, when there is one, is the audit's grade for every rule."""

    def test_moderated_to_inadequate_the_service_manager_logs_the_discussion(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle)
        world.submit(audit_id, grade="requires_improvement")
        world.moderate(audit_id, grade="inadequate")
        refused(world, NotPermitted, "Service Manager", world.discuss, audit_id, "tm.cic1", with_service_manager=True)
        world.discuss(audit_id, "sm.soc", with_service_manager=True)
        data = world.ledger.read_stream(world.qa, audit_id)[-1].data
        assert data["logged_by_capacity"] == "service_manager"

    def test_moderated_up_from_inadequate_the_team_manager_logs_it(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle)
        world.submit(audit_id, grade="inadequate")
        world.moderate(audit_id, grade="requires_improvement")
        refused(world, NotPermitted, "Team Manager", world.discuss, audit_id, "sm.soc", with_service_manager=True)
        world.discuss(audit_id, "tm.cic1")

    def test_the_answer_names_the_auditors_the_moderators_and_the_effective_grade(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle)
        world.submit(audit_id, grade="good")
        amended = world.ledger.amend_audit(
            actor("aud.mash"), audit_id, c.AmendAudit(reason="Regraded", overall_grade="outstanding"), NO_KEY
        )
        assert amended.body["effective_grade"] == "outstanding"  # the auditor's latest, amendments included
        moderated = world.ledger.moderate_audit(
            world.qa,
            audit_id,
            c.ModerateAudit(moderated_grade="requires_improvement", feedback="Not evidenced"),
            NO_KEY,
        )
        body = moderated.body
        assert (body["auditor_grade"], body["moderated_grade"], body["effective_grade"]) == (
            "outstanding",
            "requires_improvement",
            "requires_improvement",
        )
        # A later correction by the auditor does not override the moderator's grade.
        again = world.ledger.amend_audit(
            actor("aud.mash"), audit_id, c.AmendAudit(reason="Typo", overall_grade="good"), NO_KEY
        )
        assert again.body["auditor_grade"] == "good" and again.body["effective_grade"] == "requires_improvement"


class TestModeration:
    def test_only_qa_manager_or_psw_moderate(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle)
        world.submit(audit_id)
        refused(world, NotPermitted, "roles", world.moderate, audit_id, "hos.soc")
        world.moderate(audit_id, "psw.one", grade="requires_improvement")
        data = world.ledger.read_stream(world.qa, audit_id)[-1].data
        assert data["agrees_with_auditor"] is False and data["auditor_grade"] == "good"

    def test_an_early_help_audit_is_moderated_alongside_an_early_help_service_manager(
        self, world: World, cycle
    ) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle, auditor="eh.leader", case_team="Early Help North", case_area=EH)
        world.submit(audit_id, auditor="eh.leader")
        alone = c.ModerateAudit(moderated_grade="good", feedback="Well evidenced")
        refused(
            world,
            InvalidCommand,
            "co_moderator_ids: an Early Help audit is moderated alongside an Early Help Service Manager",
            world.ledger.moderate_audit,
            world.qa,
            audit_id,
            alone,
            NO_KEY,
        )
        wrong_area = alone.model_copy(update={"co_moderator_ids": ["sm.soc"]})
        refused(
            world,
            InvalidCommand,
            "Early Help Service Manager",
            world.ledger.moderate_audit,
            world.qa,
            audit_id,
            wrong_area,
            NO_KEY,
        )
        together = alone.model_copy(update={"co_moderator_ids": ["sm.eh"]})
        world.ledger.moderate_audit(world.qa, audit_id, together, NO_KEY)
        assert world.ledger.read_stream(world.qa, audit_id)[-1].data["moderator_ids"] == ["qa.manager", "sm.eh"]

    def test_moderation_outside_week_three_is_flagged_not_refused(self, world: World, clock) -> None:  # type: ignore[no-untyped-def]
        cycle = world.cycle(date(2026, 11, 2))
        clock.today = date(2026, 11, 2)
        early, on_time = world.allocate(cycle), world.allocate(cycle, child_ref="MOS-100002")
        clock.today = date(2026, 11, 12)  # week 2
        for audit_id in (early, on_time):
            world.submit(audit_id)
        world.moderate(early)
        data = world.ledger.read_stream(world.qa, early)[-1].data
        assert (data["cycle_week"], data["flagged_outside_moderation_week"]) == (2, True)
        clock.today = date(2026, 11, 18)  # week 3, moderation week
        world.moderate(on_time)
        data = world.ledger.read_stream(world.qa, on_time)[-1].data
        assert (data["cycle_week"], data["flagged_outside_moderation_week"]) == (3, False)

    def test_an_audit_outside_a_cycle_has_no_moderation_week(self, world: World) -> None:
        audit_id = world.allocate(None, auditor="ext.auditor", due_on=world.today + timedelta(days=10))
        world.submit(audit_id, auditor="ext.auditor")
        world.moderate(audit_id)
        data = world.ledger.read_stream(world.qa, audit_id)[-1].data
        assert (data["cycle_week"], data["flagged_outside_moderation_week"]) == (None, None)

    def test_only_a_submitted_audit_is_moderated(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle)
        refused(world, StateConflict, "not been submitted", world.moderate, audit_id)


class TestActions:
    def test_a_smart_action_from_a_discussion(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle, child_ref="MOS-777")
        world.submit(audit_id)
        refused(world, StateConflict, "log the reflective discussion", world.agree_action, audit_id)
        world.discuss(audit_id)
        action_id = world.agree_action(audit_id)
        data = world.ledger.read_stream(world.qa, action_id)[0].data
        assert data["child_ref"] == "MOS-777" and data["owner_team"] == "Children in Care 1"

    def test_smart_fields_are_required(self) -> None:
        from pydantic import ValidationError

        with pytest.raises(ValidationError, match="measure_of_success"):
            c.AgreeAction(
                owner_id="tm.cic1",
                description="d",
                due_on=date(2027, 1, 1),
                source_kind="moderation",
                source_id=uuid4(),
            )  # type: ignore[call-arg]

    def test_the_psw_agrees_actions_from_a_moderation_only(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle)
        world.submit(audit_id)
        world.discuss(audit_id)
        refused(world, NotPermitted, "from a moderation", world.agree_action, audit_id, "tm.cic1", "psw.one")
        world.moderate(audit_id, by="psw.one", grade="requires_improvement")
        action_id = world.agree_action(audit_id, owner="tm.cic1", by="psw.one", source_kind="moderation")
        event = world.ledger.read_stream(world.qa, action_id)[0]
        assert event.actorrole == "principal_social_worker" and event.data["source_kind"] == "moderation"

    def test_due_date_cannot_be_in_the_past(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle)
        world.submit(audit_id)
        world.discuss(audit_id)
        refused(world, InvalidCommand, "in the past", world.agree_action, audit_id, "tm.cic1", "tm.cic1", -1)

    def test_owner_or_a_manager_above_progresses_and_completes(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle)
        world.submit(audit_id)
        world.discuss(audit_id)
        action_id = world.agree_action(audit_id, owner="sw.cic1")
        refused(
            world,
            NotPermitted,
            "owner",
            world.ledger.note_action_progress,
            actor("aud.soc"),
            action_id,
            c.NoteActionProgress(note="x"),
            NO_KEY,
        )
        world.ledger.note_action_progress(actor("sw.cic1"), action_id, c.NoteActionProgress(note="Drafted"), NO_KEY)
        world.ledger.note_action_progress(actor("sm.soc"), action_id, c.NoteActionProgress(note="Checked"), NO_KEY)
        world.ledger.complete_action(
            actor("tm.cic1"), action_id, c.CompleteAction(outcome="Chronology current"), NO_KEY
        )
        refused(
            world,
            StateConflict,
            "completed",
            world.ledger.cancel_action,
            actor("tm.cic1"),
            action_id,
            c.CancelAction(reason="x"),
            NO_KEY,
        )

    def test_due_date_change_is_a_correction_with_a_reason(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle)
        world.submit(audit_id)
        world.discuss(audit_id)
        action_id = world.agree_action(audit_id)
        new_due = world.today + timedelta(days=30)
        world.ledger.change_action_due_date(
            actor("tm.cic1"), action_id, c.ChangeActionDueDate(due_on=new_due, reason="Family on holiday"), NO_KEY
        )
        data = world.ledger.read_stream(world.qa, action_id)[-1].data
        assert data["due_on"] == new_due.isoformat() and data["reason"] == "Family on holiday"


class TestMeetingsAndProgramme:
    def test_hos_qa_meeting_must_invite_the_pdl(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        cmd = c.RecordMeeting(
            kind="hos_qa",
            focus="performance_data",
            cycle_id=cycle,
            service_area=SOC,
            held_on=world.today,
            attendee_ids=["hos.soc", "sm.soc"],
        )
        refused(
            world,
            InvalidCommand,
            "Practice Development Leader",
            world.ledger.record_meeting,
            actor("hos.soc"),
            cmd,
            NO_KEY,
        )
        ok = cmd.model_copy(update={"invitee_ids": ["pdl.soc"]})
        meeting = world.ledger.record_meeting(actor("hos.soc"), ok, NO_KEY)
        data = world.ledger.read_stream(world.qa, UUID(meeting.body["id"]))[0].data
        assert data["cycle_week"] == 1 and data["in_expected_week"] is True  # the cycle began this Monday
        assert data["invitee_ids"] == ["hos.soc", "pdl.soc", "sm.soc"]

    def test_the_pdl_invitation_may_record_the_post_vacant(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        cmd = c.RecordMeeting(
            kind="hos_qa",
            focus="performance_data",
            cycle_id=cycle,
            service_area=SOC,
            held_on=world.today,
            attendee_ids=["hos.soc", "sm.soc"],
            pdl_post_vacant=True,
        )
        meeting = world.ledger.record_meeting(actor("hos.soc"), cmd, NO_KEY)
        assert world.ledger.read_stream(world.qa, UUID(meeting.body["id"]))[0].data["pdl_post_vacant"] is True
        filled = cmd.model_copy(update={"invitee_ids": ["pdl.soc"], "held_on": world.today - timedelta(days=1)})
        refused(
            world,
            InvalidCommand,
            "pdl_post_vacant: a Practice Development Leader is invited",
            world.ledger.record_meeting,
            actor("hos.soc"),
            filled,
            NO_KEY,
        )

    def test_a_findings_meeting_outside_weeks_four_and_five_is_flagged(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        cmd = c.RecordMeeting(
            kind="hos_qa",
            focus="audit_findings",
            cycle_id=cycle,
            service_area=SOC,
            held_on=world.today,
            attendee_ids=["hos.soc", "pdl.soc"],
        )
        meeting = world.ledger.record_meeting(world.qa, cmd, NO_KEY)
        data = world.ledger.read_stream(world.qa, UUID(meeting.body["id"]))[0].data
        assert data["cycle_week"] == 1 and data["in_expected_week"] is False

    def test_a_head_of_service_records_only_their_own_areas_meeting(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        cmd = c.RecordMeeting(
            kind="hos_qa",
            focus="performance_data",
            cycle_id=cycle,
            service_area=MASH,
            held_on=world.today,
            attendee_ids=["hos.soc", "pdl.soc"],
        )
        refused(world, NotPermitted, "own service area", world.ledger.record_meeting, actor("hos.soc"), cmd, NO_KEY)

    def test_specialist_audits_need_at_least_nine(self, world: World) -> None:
        cmd = c.ScheduleSpecialistAudit(
            month="2027-04", topic="Private fostering", external_auditor_id="ext.auditor", minimum_audits=8
        )
        refused(world, InvalidCommand, "at least 9", world.ledger.schedule_specialist_audit, world.qa, cmd, NO_KEY)
        ok = world.ledger.schedule_specialist_audit(world.qa, cmd.model_copy(update={"minimum_audits": 9}), NO_KEY)
        assert ok.body["financial_year"] == "2027-28"
        refused(
            world,
            StateConflict,
            "already scheduled",
            world.ledger.schedule_specialist_audit,
            world.qa,
            cmd.model_copy(update={"minimum_audits": 9}),
            NO_KEY,
        )

    def test_only_the_assistant_director_requests_thematic_audits(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        meeting = world.adqa_meeting(cycle)
        cmd = c.RequestThematicAudit(topic="Neglect", rationale="Recurring theme in moderation", meeting_id=meeting)
        refused(world, NotPermitted, "roles", world.ledger.request_thematic_audit, world.qa, cmd, NO_KEY)
        assert world.ledger.request_thematic_audit(actor("ad.one"), cmd, NO_KEY).status_code == 201

    def test_a_thematic_request_names_the_adqa_meeting_that_agreed_it(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        from pydantic import ValidationError

        with pytest.raises(ValidationError, match="meeting_id"):
            c.RequestThematicAudit(topic="Neglect", rationale="Recurring theme")  # type: ignore[call-arg]
        ad = actor("ad.one")
        unknown = c.RequestThematicAudit(topic="Neglect", rationale="r", meeting_id=uuid4())
        refused(
            world,
            InvalidCommand,
            "meeting_id: is not a recorded ADQA meeting",
            world.ledger.request_thematic_audit,
            ad,
            unknown,
            NO_KEY,
        )
        hos_meeting = world.ledger.record_meeting(
            actor("hos.soc"),
            c.RecordMeeting(
                kind="hos_qa",
                focus="performance_data",
                cycle_id=cycle,
                service_area=SOC,
                held_on=world.today,
                attendee_ids=["hos.soc", "pdl.soc"],
            ),
            NO_KEY,
        )
        not_adqa = unknown.model_copy(update={"meeting_id": UUID(hos_meeting.body["id"])})
        refused(
            world,
            InvalidCommand,
            "a hos_qa meeting, not the ADQA",
            world.ledger.request_thematic_audit,
            ad,
            not_adqa,
            NO_KEY,
        )


class TestWiderEvidence:
    def evidence(self, area: object = SOC, **overrides: object) -> c.RecordWiderEvidence:
        fields: dict[str, object] = {
            "source": "complaint",
            "received_on": date(2026, 11, 20),
            "service_area": area,
            "team": "Children in Care 1",
            "child_ref": "MOS-100001",
            "summary": "A parent complained that the plan was not shared before the review.",
        }
        return c.RecordWiderEvidence(**{**fields, **overrides})  # type: ignore[arg-type]

    def test_a_manager_records_it_for_their_own_service_area(self, world: World) -> None:
        outcome = world.ledger.record_wider_evidence(actor("hos.soc"), self.evidence(), NO_KEY)
        event = world.ledger.read_stream(world.qa, UUID(outcome.body["id"]))[0]
        assert event.contract == "WiderEvidenceRecorded" and event.actorrole == "head_of_service"
        assert event.data == {
            "source": "complaint",
            "received_on": "2026-11-20",
            "service_area": "supporting_our_children",
            "team": "Children in Care 1",
            "child_ref": "MOS-100001",
            "summary": "A parent complained that the plan was not shared before the review.",
        }
        refused(
            world,
            NotPermitted,
            "their own service area",
            world.ledger.record_wider_evidence,
            actor("hos.mash"),
            self.evidence(),
            NO_KEY,
        )
        refused(
            world,
            NotPermitted,
            "needs one of the roles",
            world.ledger.record_wider_evidence,
            actor("sw.cic1"),
            self.evidence(),
            NO_KEY,
        )

    def test_the_qa_manager_and_the_ad_record_it_for_any_area(self, world: World) -> None:
        for who in (world.qa, actor("ad.one")):
            inspection = self.evidence(MASH, source="inspection_finding", team=None, child_ref=None)
            assert world.ledger.record_wider_evidence(who, inspection, NO_KEY).status_code == 201

    def test_it_is_recorded_once_received(self, world: World) -> None:
        future = self.evidence(received_on=world.today + timedelta(days=1))
        refused(
            world, InvalidCommand, "received_on", world.ledger.record_wider_evidence, actor("hos.soc"), future, NO_KEY
        )


class TestEarlyHelpLearning:
    def early_help_audit(self, world: World, cycle: UUID) -> UUID:
        audit_id = world.allocate(
            cycle, auditor="eh.leader", case_team="Early Help North", case_area=EH, tool="early_help"
        )
        world.submit(audit_id, auditor="eh.leader", domain_findings=domain_findings(tool="early_help"))
        return audit_id

    def test_an_early_help_service_manager_summarises_a_months_learning(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = self.early_help_audit(world, cycle)
        cmd = c.SummariseEarlyHelpLearning(
            month="2026-11", audit_ids=[audit_id], learning="Step-down plans are clearer; partners' voices are thin."
        )
        outcome = world.ledger.summarise_early_help_learning(actor("sm.eh"), cmd, NO_KEY)
        event = world.ledger.read_stream(world.qa, UUID(outcome.body["id"]))[0]
        assert event.contract == "EarlyHelpLearningSummarised"
        assert event.data == {
            "service_manager_id": "sm.eh",
            "month": "2026-11",
            "audit_ids": [str(audit_id)],
            "learning": "Step-down plans are clearer; partners' voices are thin.",
        }
        refused(
            world,
            StateConflict,
            "already recorded",
            world.ledger.summarise_early_help_learning,
            actor("sm.eh"),
            cmd,
            NO_KEY,
        )

    def test_only_early_help_service_managers_and_only_early_help_audits(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        other = world.allocate(cycle)
        world.submit(other)
        cmd = c.SummariseEarlyHelpLearning(month="2026-11", learning="Learning")
        refused(
            world, NotPermitted, "Early Help", world.ledger.summarise_early_help_learning, actor("sm.soc"), cmd, NO_KEY
        )
        not_eh = cmd.model_copy(update={"audit_ids": [other]})
        refused(
            world,
            InvalidCommand,
            "is not a completed Early Help audit",
            world.ledger.summarise_early_help_learning,
            actor("sm.eh"),
            not_eh,
            NO_KEY,
        )
        ahead = cmd.model_copy(update={"month": "2026-12"})
        refused(
            world,
            InvalidCommand,
            "has not begun",
            world.ledger.summarise_early_help_learning,
            actor("sm.eh"),
            ahead,
            NO_KEY,
        )


class TestIdempotencyAndConcurrency:
    def test_a_retry_returns_the_first_answer_and_appends_nothing(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        cmd = c.AllocateAudit(
            auditor_id="aud.mash", child_ref="MOS-5", case_team="CIC 1", case_service_area=SOC, cycle_id=cycle
        )
        ctx = CommandContext(idempotency_key="alloc-1", fingerprint="f1")
        first = world.ledger.allocate_audit(world.qa, cmd, ctx)
        head = world.ledger.recorder.max_notification_id()
        again = world.ledger.allocate_audit(world.qa, cmd, ctx)
        assert again.body == first.body and again.replayed and again.status_code == 201
        assert world.ledger.recorder.max_notification_id() == head

    def test_reusing_a_key_for_a_different_request_is_a_conflict(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        cmd = c.AllocateAudit(
            auditor_id="aud.mash", child_ref="MOS-5", case_team="CIC 1", case_service_area=SOC, cycle_id=cycle
        )
        world.ledger.allocate_audit(world.qa, cmd, CommandContext(idempotency_key="k", fingerprint="f1"))
        refused(
            world,
            StateConflict,
            "different request",
            world.ledger.allocate_audit,
            world.qa,
            cmd,
            CommandContext(idempotency_key="k", fingerprint="f2"),
        )

    def test_stale_if_match_is_a_version_conflict(self, world: World, cycle) -> None:  # type: ignore[no-untyped-def]
        audit_id = world.allocate(cycle)
        refused(
            world,
            VersionConflict,
            "version 1, not 3",
            world.ledger.submit_audit,
            actor("aud.mash"),
            audit_id,
            world.submit_command(),
            CommandContext(expected_version=3),
        )
        world.ledger.submit_audit(
            actor("aud.mash"), audit_id, world.submit_command(), CommandContext(expected_version=1)
        )

    def test_two_writers_racing_on_one_audit_one_wins(self, world: World, cycle, database_url: str, clock) -> None:  # type: ignore[no-untyped-def]
        from services.ledger.adapters.store import eventsourcing_env

        other = LedgerApplication(env=eventsourcing_env(database_url), clock=clock)
        audit_id = world.allocate(cycle)
        mine = world.ledger.repository.get(audit_id)
        other.submit_audit(actor("aud.mash"), audit_id, world.submit_command(), NO_KEY)
        mine.withdraw(reason="stale copy")
        from eventsourcing.persistence import IntegrityError

        with pytest.raises(IntegrityError):
            world.ledger.save(mine)
        other.close()
