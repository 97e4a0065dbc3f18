"""IdempotentRequest: the first answer to a POST with an Idempotency-Key, saved with the change itself.

Saved in the same `save()` as the command's events, so either both exist or neither does; a retry
finds it and gets the same answer without recording anything new. Internal: not on the public feed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event

from services.ledger.domain.base import LedgerAggregate, derived_id

if TYPE_CHECKING:
    from uuid import UUID


class IdempotentRequest(LedgerAggregate):
    @staticmethod
    def id_for(actor_id: str, key: str) -> UUID:
        return derived_id("idempotency", actor_id, key)

    @classmethod
    def create_id(cls, *, requester: str, key: str, **_: object) -> UUID:
        return cls.id_for(requester, key)

    @event("IdempotentRequestAnswered")
    def __init__(self, *, requester: str, key: str, fingerprint: str, status_code: int, body: dict[str, Any]) -> None:
        self.fingerprint = fingerprint
        self.status_code = status_code
        self.body = body
