"""A sample department and an HTTP driver for the public API: what the demo and the distributed
end-to-end test play through the ledger, exactly as a client would (bearer tokens, JSON bodies).

Tokens are minted with the deployment's local dev key, with each person's roles from the roster.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx

from schemas.audit_tools import load_tool
from services.platform.auth import AuthSettings, mint_local_token

EH = "early_help_and_support"
MASH = "mash_assessment_support_awaken"
SSF = "strengthening_supporting_families"
SOC = "supporting_our_children"
ADOL = "adolescent"
SQR = "safeguarding_quality_review"
SERVICE_AREAS = (EH, MASH, SSF, SOC, ADOL, SQR)


@dataclass(frozen=True)
class Person:
    handle: str
    name: str
    roles: tuple[str, ...]
    team: str
    area: str
    groups: tuple[str, ...] = ()
    manager: str | None = None


def _p(
    handle: str, name: str, roles: str, team: str, area: str, groups: str = "", manager: str | None = None
) -> Person:
    return Person(handle, name, tuple(roles.split()), team, area, tuple(groups.split()), manager)


# Managers come before the people they manage: registration checks the manager exists.
DEPARTMENT: tuple[Person, ...] = (
    _p("qa.manager", "Priya Shah", "qa_manager", "Quality Assurance", SQR),
    _p("psw.okafor", "Grace Okafor", "principal_social_worker", "Quality Assurance", SQR),
    _p("ad.hughes", "Owen Hughes", "assistant_director", "Directorate", SQR),
    _p("hos.sqr", "Ruth Bell", "head_of_service", "Safeguarding & Quality", SQR, manager="ad.hughes"),
    _p("ext.marsh", "Dr Helen Marsh", "external_auditor", "Independent", SQR, "external"),
    _p("pdl.sqr", "Maya Osei", "practice_development_leader", "Practice Development", SQR),
    # Early Help and Support
    _p("hos.eh", "Martin Cole", "head_of_service", "Early Help Management", EH, manager="ad.hughes"),
    _p("sm.eh", "Aisha Rahman", "service_manager", "Early Help Management", EH, manager="hos.eh"),
    _p("tm.eh", "Lucy Ward", "team_manager", "Early Help North", EH, manager="sm.eh"),
    _p("eh.leader", "Tom Fisher", "auditor", "Early Help North", EH, "early_help_team_leader", "tm.eh"),
    _p("sw.eh", "Nadia Ali", "auditor", "Early Help North", EH, manager="tm.eh"),
    _p("pdl.eh", "Chris Dunn", "practice_development_leader", "Practice Development", EH),
    # MASH, Assessment, Support and Awaken
    _p("hos.mash", "Sarah Jennings", "head_of_service", "MASH Management", MASH, manager="ad.hughes"),
    _p("sm.mash", "Paul Evans", "service_manager", "MASH Management", MASH, manager="hos.mash"),
    _p("tm.assess2", "Kemi Adeyemi", "team_manager auditor", "Assessment 2", MASH, manager="sm.mash"),
    _p("aud.mash", "Sam Patel", "auditor", "Assessment 2", MASH, manager="tm.assess2"),
    _p("sw.assess2", "Ellie Moss", "auditor", "Assessment 2", MASH, manager="tm.assess2"),
    _p("pdl.mash", "Ben Carter", "practice_development_leader", "Practice Development", MASH),
    # Strengthening and Supporting Families
    _p("hos.ssf", "Janet Price", "head_of_service", "Families Management", SSF, manager="ad.hughes"),
    _p("sm.ssf", "Imran Khan", "service_manager", "Families Management", SSF, manager="hos.ssf"),
    _p("tm.fs1", "Laura Green", "team_manager", "Family Support 1", SSF, manager="sm.ssf"),
    _p("aud.ssf", "Dan Roberts", "auditor", "Family Support 2", SSF, manager="sm.ssf"),
    _p("sw.fs1", "Mia Lewis", "auditor", "Family Support 1", SSF, manager="tm.fs1"),
    _p("pdl.ssf", "Zoe Hart", "practice_development_leader", "Practice Development", SSF),
    # Supporting Our Children
    _p("hos.soc", "Andrew Boyd", "head_of_service", "SOC Management", SOC, manager="ad.hughes"),
    _p("sm.soc", "Fiona Clarke", "service_manager", "SOC Management", SOC, manager="hos.soc"),
    _p("tm.cic1", "Tess Jones", "team_manager", "Children in Care 1", SOC, manager="sm.soc"),
    _p("fm.soc", "Gareth Lloyd", "auditor team_manager", "Fostering", SOC, "fostering_manager", "sm.soc"),
    _p("aud.soc", "Olivia Reed", "auditor", "Children in Care 2", SOC, manager="sm.soc"),
    _p("sw.cic1", "Alex Kerr", "auditor", "Children in Care 1", SOC, manager="tm.cic1"),
    _p("pdl.soc", "Hannah Webb", "practice_development_leader", "Practice Development", SOC),
    # Adolescent services
    _p("hos.adol", "Neil Grant", "head_of_service", "Adolescent Management", ADOL, manager="ad.hughes"),
    _p("sm.adol", "Rachel Young", "service_manager", "Adolescent Management", ADOL, manager="hos.adol"),
    _p("tm.adol", "Joe Walsh", "team_manager", "Adolescent Team", ADOL, manager="sm.adol"),
    _p("lc.auditor", "Kate Morris", "auditor", "Leaving Care", ADOL, "leaving_care", "sm.adol"),
    _p("yj.auditor", "Leon Baptiste", "auditor", "Youth Justice", ADOL, "youth_justice", "sm.adol"),
    _p("sw.adol", "Amir Hussain", "auditor", "Adolescent Team", ADOL, manager="tm.adol"),
    _p("pdl.adol", "Sian Price", "practice_development_leader", "Practice Development", ADOL),
)
BY_HANDLE = {person.handle: person for person in DEPARTMENT}
# The register authorises every command, so someone must be first: the operator names this QA Manager
# (`make admin`), and they register everyone else.
FIRST_QA_MANAGER = DEPARTMENT[0]

# Each case team: its Team Manager, Service Manager and an allocated practitioner.
CASE_TEAMS: dict[str, tuple[str, str, str, str]] = {
    "Early Help North": (EH, "tm.eh", "sm.eh", "sw.eh"),
    "Assessment 2": (MASH, "tm.assess2", "sm.mash", "sw.assess2"),
    "Family Support 1": (SSF, "tm.fs1", "sm.ssf", "sw.fs1"),
    "Children in Care 1": (SOC, "tm.cic1", "sm.soc", "sw.cic1"),
    "Adolescent Team": (ADOL, "tm.adol", "sm.adol", "sw.adol"),
}


def email(person: Person) -> str:
    return f"{person.handle}@example.gov.uk"


def bootstrap_args(person: Person = FIRST_QA_MANAGER) -> list[str]:
    """`python -m services.ledger.admin` arguments that name the department's first QA Manager."""
    return ["--sub", person.handle, "--name", person.name, "--email", email(person)]


