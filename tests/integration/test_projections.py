"""Read models built from the ledger's envelopes, each on SQLite and on PostgreSQL.

Scenarios are driven through the ledger application; the projections follow its feed in-process.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest

from schemas.vocabulary import Role
from services.feed import Follower
from services.ledger import commands as c
from services.ledger.application import Actor, LedgerApplication
from services.projections.consumer import Projections
from services.projections.queries.actions import ActionFilter, outstanding_actions
from services.projections.queries.common import PointInTime
from services.projections.queries.cycles import dashboard, moderation_coverage
from services.projections.queries.trails import parse_as_of, trail
from tests.conftest import Clock
from tests.support.projections import ledger_feed, new_projections
from tests.support.world import EH, MASH, NO_KEY, SOC, World, actor, domain_findings

EVERYONE = lambda _: True  # noqa: E731
NOTIFIER = Actor(id="notifier", roles=frozenset({Role.SERVICE}))


@pytest.fixture
def world(ledger: LedgerApplication) -> World:
    return World(ledger).register_everyone()


@pytest.fixture
def projections(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[Projections]:
    projections = new_projections(database_url, tmp_path, clock)
    yield projections
    projections.db.close()


@pytest.fixture
def follower(ledger: LedgerApplication, projections: Projections) -> Follower:
    return Follower(ledger_feed(ledger), projections, batch_size=7)  # small batches: many transactions


def submitted_cycle(world: World, audits: int, moderated: int) -> UUID:
    cycle = world.cycle()
    for n in range(audits):
        audit = world.allocate(cycle, child_ref=f"MOS-2{n:05d}")
        world.submit(audit)
        if n < moderated:
            world.moderate(audit)
    return cycle


class TestModerationCoverage:
    def test_three_of_twenty_moderated_is_fifteen_percent_and_meets_the_floor(
        self, world: World, projections: Projections, follower: Follower
    ) -> None:
        cycle = submitted_cycle(world, audits=20, moderated=3)
        follower.catch_up()
        with projections.db.snapshot() as tx:
            coverage = moderation_coverage(tx, str(cycle), PointInTime(world.today))
        assert (coverage["submitted"], coverage["moderated"]) == (20, 3)
        assert coverage["percent_moderated"] == 15.0 and coverage["meets_floor"] is True
        assert coverage["moderator_agreement_rate"] == 1.0
        assert coverage["by_service_area"][0]["service_area"] == SOC.value

    def test_two_of_twenty_moderated_is_short_of_the_floor(
        self, world: World, projections: Projections, follower: Follower
    ) -> None:
        cycle = submitted_cycle(world, audits=20, moderated=2)
        follower.catch_up()
        with projections.db.snapshot() as tx:
            coverage = moderation_coverage(tx, str(cycle), PointInTime(world.today))
        assert coverage["percent_moderated"] == 10.0 and coverage["meets_floor"] is False

    def test_withdrawn_and_unsubmitted_audits_do_not_count(
        self, world: World, projections: Projections, follower: Follower
    ) -> None:
        cycle = world.cycle()
        submitted = world.allocate(cycle, child_ref="MOS-300001")
        world.submit(submitted)
        world.moderate(submitted, grade="requires_improvement")  # disagrees with the auditor's good
        withdrawn = world.allocate(cycle, child_ref="MOS-300002")
        world.submit(withdrawn)
        world.ledger.withdraw_audit(world.qa, withdrawn, c.WithdrawAudit(reason="Allocated in error"), NO_KEY)
        world.allocate(cycle, child_ref="MOS-300003")
        follower.catch_up()
        with projections.db.snapshot() as tx:
            coverage = moderation_coverage(tx, str(cycle), PointInTime(world.today))
        assert (coverage["submitted"], coverage["moderated"], coverage["percent_moderated"]) == (1, 1, 100.0)
        assert coverage["moderator_agreement_rate"] == 0.0

    def test_an_inadequate_audit_is_listed_unmoderated_until_sent_to_the_ad_and_hos(
        self, world: World, projections: Projections, follower: Follower
    ) -> None:
        cycle = world.cycle()
        audit = world.allocate(cycle)
        world.submit(audit, grade="inadequate")
        follower.catch_up()
        with projections.db.snapshot() as tx:
            [listed] = moderation_coverage(tx, str(cycle), PointInTime(world.today))["inadequate_audits"]
        assert listed["audit_id"] == str(audit)
        assert (listed["moderated"], listed["sent_to_ad_and_hos"], listed["sent_to"]) == (False, False, [])

        graded = next(e for e in world.ledger.read_stream(world.qa, audit) if e.contract == "AuditGraded")
        for rule in ("audit.good.share", "audit.inadequate.invite_service_manager", "audit.inadequate.escalate"):
            world.ledger.record_notification_delivered(
                NOTIFIER,
                c.RecordNotificationDelivered(
                    cause_event_id=graded.id,
                    cause_aggregate_id=audit,
                    cause_event_type="AuditGraded",
                    rule=rule,
                    recipient_id="ad.one",
                    channel="email",
                    subject_line="Inadequate audit",
                ),
                NO_KEY,
            )
            follower.catch_up()
            with projections.db.snapshot() as tx:
                [listed] = moderation_coverage(tx, str(cycle), PointInTime(world.today))["inadequate_audits"]
            assert listed["sent_to_ad_and_hos"] is (rule == "audit.inadequate.escalate")
        assert listed["sent_to"] == [
            {"staff_id": "ad.one", "name": "Ad One", "delivered_at": listed["sent_to"][0]["delivered_at"]}
        ]

    def test_an_unknown_cycle_is_not_found(self, projections: Projections) -> None:
        from services.projections.queries.common import NotFoundError

        with projections.db.snapshot() as tx, pytest.raises(NotFoundError, match="no audit cycle"):
            moderation_coverage(tx, "00000000-0000-0000-0000-000000000000", PointInTime(date(2026, 11, 26)))


class TestOutstandingActions:
    def test_an_action_is_overdue_the_day_after_its_due_date_and_leaves_when_completed(
        self, world: World, projections: Projections, follower: Follower
    ) -> None:
        audit = world.allocate(world.cycle())
        world.submit(audit)
        world.discuss(audit)
        action = world.agree_action(audit, due_in_days=14)
        due = world.today + timedelta(days=14)
        follower.catch_up()
        with projections.db.snapshot() as tx:
            on_due_day = outstanding_actions(tx, PointInTime(due), ActionFilter())
            day_after = outstanding_actions(tx, PointInTime(due + timedelta(days=1)), ActionFilter())
        assert (on_due_day["open"], on_due_day["overdue"]) == (1, 0)
        assert (day_after["open"], day_after["overdue"]) == (1, 1)
        [aged] = day_after["actions"]
        assert aged["action_id"] == str(action) and aged["audit_id"] == str(audit)
        assert (aged["days_open"], aged["days_overdue"]) == (15, 1)
        assert day_after["by_owner"] == {"tm.cic1": {"open": 1, "overdue": 1}}
        assert day_after["by_source"] == {"reflective_discussion": {"open": 1, "overdue": 1}}

        world.ledger.complete_action(actor("tm.cic1"), action, c.CompleteAction(outcome="Chronology updated"), NO_KEY)
        follower.catch_up()
        with projections.db.snapshot() as tx:
            assert outstanding_actions(tx, PointInTime(due + timedelta(days=1)), ActionFilter())["open"] == 0

    def test_a_new_due_date_moves_the_ageing(self, world: World, projections: Projections, follower: Follower) -> None:
        audit = world.allocate(world.cycle())
        world.submit(audit)
        world.discuss(audit)
        action = world.agree_action(audit, due_in_days=3)
        world.ledger.change_action_due_date(
            actor("tm.cic1"),
            action,
            c.ChangeActionDueDate(due_on=world.today + timedelta(days=30), reason="Family on holiday"),
            NO_KEY,
        )
        follower.catch_up()
        with projections.db.snapshot() as tx:
            result = outstanding_actions(
                tx, PointInTime(world.today + timedelta(days=10)), ActionFilter(team="Children in Care 1")
            )
        assert (result["open"], result["overdue"]) == (1, 0)


class TestTrails:
    def test_as_of_a_past_instant_omits_later_events(
        self, world: World, projections: Projections, follower: Follower
    ) -> None:
        audit = world.allocate(world.cycle())
        world.submit(audit)
        follower.catch_up()
        with projections.db.snapshot() as tx:
            before = trail(tx, "audit", str(audit), None, EVERYONE)
        instant = datetime.fromisoformat(before["events"][-1]["time"])
        world.moderate(audit)
        world.discuss(audit)
        world.agree_action(audit)
        follower.catch_up()
        with projections.db.snapshot() as tx:
            now = trail(tx, "audit", str(audit), None, EVERYONE)
            then = trail(tx, "audit", str(audit), instant, EVERYONE)
        assert [e["type"].rsplit(".", 1)[-1] for e in then["events"]] == [
            "AuditAllocated",
            "AuditSubmitted",
            "AuditGraded",
        ]
        assert [e["type"].rsplit(".", 1)[-1] for e in now["events"]][3:] == [
            "AuditModerated",
            "ReflectiveDiscussionHeld",
            "ActionAgreed",
        ]
        positions = [e["position"] for e in now["events"]]
        assert positions == sorted(positions)
        assert all("integrityhash" in e and "prevhash" in e for e in now["events"])

    def test_child_and_team_trails_gather_every_audit_of_the_child_or_team(
        self, world: World, projections: Projections, follower: Follower
    ) -> None:
        cycle = world.cycle()
        first = world.allocate(cycle, child_ref="MOS-777777")
        second = world.allocate(
            cycle,
            auditor="eh.leader",
            child_ref="MOS-777777",
            case_team="Early Help North",
            case_area=EH,
            tool="early_help",
        )
        world.allocate(cycle, auditor="aud.soc", child_ref="MOS-888888", case_team="Assessment 2", case_area=MASH)
        follower.catch_up()
        with projections.db.snapshot() as tx:
            child = trail(tx, "child", "MOS-777777", None, EVERYONE)
            team = trail(tx, "team", "Children in Care 1", None, EVERYONE)
        assert child["audits"] == sorted([str(first), str(second)]) and child["count"] == 2
        assert team["audits"] == [str(first)]

    def test_a_date_means_the_end_of_that_day_in_london(self) -> None:
        moment = parse_as_of("2026-07-01")
        assert moment is not None and moment.astimezone(UTC) == datetime(2026, 7, 1, 22, 59, 59, 999999, UTC)


class TestDashboard:
    def test_completion_overdue_grades_and_cross_service_auditing(
        self, world: World, projections: Projections, follower: Follower, clock: Clock
    ) -> None:
        cycle = world.cycle(clock.today - timedelta(days=clock.today.weekday()))
        on_time = world.allocate(cycle, child_ref="MOS-400001")
        world.submit(on_time, grade="inadequate")
        world.discuss(on_time, by="sm.soc", with_service_manager=True)
        world.allocate(cycle, auditor="aud.soc", child_ref="MOS-400002")  # own area: flagged
        follower.catch_up()
        with projections.db.snapshot() as tx:
            coverage = moderation_coverage(tx, str(cycle), PointInTime(world.today))
            due = date.fromisoformat(coverage["moderation_week_starts"]) - timedelta(days=1)
            board = dashboard(tx, str(cycle), PointInTime(due + timedelta(days=1)))
        assert board["completion_by_day_14"]["submitted_by_day_14"] == 1
        assert board["completion_by_day_14"]["percent_by_day_14"] == 50.0
        # Completion belongs to the auditor's Head of Service (guidance §4): aud.mash works in MASH, so
        # their audit of a Supporting Our Children case counts for hos.mash; aud.soc's overdue one for hos.soc.
        heads = {h["head_of_service_id"]: h for h in board["completion_by_day_14"]["by_head_of_service"]}
        assert set(heads) == {"hos.mash", "hos.soc"}
        assert (heads["hos.mash"]["allocated"], heads["hos.mash"]["submitted_by_day_14"]) == (1, 1)
        assert (heads["hos.soc"]["allocated"], heads["hos.soc"]["overdue"]) == (1, 1)
        [overdue] = board["overdue_audits"]
        assert overdue["child_ref"] == "MOS-400002"
        assert overdue["heads_of_service"] == [{"staff_id": "hos.soc", "name": "Hos Soc"}]
        # Findings belong to the case's area: both cases are Supporting Our Children's.
        assert [(f["service_area"], f["submitted"]) for f in board["findings"]["by_service_area"]] == [(SOC.value, 1)]
        assert board["grade_distribution"]["inadequate"] == 1
        inadequate = board["inadequate_audits"]
        assert (inadequate["count"], inadequate["reflective_discussion_logged"]) == (1, 1)
        assert (inadequate["service_manager_present"], inadequate["sent_to_ad_and_hos"]) == (1, 0)
        assert board["cross_service_auditing"] == {"allocations": 2, "cross_service": 1, "ratio": 0.5}
        assert [f["auditor_id"] for f in board["flagged_own_area_allocations"]] == ["aud.soc"]


class TestQuotasAndProgramme:
    def test_quota_shortfall_and_specialist_progress(
        self, world: World, projections: Projections, follower: Follower
    ) -> None:
        from services.projections.queries.programme import programme_progress, quota_compliance

        audit = world.allocate(
            None,
            auditor="eh.leader",
            case_team="Early Help North",
            case_area=EH,
            tool="early_help",
            due_on=world.today + timedelta(days=7),
        )
        world.submit(audit, auditor="eh.leader", domain_findings=domain_findings("good", "early_help"))
        item = world.ledger.schedule_specialist_audit(
            world.qa,
            c.ScheduleSpecialistAudit(
                month=world.today.isoformat()[:7], topic="Private fostering", external_auditor_id="ext.auditor"
            ),
            NO_KEY,
        )
        specialist = world.allocate(
            None,
            auditor="ext.auditor",
            tool="specialist",
            due_on=world.today,
            specialist_audit_id=UUID(item.body["id"]),
        )
        world.submit(specialist, auditor="ext.auditor", domain_findings=domain_findings("good", "specialist"))
        world.allocate(
            None,
            auditor="ext.auditor",
            tool="specialist",
            due_on=world.today,
            specialist_audit_id=UUID(item.body["id"]),
            child_ref="MOS-500002",
        )
        follower.catch_up()
        with projections.db.snapshot() as tx:
            quotas = quota_compliance(tx, world.today.isoformat()[:7], EVERYONE)
            progress = programme_progress(tx)
        [leader] = quotas["auditors"]
        assert (leader["staff_id"], leader["required"], leader["completed"], leader["short_by"]) == (
            "eh.leader",
            2,
            1,
            1,
        )
        assert quotas["short"] == [{"staff_id": "eh.leader", "tool": "early_help", "short_by": 1}]
        [programme] = progress["items"]
        assert (programme["allocated"], programme["submitted"], programme["minimum_audits"]) == (2, 1, 9)
        assert programme["remaining"] == 8 and programme["meets_minimum"] is False
