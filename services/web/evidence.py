"""The inspector's evidence pack: a zip that proves a trail without the service — the trail as JSON
and CSV, the ledger's signed checkpoint and its public key, and a README on checking it offline."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from schemas.verify_trail import verify_envelopes

README = """Evidence pack: {subject}
{rule}
Made {made_at} for {reader}. Reads of trails are logged.

trail.json           every event about the subject, in ledger order, exactly as recorded
trail.csv            the same events as a table
checkpoint.json      the ledger's head (position, sequence, hash) signed with Ed25519 when this pack
                     was made, and the result of recomputing the whole hash chain up to it
public-key.json      the key that signs checkpoints (compare it with the one the council publishes)
verify_checkpoint.py checks the checkpoint's signature with that key (needs Python's `cryptography`)

Check it offline
----------------
1. Each event proves itself: its integrityhash is recomputed from its content and prevhash.
   With the QA Ledger source code (no server, no network):

       python -m schemas.verify_trail trail.json

   It prints "N events, all verified", or the position of each event that does not match.
2. The checkpoint is signed by the ledger's key:

       python verify_checkpoint.py

   It prints "checkpoint signature valid" (exit 0), or says why not (exit 1).
3. Later, ask the council to check the kept checkpoint against the ledger
   (POST /v1/integrity/checkpoints): it proves the ledger still holds that same history.

A trail alone cannot show that no event of *another* audit was removed; the signed checkpoint
covers the whole ledger up to its position.
"""

VERIFY_CHECKPOINT = """\
# Checks checkpoint.json's Ed25519 signature with public-key.json: python verify_checkpoint.py
import base64
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

checkpoint = json.load(open("checkpoint.json"))["checkpoint"]
key = Ed25519PublicKey.from_public_bytes(base64.b64decode(json.load(open("public-key.json"))["public_key"]))
fields = ("ledger", "position", "sequence", "hash") if checkpoint.get("sequence") is not None else (
    "ledger", "position", "hash")
statement = json.dumps({f: checkpoint[f] for f in fields}, sort_keys=True, separators=(",", ":")).encode()
try:
    key.verify(base64.b64decode(checkpoint["signature"]), statement)
except (InvalidSignature, KeyError, ValueError) as problem:
    sys.exit(f"checkpoint signature NOT valid: {type(problem).__name__}")
print(f"checkpoint signature valid: position {checkpoint['position']}, hash {checkpoint['hash']}")
"""


def verify_trail(events: list[dict[str, Any]]) -> tuple[int, list[str]]:
    """(events checked, problems found): the project's offline verifier, the one the pack's README names."""
    return len(events), verify_envelopes(events)


def pack(
    subject: str,
    trail: dict[str, Any],
    trail_csv: str,
    integrity: dict[str, Any],
    public_key: dict[str, Any],
    made_at: str,
    reader: str,
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt", README.format(subject=subject, rule="=" * (15 + len(subject)), made_at=made_at, reader=reader)
        )
        archive.writestr("trail.json", json.dumps(trail, indent=2, sort_keys=True))
        archive.writestr("trail.csv", trail_csv)
        archive.writestr("checkpoint.json", json.dumps(integrity, indent=2, sort_keys=True))
        archive.writestr("public-key.json", json.dumps(public_key, indent=2, sort_keys=True))
        archive.writestr("verify_checkpoint.py", VERIFY_CHECKPOINT)
    return buffer.getvalue()