class ApiError(RuntimeError):
    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        super().__init__(f"{method} {path} -> {status}: {body}")
        self.status = status


class Client:
    """The public HTTP API of one service, speaking as members of the department."""

    def __init__(self, base_url: str, signing_key: str, timeout: float = 30.0, retry_seconds: float = 0.0) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=timeout)
        self.auth = AuthSettings(local_key=signing_key)
        self._tokens: dict[str, str] = {}
        # How long to keep retrying a POST that carries an Idempotency-Key while the service cannot be
        # reached (it may be restarting): the key makes a retry return the first answer, never a second fact.
        self.retry_seconds = retry_seconds

    def headers(self, who: str) -> dict[str, str]:
        if who not in self._tokens:
            roles = list(BY_HANDLE[who].roles) if who in BY_HANDLE else [who.split(":")[0]]
            subject = who.split(":")[-1]
            self._tokens[who] = mint_local_token(self.auth, subject, roles, ttl_seconds=3600)
        return {"Authorization": f"Bearer {self._tokens[who]}"}

    def post(self, who: str, path: str, body: dict[str, Any], key: str | None = None) -> dict[str, Any]:
        headers = self.headers(who) | ({"Idempotency-Key": key} if key else {})
        deadline = time.monotonic() + (self.retry_seconds if key else 0.0)
        while True:
            try:
                answer = self.http.post(path, json=body, headers=headers)
                break
            except httpx.TransportError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.5)
        if answer.status_code >= 400:
            raise ApiError("POST", path, answer.status_code, answer.text)
        return answer.json()  # type: ignore[no-any-return]

    def get(self, who: str, path: str, **params: Any) -> Any:
        answer = self.http.get(
            path, params={k: v for k, v in params.items() if v is not None}, headers=self.headers(who)
        )
        if answer.status_code >= 400:
            raise ApiError("GET", path, answer.status_code, answer.text)
        return answer.json()

    def markdown(self, who: str, path: str, **params: Any) -> str:
        """A report draft as Markdown (`format=markdown`)."""
        answer = self.http.get(path, params={**params, "format": "markdown"}, headers=self.headers(who))
        if answer.status_code >= 400:
            raise ApiError("GET", path, answer.status_code, answer.text)
        return answer.text

    def close(self) -> None:
        self.http.close()


def findings(grade: str, tool: str = "ten_domain") -> list[dict[str, str]]:
    return [
        {"domain": d.id, "grade": grade, "finding": f"{d.title}: {FINDING_BY_GRADE[grade]}"}
        for d in load_tool(tool).domains
    ]


