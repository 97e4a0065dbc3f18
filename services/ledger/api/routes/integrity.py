from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from services.ledger.api.deps import ActorDep, LedgerDep

router = APIRouter(prefix="/integrity", tags=["integrity"])


class KeptCheckpoint(BaseModel):
    model_config = ConfigDict(extra="ignore")
    position: int = Field(ge=0, le=2**63 - 1)
    sequence: int | None = Field(default=None, ge=0, le=2**63 - 1, description="Absent in older checkpoints.")
    hash: str = Field(max_length=128)
    signature: str = Field(max_length=256)


@router.get("", summary="Verify the hash chain; returns the head and a signed checkpoint")
def verify(
    ledger: LedgerDep,
    actor: ActorDep,
    from_position: Annotated[
        int, Query(ge=0, le=2**63 - 1, description="Start from a kept checkpoint's position.")
    ] = 0,
    expected_prevhash: Annotated[str | None, Query(description="The kept checkpoint's hash.")] = None,
) -> dict[str, Any]:
    """Recomputes every event's hash by the rule its link names, and names the first position that
    fails; `head_position` is always the ledger's real head. Keep the signed `checkpoint`:
    `POST /v1/integrity/checkpoints` recomputes all history up to it. With `from_position`, the walk
    starts on `expected_prevhash`, or on the stored link at that position when none is given."""
    if from_position:
        return {"verification": asdict(ledger.verify_chain(actor, from_position, expected_prevhash))}
    return ledger.checkpoint(actor)


@router.post("/checkpoints", summary="Check a checkpoint you kept against the ledger")
def check(body: KeptCheckpoint, ledger: LedgerDep, actor: ActorDep) -> dict[str, Any]:
    """Recomputes the chain from its first event to the checkpoint: `matches_ledger` is false if any
    event at or before it changed, whatever the stored links say."""
    return ledger.check_checkpoint(actor, body.position, body.hash, body.signature, body.sequence)


@router.get("/public-key", summary="The Ed25519 public key that signs checkpoints")
def public_key(ledger: LedgerDep) -> dict[str, str | None]:
    signer = ledger.signer
    return {"algorithm": "Ed25519", "public_key": signer.public_key_b64 if signer else None}
