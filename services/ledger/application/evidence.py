"""Use cases: recording wider evidence, and the Early Help Service Managers' monthly learning."""

from __future__ import annotations

from typing import TYPE_CHECKING

from schemas.vocabulary import Role, ServiceArea
from services.ledger.application.core import Actor, CommandContext, Decision, LedgerCore, Outcome
from services.ledger.domain import Audit, EarlyHelpLearning, WiderEvidence
from services.ledger.domain.errors import InvalidCommand, NotPermitted, StateConflict

if TYPE_CHECKING:
    from uuid import UUID

    from services.ledger.commands import RecordWiderEvidence, SummariseEarlyHelpLearning

ANY_AREA = frozenset({Role.ASSISTANT_DIRECTOR, Role.QA_MANAGER})


class EvidenceUseCases(LedgerCore):
    def record_wider_evidence(self, actor: Actor, cmd: RecordWiderEvidence, ctx: CommandContext) -> Outcome:
        def decide(role: Role) -> Decision:
            if role not in ANY_AREA and self.acting_staff(actor).area != cmd.service_area:
                raise NotPermitted("a manager records wider evidence for their own service area")
            evidence = WiderEvidence.record(
                source=cmd.source,
                received_on=cmd.received_on,
                today=self.today(),
                service_area=cmd.service_area,
                team=cmd.team,
                child_ref=cmd.child_ref,
                summary=cmd.summary,
            )
            body = {"id": str(evidence.id), "version": evidence.version, "source": evidence.source}
            return Decision([evidence], body, 201)

        return self.execute(actor, "record_wider_evidence", ctx, decide)

    def summarise_early_help_learning(
        self, actor: Actor, cmd: SummariseEarlyHelpLearning, ctx: CommandContext
    ) -> Outcome:
        def decide(_: Role) -> Decision:
            if self.acting_staff(actor).area != ServiceArea.EARLY_HELP:
                raise NotPermitted("the Service Managers of Early Help & Support summarise the Early Help audits")
            if self.exists(EarlyHelpLearning.id_for(actor.id, cmd.month)):
                raise StateConflict(f"your summary of learning for {cmd.month} is already recorded")
            for audit_id in cmd.audit_ids:
                self.check_early_help_audit(audit_id)
            summary = EarlyHelpLearning.summarise(
                service_manager_id=actor.id,
                month=cmd.month,
                this_month=self.today().isoformat()[:7],
                audit_ids=list(dict.fromkeys(cmd.audit_ids)),
                learning=cmd.learning,
            )
            body = {"id": str(summary.id), "version": summary.version, "month": cmd.month}
            return Decision([summary], body, 201)

        return self.execute(actor, "summarise_early_help_learning", ctx, decide)

    def check_early_help_audit(self, audit_id: UUID) -> None:
        if not self.exists(audit_id):
            raise InvalidCommand("audit_ids", f"{audit_id} is not an audit")
        audit = self.load(Audit, audit_id, "audit")
        if audit.case_service_area != ServiceArea.EARLY_HELP or audit.submitted_on is None:
            raise InvalidCommand("audit_ids", f"{audit_id} is not a completed Early Help audit")
