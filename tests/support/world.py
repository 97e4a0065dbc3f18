"""A small department to run scenarios against, driven through the ledger application.

Staff handles are the `sub` of their tokens. Used by the ledger, projections and notifier tests.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from schemas.audit_tools import load_tool
from schemas.vocabulary import Role, ServiceArea
from services.ledger import commands as c
from services.ledger.application import Actor, CommandContext, LedgerApplication

SOC = ServiceArea.SUPPORTING_OUR_CHILDREN
MASH = ServiceArea.MASH_ASSESSMENT
EH = ServiceArea.EARLY_HELP
ADOL = ServiceArea.ADOLESCENT

# handle: (roles, team, service area, groups, manager)
STAFF: dict[str, tuple[list[str], str, ServiceArea, list[str], str | None]] = {
    "qa.manager": (["qa_manager"], "QA Team", ServiceArea.SAFEGUARDING_QUALITY_REVIEW, [], None),
    "psw.one": (["principal_social_worker"], "QA Team", ServiceArea.SAFEGUARDING_QUALITY_REVIEW, [], None),
    "ad.one": (["assistant_director"], "Directorate", ServiceArea.SAFEGUARDING_QUALITY_REVIEW, [], None),
    "hos.soc": (["head_of_service"], "SOC Management", SOC, [], "ad.one"),
    "hos.mash": (["head_of_service"], "MASH Management", MASH, [], "ad.one"),
    "sm.soc": (["service_manager"], "SOC Management", SOC, [], "hos.soc"),
    "tm.cic1": (["team_manager"], "Children in Care 1", SOC, [], "sm.soc"),
    "pdl.soc": (["practice_development_leader"], "Practice Development", SOC, [], None),
    "sw.cic1": (["auditor"], "Children in Care 1", SOC, [], "tm.cic1"),
    "aud.mash": (["auditor", "team_manager"], "Assessment 2", MASH, [], "hos.mash"),
    "aud.soc": (["auditor"], "Children in Care 2", SOC, [], "sm.soc"),
    "sm.eh": (["service_manager"], "Early Help Management", EH, [], None),
    "eh.leader": (["auditor"], "Early Help North", EH, ["early_help_team_leader"], "sm.eh"),
    "lc.auditor": (["auditor"], "Leaving Care", ADOL, ["leaving_care"], None),
    "ext.auditor": (["external_auditor"], "External", ServiceArea.SAFEGUARDING_QUALITY_REVIEW, ["external"], None),
}

NO_KEY = CommandContext()
OPERATOR = "ops.admin"  # who runs `make admin` in these scenarios


def actor(handle: str) -> Actor:
    return Actor(id=handle, roles=frozenset(Role(r) for r in STAFF[handle][0]))


def domain_findings(grade: str = "good", tool: str = "ten_domain") -> list[dict[str, Any]]:
    return [{"domain": d.id, "grade": grade, "finding": f"{d.title}: evidence seen"} for d in load_tool(tool).domains]


class World:
    def __init__(self, ledger: LedgerApplication) -> None:
        self.ledger = ledger
        self.qa = actor("qa.manager")

    @property
    def today(self) -> date:
        return self.ledger.today()

    def register_everyone(self) -> World:
        """The operator names the first QA Manager (the register authorises nobody before that);
        the QA Manager registers everyone else."""
        for handle in STAFF:  # managers are listed before the people they manage
            roles, team, area, groups, manager = STAFF[handle]
            cmd = c.RegisterStaff(
                staff_id=handle,
                display_name=handle.replace(".", " ").title(),
                email=f"{handle}@example.gov.uk",
                roles=roles,
                team=team,
                service_area=area,
                auditor_groups=groups,
                manager_id=manager,
            )
            if handle == self.qa.id:
                self.ledger.bootstrap_qa_manager(OPERATOR, cmd)
            else:
                self.ledger.register_staff(self.qa, cmd, NO_KEY)
        return self

    def cycle(self, week1_monday: date | None = None, name: str = "Cycle") -> UUID:
        monday = week1_monday or (self.today - timedelta(days=self.today.weekday()))
        outcome = self.ledger.schedule_cycle(self.qa, c.ScheduleCycle(name=name, week1_monday=monday), NO_KEY)
        return UUID(outcome.body["id"])

    def allocate(
        self,
        cycle_id: UUID | None,
        auditor: str = "aud.mash",
        child_ref: str = "MOS-100001",
        case_team: str = "Children in Care 1",
        case_area: ServiceArea = SOC,
        **extra: Any,
    ) -> UUID:
        cmd = c.AllocateAudit(
            auditor_id=auditor,
            child_ref=child_ref,
            case_team=case_team,
            case_service_area=case_area,
            cycle_id=cycle_id,
            **extra,
        )
        return UUID(self.ledger.allocate_audit(self.qa, cmd, NO_KEY).body["id"])

    def submit_command(self, grade: str = "good", **overrides: Any) -> c.SubmitAudit:
        fields: dict[str, Any] = {
            "practice_period_from": self.today - timedelta(days=150),
            "practice_period_to": self.today - timedelta(days=1),
            "summary": "Practice is child-centred; plans are reviewed on time.",
            "strengths": "The child's voice is clear throughout.",
            "challenges": "Chronology needs updating.",
            "domain_findings": domain_findings(grade),
            "overall_grade": grade,
        }
        fields.update(overrides)
        return c.SubmitAudit(**fields)

    def submit(self, audit_id: UUID, auditor: str = "aud.mash", grade: str = "good", **overrides: Any) -> None:
        self.ledger.submit_audit(actor(auditor), audit_id, self.submit_command(grade, **overrides), NO_KEY)

    def participants(self, *, with_service_manager: bool = False, auditor: str = "aud.mash") -> list[dict[str, str]]:
        people = [
            {"participant_id": "sw.cic1", "capacity": "allocated_practitioner"},
            {"participant_id": "tm.cic1", "capacity": "practitioner_manager"},
            {"participant_id": auditor, "capacity": "auditor"},
        ]
        if with_service_manager:
            people.append({"participant_id": "sm.soc", "capacity": "service_manager"})
        return people

    def discuss(self, audit_id: UUID, by: str = "tm.cic1", *, with_service_manager: bool = False) -> None:
        auditor = self.ledger.repository.get(audit_id).auditor_id  # the auditor holds it
        cmd = c.RecordReflectiveDiscussion(
            held_on=self.today,
            participants=self.participants(with_service_manager=with_service_manager, auditor=auditor),
            notes="Discussed the plan and what difference it is making.",
        )
        self.ledger.record_reflective_discussion(actor(by), audit_id, cmd, NO_KEY)

    def moderate(self, audit_id: UUID, by: str = "qa.manager", grade: str = "good") -> None:
        cmd = c.ModerateAudit(moderated_grade=grade, feedback="Grade is well evidenced.")
        self.ledger.moderate_audit(actor(by), audit_id, cmd, NO_KEY)

    def agree_action(
        self, audit_id: UUID, owner: str = "tm.cic1", by: str = "tm.cic1", due_in_days: int = 14, **extra: Any
    ) -> UUID:
        cmd = c.AgreeAction(
            owner_id=owner,
            description="Update the chronology and share it with the family.",
            measure_of_success="Chronology is current at the next supervision.",
            due_on=self.today + timedelta(days=due_in_days),
            source_kind=extra.pop("source_kind", "reflective_discussion"),
            source_id=extra.pop("source_id", audit_id),
        )
        return UUID(self.ledger.agree_action(actor(by), cmd, NO_KEY).body["id"])

    def adqa_meeting(self, cycle_id: UUID) -> UUID:
        """The Assistant Director's QA meeting of a cycle, held today (thematic requests name one)."""
        cmd = c.RecordMeeting(
            kind="adqa",
            focus="service_overview",
            cycle_id=cycle_id,
            held_on=self.today,
            attendee_ids=["ad.one", "hos.soc", "qa.manager"],
            reports=[{"presenter_id": "hos.soc", "service_area": SOC, "strengths": "s", "challenges": "c"}],
        )
        return UUID(self.ledger.record_meeting(actor("ad.one"), cmd, NO_KEY).body["id"])

    def count_events(self) -> int:
        return len(self.ledger.feed_page(0, 1000).events)
