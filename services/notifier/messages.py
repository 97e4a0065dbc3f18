"""The words of each notification: plain, specific, and naming the child only by case reference."""

from __future__ import annotations

from typing import TYPE_CHECKING

from schemas.audit_tools import UnknownToolVersion, load_tool
from schemas.vocabulary import SERVICE_AREA_TITLES, ServiceArea

if TYPE_CHECKING:
    from datetime import date

    from services.notifier.domain import ActionItem, AuditCase, Coverage, Cycle, StaffMember

SIGN_OFF = (
    "\n\nThis message was sent by the QA Ledger notifier. It refers to the child only by case reference; "
    "open the case record for anything more."
)


def long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def area_title(area: str) -> str:
    try:
        return SERVICE_AREA_TITLES[ServiceArea(area)]
    except ValueError:
        return area


def tool_title(tool: str) -> str:
    try:
        return load_tool(tool).title
    except (ValueError, UnknownToolVersion):
        return tool


def case_line(audit: AuditCase) -> str:
    return f"case {audit.child_ref} ({audit.case_team}, {area_title(audit.case_service_area)})"


def greeting(person: StaffMember) -> str:
    return f"Dear {person.display_name},\n\n"


def audit_allocated(person: StaffMember, audit: AuditCase, cycle: Cycle | None) -> tuple[str, str]:
    subject = f"Audit allocated: case {audit.child_ref}, due {long_date(audit.due_on)}"
    when = f" (end of week 2 of {cycle.name})" if cycle else ""
    body = (
        f"{greeting(person)}You have been allocated a {tool_title(audit.tool)} audit of {case_line(audit)}.\n"
        f"It is due by {long_date(audit.due_on)}{when}. Completing it includes a reflective case "
        "discussion with the allocated practitioner and their manager.\n"
        f"Audit reference: {audit.audit_id}{SIGN_OFF}"
    )
    return subject, body


def audit_overdue(person: StaffMember, audit: AuditCase, auditor: StaffMember | None) -> tuple[str, str]:
    subject = f"Audit overdue: case {audit.child_ref} was due {long_date(audit.due_on)}"
    who = (
        "you"
        if auditor and person.staff_id == auditor.staff_id
        else (auditor.display_name if auditor else audit.auditor_id)
    )
    body = (
        f"{greeting(person)}The {tool_title(audit.tool)} audit of {case_line(audit)}, allocated to {who}, "
        f"was due by {long_date(audit.due_on)} and has not been submitted.\n"
        f"Audit reference: {audit.audit_id}{SIGN_OFF}"
    )
    return subject, body


def graded_how(grade: str, by_moderation: bool) -> str:
    return f"moderated to {grade} by the QA Manager or PSW" if by_moderation else f"graded {grade} by the auditor"


def inadequate_invitation(person: StaffMember, audit: AuditCase, by_moderation: bool) -> tuple[str, str]:
    subject = f"Inadequate audit: you are invited to the reflective case discussion for case {audit.child_ref}"
    already = (
        "A reflective case discussion has already been logged for this audit: please make sure its agreed "
        "actions answer the inadequate grade.\n"
        if audit.rcd_logged
        else "As Service Manager you must be invited to the reflective case discussion, and it is you who "
        "logs the discussion and the agreed actions in the case record.\n"
    )
    body = (
        f"{greeting(person)}The audit of {case_line(audit)} has been {graded_how('inadequate', by_moderation)}.\n"
        f"{already}Audit reference: {audit.audit_id}{SIGN_OFF}"
    )
    return subject, body


def inadequate_sent_to_ad_and_hos(person: StaffMember, audit: AuditCase, by_moderation: bool) -> tuple[str, str]:
    subject = f"Inadequate audit for your attention: case {audit.child_ref}"
    body = (
        f"{greeting(person)}The audit of {case_line(audit)} has been {graded_how('inadequate', by_moderation)} "
        "and is sent to the Assistant Director and the Head of Service, as the guidance requires for every "
        "inadequate audit, so that any immediate actions are followed up.\n"
        f"Audit reference: {audit.audit_id}{SIGN_OFF}"
    )
    return subject, body


