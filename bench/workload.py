"""Realistic audit-cycle events at a chosen scale.

Two ways in, both through the real ledger (its recorder, hash chain and encryption at rest):
- `Department` registers the sample department (tests/support/world.py) and schedules cycles;
- `bulk_load` drives the domain aggregates exactly as the use cases do (allocate, submit with ten
  domains of text, reflective discussion, moderation, SMART actions) but saves a few hundred
  audits' events per transaction, so a million events load in minutes rather than hours. The
  command path itself (one command, one transaction, through HTTP) is measured by `commands.py`.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from schemas.audit_tools import load_tool
from schemas.vocabulary import AuditTool, Grade, ParticipantCapacity, Role, ServiceArea
from services.ledger.domain import Action, Audit
from services.ledger.domain.allocation import AllocationFlags
from services.ledger.domain.discussion import Attendance
from tests.support.world import World, actor

if TYPE_CHECKING:
    from services.ledger.application import LedgerApplication

TEN_DOMAIN = load_tool(AuditTool.TEN_DOMAIN)
TEAMS = [f"Children in Care {n}" for n in range(1, 7)] + [f"Child Protection {n}" for n in range(1, 7)]
AREAS = [ServiceArea.SUPPORTING_OUR_CHILDREN, ServiceArea.ADOLESCENT, ServiceArea.EARLY_HELP]
GRADES = [Grade.OUTSTANDING] * 1 + [Grade.GOOD] * 10 + [Grade.REQUIRES_IMPROVEMENT] * 7 + [Grade.INADEQUATE] * 2
SENTENCES = [
    "The child's lived experience is recorded in their own words and reflected in the plan.",
    "Chronology is partly up to date; significant events since the last review are missing.",
    "Management oversight is evident at key decision points and recorded with clear rationale.",
    "Visits are within timescale and the child was seen alone on each occasion.",
    "Partner agencies contributed to the assessment, though health information is dated.",
    "The plan is SMART but two actions lack a named owner and a date for review.",
    "Risks are analysed rather than described, and the impact on the child is explicit.",
    "Direct work with the child is evidenced through life-story activities and drawings.",
]


def text(rng: random.Random, sentences: int) -> str:
    return " ".join(rng.choice(SENTENCES) for _ in range(sentences))


def findings(rng: random.Random, grade: Grade) -> list[dict[str, Any]]:
    """A finding and a grade for each of the ten domains: a few hundred characters of text each."""
    return [{"domain": d.id, "grade": grade.value, "finding": f"{d.title}: {text(rng, 4)}"} for d in TEN_DOMAIN.domains]


@dataclass
class Department:
    """The sample department (World's staff) with cycles to allocate into."""

    ledger: LedgerApplication
    cycles: list[UUID] = field(default_factory=list)

    @classmethod
    def register(cls, ledger: LedgerApplication, cycles: int = 1) -> Department:
        world = World(ledger).register_everyone()
        today = ledger.today()
        monday = today - timedelta(days=today.weekday())
        # One cycle per week-1 Monday: a big log spreads its audits over many (overlapping) cycles,
        # about 150 audits each, as a department's history would.
        ids = [world.cycle(monday - timedelta(weeks=n), name=f"Cycle {n + 1}") for n in range(cycles)]
        return cls(ledger, ids)


@dataclass
class LoadReport:
    audits: int
    events: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def bulk_load(ledger: LedgerApplication, events: int, *, seed: int = 7, audits_per_save: int = 200) -> LoadReport:
    """Load about `events` published events of whole audit lifecycles; returns what was loaded."""
    rng = random.Random(seed)
    cycles_wanted = max(1, min(events // 1000, 1000))
    department = Department.register(ledger, cycles_wanted)
    start_head = ledger.recorder.max_published_position()  # type: ignore[attr-defined]
    today = ledger.today()
    started = time.perf_counter()
    loaded, audits = 0, 0
    target = events - start_head
    while loaded < target:
        pending: list[Any] = []
        for _ in range(audits_per_save):
            cycle_id = department.cycles[audits % len(department.cycles)]
            batch, count = audit_lifecycle(ledger, rng, cycle_id, audits, today)
            pending.extend(batch)
            loaded += count
            audits += 1
            if loaded >= target:
                break
        ledger.save(*pending)
    seconds = time.perf_counter() - started
    return LoadReport(audits, loaded, seconds)


def audit_lifecycle(
    ledger: LedgerApplication, rng: random.Random, cycle_id: UUID, n: int, today: date
) -> tuple[list[Any], int]:
    """One audit from allocation to its SMART action, as the use cases would record it."""
    team = TEAMS[n % len(TEAMS)]
    area = AREAS[n % len(AREAS)]
    child_ref = f"MOS-{100000 + n:06d}"
    qa = actor("qa.manager")
    with ledger.stamped(qa, Role.QA_MANAGER):
        audit = Audit.allocate(
            auditor_id="aud.mash",
            auditor_service_area=ServiceArea.MASH_ASSESSMENT,
            flags=AllocationFlags.of(ServiceArea.MASH_ASSESSMENT, [], area, TEN_DOMAIN.tool),
            child_ref=child_ref,
            case_team=team,
            case_service_area=area,
            tool=TEN_DOMAIN.tool.value,
            tool_version=TEN_DOMAIN.version,
            cycle_id=cycle_id,
            specialist_audit_id=None,
            due_on=today + timedelta(days=7),
        )
    events = 1
    grade = rng.choice(GRADES)
    with ledger.stamped(actor("aud.mash"), Role.AUDITOR):
        audit.submit(
            auditor_id="aud.mash",
            submitted_on=today,
            practice_period_from=today - timedelta(days=150),
            practice_period_to=today - timedelta(days=1),
            extended_period_reason=None,
            summary=text(rng, 3),
            strengths=text(rng, 2),
            challenges=text(rng, 2),
            domain_findings=findings(rng, grade),
            practitioners_audited=["sw.cic1"],
            overall_grade=grade,
            tool_domains=TEN_DOMAIN.domain_ids,
        )
    events += 2  # AuditSubmitted and AuditGraded
    inadequate = grade == Grade.INADEQUATE
    logger = actor("sm.soc") if inadequate else actor("tm.cic1")
    took_part = [
        Attendance("sw.cic1", ParticipantCapacity.ALLOCATED_PRACTITIONER, attended=True),
        Attendance("tm.cic1", ParticipantCapacity.PRACTITIONER_MANAGER, attended=True),
        Attendance("aud.mash", ParticipantCapacity.AUDITOR, attended=True),
    ]
    if inadequate:
        took_part.append(Attendance("sm.soc", ParticipantCapacity.SERVICE_MANAGER, attended=True))
    with ledger.stamped(logger, Role.SERVICE_MANAGER if inadequate else Role.TEAM_MANAGER):
        audit.hold_reflective_discussion(
            logged_by=logger.id,
            logged_by_capacity=ParticipantCapacity.SERVICE_MANAGER if inadequate else ParticipantCapacity.TEAM_MANAGER,
            held_on=today,
            today=today,
            took_part=took_part,
            absent=[],
            notes=text(rng, 3),
        )
    events += 1
    aggregates: list[Any] = [audit]
    if rng.random() < 0.3:  # the guidance's moderation floor is 15%; moderators do a little more
        with ledger.stamped(qa, Role.QA_MANAGER):
            audit.moderate(
                moderator_ids=["qa.manager"],
                moderated_on=today,
                moderated_grade=grade,
                feedback=text(rng, 2),
                cycle_week=3,
            )
        events += 1
    if rng.random() < 0.6:
        with ledger.stamped(actor("tm.cic1"), Role.TEAM_MANAGER):
            action = Action.agree(
                owner_id="tm.cic1",
                owner_team=team,
                owner_service_area=area.value,
                description=text(rng, 1),
                measure_of_success=text(rng, 1),
                due_on=today + timedelta(days=21),
                agreed_on=today,
                source_kind="reflective_discussion",
                source_id=audit.id,
                audit_id=audit.id,
                child_ref=child_ref,
            )
            events += 1
            if rng.random() < 0.5:
                action.complete(completed_on=today, outcome=text(rng, 1))
                events += 1
        aggregates.append(action)
    return aggregates, events
