"""`make demo`: an 8-week audit cycle played through the public HTTP API, then what the system knows.

It starts the embedded server itself (in this process, on a free port, in a temporary data directory)
with a simulated calendar, and moves the calendar week by week while the department works: the QA
Manager registers staff and schedules the cycle, audits are allocated across service areas, auditors
submit (two inadequate), Team and Service Managers log reflective case discussions, the QA Manager and
the Principal Social Worker moderate, managers agree SMART actions, Heads of Service and the Assistant
Director hold their QA meetings, and an external auditor works through the specialist programme.
Then it prints the moderation coverage, the outstanding actions, one audit's trail, the notifications
sent and the integrity check: all read back through the same API.
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
    FIRST_QA_MANAGER,
    MASH,
    SOC,
    SSF,
    Client,
    Ledger,
    bootstrap_args,
    findings,
)
from devtools.kafka_broker import free_port

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
# Moderation in week 3: (case index, moderator, moderated grade) — both inadequate audits among them.
MODERATIONS = [(4, "qa.manager", "inadequate"), (11, "psw.okafor", "inadequate"), (1, "qa.manager", "good"),
               (12, "psw.okafor", "outstanding")]  # fmt: skip
HOS_AREAS = {"hos.eh": EH, "hos.mash": MASH, "hos.ssf": SSF, "hos.soc": SOC, "hos.adol": ADOL}
PDL = {EH: "pdl.eh", MASH: "pdl.mash", SSF: "pdl.ssf", SOC: "pdl.soc", ADOL: "pdl.adol"}
SM = {EH: "sm.eh", MASH: "sm.mash", SSF: "sm.ssf", SOC: "sm.soc", ADOL: "sm.adol"}


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
    open_actions: int
    overdue_actions: int
    trail_events: int
    notifications_sent: int
    emails: int
    chain_ok: bool
    events: int


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
        for hos, area in HOS_AREAS.items():
            self.meeting(hos, area, "performance_data", cal.day(1, 2))
        self.step("5 Heads of Service hold their week-1 QA meetings on performance data (PDL invited)")

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
        self.calendar.today = cal.day(3, 2)
        for index, moderator, grade in MODERATIONS:
            ledger.moderate(p.audits[index], grade, by=moderator, feedback=MODERATION_FEEDBACK[grade])
        self.step(f"QA Manager and PSW moderate {len(MODERATIONS)} audits, including both inadequate ones")
        self.agree_actions()

        self.week(4, 1, "Heads of Service QA meetings on audit findings; specialist audits come in")
        for n, hos in enumerate(["hos.eh", "hos.mash", "hos.ssf"]):
            self.calendar.today = cal.day(4, 1 + n)
            self.meeting(hos, HOS_AREAS[hos], "audit_findings", self.calendar.today)
        self.step("Early Help, MASH and Families Heads of Service review the audit findings with their PDLs")
        self.specialist_submissions(7)
        self.complete(0, "Manager's oversight recorded; safety plan reviewed with the family")

        self.week(5, 1, "the remaining HoS QA meetings")
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
                self.ledger.submit(audit_id, auditor, grade, self.calendar.today)
                self.ledger.discuss(audit_id, team, auditor, self.calendar.today, inadequate=grade == "inadequate")

    def meeting(self, hos: str, area: str, focus: str, held_on: date, action: bool = False) -> None:
        body = {
            "kind": "hos_qa",
            "focus": focus,
            "cycle_id": self.played.cycle_id,
            "service_area": area,
            "held_on": held_on.isoformat(),
            "attendee_ids": [hos, SM[area]],
            "invitee_ids": [PDL[area]],
            "measures_reviewed": ["Visits, including the child seen alone", "Plans reviewed on time"],
            "headline_learning": f"{AREA_NAMES[area]}: the child's voice is strong; chronologies lag.",
        }
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
        """SMART actions from the RCDs of the inadequate and requires-improvement audits, and from moderation."""
        cal, count = self.calendar, 0
        for n, (_, team, grade, submitted_on, _) in enumerate(CASES):
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
                    "areas_for_development": "Checks on the private foster carer's household were late.",
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
        self.say(f"\n\033[1mModeration coverage\033[0m  (floor {coverage['floor_percent']}%)")
        self.say(f"  {'service area':38} {'submitted':>9} {'moderated':>9} {'%':>6}")
        for row in coverage["by_service_area"]:
            name = AREA_NAMES.get(row.get("service_area", ""), row.get("title", row.get("service_area", "")))
            self.say(f"  {name:38} {row['submitted']:>9} {row['moderated']:>9} {row['percent_moderated'] or 0:>6.1f}")
        verdict = "meets the floor" if coverage["meets_floor"] else "BELOW the floor"
        self.say(
            f"  {'whole cycle':38} {coverage['submitted']:>9} {coverage['moderated']:>9} "
            f"{coverage['percent_moderated']:>6.1f}  {verdict}; moderators agreed with "
            f"{coverage['moderations_agreeing']} of {coverage['moderated']} grades"
        )
        for audit in coverage["inadequate_audits"]:
            self.say(
                f"  inadequate: {audit['child_ref']} ({audit['case_team']}) by {audit['auditor_id']}: "
                f"moderated={audit['moderated']}, escalated={audit['escalated']}"
            )

        outstanding = api.get("qa.manager", "/v1/actions/outstanding")
        self.say(f"\n\033[1mOutstanding actions\033[0m  {outstanding['open']} open, {outstanding['overdue']} overdue")
        for action in outstanding["actions"]:
            mark = "OVERDUE" if action["overdue"] else "open   "
            owner = BY_HANDLE[action["owner_id"]].name if action["owner_id"] in BY_HANDLE else action["owner_id"]
            self.say(
                f"  {mark} due {action['due_on']}  {owner:16} {action['description'][:60]}  [{action['source_kind']}]"
            )

        audit_id = self.played.audits[4]  # the inadequate audit of a child in care
        trail = api.get("qa.manager", f"/v1/audits/{audit_id}/trail")
        self.say(
            f"\n\033[1mThe trail of audit {CASES[4][1]} / MOS-400104\033[0m  ({trail['count']} events, hash-chained)"
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

        sent = api.get("qa.manager", "/v1/notifications", limit=500, status="sent")["items"]
        rules = Counter(n["rule"] for n in sent)
        outbox = Path(self.app.state.data_dir, "outbox") if hasattr(self.app.state, "data_dir") else None
        emails = len(list(outbox.glob("*.eml"))) if outbox and outbox.exists() else sum(1 for _ in sent)
        self.say(f"\n\033[1mNotifications sent\033[0m  {len(sent)} (each recorded back in the ledger as a receipt)")
        for rule, count in rules.most_common():
            self.say(f"  {count:>4}  {rule}")
        examples = {n["rule"]: n for n in reversed(sent)}  # the first sent under each rule
        for rule in ("audit.inadequate.escalate", "audit.overdue", "action.overdue"):
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
        staff = sum(1 for _ in DEPARTMENT)
        self.say("=" * 100)
        return Figures(
            staff=staff,
            submitted=coverage["submitted"],
            moderated=coverage["moderated"],
            percent_moderated=coverage["percent_moderated"],
            meets_floor=coverage["meets_floor"],
            inadequate=len(coverage["inadequate_audits"]),
            open_actions=outstanding["open"],
            overdue_actions=outstanding["overdue"],
            trail_events=trail["count"],
            notifications_sent=len(sent),
            emails=emails,
            chain_ok=ok,
            events=head,
        )


DATE_FIELDS = ("submitted_on", "held_on", "moderated_on", "agreed_on", "completed_on")
MODERATION_FEEDBACK = {
    "inadequate": "Agree: risk is not understood and the child has not been seen alone. Escalated to the HoS.",
    "good": "Raised to good: the plan is reviewed and the child's progress is evidenced.",
    "outstanding": "Agree: exceptional direct work, and the difference it makes is recorded.",
}
ACTION_BY_GRADE = {
    "inadequate": "See the child alone within 5 working days and review the safety plan",
    "requires_improvement": "Update the chronology and record management oversight monthly",
}


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
