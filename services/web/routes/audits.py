"""The audit page: its state, its trail as a timeline, and the forms of each step
(submission and amendment, the reflective case discussion, moderation, actions agreed from it)."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from services.web.api import ApiProblem, Caller
from services.web.forms import compact, day, form_errors, handles, text, values_of
from services.web.pages import CallerDep, FormDep, UserDep, WebDep, redirect, render
from services.web.registers import names
from services.web.sessions import Session
from services.web.trail_view import read_audit

router = APIRouter(prefix="/audits")
SIX_MONTH_RULE = (
    "An audit looks at the last 6 months of practice. If it is clearly important to look further back, "
    "say why below: the ledger refuses an earlier start without a reason."
)
MODERATORS = ("qa_manager", "principal_social_worker")
RCD_LOGGERS = ("team_manager", "service_manager")
ACTION_AGREERS = ("team_manager", "service_manager", "head_of_service", "assistant_director", "qa_manager")


async def wait_for(api: Caller, audit_id: UUID, position: int | None) -> list[dict[str, Any]]:
    """Read-your-writes: after a command, wait (briefly) until the read models have its position."""
    for attempt in range(60):
        last = attempt == 59 or position is None
        try:
            trail = await api.get("projections", f"/v1/audits/{audit_id}/trail")
        except ApiProblem as problem:
            if problem.status != 404 or last:  # a new audit is unknown until the read models have it
                raise
            await asyncio.sleep(0.05)
            continue
        events: list[dict[str, Any]] = trail["events"]
        if last or any(int(e["position"]) >= position for e in events):  # type: ignore[operator]
            return events
        await asyncio.sleep(0.05)
    return []


async def load(site: Any, api: Caller, audit_id: UUID, after: int | None = None) -> dict[str, Any]:
    """The audit as it stands (the ledger's answer, with its version) and its trail (the read models)."""
    audit = await api.get("ledger", f"/v1/audits/{audit_id}")
    record, timeline = read_audit(str(audit_id), await wait_for(api, audit_id, after))
    tools = await api.get("ledger", "/v1/tools")
    tool = next((t for t in tools if t["tool"] == audit["tool"] and t["version"] == audit["tool_version"]), None)
    tool = tool or {"domains": [], "title": audit["tool"], "sample_domains": False}
    return {"audit": audit, "record": record, "timeline": timeline, "tool": tool, "names": await names(api)}


LABELS = {
    "practice_period_from": "Practice period: from",
    "practice_period_to": "Practice period: to",
    "extended_period_reason": "Reason for looking back more than 6 months",
    "summary": "Summary",
    "strengths": "Strengths",
    "areas_for_development": "Areas for development",
    "overall_grade": "Overall grade",
    "practitioners_audited": "Practitioners audited",
    "reason": "Reason for the amendment",
    "held_on": "When the discussion was held",
    "participants": "Participants",
    "participant.auditor": "Auditor",
    "participant.allocated_practitioner": "Allocated practitioner",
    "participant.practitioner_manager": "Practitioner's manager",
    "participant.service_manager": "Service Manager",
    "absences": "Who did not take part",
    "absence.allocated_practitioner.reason": "Why the allocated practitioner did not take part",
    "absence.allocated_practitioner.note": "What the other reason was",
    "absence.practitioner_manager.reason": "Why their manager did not take part",
    "absence.practitioner_manager.note": "What the other reason was",
    "notes": "What was discussed and agreed",
    "moderated_grade": "Moderated grade",
    "feedback": "Feedback to the auditor",
    "co_moderator_ids": "Moderating with",
    "source_kind": "Agreed at",
    "owner_id": "Owner",
    "description": "What will be done",
    "measure_of_success": "Measure of success",
    "due_on": "Due by",
}


def labels(tool: dict[str, Any]) -> dict[str, str]:
    """Field paths as the person saw them on the form: `domain_findings.2.grade` -> "Assessment: grade"."""
    named = dict(LABELS)
    for i, domain in enumerate(tool["domains"]):
        named[f"domain_findings.{i}.finding"] = f"{domain['title']}: finding"
        named[f"domain_findings.{i}.grade"] = f"{domain['title']}: grade"
        named[f"domain_findings.{i}"] = domain["title"]
    return named


def submission_fields(tool: dict[str, Any]) -> list[str]:
    fields = [
        "practice_period_from",
        "practice_period_to",
        "extended_period_reason",
        "summary",
        "strengths",
        "areas_for_development",
    ]
    for i, _ in enumerate(tool["domains"]):
        fields += [f"domain_findings.{i}.finding", f"domain_findings.{i}.grade"]
    return [*fields, "overall_grade", "practitioners_audited"]


@router.get("/{audit_id}")
async def audit_page(
    request: Request, audit_id: UUID, site: WebDep, user: UserDep, api: CallerDep, after: int | None = None
) -> Response:
    context = await load(site, api, audit_id, after)
    return render(request, "pages/audit.html", **context, **permissions(user, context))


def permissions(user: Session, context: dict[str, Any]) -> dict[str, Any]:
    """Which forms to offer: a convenience only, since the ledger decides every command."""
    audit = context["audit"]
    live, submitted, mine = (
        audit["status"] != "withdrawn",
        bool(audit["submitted_on"]),
        user.subject == audit["auditor_id"],
    )
    rcd = bool(audit["reflective_discussion_logged"])
    return {
        "can_submit": live and mine and not submitted,
        "can_amend": live and mine and submitted,
        "can_log_rcd": live and submitted and not rcd and user.holds(*RCD_LOGGERS),
        "can_moderate": live and submitted and user.holds(*MODERATORS),
        "can_agree_action": live and (rcd or bool(audit["moderated"])) and user.holds(*ACTION_AGREERS),
    }


async def command(
    request: Request,
    site: Any,
    user: Session,
    api: Caller,
    audit_id: UUID,
    form: FormData,
    path: str,
    body: dict[str, Any],
    fields: list[str],
    done: str,
    dates: tuple[str, ...] = (),
    form_name: str = "",
    use_version: bool = True,
) -> Response:
    """Post one command; on refusal show the audit page again with the error summary."""
    try:
        answer = await api.post(
            path,
            compact(body),
            idempotency_key=text(form, "form_key"),
            if_match=text(form, "version") if use_version else None,
        )
    except ApiProblem as problem:
        if problem.status in (401, 404) or problem.status >= 500:
            raise
        context = await load(site, api, audit_id)
        return render(
            request,
            "pages/audit.html",
            422 if problem.status == 422 else problem.status,
            errors=form_errors(problem, fields, labels(context["tool"]), dates=dates),
            values=values_of(form),
            open_form=form_name,
            **context,
            **permissions(user, context),
        )
    position = answer.headers.get("Ledger-Position")
    return redirect(f"/audits/{audit_id}" + (f"?after={position}" if position else ""), user, done)


@router.post("/{audit_id}/submission")
async def submit(
    request: Request, audit_id: UUID, site: WebDep, user: UserDep, api: CallerDep, form: FormDep
) -> Response:
    tool = (await load(site, api, audit_id))["tool"]
    body = {
        "practice_period_from": day(form, "practice_period_from"),
        "practice_period_to": day(form, "practice_period_to"),
        "extended_period_reason": text(form, "extended_period_reason"),
        "summary": text(form, "summary"),
        "strengths": text(form, "strengths"),
        "areas_for_development": text(form, "areas_for_development"),
        "domain_findings": domain_findings(form, tool),
        "overall_grade": text(form, "overall_grade"),
        "practitioners_audited": handles(form, "practitioners_audited"),
    }
    return await command(
        request,
        site,
        user,
        api,
        audit_id,
        form,
        f"/v1/audits/{audit_id}/submission",
        body,
        submission_fields(tool),
        "Audit submitted",
        ("practice_period_from", "practice_period_to"),
        "submission",
    )


def domain_findings(form: FormData, tool: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        compact(
            {
                "domain": domain["id"],
                "finding": text(form, f"domain_findings.{i}.finding"),
                "grade": text(form, f"domain_findings.{i}.grade"),
            }
        )
        for i, domain in enumerate(tool["domains"])
    ]


@router.post("/{audit_id}/amendment")
async def amend(
    request: Request, audit_id: UUID, site: WebDep, user: UserDep, api: CallerDep, form: FormDep
) -> Response:
    body = {
        "reason": text(form, "reason"),
        "summary": text(form, "summary"),
        "strengths": text(form, "strengths"),
        "areas_for_development": text(form, "areas_for_development"),
        "overall_grade": text(form, "overall_grade"),
    }
    fields = ["reason", "summary", "strengths", "areas_for_development", "overall_grade"]
    return await command(
        request,
        site,
        user,
        api,
        audit_id,
        form,
        f"/v1/audits/{audit_id}/amendment",
        body,
        fields,
        "Amendment recorded",
        form_name="amendment",
    )


@router.post("/{audit_id}/reflective-discussion")
async def reflective_discussion(
    request: Request, audit_id: UUID, site: WebDep, user: UserDep, api: CallerDep, form: FormDep
) -> Response:
    participants, absences = [], []
    for capacity in ("auditor", "allocated_practitioner", "practitioner_manager", "service_manager"):
        reason = text(form, f"absence.{capacity}.reason")
        for handle in handles(form, f"participant.{capacity}"):
            if reason:  # named, but did not take part: the reason is recorded instead (SPEC 7)
                note = text(form, f"absence.{capacity}.note")
                absences.append(
                    compact({"participant_id": handle, "capacity": capacity, "reason": reason, "note": note})
                )
            else:
                participants.append({"participant_id": handle, "capacity": capacity})
    body = {
        "held_on": day(form, "held_on"),
        "participants": participants,
        "absences": absences,
        "notes": text(form, "notes"),
    }
    fields = [
        "held_on",
        "participant.auditor",
        "participant.allocated_practitioner",
        "absence.allocated_practitioner.reason",
        "absence.allocated_practitioner.note",
        "participant.practitioner_manager",
        "absence.practitioner_manager.reason",
        "absence.practitioner_manager.note",
        "participant.service_manager",
        "notes",
    ]
    # A refusal about `participants` as a whole lands on the first participant's input.
    return await command(
        request,
        site,
        user,
        api,
        audit_id,
        form,
        f"/v1/audits/{audit_id}/reflective-discussion",
        body,
        fields,
        "Reflective case discussion logged",
        ("held_on",),
        "rcd",
        use_version=False,
    )


@router.post("/{audit_id}/moderation")
async def moderate(
    request: Request, audit_id: UUID, site: WebDep, user: UserDep, api: CallerDep, form: FormDep
) -> Response:
    body = {
        "moderated_grade": text(form, "moderated_grade"),
        "feedback": text(form, "feedback"),
        "co_moderator_ids": handles(form, "co_moderator_ids"),
    }
    return await command(
        request,
        site,
        user,
        api,
        audit_id,
        form,
        f"/v1/audits/{audit_id}/moderation",
        body,
        ["moderated_grade", "feedback", "co_moderator_ids"],
        "Moderation recorded",
        form_name="moderation",
        use_version=False,
    )


@router.post("/{audit_id}/actions")
async def agree_action(
    request: Request, audit_id: UUID, site: WebDep, user: UserDep, api: CallerDep, form: FormDep
) -> Response:
    body = {
        "owner_id": text(form, "owner_id"),
        "description": text(form, "description"),
        "measure_of_success": text(form, "measure_of_success"),
        "due_on": day(form, "due_on"),
        "source_kind": text(form, "source_kind"),
        "source_id": str(audit_id),
    }
    fields = ["source_kind", "owner_id", "description", "measure_of_success", "due_on"]
    return await command(
        request,
        site,
        user,
        api,
        audit_id,
        form,
        "/v1/actions",
        body,
        fields,
        "Action agreed",
        ("due_on",),
        "action",
        use_version=False,
    )
