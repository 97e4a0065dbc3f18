"""Verify an exported trail offline: `python -m schemas.verify_trail trail.json`.

Needs nothing but this file and the trail (the JSON of `GET /v1/audits/{id}/trail`, or a list of
envelopes). Each envelope must hash to its `integrityhash` from its own content and `prevhash`;
where two envelopes are consecutive in the ledger's chain, the later one's `prevhash` must be the
earlier one's hash. Events of other audits sit between, so a trail alone cannot prove that nothing
*else* was removed from the ledger: for that, compare a signed checkpoint (`GET /v1/integrity`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from schemas.envelope import EventEnvelope, chain_hash


def verify_envelopes(items: list[dict[str, Any]]) -> list[str]:
    """Problems found, one line each; empty when every envelope verifies."""
    problems: list[str] = []
    envelopes = [EventEnvelope.model_validate(item) for item in items]
    by_hash = {e.integrityhash: e for e in envelopes if e.integrityhash}
    for envelope in envelopes:
        if not envelope.integrityhash:
            problems.append(f"position {envelope.position}: no integrity hash")
        elif chain_hash(envelope, envelope.prevhash) != envelope.integrityhash:
            problems.append(f"position {envelope.position}: content does not match its integrity hash")
        predecessor = by_hash.get(envelope.prevhash) if envelope.prevhash else None
        if predecessor is not None and predecessor.position >= envelope.position:
            problems.append(f"position {envelope.position}: chained after a later event")
    positions = [e.position for e in envelopes]
    if positions != sorted(positions):
        problems.append("the trail is not in position order")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trail", type=Path)
    args = parser.parse_args(argv)
    document = json.loads(args.trail.read_text())
    items = document["events"] if isinstance(document, dict) else document
    problems = verify_envelopes(items)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(items)} events, {'all verified' if not problems else f'{len(problems)} problems'}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
