"""Tamper evidence: recompute the hash chain, sign checkpoints, check a kept checkpoint."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from schemas.envelope import SOURCE, chain_hash
from services.ledger.application.core import Actor, LedgerCore
from services.ledger.envelopes import PUBLISHED_TOPICS, to_envelope

if TYPE_CHECKING:
    from services.ledger.adapters.signing import CheckpointSigner

PAGE = 1000


@dataclass(frozen=True)
class Verification:
    verified: bool
    checked_events: int
    from_position: int
    head_position: int
    head_hash: str | None
    first_failure: int | None = None
    reason: str | None = None


class IntegrityQueries(LedgerCore):
    signer: CheckpointSigner | None = None

    def verify_chain(
        self, actor: Actor | None = None, from_position: int = 0, expected_prevhash: str | None = None
    ) -> Verification:
        """Walk the published events from a position, recomputing each link; name the first bad one.

        From 0 the first link must have no predecessor; from a checkpoint, pass its hash.
        """
        if actor is not None:
            self.permit(actor, "verify_integrity")
        recorder: Any = self.recorder
        previous, checked, after, last = expected_prevhash, 0, from_position, from_position
        while True:
            page = recorder.select_notifications(after, PAGE, topics=PUBLISHED_TOPICS, inclusive_of_start=False)
            if not page:
                return Verification(True, checked, from_position, last, previous)
            links = recorder.select_links(page[0].id, page[-1].id)
            for notification in page:
                link = links.get(notification.id)
                failure = self._check(notification, link, previous)
                if failure:
                    return Verification(False, checked, from_position, last, previous, notification.id, failure)
                previous, last, checked = link.hash, notification.id, checked + 1
            after = page[-1].id

    def _check(self, notification: Any, link: Any, previous: str | None) -> str | None:
        if link is None:
            return "no hash-chain link is recorded for this event"
        if link.prevhash != previous:
            return "the link does not follow the previous event's hash (an event was removed or reordered)"
        try:
            envelope = to_envelope(self.mapper.to_domain_event(notification), notification.id)
        except Exception as exc:  # a tampered record may not even decode
            return f"the stored event cannot be read: {type(exc).__name__}"
        if chain_hash(envelope, previous) != link.hash:
            return "the stored event differs from what was hashed when it was recorded"
        return None

    def checkpoint(self, actor: Actor | None = None) -> dict[str, Any]:
        """A signed statement of the head: keep it, and later check the ledger still agrees."""
        result = self.verify_chain(actor)
        statement = {"ledger": SOURCE, "position": result.head_position, "hash": result.head_hash}
        signed = {**statement, "signed_at": datetime.now(UTC).isoformat(), "algorithm": "Ed25519"}
        if self.signer is not None:
            signed |= {"signature": self.signer.sign(statement), "public_key": self.signer.public_key_b64}
        return {"verification": asdict(result), "checkpoint": signed}

    def check_checkpoint(self, actor: Actor, position: int, hash_: str, signature: str) -> dict[str, Any]:
        self.permit(actor, "verify_integrity")
        statement = {"ledger": SOURCE, "position": position, "hash": hash_}
        valid_signature = self.signer is not None and self.signer.verify(statement, signature)
        link = self.recorder.select_links(position, position).get(position)  # type: ignore[attr-defined]
        return {
            "valid_signature": valid_signature,
            "matches_ledger": link is not None and link.hash == hash_,
            "chain_verified_from_checkpoint": self.verify_chain(None, position, hash_).verified,
        }
