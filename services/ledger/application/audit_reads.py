"""Reading one audit as it stands: its state and version (the ETag that `If-Match` needs).

Scoped as the trails are: inspectors, the QA Manager, the PSW and the Assistant Director read every
audit; Heads of Service, Service Managers and Practice Development Leaders those of their service
area; Team Managers their team's; auditors their own. An audit belongs to the case's service area
and also, for following up its completion, to the auditor's ("Heads of Service ensure their auditors
complete their audits", guidance section 4).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from schemas.vocabulary import Role
from services.ledger.application.core import Actor, LedgerCore
from services.ledger.domain import Audit
from services.ledger.domain.audit import SUBMITTED, WITHDRAWN
from services.ledger.domain.errors import NotPermitted

if TYPE_CHECKING:
    from uuid import UUID

    from schemas.vocabulary import Grade

READ_EVERYTHING = frozenset({Role.INSPECTOR, Role.QA_MANAGER, Role.PRINCIPAL_SOCIAL_WORKER, Role.ASSISTANT_DIRECTOR})
READ_SERVICE_AREA = frozenset({Role.HEAD_OF_SERVICE, Role.SERVICE_MANAGER, Role.PRACTICE_DEVELOPMENT_LEADER})
READ_OWN_AUDITS = frozenset({Role.AUDITOR, Role.EXTERNAL_AUDITOR})
RCD_DUE_WITHIN_DAYS = 14  # SPEC 7: the reflective case discussion is due 2 weeks after submission


class AuditQueries(LedgerCore):
    def read_audit(self, actor: Actor, audit_id: UUID) -> dict[str, Any]:
        self.permit(actor, "read_audit")
        audit = self.load(Audit, audit_id, "audit")
        self.check_reader_scope(actor, audit)
        return audit_state(audit, self.today())

    def check_reader_scope(self, actor: Actor, audit: Audit) -> None:
        """By the roles the staff register allows the reader now (a token's claim only narrows them)."""
        me, authority = self.authority(actor)
        roles = authority.roles
        if roles & READ_EVERYTHING:
            return
        if roles & READ_OWN_AUDITS and actor.id == audit.auditor_id:
            return
        if me is None:
            raise NotPermitted(authority.why_not)
        if roles & READ_SERVICE_AREA and me.area in (audit.case_service_area, audit.auditor_service_area):
            return
        if Role.TEAM_MANAGER in roles and me.team == audit.case_team:
            return
        raise NotPermitted(
            "you read audits within your scope: the child's service area or your auditors' (Heads of Service, "
            "Service Managers, PDLs), the child's team (Team Managers) or your own (auditors)"
        )


def audit_state(audit: Audit, today: date) -> dict[str, Any]:
    """The audit as it stands now: plain data, the same in every command's answer and in GET."""
    submitted_on = audit.submitted_on
    rcd_due_on = submitted_on + timedelta(days=RCD_DUE_WITHIN_DAYS) if submitted_on else None
    return {
        "id": str(audit.id),
        "version": audit.version,
        "status": audit.status,
        "cycle_id": str(audit.cycle_id) if audit.cycle_id else None,
        "specialist_audit_id": str(audit.specialist_audit_id) if audit.specialist_audit_id else None,
        "child_ref": audit.child_ref,
        "case_team": audit.case_team,
        "case_service_area": audit.case_service_area.value,
        "auditor_id": audit.auditor_id,
        "auditor_service_area": audit.auditor_service_area.value,
        "flagged_own_service_area": audit.flagged_own_service_area,
        "tool": audit.tool,
        "tool_version": audit.tool_version,
        "due_on": audit.due_on.isoformat(),
        "overdue": audit.status not in (SUBMITTED, WITHDRAWN) and today > audit.due_on,
        "submitted_on": submitted_on.isoformat() if submitted_on else None,
        "auditor_grade": grade_value(audit.overall_grade),
        "moderated_grade": grade_value(audit.moderated_grade),
        "effective_grade": grade_value(audit.effective_grade),
        "moderated": audit.moderated,
        "reflective_discussion_logged": audit.discussion_logged,
        "reflective_discussion_due_on": rcd_due_on.isoformat() if rcd_due_on else None,
    }


def grade_value(grade: Grade | None) -> str | None:
    return grade.value if grade else None
