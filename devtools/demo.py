"""`make demo`: an 8-week audit cycle played through the public HTTP API, then what the system knows.

It starts the embedded server itself (in this process, on a free port, in a temporary data directory)
with a simulated calendar, and moves the calendar week by week while the department works: the QA
Manager registers staff and schedules the cycle, audits are allocated across service areas, auditors
submit (two inadequate), Team and Service Managers log reflective case discussions, the QA Manager and
the Principal Social Worker moderate, managers agree SMART actions, Heads of Service and the Assistant
Director hold their QA meetings, and an external auditor works through the specialist programme.
Then it prints what the read side knows, all through the same API: the moderation coverage and the
inadequate audits sent to the AD and HoS (one moderated *to* inadequate), the dashboard's completion per
Head of Service (an overdue audit counts against the auditor's HoS) and its overdue reflective discussion,
the meetings evidence (one meeting missing), the outstanding actions, one audit's trail, the Head of
Service report and the QA Manager's cycle report with the learning in them, the notifications sent and
the integrity check.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TextIO
from unittest import mock

import uvicorn

from devtools.department import (
    ADOL,
    BY_HANDLE,
    CASE_TEAMS,
    DEPARTMENT,
    EH,
    FINDING_BY_GRADE,
    FIRST_QA_MANAGER,
    MASH,
    SOC,
    SQR,
    SSF,
    Client,
    Ledger,
    bootstrap_args,
    findings,
)
from devtools.kafka_broker import free_port
from schemas.audit_tools import load_tool

WEEK1_MONDAY = date(2026, 4, 13)  # a simulated calendar: the first cycle of financial year 2026-27
AREA_NAMES = {
    EH: "Early Help and Support",
    MASH: "MASH, Assessment, Support & Awaken",
    SSF: "Strengthening & Supporting Families",
    SOC: "Supporting Our Children",
    ADOL: "Adolescent services",
    "safeguarding_quality_review": "Safeguarding & Quality Review",
}


@dataclass
class Calendar:
    """What day the whole embedded system believes it is."""

    today: date = WEEK1_MONDAY - timedelta(days=3)

    def __call__(self) -> date:
        return self.today

    def day(self, week: int, weekday: int) -> date:
        return WEEK1_MONDAY + timedelta(days=7 * (week - 1) + weekday)


# (auditor, child's team, grade, when submitted (week, weekday) or None, who allocates)
CASES: list[tuple[str, str, str, tuple[int, int] | None, str]] = [
    ("aud.mash", "Children in Care 1", "good", (2, 0), "qa.manager"),
    ("aud.mash", "Adolescent Team", "requires_improvement", (2, 1), "qa.manager"),
    ("aud.soc", "Assessment 2", "good", (2, 0), "qa.manager"),
    ("aud.soc", "Early Help North", "outstanding", (2, 2), "qa.manager"),
    ("aud.ssf", "Children in Care 1", "inadequate", (2, 1), "qa.manager"),
    ("aud.ssf", "Assessment 2", "good", (2, 3), "qa.manager"),
    ("eh.leader", "Early Help North", "good", (2, 2), "qa.manager"),  # own area, but an exempt group
    ("eh.leader", "Family Support 1", "requires_improvement", (2, 3), "qa.manager"),
    ("lc.auditor", "Adolescent Team", "good", (2, 1), "qa.manager"),  # Leaving Care: exempt
    ("lc.auditor", "Children in Care 1", "good", (2, 4), "qa.manager"),
    ("yj.auditor", "Family Support 1", "good", (2, 0), "qa.manager"),
    ("yj.auditor", "Assessment 2", "inadequate", (2, 2), "qa.manager"),
    ("fm.soc", "Children in Care 1", "outstanding", (2, 3), "qa.manager"),  # Fostering manager: exempt
    ("fm.soc", "Adolescent Team", "good", (2, 4), "qa.manager"),
    ("tm.assess2", "Family Support 1", "requires_improvement", (2, 1), "qa.manager"),
    ("tm.assess2", "Early Help North", "good", (2, 4), "qa.manager"),
    ("aud.soc", "Children in Care 1", "good", (2, 2), "hos.soc"),  # inside the auditor's own area: flagged
    ("aud.mash", "Family Support 1", "good", (3, 1), "hos.mash"),  # late: after day 14
    ("aud.ssf", "Early Help North", "requires_improvement", None, "hos.ssf"),  # never submitted
    ("lc.auditor", "Assessment 2", "requires_improvement", (3, 2), "hos.adol"),  # late
]
# Moderation in week 3: (case index, moderator, moderated grade, feedback). One audit is moderated *to*
# inadequate (requires improvement by the auditor): from then on it is an inadequate audit, and the
# notifier sends it to the AD and its HoS. Another is raised from inadequate to requires improvement.
MODERATIONS: list[tuple[int, str, str, str]] = [
    (4, "qa.manager", "inadequate",
     "Agree: risk is not understood and the child has not been seen alone. The HoS must follow up now."),
    (1, "qa.manager", "inadequate",
     "Lowered to inadequate: the young person went missing three times and no return interview is recorded."),
    (11, "psw.okafor", "requires_improvement",
     "Raised to requires improvement: the victim's safety plan is in place; the recording is what is weak."),
    (12, "psw.okafor", "outstanding", "Agree: exceptional direct work, and the difference it makes is recorded."),
]  # fmt: skip
# How the domains of a 10 Domain audit are graded for each overall grade: most domains follow it, a few
# do not (chronologies and risk analysis are where this department struggles), so the profiles say so.
DOMAIN_GRADES: dict[str, tuple[str, dict[str, str]]] = {
    "outstanding": ("outstanding", {"chronology_recording": "good"}),
    "good": ("good", {"chronology_recording": "requires_improvement", "voice_of_child": "outstanding"}),
    "requires_improvement": ("good", {"chronology_recording": "requires_improvement",
                                      "risk_safety": "requires_improvement", "planning": "requires_improvement"}),
    "inadequate": ("requires_improvement", {"risk_safety": "inadequate", "management_oversight": "inadequate",
                                            "voice_of_child": "inadequate"}),
}  # fmt: skip
CASE_WITHOUT_RCD = 17  # submitted late and no reflective case discussion logged: overdue by week 8
HOS_AREAS = {"hos.eh": EH, "hos.mash": MASH, "hos.ssf": SSF, "hos.soc": SOC, "hos.adol": ADOL}
PDL = {EH: "pdl.eh", MASH: "pdl.mash", SSF: "pdl.ssf", SOC: "pdl.soc", ADOL: "pdl.adol", SQR: "pdl.sqr"}
SM = {EH: "sm.eh", MASH: "sm.mash", SSF: "sm.ssf", SOC: "sm.soc", ADOL: "sm.adol"}
# What some auditors wrote, in their own words: (strengths, challenges, {domain: finding}).
STORIES: dict[int, tuple[str, str, dict[str, str]]] = {
    0: ("Lily's wishes are written in her own words and shaped her plan.",
        "The plan has no dates, so nobody can tell when it has worked.",
        {"planning": "Actions in the plan have no timescales or named owners."}),
    1: ("The worker has built a trusting relationship with the young person.",
        "Three missing episodes without a return interview; risk of exploitation not analysed.",
        {"risk_safety": "Missing episodes are recorded but never analysed together."}),
    4: ("Health partners share information quickly.",
        "The child has not been seen alone for three months; the risk from the mother's partner is not analysed.",
        {"risk_safety": "No assessment of the risk posed by the mother's new partner."}),
    11: ("The victim's views were sought and recorded.",
         "The victim's safety plan is not reviewed after the court outcome.",
         {"victim_voice": "The victim's views are recorded before the panel."}),
    12: ("Direct work with the carers changed how they respond to the child at night.",
         "Supervision notes do not yet show the impact of training.",
         {"impact_outcomes": "The child now sleeps through: the carers' new routine is recorded week by week."}),
    17: ("The family network meeting brought in the grandparents.",
         "The chronology stops in February; two house moves are missing.",
         {"chronology_recording": "The chronology stops in February; two house moves are missing."}),
}  # fmt: skip


@dataclass
class Played:
    cycle_id: str = ""
    audits: list[str] = field(default_factory=list)
    actions: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (owner, description)
    completed: list[str] = field(default_factory=list)
    meetings: list[str] = field(default_factory=list)
    specialist_id: str = ""


@dataclass
class Figures:
    """The key figures the demo prints, for its test."""

    staff: int
    submitted: int
    moderated: int
    percent_moderated: float
    meets_floor: bool
    inadequate: int
    sent_to_ad_and_hos: dict[str, list[str]]  # child_ref -> who was told
    overdue_audits: dict[str, list[str]]  # child_ref -> the auditor's Head(s) of Service
    overdue_rcds: list[str]
    missing_meetings: list[tuple[str | None, str]]
    open_actions: int
    overdue_actions: int
    trail_events: int
    notifications_sent: int
    emails: int
    chain_ok: bool
    events: int
    hos_report: str
    cycle_report: str


class Demo:
    def __init__(self, base_url: str, signing_key: str, calendar: Calendar, app: Any, out: TextIO, pace: float) -> None:
        self.api = Client(base_url, signing_key)
        self.ledger = Ledger(self.api)
        self.calendar = calendar
        self.app = app
        self.out = out
        self.pace = pace
        self.played = Played()

    # --- narration ------------------------------------------------------------------------------

    def say(self, text: str = "") -> None:
        if not (hasattr(self.out, "isatty") and self.out.isatty()):
            text = text.replace("\033[1m", "").replace("\033[0m", "")  # bold only on a terminal
        print(text, file=self.out, flush=True)

    def week(self, number: int, weekday: int, headline: str) -> None:
        self.settle()
        self.calendar.today = self.calendar.day(number, weekday)
        self.app.state.notifier_runner.wake()  # a new day: deadline rules look again
        self.say(f"\n\033[1mWeek {number}, {self.calendar.today:%a %d %b %Y}\033[0m  {headline}")
        time.sleep(self.pace)

    def step(self, text: str) -> None:
        self.say(f"  - {text}")

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until the read models and the notifier have applied everything, the scheduler has judged
        today's deadlines (it does so only once the notifier is caught up) and the outbox is empty."""
        deadline, ticked = time.monotonic() + timeout, False
        notifier, runner = self.app.state.notifier, self.app.state.notifier_runner
        while time.monotonic() < deadline:
            head = self.api.get("qa.manager", "/v1/events", after=0, limit=1)["head"]
            projections = self.api.get("qa.manager", "/v1/projections/status")
            status = self.api.get("qa.manager", "/v1/notifier/status")
            settled = (
                projections["position"] >= head
                and status["position"] >= head
                and not status["outbox"]["pending"]
                and notifier.caught_up()
            )
            if settled and ticked:
                return
            ticked = settled
            runner.wake()
            time.sleep(0.25 if settled else 0.05)
        raise TimeoutError("the read models or the notifier did not catch up")

    # --- the cycle ------------------------------------------------------------------------------

    def bootstrap(self) -> None:
        """The operator's command on a fresh install, `make admin`: the register's first QA Manager."""
        from services.ledger.admin import main as admin

        first, data_dir = FIRST_QA_MANAGER, self.app.state.data_dir
        store = {"LEDGER_DATABASE_URL": f"sqlite:///{data_dir}/ledger.sqlite3", "QA_LEDGER_DATA_DIR": data_dir}
        with mock.patch.dict(os.environ, store), contextlib.redirect_stdout(io.StringIO()):  # narrated below
            if admin([*bootstrap_args(first), "--operator", "ops.demo"]) != 0:
                raise RuntimeError("the operator could not name the first QA Manager")
        self.step(f"The operator names the first QA Manager: make admin SUB={first.handle} NAME='{first.name}' …")

    def play(self) -> Played:
        p, ledger, cal = self.played, self.ledger, self.calendar
        self.say(f"\033[1mSetting up, {cal.today:%a %d %b %Y}\033[0m")
        self.bootstrap()
        ledger.register()
        areas = Counter(person.area for person in DEPARTMENT)
        self.step(f"QA Manager registers {len(DEPARTMENT) - 1} more staff across {len(areas)} service areas")
        p.cycle_id = ledger.cycle("Cycle 1 2026/27", WEEK1_MONDAY)
        self.step(f"QA Manager schedules 'Cycle 1 2026/27': week 1 begins {WEEK1_MONDAY:%d %b}, audits due day 14")
        p.specialist_id = str(
            self.api.post(
                "qa.manager",
                "/v1/programme/specialist-audits",
                {"month": "2026-04", "topic": "Private fostering arrangements", "external_auditor_id": "ext.marsh"},
            )["id"]
        )
        self.step("Specialist programme: 'Private fostering arrangements' in April, 9 audits by Dr Helen Marsh")

        self.week(1, 0, "allocation")
        for n, (auditor, team, _, _, by) in enumerate(CASES):
            body = ledger.allocate(p.cycle_id, auditor, f"MOS-{400100 + n}", team, by=by)
            p.audits.append(str(body["id"]))
        by_hos = sum(1 for case in CASES if case[4] != "qa.manager")
        self.step(f"{len(CASES)} case audits allocated across the service ({by_hos} by Heads of Service)")
        specialist_due = cal.day(4, 4)
        for n in range(9):
            team = list(CASE_TEAMS)[n % len(CASE_TEAMS)]
            ledger.allocate(
                None, "ext.marsh", f"MOS-{400500 + n}", team, tool="specialist",
                specialist_audit_id=p.specialist_id, due_on=specialist_due.isoformat(),
            )  # fmt: skip
        self.step("9 specialist audits allocated to the external auditor, due " + f"{specialist_due:%d %b}")
        self.calendar.today = cal.day(1, 2)
        for hos, area in {**HOS_AREAS, "hos.sqr": SQR}.items():
            self.meeting(hos, area, "performance_data", cal.day(1, 2))
        self.step("6 Heads of Service hold their week-1 QA meetings on performance data (PDL invited)")

        self.week(2, 0, "auditors submit; Team Managers hold reflective case discussions")
        for day in range(5):
            self.calendar.today = cal.day(2, day)
            self.submit_due((2, day))
        submitted = sum(1 for c in CASES if c[3] and c[3][0] == 2)
        self.step(f"{submitted} audits submitted by day 14, each followed by its RCD (two inadequate: Service Manager)")

        self.week(3, 0, "moderation week")
        for day in range(5):
            self.calendar.today = cal.day(3, day)
            self.submit_due((3, day))
        self.step("2 audits submitted late, one not at all (the dashboard shows it overdue)")
        self.step(f"MOS-{400100 + CASE_WITHOUT_RCD}'s reflective case discussion is never logged")
        self.calendar.today = cal.day(3, 2)
        for index, moderator, grade, feedback in MODERATIONS:
            ledger.moderate(p.audits[index], grade, by=moderator, feedback=feedback)
        self.step(
            f"QA Manager and PSW moderate {len(MODERATIONS)} audits: MOS-400101 is lowered to inadequate "
            "(it goes to the AD and HoS), MOS-400111 is raised to requires improvement"
        )
        self.agree_actions()

        self.week(4, 1, "Heads of Service QA meetings on audit findings; specialist audits come in")
        for n, hos in enumerate(["hos.eh", "hos.mash", "hos.ssf"]):
            self.calendar.today = cal.day(4, 1 + n)
            self.meeting(hos, HOS_AREAS[hos], "audit_findings", self.calendar.today)
        self.step("Early Help, MASH and Families Heads of Service review the audit findings with their PDLs")
        self.specialist_submissions(7)
        self.complete(0, "Manager's oversight recorded; safety plan reviewed with the family")

        self.week(5, 1, "the remaining HoS QA meetings (Safeguarding & Quality's never happens)")
        self.meeting("hos.soc", SOC, "audit_findings", cal.day(5, 1), action=True)
        self.complete(2, "Chronology brought up to date and shared with the family")

        self.week(6, 2, "the Assistant Director's QA meeting (ADQA)")
        self.meeting("hos.adol", ADOL, "audit_findings", cal.day(6, 1))  # a week late: marked
        self.step("Adolescent services' HoS QA meeting held in week 6: recorded, and marked outside its week")
        adqa = self.api.post(
            "ad.hughes",
            "/v1/meetings",
            {
                "kind": "adqa",
                "focus": "service_overview",
                "cycle_id": p.cycle_id,
                "held_on": cal.day(6, 2).isoformat(),
                "attendee_ids": ["ad.hughes", "qa.manager", "psw.okafor", *HOS_AREAS],
                "reports": [
                    {
                        "presenter_id": hos,
                        "service_area": area,
                        "strengths": f"{AREA_NAMES[area]}: children's voices are clear in the record.",
                        "challenges": "Chronologies and management oversight lag behind events.",
                        "addressing_challenges": "Chronology workshops; monthly oversight entries.",
                    }
                    for hos, area in HOS_AREAS.items()
                ],
                "headline_learning": "Chronologies lag behind events; management oversight is thin on drift.",
                "moderation_learning": "Moderators agreed with 2 of 4 grades; one was raised, one lowered.",
            },
        )
        p.meetings.append(str(adqa["id"]))
        action = ledger.agree_action(
            "hos.soc", "adqa_meeting", str(adqa["id"]), cal.day(10, 4),
            "Audit every Children in Care chronology against the new standard", by="ad.hughes",
        )  # fmt: skip
        p.actions[action] = ("hos.soc", "Audit every CiC chronology against the new standard")
        self.api.post(
            "ad.hughes",
            "/v1/programme/thematic-requests",
            {
                "topic": "Cumulative neglect",
                "rationale": "Two inadequate audits this cycle missed the pattern of cumulative harm.",
                "meeting_id": str(adqa["id"]),
                "month": "2026-07",
            },
        )
        self.step("ADQA held; the AD agrees an action with the HoS and requests a thematic audit on neglect")

        self.week(7, 3, "actions progress")
        self.complete(3, "Management oversight now recorded monthly")
        self.week(8, 4, "end of the cycle")
        self.settle()
        return p

    def submit_due(self, when: tuple[int, int]) -> None:
        for n, (auditor, team, grade, submitted_on, _) in enumerate(CASES):
            if submitted_on == when:
                audit_id = self.played.audits[n]
                strengths, challenges, words = STORIES.get(n, (None, None, {}))
                story: dict[str, Any] = {"domain_findings": domain_findings(grade, words)}
                if strengths and challenges:
                    story |= {"strengths": strengths, "challenges": challenges}
                self.ledger.submit(audit_id, auditor, grade, self.calendar.today, **story)
                if n != CASE_WITHOUT_RCD:
                    self.ledger.discuss(audit_id, team, auditor, self.calendar.today, inadequate=grade == "inadequate")

    def meeting(self, hos: str, area: str, focus: str, held_on: date, action: bool = False) -> None:
        body = {
            "kind": "hos_qa",
            "focus": focus,
            "cycle_id": self.played.cycle_id,
            "service_area": area,
            "held_on": held_on.isoformat(),
            "attendee_ids": [hos, SM[area]] if area in SM else [hos],
            "invitee_ids": [PDL[area]],
            "measures_reviewed": ["Visits, including the child seen alone", "Plans reviewed on time"],
            "headline_learning": HEADLINES.get((area, focus)),
        }
        if focus == "audit_findings":  # the meeting drafts what the HoS will present at the ADQA
            body["reports"] = [
                {
                    "presenter_id": hos,
                    "service_area": area,
                    "strengths": "Children's and young people's voices are clear in the record.",
                    "challenges": "Chronologies and the analysis of risk lag behind events.",
                    "reinforcing_strengths": "Share two outstanding audits at the next practice forum.",
                    "addressing_challenges": "Fortnightly chronology clinics; managers sign off risk analysis.",
                }
            ]
        meeting_id = str(self.api.post(hos, "/v1/meetings", body)["id"])
        self.played.meetings.append(meeting_id)
        if action:
            due = self.calendar.day(7, 4)
            action_id = self.ledger.agree_action(
                SM[area], "hos_qa_meeting", meeting_id, due, "Chronology workshop for every SOC team", by=hos
            )
            self.played.actions[action_id] = (SM[area], "Chronology workshop for every SOC team")
            self.step(f"{BY_HANDLE[hos].name} (HoS) agrees an action from the meeting, due {due:%d %b}")

    def agree_actions(self) -> None:
        """SMART actions from the RCDs of the inadequate and requires-improvement audits, and from moderation.
        The effective grade decides: the Service Manager owns the actions of an audit moderated to inadequate."""
        cal, count = self.calendar, 0
        moderated = {index: grade for index, _, grade, _ in MODERATIONS}
        for n, (_, team, auditor_grade, submitted_on, _) in enumerate(CASES):
            grade = moderated.get(n, auditor_grade)
            if grade not in ("inadequate", "requires_improvement") or submitted_on is None:
                continue
            _, team_manager, service_manager, _ = CASE_TEAMS[team]
            owner = service_manager if grade == "inadequate" else team_manager
            description = ACTION_BY_GRADE[grade]
            action_id = self.ledger.agree_action(
                owner, "reflective_discussion", self.played.audits[n], cal.day(4 + count % 2, 4), description
            )
            self.played.actions[action_id] = (owner, description)
            count += 1
        moderated = self.played.audits[1]
        action_id = self.ledger.agree_action(
            "tm.adol", "moderation", moderated, cal.day(5, 0), "Record the manager's rationale for the plan",
            by="qa.manager",
        )  # fmt: skip
        self.played.actions[action_id] = ("tm.adol", "Record the manager's rationale for the plan")
        self.step(f"{count + 1} SMART actions agreed from the RCDs and from moderation, due in weeks 4-5")

    def complete(self, index: int, outcome: str) -> None:
        action_id = list(self.played.actions)[index]
        owner, description = self.played.actions[action_id]
        self.ledger.complete_action(action_id, owner, outcome)
        self.played.completed.append(action_id)
        self.step(f"{BY_HANDLE[owner].name} completes '{description}'")

    def specialist_submissions(self, count: int) -> None:
        feed = self.api.get("qa.manager", "/v1/events", after=0, limit=1000)["events"]
        allocated = [
            e["aggregateid"]
            for e in feed
            if e["type"].rsplit(".", 1)[-1] == "AuditAllocated"
            and e["data"].get("specialist_audit_id") == self.played.specialist_id
        ]
        body_findings = findings("good", "specialist")
        for audit_id in allocated[:count]:
            self.api.post(
                "ext.marsh",
                f"/v1/audits/{audit_id}/submission",
                {
                    "practice_period_from": (self.calendar.today - timedelta(days=120)).isoformat(),
                    "practice_period_to": (self.calendar.today - timedelta(days=1)).isoformat(),
                    "summary": "The private fostering arrangement was assessed and visited within timescales.",
                    "strengths": "Statutory visits on time; the child's views recorded.",
                    "challenges": "Checks on the private foster carer's household were late.",
                    "domain_findings": body_findings,
                    "overall_grade": "good",
                },
            )
        self.step(f"The external auditor submits {count} of 9 specialist audits")

    # --- the read-out ---------------------------------------------------------------------------

    def report(self) -> Figures:
        api, cycle_id = self.api, self.played.cycle_id
        self.say("\n" + "=" * 100)
        self.say(
            f"\033[1mWhat the system knows on {self.calendar.today:%a %d %b %Y}\033[0m (read back through the API)"
        )
        coverage = api.get("qa.manager", f"/v1/cycles/{cycle_id}/moderation-coverage")
        self.say(f"\n\033[1mModeration coverage\033[0m  (floor {coverage['floor_percent']}%, by the case's area)")
        self.say(f"  {'service area':38} {'submitted':>9} {'moderated':>9} {'%':>6}")
        for row in coverage["by_service_area"]:
            name = AREA_NAMES.get(row.get("service_area", ""), row.get("title", row.get("service_area", "")))
            self.say(f"  {name:38} {row['submitted']:>9} {row['moderated']:>9} {row['percent_moderated'] or 0:>6.1f}")
        verdict = "meets the floor" if coverage["meets_floor"] else "BELOW the floor"
        self.say(
            f"  {'whole cycle':38} {coverage['submitted']:>9} {coverage['moderated']:>9} "
            f"{coverage['percent_moderated']:>6.1f}  {verdict}; moderators agreed with "
            f"{coverage['moderations_agreeing']} of {coverage['moderated']} grades "
            f"({coverage['moderator_agreement_percent']:g}%)"
        )
        self.say("\n\033[1mInadequate audits\033[0m  (the effective grade: the moderator's when moderated)")
        sent: dict[str, list[str]] = {}
        for audit in coverage["inadequate_audits"]:
            grades = f"auditor: {audit['auditor_grade'].replace('_', ' ')}"
            if audit["moderated"]:
                grades += f", moderated: {audit['moderated_grade'].replace('_', ' ')}"
            told = [p["name"] for p in audit["sent_to"]]
            sent[audit["child_ref"]] = told
            self.say(
                f"  inadequate: {audit['child_ref']} ({audit['case_team']}) by {audit['auditor_name']} ({grades}): "
                + (f"sent to the AD and HoS ({', '.join(told)})" if audit["sent_to_ad_and_hos"] else "NOT yet sent")
            )

        board = api.get("qa.manager", f"/v1/cycles/{cycle_id}/dashboard")
        completion = board["completion_by_day_14"]
        self.say(
            "\n\033[1mCycle dashboard: completion by day 14\033[0m  "
            "(counted against the auditor's Head of Service: they ensure their auditors complete)"
        )
        for head in completion["by_head_of_service"]:
            self.say(
                f"  {head['display_name']:16} {head['submitted_by_day_14']:>2} of {head['allocated']:>2} by day 14"
                f" ({head['percent_by_day_14'] or 0:>5.1f}%), {head['overdue']} overdue"
            )
        overdue_audits: dict[str, list[str]] = {}
        for audit in board["overdue_audits"]:
            heads = [h["name"] for h in audit["heads_of_service"]]
            overdue_audits[audit["child_ref"]] = heads
            auditor_area, case_area = AREA_NAMES[audit["auditor_service_area"]], AREA_NAMES[audit["case_service_area"]]
            self.say(
                f"  OVERDUE {audit['child_ref']} by {audit['auditor_name']} ({auditor_area}), a case of {case_area}: "
                f"{audit['days_overdue']} days; counts against {', '.join(heads)}, the auditor's HoS"
            )
        overdue_rcds = [r["child_ref"] for r in board["reflective_discussions"]["overdue"]]
        for rcd in board["reflective_discussions"]["overdue"]:
            self.say(
                f"  reflective case discussion OVERDUE: {rcd['child_ref']} ({rcd['case_team']}), submitted "
                f"{rcd['submitted_on']}, due {rcd['due_on']} ({rcd['days_overdue']} days), to be logged by the "
                f"{rcd['to_be_logged_by'].replace('_', ' ')}"
            )

        evidence = api.get("qa.manager", f"/v1/cycles/{cycle_id}/meetings")
        self.say("\n\033[1mMeetings evidence\033[0m  (HoS QA week 1 and weeks 4-5 per service area; ADQA week 6)")
        rows: dict[str, dict[str, str]] = {}
        for slot in evidence["head_of_service_meetings"]:
            held = slot["held"][0] if slot["held"] else None
            mark = slot["status"].upper() if slot["status"] != "held" else "held"
            if held and not held["in_expected_week"]:
                mark = f"held in week {held['cycle_week']} (late)"
            elif held:
                pdl = held["practice_development_leader"]
                mark += ", PDL invited" if pdl["invited"] else ", PDL post vacant" if pdl["post_vacant"] else ""
            rows.setdefault(slot["service_area"], {})[slot["slot"]] = mark
        self.say(f"  {'service area':38} {'week 1':24} {'weeks 4-5':24}")
        for area, marks in rows.items():
            self.say(f"  {AREA_NAMES[area]:38} {marks.get('week_1', '-'):24} {marks.get('weeks_4_5', '-'):24}")
        adqa = evidence["adqa_meeting"]
        if adqa["held"]:
            meeting = adqa["held"][0]
            self.say(
                f"  ADQA held {meeting['held_on']} (chair {meeting['chair']['name']}): "
                f"{len(meeting['reports_presented'])} HoS reports, {len(meeting['actions_set'])} action(s), "
                f"thematic audits requested: {', '.join(t['topic'] for t in meeting['thematic_audits_requested'])}"
            )
        missing = [(m["service_area"], m["slot"]) for m in evidence["missing"]]
        for m in evidence["missing"]:
            self.say(f"  MISSING: {m['meeting']}, {AREA_NAMES.get(m['service_area'] or '', 'department-wide')}")

        outstanding = api.get("qa.manager", "/v1/actions/outstanding")
        self.say(f"\n\033[1mOutstanding actions\033[0m  {outstanding['open']} open, {outstanding['overdue']} overdue")
        for action in outstanding["actions"]:
            mark = "OVERDUE" if action["overdue"] else "open   "
            self.say(
                f"  {mark} due {action['due_on']}  {action['owner_name']:16} {action['description'][:60]}"
                f"  [{action['source_kind']}]"
            )

        audit_id = self.played.audits[1]  # moderated to inadequate
        trail = api.get("qa.manager", f"/v1/audits/{audit_id}/trail")
        grades = trail["grades"][audit_id]
        self.say(
            f"\n\033[1mThe trail of audit MOS-400101\033[0m  ({trail['count']} events, hash-chained; auditor's grade "
            f"{grades['auditor_grade']}, moderated {grades['moderated_grade']}, effective {grades['effective_grade']})"
        )
        for event in trail["events"]:
            data = event.get("data") or {}
            detail = data.get("overall_grade") or data.get("moderated_grade") or data.get("rule") or ""
            if event["type"].endswith("NotificationDelivered"):
                detail = f"told {data.get('recipient_id')}: {detail}"
            on = next((data[k] for k in DATE_FIELDS if data.get(k)), "")
            who = f"{event['actorid']} ({event.get('actorrole', '')})"
            self.say(
                f"  #{event['position']:<4} {on:10} {event['type'].rsplit('.', 1)[-1]:25} {who:32} {detail[:44]:44} "
                f"{event['integrityhash'][:10]}…"
            )

        hos = api.markdown("hos.soc", "/v1/reports/head-of-service", cycle=cycle_id, service_area=SOC)
        self.excerpt("The Head of Service report (Supporting Our Children), as Markdown to paste", hos, 70)
        qa_report = api.markdown("qa.manager", "/v1/reports/cycle", cycle=cycle_id)
        self.excerpt("The QA Manager's cycle report for the ADQA meeting", qa_report, 60)

        sent_notes = api.get("qa.manager", "/v1/notifications", limit=500, status="sent")["items"]
        rules = Counter(n["rule"] for n in sent_notes)
        outbox = Path(self.app.state.data_dir, "outbox") if hasattr(self.app.state, "data_dir") else None
        emails = len(list(outbox.glob("*.eml"))) if outbox and outbox.exists() else sum(1 for _ in sent_notes)
        self.say(
            f"\n\033[1mNotifications sent\033[0m  {len(sent_notes)} (each recorded back in the ledger as a receipt)"
        )
        for rule, count in rules.most_common():
            self.say(f"  {count:>4}  {rule}")
        examples = {n["rule"]: n for n in reversed(sent_notes)}  # the first sent under each rule
        for rule in ("audit.inadequate.send_to_ad_and_hos", "audit.overdue", "action.overdue"):
            if rule in examples:
                self.say(f"  e.g. to {examples[rule]['recipient_id']:11} {examples[rule]['subject_line']}")

        integrity = api.get("qa.manager", "/v1/integrity")
        verification, checkpoint = integrity["verification"], integrity["checkpoint"]
        ok = bool(verification["verified"])
        self.say("\n\033[1mIntegrity\033[0m")
        self.say(
            f"  hash chain recomputed over {verification['checked_events']} events: "
            + ("intact" if ok else f"BROKEN at position {verification['first_failure']}: {verification['reason']}")
        )
        kept = {k: checkpoint[k] for k in ("position", "sequence", "hash", "signature")}
        check = api.post("qa.manager", "/v1/integrity/checkpoints", kept)
        self.say(
            f"  signed checkpoint at position {kept['position']} (head {kept['hash'][:16]}…): "
            f"Ed25519 signature valid={check['valid_signature']}, still matches the ledger={check['matches_ledger']}"
        )
        head = api.get("qa.manager", "/v1/events", after=0, limit=1)["head"]
        self.say("=" * 100)
        return Figures(
            staff=len(DEPARTMENT),
            submitted=coverage["submitted"],
            moderated=coverage["moderated"],
            percent_moderated=coverage["percent_moderated"],
            meets_floor=coverage["meets_floor"],
            inadequate=len(coverage["inadequate_audits"]),
            sent_to_ad_and_hos=sent,
            overdue_audits=overdue_audits,
            overdue_rcds=overdue_rcds,
            missing_meetings=missing,
            open_actions=outstanding["open"],
            overdue_actions=outstanding["overdue"],
            trail_events=trail["count"],
            notifications_sent=len(sent_notes),
            emails=emails,
            chain_ok=ok,
            events=head,
            hos_report=hos,
            cycle_report=qa_report,
        )

    def excerpt(self, title: str, markdown: str, lines: int) -> None:
        """The first lines of a report draft: its learning comes first, its figures last."""
        shown = markdown.splitlines()
        self.say(f"\n\033[1m{title}\033[0m")
        for line in shown[:lines]:
            self.say(f"  | {line}")
        if len(shown) > lines:
            self.say(f"  | … {len(shown) - lines} more lines (the figures, trends and domains)")


