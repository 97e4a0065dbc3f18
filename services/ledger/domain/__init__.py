"""The ledger's domain: aggregates whose events are the facts of the QA process."""

from services.ledger.domain.action import Action
from services.ledger.domain.audit import Audit
from services.ledger.domain.cycle import AuditCycle
from services.ledger.domain.evidence import EarlyHelpLearning, WiderEvidence
from services.ledger.domain.idempotency import IdempotentRequest
from services.ledger.domain.meeting import Meeting
from services.ledger.domain.notification import NotificationReceipt
from services.ledger.domain.programme import Programme
from services.ledger.domain.staff import StaffMember

PUBLISHED_AGGREGATES = (
    StaffMember,
    AuditCycle,
    Audit,
    Action,
    Meeting,
    Programme,
    NotificationReceipt,
    WiderEvidence,
    EarlyHelpLearning,
)
INTERNAL_AGGREGATES = (IdempotentRequest,)

__all__ = [
    "INTERNAL_AGGREGATES",
    "PUBLISHED_AGGREGATES",
    "Action",
    "Audit",
    "AuditCycle",
    "EarlyHelpLearning",
    "IdempotentRequest",
    "Meeting",
    "NotificationReceipt",
    "Programme",
    "StaffMember",
    "WiderEvidence",
]