FINDING_BY_GRADE = {
    "outstanding": "consistently evidenced and making a difference for the child",
    "good": "evidenced in the record and in the child's plan",
    "requires_improvement": "partly evidenced; some gaps in recording",
    "inadequate": "not evidenced; the child's needs are not being met",
}


class Ledger:
    """Use cases of the ledger's API, one call each."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def register(self, people: tuple[Person, ...] = DEPARTMENT[1:]) -> None:
        """Everyone but the first QA Manager, whom the operator has named (`bootstrap_args`)."""
        for person in people:
            body = {
                "staff_id": person.handle,
                "display_name": person.name,
                "email": email(person),
                "roles": list(person.roles),
                "team": person.team,
                "service_area": person.area,
                "auditor_groups": list(person.groups),
                "manager_id": person.manager,
            }
            self.client.post("qa.manager", "/v1/staff", body, key=f"staff-{person.handle}")

    def cycle(self, name: str, week1_monday: date) -> str:
        body = {"name": name, "week1_monday": week1_monday.isoformat()}
        return str(self.client.post("qa.manager", "/v1/cycles", body, key=f"cycle-{week1_monday}")["id"])

    def allocate(
        self, cycle_id: str | None, auditor: str, child_ref: str, case_team: str, by: str = "qa.manager", **extra: Any
    ) -> dict[str, Any]:
        body = {
            "auditor_id": auditor,
            "child_ref": child_ref,
            "case_team": case_team,
            "case_service_area": CASE_TEAMS[case_team][0],
            "cycle_id": cycle_id,
            **extra,
        }
        return self.client.post(by, "/v1/audits", body, key=f"allocate-{child_ref}")

    def submit(
        self,
        audit_id: str,
        auditor: str,
        grade: str,
        today: date,
        tool: str = "ten_domain",
        strengths: str = "The child's wishes and feelings are recorded in their own words.",
        challenges: str = "The chronology has not been updated since the last review.",
        domain_findings: list[dict[str, str]] | None = None,
    ) -> None:
        body = {
            "practice_period_from": (today - timedelta(days=150)).isoformat(),
            "practice_period_to": (today - timedelta(days=1)).isoformat(),
            "summary": SUMMARY_BY_GRADE[grade],
            "strengths": strengths,
            "challenges": challenges,
            "domain_findings": domain_findings or findings(grade, tool),
            "overall_grade": grade,
        }
        self.client.post(auditor, f"/v1/audits/{audit_id}/submission", body, key=f"submit-{audit_id}")

    def discuss(self, audit_id: str, case_team: str, auditor: str, held_on: date, *, inadequate: bool) -> None:
        """The RCD: the practitioner and their manager; logged by the Service Manager when inadequate."""
        _, team_manager, service_manager, practitioner = CASE_TEAMS[case_team]
        participants = [
            {"participant_id": practitioner, "capacity": "allocated_practitioner"},
            {"participant_id": team_manager, "capacity": "practitioner_manager"},
            {"participant_id": auditor, "capacity": "auditor"},
        ]
        if inadequate:
            participants.append({"participant_id": service_manager, "capacity": "service_manager"})
        body = {
            "held_on": held_on.isoformat(),
            "participants": participants,
            "notes": "Reflected on the findings with the practitioner; agreed what will change for the child.",
        }
        logger = service_manager if inadequate else team_manager
        self.client.post(logger, f"/v1/audits/{audit_id}/reflective-discussion", body, key=f"rcd-{audit_id}")

    def moderate(self, audit_id: str, grade: str, by: str = "qa.manager", feedback: str | None = None) -> None:
        body = {"moderated_grade": grade, "feedback": feedback or "The findings support the grade given."}
        self.client.post(by, f"/v1/audits/{audit_id}/moderation", body, key=f"moderate-{audit_id}-{grade}")

    def agree_action(
        self, owner: str, source_kind: str, source_id: str, due_on: date, description: str, by: str | None = None
    ) -> str:
        body = {
            "owner_id": owner,
            "description": description,
            "measure_of_success": "Evidenced in the case record at the next supervision.",
            "due_on": due_on.isoformat(),
            "source_kind": source_kind,
            "source_id": source_id,
        }
        key = f"action-{source_id}-{owner}-{hashlib.sha256(description.encode()).hexdigest()[:12]}"
        return str(self.client.post(by or owner, "/v1/actions", body, key=key)["id"])

    def complete_action(self, action_id: str, owner: str, outcome: str) -> None:
        self.client.post(owner, f"/v1/actions/{action_id}/completion", {"outcome": outcome}, key=f"done-{action_id}")


SUMMARY_BY_GRADE = {
    "outstanding": "Exceptional, child-centred practice; the plan is driving real change.",
    "good": "Child-centred practice; plans are reviewed on time and the child is seen.",
    "requires_improvement": "The child is safe but the plan is drifting and recording lags behind.",
    "inadequate": "Risk is not understood; the child has not been seen alone for three months.",
}
