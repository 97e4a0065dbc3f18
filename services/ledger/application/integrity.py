"""Tamper evidence: recompute the hash chain, sign checkpoints, check a kept checkpoint.

The chain is walked from its first link (or from a stored link when asked to start later),
recomputing every link from the raw stored event by the rule it names (`schemas.integrity`).
A checkpoint commits to the whole chain up to it: checking one recomputes every link from
genesis to its position, so any change at or before it fails, whatever the stored links say.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from schemas.integrity import integrity_hash
from services.ledger.application.core import Actor, LedgerCore
from services.ledger.envelopes import PUBLISHED_TOPICS, UnreadableEvent, published

if TYPE_CHECKING:
    from services.ledger.adapters.recorders import Link
    from services.ledger.adapters.signing import CheckpointSigner

PAGE = 1000
LEDGER_ID = "urn:qa-ledger:ledger"  # what a checkpoint statement names: fixed, not a deployment setting


@dataclass(frozen=True)
class Verification:
    verified: bool
    checked_events: int
    from_position: int
    head_position: int  # the ledger's real head, whether or not it verified
    head_sequence: int
    head_hash: str | None  # the last verified link's hash (the head's, when verified)
    verified_up_to: int = 0  # the last position that verified
    first_failure: int | None = None
    reason: str | None = None


@dataclass
class _Walk:
    previous: str | None
    sequence: int
    checked: int = 0
    last: int = 0


class IntegrityQueries(LedgerCore):
    signer: CheckpointSigner | None = None

    def verify_chain(
        self,
        actor: Actor | None = None,
        from_position: int = 0,
        expected_prevhash: str | None = None,
        *,
        until_position: int | None = None,
    ) -> Verification:
        """Walk the published events after a position, recomputing each link; name the first bad one.

        From 0 the first link must have no predecessor. From a later position the walk starts on
        the hash `expected_prevhash` (a kept checkpoint's), or else on the stored link there.
        """
        if actor is not None:
            self.permit(actor, "verify_integrity")
        recorder: Any = self.recorder
        head: Link | None = recorder.chain_head()
        walk = self._start(from_position, expected_prevhash)
        after = from_position

        def result(failure: int | None = None, reason: str | None = None) -> Verification:
            return Verification(
                failure is None,
                walk.checked,
                from_position,
                head.position if head else 0,
                head.sequence if head else 0,
                walk.previous,
                walk.last,
                failure,
                reason,
            )

        while True:
            page = recorder.select_notifications(after, PAGE, topics=PUBLISHED_TOPICS, inclusive_of_start=False)
            if until_position is not None:
                page = [n for n in page if n.id <= until_position]
            if not page:
                if until_position is None and head and head.sequence > walk.sequence:
                    return result(head.position, "the chain has links beyond the last stored event (events removed)")
                return result()
            links = recorder.select_links(page[0].id, page[-1].id)
            for notification in page:
                link = links.get(notification.id)
                failure = self._check(notification, link, walk)
                if failure:
                    return result(notification.id, failure)
                assert link is not None
                walk.previous, walk.sequence, walk.last = link.hash, link.sequence, notification.id
                walk.checked += 1
            after = page[-1].id

    def _start(self, from_position: int, expected_prevhash: str | None) -> _Walk:
        if from_position == 0:
            return _Walk(previous=None, sequence=0)
        anchor = self.recorder.link_at_or_before(from_position)  # type: ignore[attr-defined]
        sequence = anchor.sequence if anchor else 0
        return _Walk(previous=expected_prevhash or (anchor.hash if anchor else None), sequence=sequence)

    def _check(self, notification: Any, link: Link | None, walk: _Walk) -> str | None:
        if link is None:
            return "no hash-chain link is recorded for this event (it was written around the chain)"
        if link.sequence != walk.sequence + 1:
            return f"the link is sequence {link.sequence}, not {walk.sequence + 1} (an event was removed or reordered)"
        if link.prevhash != walk.previous:
            return "the link does not follow the previous event's hash (an event was removed or reordered)"
        try:
            envelope = published(self.mapper, notification, notification.id, link, self.presentation)
        except UnreadableEvent as exc:  # a tampered record may not even decode
            return str(exc)
        if integrity_hash(envelope.model_dump(mode="json")) != link.hash:
            return "the stored event differs from what was hashed when it was recorded"
        return None

    def checkpoint(self, actor: Actor | None = None) -> dict[str, Any]:
        """A signed statement of the verified head: keep it, and later check the ledger still agrees."""
        result = self.verify_chain(actor)
        statement = {
            "ledger": LEDGER_ID,
            "position": result.verified_up_to,
            "sequence": result.head_sequence if result.verified else None,
            "hash": result.head_hash,
        }
        signed = {**statement, "signed_at": datetime.now(UTC).isoformat(), "algorithm": "Ed25519"}
        if self.signer is not None and result.verified:
            signed |= {"signature": self.signer.sign(statement), "public_key": self.signer.public_key_b64}
        return {"verification": asdict(result), "checkpoint": signed}

    def check_checkpoint(
        self, actor: Actor, position: int, hash_: str, signature: str, sequence: int | None = None
    ) -> dict[str, Any]:
        """Does the ledger still hold the history this checkpoint signed? Recomputed from genesis."""
        self.permit(actor, "verify_integrity")
        statement: dict[str, Any] = {"ledger": LEDGER_ID, "position": position, "hash": hash_}
        if sequence is not None:  # checkpoints signed before sequence numbers have none
            statement = {"ledger": LEDGER_ID, "position": position, "sequence": sequence, "hash": hash_}
        valid_signature = self.signer is not None and self.signer.verify(statement, signature)
        history = self.verify_chain(None, until_position=position)
        matches = history.verified and history.verified_up_to == position and history.head_hash == hash_
        if sequence is not None:
            matches = matches and history.checked_events == sequence
        after = self.verify_chain(None, position, hash_) if matches else None
        return {
            "valid_signature": valid_signature,
            "matches_ledger": matches,
            "chain_verified_from_checkpoint": bool(after and after.verified),
            "first_failure": history.first_failure or (after.first_failure if after else None),
            "reason": history.reason or (after.reason if after else None),
        }
