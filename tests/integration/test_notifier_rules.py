"""Every notification rule of SPEC section 4, through a real SMTP server, on SQLite and PostgreSQL.

The ledger application records the facts; the notifier follows its log in-process, and the
scenario moves the shared clock across each deadline.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest

from schemas.notification_rules import SENT_TO_AD_AND_HOS
from schemas.vocabulary import Role
from services.feed.follower import Follower
from services.feed.log import LogFeed
from services.ledger import commands as c
from services.ledger.application import Actor, LedgerApplication
from services.notifier.adapters.channels import SmtpChannel
from services.notifier.application import DispatchReport, Notifier, RetryPolicy
from services.notifier.ports import Channel, ReceiptSink
from services.notifier.wiring import build_notifier, follow_notifier
from tests.conftest import Clock
from tests.support.mail import ReceivedMail, SmtpInbox, smtp_server
from tests.support.postgres import fresh_schema
from tests.support.world import MASH, NO_KEY, SOC, World, actor

MONDAY = date(2026, 11, 2)  # week 1 of the cycle in these scenarios: due day 14 = 15 Nov


@dataclass
class Now:
    """The dispatcher's wall clock, for retry backoff; tests move it instead of sleeping."""

    moment: datetime = field(default_factory=lambda: datetime(2026, 11, 2, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


def ledger_feed(ledger: LedgerApplication) -> LogFeed:
    def read_page(after: int, limit: int) -> tuple[list, int]:  # type: ignore[type-arg]
        page = ledger.feed_page(after, limit)
        return page.events, page.head

    return LogFeed(read_page, idle_wait=0.0)


@dataclass
class Harness:
    ledger: LedgerApplication
    world: World
    clock: Clock
    now: Now
    notifier: Notifier
    follower: Follower
    inbox: SmtpInbox

    def sync(self) -> DispatchReport:
        """Follow the log to its end, then run one scheduler pass (deadlines, delivery, receipts)."""
        self.follower.catch_up()
        return self.notifier.tick()

    def mails(self, expected: int | None = None) -> list[ReceivedMail]:
        return self.inbox.wait_for(expected) if expected else self.inbox.messages()

    def told(self, rule: str) -> set[str]:
        """Handles told under a rule (from the To: address)."""
        return {m.rcpt_tos[0].split("@")[0] for m in self.inbox.messages() if m.message["X-QA-Ledger-Rule"] == rule}

    def count(self, rule: str) -> int:
        return sum(1 for m in self.inbox.messages() if m.message["X-QA-Ledger-Rule"] == rule)

    def on_day(self, day: date) -> DispatchReport:
        self.clock.today = day
        return self.sync()


def notifier_store_url(database_url: str, tmp_path: Path) -> str:
    """The notifier's own store beside the ledger's: a second SQLite file, or a fresh PG schema."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path}/notifier.sqlite3"
    base = database_url.split("?", 1)[0]
    return f"{base}?schema={fresh_schema(base)}"


@pytest.fixture
def notifier_url(database_url: str, tmp_path: Path) -> str:
    return notifier_store_url(database_url, tmp_path)


@pytest.fixture
def inbox() -> Iterator[SmtpInbox]:
    with smtp_server() as server:
        yield server


def make_harness(
    ledger: LedgerApplication,
    clock: Clock,
    notifier_url: str,
    channels: list[Channel],
    receipts: ReceiptSink | None = None,
    retry: RetryPolicy | None = None,
    inbox: SmtpInbox | None = None,
) -> Harness:
    now = Now()
    notifier = build_notifier(notifier_url, channels, receipts, clock, now, retry)
    follower = follow_notifier(ledger_feed(ledger), notifier)
    return Harness(ledger, World(ledger), clock, now, notifier, follower, inbox)  # type: ignore[arg-type]


@pytest.fixture
def harness(ledger: LedgerApplication, clock: Clock, notifier_url: str, inbox: SmtpInbox) -> Iterator[Harness]:
    clock.today = MONDAY - timedelta(days=7)  # preparation week: allocations happen now
    h = make_harness(ledger, clock, notifier_url, [SmtpChannel(inbox.host, inbox.port)], inbox=inbox)
    h.world.register_everyone()
    yield h
    h.notifier.store.close()


def actor_of(handle: str, *roles: str) -> Actor:
    return Actor(id=handle, roles=frozenset(Role(r) for r in roles))


def graded_audit(h: Harness, grade: str, child_ref: str = "MOS-100001") -> UUID:
    cycle = h.world.cycle(MONDAY)
    audit_id = h.world.allocate(cycle, auditor="aud.mash", child_ref=child_ref, case_area=SOC)
    h.clock.today = MONDAY + timedelta(days=3)
    h.world.submit(audit_id, grade=grade)
    return audit_id


class TestAuditAllocated:
    def test_the_auditor_is_told_what_and_when(self, harness: Harness) -> None:
        cycle = harness.world.cycle(MONDAY, name="Cycle 4")
        audit_id = harness.world.allocate(cycle, auditor="aud.mash", child_ref="MOS-100001", case_area=SOC)
        harness.sync()

        [mail] = harness.mails(1)
        assert mail.rcpt_tos == ["aud.mash@example.gov.uk"]
        assert mail.message["X-QA-Ledger-Rule"] == "audit.allocated"
        assert mail.subject == "Audit allocated: case MOS-100001, due Sunday 15 November 2026"
        assert "10 Domain" in mail.text and "Children in Care 1" in mail.text
        assert "end of week 2 of Cycle 4" in mail.text and str(audit_id) in mail.text

    def test_a_reallocation_tells_the_new_auditor(self, harness: Harness) -> None:
        cycle = harness.world.cycle(MONDAY)
        audit_id = harness.world.allocate(cycle, auditor="aud.mash", case_area=SOC)
        harness.ledger.reallocate_audit(
            harness.world.qa,
            audit_id,
            c.ReallocateAudit(auditor_id="lc.auditor", reason="Auditor on leave"),
            NO_KEY,
        )
        harness.sync()
        assert harness.told("audit.allocated") == {"aud.mash", "lc.auditor"}


class TestAuditGraded:
    def test_inadequate_invites_the_service_manager_and_goes_to_the_ad_and_hos(self, harness: Harness) -> None:
        graded_audit(harness, "inadequate", child_ref="MOS-200002")
        harness.sync()

        harness.mails(4)  # allocation + invitation + two escalations
        assert harness.told("audit.inadequate.invite_service_manager") == {"sm.soc"}
        assert harness.told(SENT_TO_AD_AND_HOS) == {"ad.one", "hos.soc"}  # the case's area, not MASH
        [invite] = harness.inbox.to("sm.soc@example.gov.uk")
        assert "case MOS-200002" in invite.subject
        assert "it is you who logs the discussion" in invite.text

    @pytest.mark.parametrize("grade", ["good", "outstanding"])
    def test_good_and_outstanding_are_shared_with_ad_hos_and_sm(self, harness: Harness, grade: str) -> None:
        graded_audit(harness, grade)
        harness.sync()

        harness.mails(4)
        assert harness.told("audit.good.share") == {"ad.one", "hos.soc", "sm.soc"}
        assert all(grade in m.text for m in harness.inbox.to("ad.one@example.gov.uk"))
        assert not harness.told(SENT_TO_AD_AND_HOS)

    def test_requires_improvement_tells_nobody_beyond_the_allocation(self, harness: Harness) -> None:
        graded_audit(harness, "requires_improvement")
        harness.sync()
        assert [m.message["X-QA-Ledger-Rule"] for m in harness.mails(1)] == ["audit.allocated"]

    def test_recipients_are_resolved_as_staff_stood_at_the_time(self, harness: Harness) -> None:
        # The notifier reads the whole log only at the end, after the Service Manager has changed.
        first = graded_audit(harness, "inadequate", child_ref="MOS-200021")
        harness.ledger.record_staff_leaving(
            harness.world.qa, "sm.soc", c.RecordStaffLeaving(left_on=harness.clock.today, reason="Retired"), NO_KEY
        )
        harness.ledger.change_staff_roles(
            harness.world.qa,
            "tm.cic1",
            c.ChangeStaffRoles(
                roles=["service_manager"],
                team="SOC Management",
                service_area=SOC,
                manager_id="hos.soc",
                reason="Acting Service Manager",
            ),
            NO_KEY,
        )
        second = harness.world.allocate(
            None,
            auditor="aud.mash",
            child_ref="MOS-200022",
            case_area=SOC,
            due_on=harness.clock.today + timedelta(days=14),
        )
        harness.world.submit(second, grade="inadequate")
        harness.sync()

        invited = {
            (m.rcpt_tos[0].split("@")[0], m.message["Subject"].split()[-1])
            for m in harness.mails()
            if m.message["X-QA-Ledger-Rule"] == "audit.inadequate.invite_service_manager"
        }
        assert invited == {("sm.soc", "MOS-200021"), ("tm.cic1", "MOS-200022")}
        assert first != second


class TestEffectiveGrade:
    """SPEC 7: the moderator's grade, when there is one, decides the rules; none fires twice."""

    def test_moderated_to_inadequate_invites_the_sm_and_goes_to_the_ad_and_hos(self, harness: Harness) -> None:
        audit_id = graded_audit(harness, "requires_improvement", child_ref="MOS-210001")
        harness.clock.today = MONDAY + timedelta(days=15)
        harness.world.moderate(audit_id, grade="inadequate")
        harness.sync()

        assert harness.told("audit.inadequate.invite_service_manager") == {"sm.soc"}
        assert harness.told(SENT_TO_AD_AND_HOS) == {"ad.one", "hos.soc"}
        [to_ad] = harness.inbox.to("ad.one@example.gov.uk")
        assert "moderated to inadequate" in to_ad.text and "MOS-210001" in to_ad.subject
        with harness.notifier.store.transaction() as tx:
            causes = {d.cause_event_type for d in tx.deliveries(rule=SENT_TO_AD_AND_HOS)}
        assert causes == {"AuditModerated"}

    def test_moderated_to_good_is_shared(self, harness: Harness) -> None:
        audit_id = graded_audit(harness, "requires_improvement")
        harness.world.moderate(audit_id, grade="good")
        harness.sync()
        assert harness.told("audit.good.share") == {"ad.one", "hos.soc", "sm.soc"}

    @pytest.mark.parametrize("grade", ["inadequate", "good"])
    def test_when_the_moderator_agrees_nobody_is_told_twice(self, harness: Harness, grade: str) -> None:
        audit_id = graded_audit(harness, grade)
        harness.sync()
        told_before = len(harness.mails())
        harness.world.moderate(audit_id, grade=grade)
        harness.sync()
        assert len(harness.mails()) == told_before

    def test_moderated_from_good_to_outstanding_tells_nobody_again(self, harness: Harness) -> None:
        audit_id = graded_audit(harness, "good")
        harness.world.moderate(audit_id, grade="outstanding")
        harness.sync()
        assert harness.count("audit.good.share") == 3

    def test_an_audit_regraded_back_to_inadequate_is_not_sent_again(self, harness: Harness) -> None:
        audit_id = graded_audit(harness, "inadequate")
        auditor = actor("aud.mash")
        for grade in ("requires_improvement", "inadequate"):
            harness.ledger.amend_audit(auditor, audit_id, c.AmendAudit(reason="Regraded", overall_grade=grade), NO_KEY)
        harness.sync()
        assert harness.count(SENT_TO_AD_AND_HOS) == 2 and harness.count("audit.inadequate.invite_service_manager") == 1

    def test_the_auditors_regrade_after_moderation_tells_nobody(self, harness: Harness) -> None:
        audit_id = graded_audit(harness, "good")
        harness.world.moderate(audit_id, grade="requires_improvement")
        harness.ledger.amend_audit(
            actor("aud.mash"), audit_id, c.AmendAudit(reason="Second look", overall_grade="inadequate"), NO_KEY
        )
        harness.sync()
        assert harness.told(SENT_TO_AD_AND_HOS) == set()

    def test_the_missing_discussion_of_an_audit_moderated_to_inadequate_goes_to_the_sm(self, harness: Harness) -> None:
        audit_id = graded_audit(harness, "good")
        harness.world.moderate(audit_id, grade="inadequate")
        harness.on_day(MONDAY + timedelta(days=3 + 7))
        assert harness.told("rcd.missing") == {"sm.soc"}

    def test_receipts_under_the_old_rule_name_still_stop_a_resend(self, harness: Harness) -> None:
        # A ledger written by an earlier notifier holds receipts named `audit.inadequate.escalate`.
        audit_id = graded_audit(harness, "inadequate")
        graded = next(e for e in harness.ledger.read_stream(harness.world.qa, audit_id) if e.contract == "AuditGraded")
        for recipient in ("ad.one", "hos.soc"):
            harness.ledger.record_notification_delivered(
                Actor(id="notifier", roles=frozenset({Role.SERVICE})),
                c.RecordNotificationDelivered(
                    cause_event_id=graded.id,
                    cause_aggregate_id=audit_id,
                    cause_event_type="AuditGraded",
                    rule="audit.inadequate.escalate",
                    recipient_id=recipient,
                    channel="email",
                    subject_line="Inadequate audit for your attention",
                ),
                NO_KEY,
            )
        harness.sync()
        assert harness.told(SENT_TO_AD_AND_HOS) == set()
        assert harness.told("audit.inadequate.invite_service_manager") == {"sm.soc"}


class TestOverdueAudit:
    def test_the_day_after_day_14_goes_to_the_auditor_and_their_head_of_service(self, harness: Harness) -> None:
        cycle = harness.world.cycle(MONDAY)
        late = harness.world.allocate(cycle, auditor="aud.mash", child_ref="MOS-300003", case_area=SOC)
        on_time = harness.world.allocate(cycle, auditor="aud.soc", child_ref="MOS-300004", case_area=MASH)
        harness.clock.today = MONDAY + timedelta(days=10)
        harness.world.submit(on_time, auditor="aud.soc")
        harness.sync()
        harness.inbox.clear()

        harness.on_day(MONDAY + timedelta(days=13))  # day 14: still due today
        assert harness.told("audit.overdue") == set()

        harness.on_day(MONDAY + timedelta(days=14))  # day 15
        harness.mails(2)
        assert harness.told("audit.overdue") == {"aud.mash", "hos.mash"}  # the auditor's HoS (MASH)
        [mail] = harness.inbox.to("hos.mash@example.gov.uk")
        assert mail.subject == "Audit overdue: case MOS-300003 was due Sunday 15 November 2026"
        assert "Aud Mash" in mail.text and str(late) in mail.text

        harness.on_day(MONDAY + timedelta(days=15))  # evaluated once: nothing more the next day
        assert harness.count("audit.overdue") == 2

    def test_an_overdue_specialist_audit_chases_the_qa_manager_who_commissioned_it(self, harness: Harness) -> None:
        harness.ledger.register_staff(
            harness.world.qa,
            c.RegisterStaff(
                staff_id="qa.two",
                display_name="Quinn Two",
                email="qa.two@example.gov.uk",
                roles=["qa_manager"],
                team="QA Team",
                service_area="safeguarding_quality_review",
            ),
            NO_KEY,
        )
        commissioned = harness.ledger.schedule_specialist_audit(
            actor_of("qa.two", "qa_manager"),
            c.ScheduleSpecialistAudit(month="2026-11", topic="Adoption", external_auditor_id="ext.auditor"),
            NO_KEY,
        )
        audit_id = harness.world.allocate(  # allocated by the other QA Manager
            None,
            auditor="ext.auditor",
            child_ref="MOS-310001",
            case_area=SOC,
            due_on=MONDAY + timedelta(days=10),
            specialist_audit_id=UUID(commissioned.body["id"]),
        )
        harness.on_day(MONDAY + timedelta(days=11))
        assert harness.told("audit.overdue") == {"ext.auditor", "qa.two"}  # not a Head of Service
        [mail] = harness.inbox.to("qa.two@example.gov.uk")
        assert str(audit_id) in mail.text and "Ext Auditor" in mail.text

    def test_an_overdue_thematic_audit_chases_the_qa_manager_who_allocated_it(self, harness: Harness) -> None:
        cycle = harness.world.cycle(MONDAY)
        adqa = harness.ledger.record_meeting(
            actor("ad.one"),
            c.RecordMeeting(
                kind="adqa",
                focus="service_overview",
                cycle_id=cycle,
                held_on=harness.clock.today,
                attendee_ids=["ad.one", "hos.soc"],
                reports=[{"presenter_id": "hos.soc", "service_area": SOC, "strengths": "s", "challenges": "c"}],
            ),
            NO_KEY,
        )
        requested = harness.ledger.request_thematic_audit(
            actor("ad.one"),
            c.RequestThematicAudit(topic="Neglect", rationale="Cumulative harm missed", meeting_id=adqa.body["id"]),
            NO_KEY,
        )
        harness.world.allocate(
            None,
            auditor="ext.auditor",
            case_area=SOC,
            due_on=MONDAY + timedelta(days=10),
            specialist_audit_id=UUID(requested.body["id"]),
        )
        harness.on_day(MONDAY + timedelta(days=11))
        assert harness.told("audit.overdue") == {"ext.auditor", "qa.manager"}

    def test_a_withdrawn_audit_is_not_chased(self, harness: Harness) -> None:
        cycle = harness.world.cycle(MONDAY)
        audit_id = harness.world.allocate(cycle, auditor="aud.mash", case_area=SOC)
        harness.ledger.withdraw_audit(harness.world.qa, audit_id, c.WithdrawAudit(reason="Allocated in error"), NO_KEY)
        harness.on_day(MONDAY + timedelta(days=20))
        assert harness.told("audit.overdue") == set()


class TestModerationCoverage:
    def submitted(self, h: Harness, count: int) -> tuple[UUID, list[UUID]]:
        cycle = h.world.cycle(MONDAY, name="Cycle 4")
        audits = [
            h.world.allocate(cycle, auditor="aud.mash", child_ref=f"MOS-40000{i}", case_area=SOC) for i in range(count)
        ]
        h.clock.today = MONDAY + timedelta(days=9)
        for audit_id in audits:
            h.world.submit(audit_id, grade="requires_improvement")
        return cycle, audits

    def test_week_three_under_fifteen_percent_tells_qa_manager_and_psw(self, harness: Harness) -> None:
        self.submitted(harness, 7)
        harness.on_day(MONDAY + timedelta(days=13))  # day 14: not yet moderation week
        assert harness.told("moderation.coverage_below_floor") == set()

        harness.on_day(MONDAY + timedelta(days=14))  # day 15: moderation week begins
        harness.mails(7 + 2)
        assert harness.told("moderation.coverage_below_floor") == {"qa.manager", "psw.one"}
        [mail] = [m for m in harness.inbox.to("psw.one@example.gov.uk")]
        assert mail.subject == "Moderation week: Cycle 4 coverage is 0%, below 15%"
        assert "0 of 7 submitted audits" in mail.text and "At least 2 more audits" in mail.text

        harness.on_day(MONDAY + timedelta(days=15))
        assert harness.count("moderation.coverage_below_floor") == 2

    def test_coverage_at_the_floor_tells_nobody(self, harness: Harness) -> None:
        _, audits = self.submitted(harness, 5)
        harness.world.moderate(audits[0], grade="requires_improvement")  # 1 of 5 = 20%
        harness.on_day(MONDAY + timedelta(days=14))
        assert harness.told("moderation.coverage_below_floor") == set()


class TestActions:
    def agreed(self, h: Harness, due_in_days: int = 14) -> tuple[UUID, UUID]:
        audit_id = graded_audit(h, "requires_improvement", child_ref="MOS-500005")
        h.world.discuss(audit_id)
        return audit_id, h.world.agree_action(audit_id, owner="tm.cic1", by="tm.cic1", due_in_days=due_in_days)

    def test_due_within_seven_days_then_overdue(self, harness: Harness) -> None:
        _, action_id = self.agreed(harness)  # agreed on day 4, due day 18 (19 Nov)
        due = MONDAY + timedelta(days=3 + 14)

        harness.on_day(due - timedelta(days=8))
        assert harness.told("action.due_soon") == set()
        harness.on_day(due - timedelta(days=7))
        assert harness.told("action.due_soon") == {"tm.cic1"}
        [soon] = [m for m in harness.inbox.to("tm.cic1@example.gov.uk") if "due" in m.subject]
        assert soon.subject == "Action due Thursday 19 November 2026"
        assert "for case MOS-500005" in soon.text
        assert "Update the chronology" not in soon.text  # free text stays in the case record

        harness.on_day(due)
        assert harness.told("action.overdue") == set()
        harness.on_day(due + timedelta(days=1))
        assert harness.told("action.overdue") == {"tm.cic1", "sm.soc"}  # owner and owner's manager
        [to_manager] = harness.inbox.to("sm.soc@example.gov.uk")
        assert "owned by Tm Cic1" in to_manager.text and str(action_id) in to_manager.text
        assert to_manager.subject == "Action overdue since Thursday 19 November 2026"

        harness.on_day(due + timedelta(days=2))
        assert (harness.count("action.due_soon"), harness.count("action.overdue")) == (1, 2)

    def test_a_completed_action_is_not_chased_and_a_new_due_date_reminds_again(self, harness: Harness) -> None:
        audit_id, done = self.agreed(harness, due_in_days=10)
        moved = harness.world.agree_action(audit_id, owner="tm.cic1", by="tm.cic1", due_in_days=5)
        harness.sync()  # `moved` is due in 5 days: reminded now; `done` in 10 days: not yet
        assert harness.count("action.due_soon") == 1

        harness.ledger.complete_action(actor("tm.cic1"), done, c.CompleteAction(outcome="Chronology updated"), NO_KEY)
        new_date = harness.clock.today + timedelta(days=20)
        harness.ledger.change_action_due_date(
            actor("tm.cic1"),
            moved,
            c.ChangeActionDueDate(due_on=new_date, reason="Family on holiday"),
            NO_KEY,
        )
        harness.on_day(new_date - timedelta(days=6))
        assert harness.count("action.due_soon") == 2  # once per due date of `moved`; never for `done`
        assert harness.count("action.overdue") == 0


class TestMissingReflectiveDiscussion:
    def test_seven_days_after_submission_the_team_manager_is_told(self, harness: Harness) -> None:
        audit_id = graded_audit(harness, "requires_improvement", child_ref="MOS-600006")  # submitted day 4
        harness.on_day(MONDAY + timedelta(days=3 + 6))
        assert harness.told("rcd.missing") == set()
        harness.on_day(MONDAY + timedelta(days=3 + 7))
        harness.mails(2)
        assert harness.told("rcd.missing") == {"tm.cic1"}  # Team Manager of Children in Care 1
        [mail] = [m for m in harness.inbox.to("tm.cic1@example.gov.uk")]
        assert "MOS-600006" in mail.subject and "logged by the Team Manager" in mail.text
        assert str(audit_id) in mail.text

    def test_an_inadequate_audit_goes_to_the_service_manager(self, harness: Harness) -> None:
        graded_audit(harness, "inadequate")
        harness.on_day(MONDAY + timedelta(days=3 + 7))
        assert harness.told("rcd.missing") == {"sm.soc"}

    def test_an_audit_outside_a_cycle_needs_no_discussion(self, harness: Harness) -> None:
        # e.g. a specialist audit by an external auditor: no reflective case discussion follows it
        audit_id = harness.world.allocate(
            None, auditor="ext.auditor", child_ref="MOS-900009", case_area=SOC, due_on=MONDAY + timedelta(days=20)
        )
        harness.clock.today = MONDAY + timedelta(days=3)
        harness.world.submit(audit_id, auditor="ext.auditor")
        harness.on_day(MONDAY + timedelta(days=3 + 8))
        assert harness.told("rcd.missing") == set()

    def test_an_overdue_discussion_is_chased_with_the_auditor_who_holds_it(self, harness: Harness) -> None:
        audit_id = graded_audit(harness, "requires_improvement", child_ref="MOS-610001")  # submitted day 4
        due = MONDAY + timedelta(days=3 + 14)  # two weeks after submission
        harness.on_day(due)
        assert harness.told("rcd.overdue") == set()
        harness.on_day(due + timedelta(days=1))
        assert harness.told("rcd.overdue") == {"aud.mash", "tm.cic1"}
        [mail] = [m for m in harness.inbox.to("aud.mash@example.gov.uk") if "overdue" in m.subject]
        assert mail.subject == "Reflective case discussion overdue: case MOS-610001 was due Thursday 19 November 2026"
        assert str(audit_id) in mail.text
        harness.on_day(due + timedelta(days=2))
        assert harness.count("rcd.overdue") == 2

    def test_an_overdue_discussion_of_an_inadequate_audit_is_chased_with_the_service_manager(
        self, harness: Harness
    ) -> None:
        audit_id = graded_audit(harness, "good")
        harness.world.moderate(audit_id, grade="inadequate")
        harness.on_day(MONDAY + timedelta(days=3 + 15))
        assert harness.told("rcd.overdue") == {"aud.mash", "sm.soc"}

    def test_a_discussion_logged_in_time_is_not_chased(self, harness: Harness) -> None:
        audit_id = graded_audit(harness, "good")
        harness.on_day(MONDAY + timedelta(days=3 + 10))
        harness.world.discuss(audit_id)
        harness.on_day(MONDAY + timedelta(days=3 + 20))
        assert harness.told("rcd.overdue") == set()

    def test_a_logged_discussion_stops_the_reminder(self, harness: Harness) -> None:
        audit_id = graded_audit(harness, "good")
        harness.world.discuss(audit_id)
        harness.on_day(MONDAY + timedelta(days=3 + 8))
        assert harness.told("rcd.missing") == set()


def test_a_store_made_by_an_earlier_version_gains_the_new_columns(notifier_url: str) -> None:
    from services.notifier.adapters.database import Database
    from services.notifier.adapters.store import ADDED_COLUMNS, NotifierStore

    database = Database(notifier_url)
    with database.transaction() as session:  # notifier_audits as the first release created it
        session.execute(
            "CREATE TABLE notifier_audits (audit_id TEXT PRIMARY KEY, cycle_id TEXT, auditor_id TEXT NOT NULL, "
            "auditor_service_area TEXT NOT NULL, child_ref TEXT NOT NULL, case_team TEXT NOT NULL, "
            "case_service_area TEXT NOT NULL, tool TEXT NOT NULL, due_on TEXT NOT NULL, "
            "allocated_event_id TEXT NOT NULL, submitted_on TEXT, submitted_event_id TEXT, grade TEXT, "
            "rcd_logged INTEGER NOT NULL DEFAULT 0, moderated INTEGER NOT NULL DEFAULT 0, "
            "withdrawn INTEGER NOT NULL DEFAULT 0)"
        )
    store = NotifierStore(database)
    with store.transaction() as tx:
        assert set(ADDED_COLUMNS["notifier_audits"]) <= tx.db.columns("notifier_audits")
    NotifierStore(database).close()  # starting again adds nothing twice