def good_audit_shared(person: StaffMember, audit: AuditCase, grade: str, by_moderation: bool) -> tuple[str, str]:
    subject = f"{grade.capitalize()} audit shared: case {audit.child_ref}"
    body = (
        f"{greeting(person)}The audit of {case_line(audit)} has been {graded_how(grade, by_moderation)}. "
        "It is shared with the Assistant Director, the Head of Service and the Service Manager so good "
        "practice can be recognised and learned from.\n"
        f"Audit reference: {audit.audit_id}{SIGN_OFF}"
    )
    return subject, body


def rcd_missing(person: StaffMember, audit: AuditCase) -> tuple[str, str]:
    assert audit.submitted_on is not None
    subject = f"Reflective case discussion not logged: case {audit.child_ref}"
    logger = "the Service Manager (the audit is inadequate)" if audit.inadequate else "the Team Manager"
    body = (
        f"{greeting(person)}The audit of {case_line(audit)} was submitted on "
        f"{long_date(audit.submitted_on)}, and no reflective case discussion has been logged since.\n"
        f"Please hold it and log it with the agreed actions; it is logged by {logger}.\n"
        f"Audit reference: {audit.audit_id}{SIGN_OFF}"
    )
    return subject, body


def rcd_overdue(person: StaffMember, audit: AuditCase) -> tuple[str, str]:
    assert audit.rcd_due_on is not None
    subject = f"Reflective case discussion overdue: case {audit.child_ref} was due {long_date(audit.rcd_due_on)}"
    logger = "the Service Manager (the audit is inadequate)" if audit.inadequate else "the Team Manager"
    body = (
        f"{greeting(person)}The reflective case discussion for the audit of {case_line(audit)} was due by "
        f"{long_date(audit.rcd_due_on)}, two weeks after the audit was submitted, and has not been logged.\n"
        f"The auditor holds it with the allocated practitioner and their manager; it is logged by {logger}.\n"
        f"Audit reference: {audit.audit_id}{SIGN_OFF}"
    )
    return subject, body


def moderation_below_floor(person: StaffMember, cycle: Cycle, coverage: Coverage) -> tuple[str, str]:
    needed = coverage.still_needed(cycle.floor_percent)
    subject = f"Moderation week: {cycle.name} coverage is {coverage.percent:.0f}%, below {cycle.floor_percent}%"
    body = (
        f"{greeting(person)}Moderation week of {cycle.name} begins on "
        f"{long_date(cycle.moderation_week_starts)}. {coverage.moderated} of {coverage.submitted} submitted "
        f"audits have been moderated ({coverage.percent:.1f}%), below the {cycle.floor_percent}% floor.\n"
        f"At least {needed} more audit{'s' if needed != 1 else ''} must be moderated by the QA Manager "
        f"and the Principal Social Worker this week.\nCycle reference: {cycle.cycle_id}{SIGN_OFF}"
    )
    return subject, body


SOURCE_TITLES = {
    "reflective_discussion": "a reflective case discussion",
    "moderation": "a moderation",
    "hos_qa_meeting": "a Head of Service QA meeting",
    "adqa_meeting": "the Assistant Director's QA meeting",
}


def action_line(action: ActionItem) -> str:
    # The description is free text and may name people: it stays in the case record, not in mail.
    source = SOURCE_TITLES.get(action.source_kind, action.source_kind)
    case = f" for case {action.child_ref}" if action.child_ref else ""
    return f"agreed on {long_date(action.agreed_on)} at {source}{case}"


def action_due_soon(person: StaffMember, action: ActionItem) -> tuple[str, str]:
    subject = f"Action due {long_date(action.due_on)}"
    body = (
        f"{greeting(person)}The action you own, {action_line(action)}, "
        f"is due by {long_date(action.due_on)}.\n"
        f"Action reference: {action.action_id}{SIGN_OFF}"
    )
    return subject, body


def action_overdue(person: StaffMember, action: ActionItem, owner: StaffMember | None) -> tuple[str, str]:
    subject = f"Action overdue since {long_date(action.due_on)}"
    whose = (
        "you own"
        if owner and owner.staff_id == person.staff_id
        else (f"owned by {owner.display_name}" if owner else f"owned by {action.owner_id}")
    )
    body = (
        f"{greeting(person)}The action {whose}, {action_line(action)}, was due by "
        f"{long_date(action.due_on)} and is still open.\nAction reference: {action.action_id}{SIGN_OFF}"
    )
    return subject, body
