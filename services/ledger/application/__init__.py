"""The ledger application: one eventsourcing Application, its use cases grouped by aggregate."""

from services.ledger.application.actions import ActionUseCases
from services.ledger.application.audit_reads import AuditQueries
from services.ledger.application.audits import AuditUseCases
from services.ledger.application.bootstrap import BootstrapUseCases
from services.ledger.application.core import Actor, CommandContext, Outcome, london_today
from services.ledger.application.cycles import CycleUseCases
from services.ledger.application.evidence import EvidenceUseCases
from services.ledger.application.feed import FeedPage, FeedQueries
from services.ledger.application.integrity import IntegrityQueries
from services.ledger.application.meetings import MeetingUseCases
from services.ledger.application.staff import StaffUseCases


class LedgerApplication(
    StaffUseCases,
    BootstrapUseCases,
    CycleUseCases,
    AuditUseCases,
    AuditQueries,
    ActionUseCases,
    MeetingUseCases,
    EvidenceUseCases,
    FeedQueries,
    IntegrityQueries,
):
    """Records the QA process as immutable events; every method is one use case."""

    name = "ledger"  # PostgreSQL tables: ledger_events, ledger_events_hashes


__all__ = ["Actor", "CommandContext", "FeedPage", "LedgerApplication", "Outcome", "london_today"]
