"""Helpers for the projections tests: a store beside the ledger's, an in-process feed, full dumps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

from services.feed import LogFeed
from services.ledger.application import LedgerApplication
from services.platform.paging import PageRequest
from services.projections.consumer import Projections
from services.projections.queries.actions import ActionFilter, outstanding_actions
from services.projections.queries.common import PointInTime
from services.projections.queries.cycle_report import cycle_report
from services.projections.queries.cycles import dashboard, moderation_coverage
from services.projections.queries.meetings import meetings_evidence
from services.projections.queries.programme import programme_progress, quota_compliance
from services.projections.queries.registers import (
    ActionFilters,
    AuditFilters,
    MeetingFilters,
    StaffFilters,
    Visibility,
    actions_register,
    audits_register,
    cycles_register,
    meetings_register,
    staff_register,
)
from services.projections.queries.reports import head_of_service_report
from services.projections.queries.six_monthly import six_monthly_report
from services.projections.queries.trails import trail
from services.projections.wiring import build_projections
from tests.support.postgres import fresh_schema


def projections_url(database_url: str, tmp_path: Path, name: str = "projections") -> str:
    """A read-model store on the same kind of server as the ledger's, on empty tables."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path}/{name}.sqlite3"
    base = urlunparse(urlparse(database_url)._replace(query=""))
    return f"{base}?schema={fresh_schema(base)}"


def ledger_feed(ledger: LedgerApplication) -> LogFeed:
    def read_page(after: int, limit: int) -> tuple[list[Any], int]:
        page = ledger.feed_page(after, limit)
        return page.events, page.head

    return LogFeed(read_page)


def new_projections(
    database_url: str, tmp_path: Path, today: Callable[[], date], name: str = "projections"
) -> Projections:
    return build_projections(projections_url(database_url, tmp_path, name), today=today)


def table_dump(projections: Projections) -> dict[str, list[dict[str, Any]]]:
    """Every row of every read-model table, in a stable order."""
    dump: dict[str, list[dict[str, Any]]] = {}
    with projections.db.snapshot() as tx:
        for projector in projections.projectors:
            for table in projector.tables:
                rows = tx.all(f"SELECT * FROM {table}")
                dump[table] = sorted(rows, key=lambda row: sorted((k, str(v)) for k, v in row.items()))
        dump["proj_tracking"] = sorted(tx.all("SELECT * FROM proj_tracking"), key=lambda r: r["projection"])
    return dump


