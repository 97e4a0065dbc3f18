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

trail.json       every event about the subject, in ledger order, exactly as recorded
trail.csv        the same events as a table
checkpoint.json  the ledger's head (position and hash) signed with Ed25519 when this pack was made,
                 and the result of recomputing the whole hash chain up to it
public-key.json  the key that signs checkpoints (compare it with the one the council publishes)

Check it offline
----------------
1. Each event proves itself: sha256(prevhash + canonical envelope) must equal its integrityhash.
   With the QA Ledger source code (no server, no network):

       python -m schemas.verify_trail trail.json

   It prints "N events, all verified", or the position of each event that does not match.
2. The checkpoint's signature covers {{"ledger", "position", "hash"}} as canonical JSON; verify it
   with the Ed25519 public key in public-key.json (for example with Python's `cryptography`).
3. Later, ask the council to check the kept checkpoint against the ledger
   (POST /v1/integrity/checkpoints): it proves the ledger still holds that same history.

A trail alone cannot show that no event of *another* audit was removed; the signed checkpoint
covers the whole ledger up to its position.
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
    return buffer.getvalue()