DATE_FIELDS = ("submitted_on", "held_on", "moderated_on", "agreed_on", "completed_on")
HEADLINES = {
    (SOC, "audit_findings"): "Children's voices shape their plans; chronologies stop when children move home.",
    (EH, "audit_findings"): "Family plans are written with families; step-down decisions are not recorded.",
    (MASH, "audit_findings"): "Strategy discussions are timely; threshold decisions lack the manager's reasons.",
    (SSF, "audit_findings"): "Family network meetings work; plans for children in need drift after 3 months.",
    (ADOL, "audit_findings"): "Relationships with young people are strong; missing episodes are not analysed.",
}
ACTION_BY_GRADE = {
    "inadequate": "See the child alone within 5 working days and review the safety plan",
    "requires_improvement": "Update the chronology and record management oversight monthly",
}


def domain_findings(overall: str, words: dict[str, str]) -> list[dict[str, str]]:
    usual, unusual = DOMAIN_GRADES[overall]
    found = []
    for domain in load_tool("ten_domain").domains:
        grade = unusual.get(domain.id, usual)
        text = words.get(domain.id, f"{domain.title}: {FINDING_BY_GRADE[grade]}")
        found.append({"domain": domain.id, "grade": grade, "finding": text})
    return found


@contextlib.contextmanager
def embedded_server(data_dir: Path, calendar: Calendar) -> Iterator[tuple[str, str, Any]]:
    """The embedded app (ledger, projections, notifier) on a free port in a background thread."""
    from services.embedded import create_embedded_app
    from services.ledger.config import LedgerSettings, dev_cipher_key
    from services.platform.auth import AuthSettings

    port = free_port()
    settings = LedgerSettings(
        database_url=f"sqlite:///{data_dir}/ledger.sqlite3",
        data_dir=data_dir,
        host="127.0.0.1",
        port=port,
        cipher_key=dev_cipher_key(data_dir),
    )
    key = secrets.token_urlsafe(32)
    app = create_embedded_app(settings, AuthSettings(local_key=key), clock=calendar)
    app.state.data_dir = str(data_dir)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, log_level="warning"))
    thread = threading.Thread(target=server.run, name="demo-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the embedded server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", key, app
    finally:
        server.should_exit = True
        thread.join(15)


def run_demo(out: TextIO = sys.stdout, pace: float = 0.0, data_dir: Path | None = None) -> Figures:
    import logging

    for variable in ("LEDGER_DATABASE_URL", "PROJECTIONS_DATABASE_URL", "NOTIFIER_DATABASE_URL"):
        os.environ.pop(variable, None)  # the demo keeps everything in its own temporary directory
    logging.getLogger("qa_ledger").setLevel(logging.WARNING)
    with contextlib.ExitStack() as stack:
        if data_dir is None:
            data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="qa-ledger-demo-")))
        calendar = Calendar()
        url, key, app = stack.enter_context(embedded_server(data_dir, calendar))
        demo = Demo(url, key, calendar, app, out, pace)
        print(f"QA Ledger demo: the embedded system on {url}, data in {data_dir}", file=out)
        print("A simulated calendar moves week by week; everything goes through the public HTTP API.\n", file=out)
        demo.play()
        return demo.report()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--pace", type=float, default=1.5, help="seconds to pause at each new week (0: no pause)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the data directory here")
    args = parser.parse_args(argv)
    started = time.monotonic()
    figures = run_demo(pace=args.pace, data_dir=args.keep)
    print(f"\nPlayed {figures.events} ledger positions in {time.monotonic() - started:.0f}s.")
    return 0 if figures.chain_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