def query_dump(projections: Projections, as_of: date) -> dict[str, Any]:
    """The full output of every read model a client can ask for: now, and as known at an instant in the
    middle of the history (an `as_of` answer must be the same after a rebuild)."""
    everyone: Callable[[Any], bool] = lambda _: True  # noqa: E731
    out: dict[str, Any] = {}
    with projections.db.snapshot() as tx:
        times = [r["version_time"] for r in tx.all("SELECT version_time FROM proj_audits_versions ORDER BY 1")]
        middle = times[len(times) // 2] if times else None
        cycles = [r["cycle_id"] for r in tx.all("SELECT cycle_id FROM proj_cycles ORDER BY cycle_id")]
        areas = [r["case_service_area"] for r in tx.all("SELECT DISTINCT case_service_area FROM proj_audits")]
        for label, when in (("now", PointInTime(as_of)), ("then", PointInTime(as_of, middle))):
            for cycle in cycles:
                out[f"{label}/coverage/{cycle}"] = moderation_coverage(tx, cycle, when)
                out[f"{label}/dashboard/{cycle}"] = dashboard(tx, cycle, when)
                out[f"{label}/meetings/{cycle}"] = meetings_evidence(tx, cycle, when)
                out[f"{label}/cycle_report/{cycle}"] = cycle_report(tx, cycle, when)
                for area in sorted(areas):
                    out[f"{label}/hos/{cycle}/{area}"] = head_of_service_report(tx, cycle, area, when)
            out[f"{label}/outstanding"] = outstanding_actions(tx, when, ActionFilter())
            out[f"{label}/six_monthly"] = six_monthly_report(tx, as_of, when)
        out["quotas"] = quota_compliance(tx, as_of.isoformat()[:7], everyone)
        out["programme"] = programme_progress(tx)
        page, all_rows = PageRequest(500, None), Visibility(everything=True)
        out["registers/audits"] = audits_register(tx, page, AuditFilters(), all_rows, as_of)
        out["registers/cycles"] = cycles_register(tx, page)
        out["registers/staff"] = staff_register(tx, page, StaffFilters(), all_rows)
        out["registers/meetings"] = meetings_register(tx, page, MeetingFilters(), all_rows)
        out["registers/actions"] = actions_register(tx, page, ActionFilters(), all_rows, as_of)
        for kind, column in (("audit", "audit_id"), ("child", "child_ref"), ("team", "team")):
            for row in tx.all(f"SELECT DISTINCT {column} AS key FROM proj_trail_subjects"):
                out[f"trail/{kind}/{row['key']}"] = trail(tx, kind, row["key"], None, everyone)
    return out


def busy_department(world: Any, step: Callable[[], None]) -> dict[str, Any]:
    """A cycle with most things that can happen in it; `step()` runs after each command (e.g. follow)."""
    from datetime import timedelta
    from uuid import UUID

    from schemas.vocabulary import Role
    from services.ledger import commands as c
    from services.ledger.application import Actor
    from tests.support.world import EH, MASH, NO_KEY, actor, domain_findings

    ledger = world.ledger
    cycle = world.cycle()
    step()
    audits = []
    for n, grade in enumerate(["good", "outstanding", "requires_improvement", "inadequate", "good"]):
        audit = world.allocate(cycle, child_ref=f"MOS-9{n:05d}")
        world.submit(audit, grade=grade)
        audits.append(audit)
        step()
    world.moderate(audits[0])
    world.moderate(audits[3], by="psw.one", grade="requires_improvement")
    world.discuss(audits[0])
    world.discuss(audits[3])  # moderated down to requires improvement: the Team Manager logs it
    step()
    done = world.agree_action(audits[0], due_in_days=7)
    open_action = world.agree_action(audits[3], owner="sm.soc", by="sm.soc", due_in_days=1)
    # Counting handlers (progress notes, re-dating) are the ones a double delivery would corrupt.
    ledger.note_action_progress(actor("sm.soc"), open_action, c.NoteActionProgress(note="Plan drafted"), NO_KEY)
    ledger.change_action_due_date(
        actor("sm.soc"),
        open_action,
        c.ChangeActionDueDate(due_on=world.today + timedelta(days=2), reason="Waiting for the health visitor"),
        NO_KEY,
    )
    cancelled = world.agree_action(audits[0], due_in_days=20)
    ledger.complete_action(actor("tm.cic1"), done, c.CompleteAction(outcome="Chronology is current"), NO_KEY)
    ledger.cancel_action(actor("tm.cic1"), cancelled, c.CancelAction(reason="Superseded"), NO_KEY)
    step()
    graded = next(e for e in ledger.read_stream(world.qa, audits[3]) if e.contract == "AuditGraded")
    ledger.record_notification_delivered(
        Actor(id="notifier", roles=frozenset({Role.SERVICE})),
        c.RecordNotificationDelivered(
            cause_event_id=graded.id,
            cause_aggregate_id=audits[3],
            cause_event_type="AuditGraded",
            rule="audit.inadequate.escalate",
            recipient_id="hos.soc",
            channel="email",
            subject_line="An inadequate audit",
        ),
        NO_KEY,
    )
    moved = world.allocate(cycle, child_ref="MOS-910000", case_team="Assessment 2", case_area=MASH, auditor="aud.soc")
    ledger.reallocate_audit(world.qa, moved, c.ReallocateAudit(auditor_id="sw.cic1", reason="Leave"), NO_KEY)
    gone = world.allocate(cycle, child_ref="MOS-910001")
    ledger.withdraw_audit(world.qa, gone, c.WithdrawAudit(reason="Allocated in error"), NO_KEY)
    ledger.amend_audit(
        actor("aud.mash"), audits[4], c.AmendAudit(reason="Grade error", overall_grade="outstanding"), NO_KEY
    )
    step()
    eh = world.allocate(
        None,
        auditor="eh.leader",
        case_team="Early Help North",
        case_area=EH,
        tool="early_help",
        due_on=world.today + timedelta(days=7),
        child_ref="MOS-920000",
    )
    world.submit(eh, auditor="eh.leader", domain_findings=domain_findings("requires_improvement", "early_help"))
    item = ledger.schedule_specialist_audit(
        world.qa,
        c.ScheduleSpecialistAudit(
            month=world.today.isoformat()[:7], topic="Private fostering", external_auditor_id="ext.auditor"
        ),
        NO_KEY,
    )
    ledger.record_meeting(
        actor("hos.soc"),
        c.RecordMeeting(
            kind="hos_qa",
            focus="audit_findings",
            cycle_id=cycle,
            service_area="supporting_our_children",
            held_on=world.today,
            attendee_ids=["hos.soc", "pdl.soc"],
            moderation_learning="Evidence grades with impact.",
            reports=[
                {
                    "presenter_id": "hos.soc",
                    "service_area": "supporting_our_children",
                    "strengths": "Voice",
                    "challenges": "Chronologies",
                    "specialist_audit_learning": "Private fostering checks are late.",
                }
            ],
        ),
        NO_KEY,
    )
    ledger.change_staff_roles(
        world.qa,
        "aud.soc",
        c.ChangeStaffRoles(
            roles=["auditor"],
            auditor_groups=["youth_justice"],
            team="Youth Justice",
            service_area="adolescent",
            manager_id=None,
            reason="Moved team",
        ),
        NO_KEY,
    )
    step()
    return {"cycle": cycle, "audits": audits, "specialist": UUID(item.body["id"])}
