"""Building the ledger from its settings: the one place production defaults are chosen."""

from __future__ import annotations

from services.ledger.adapters.signing import CheckpointSigner
from services.ledger.adapters.store import eventsourcing_env
from services.ledger.application import LedgerApplication
from services.ledger.config import LedgerSettings


def build_ledger(settings: LedgerSettings) -> LedgerApplication:
    ledger = LedgerApplication(env=eventsourcing_env(settings.database_url, settings.cipher_key))
    ledger.signer = CheckpointSigner.from_env(settings.data_dir)
    ledger.presentation = settings.presentation
    return ledger
