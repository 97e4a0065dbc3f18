"""Verify an exported trail offline: `python -m schemas.verify_trail trail.json`.

Needs nothing but this file and the trail (the JSON of `GET /v1/audits/{id}/trail`, or a list of
envelopes). Each envelope must hash to its `integrityhash` by the rule it names
(`schemas.integrity`); where two envelopes are consecutive in the ledger's chain (their
`sequence` numbers follow), the later one's `prevhash` must be the earlier one's hash. Events of
other audits sit between, so a trail alone cannot prove that nothing *else* was removed from the
ledger: for that, compare a signed checkpoint (`GET /v1/integrity`), or follow the whole feed with
`schemas.integrity.continuity_problem`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path
from typing import Any

from schemas.integrity import integrity_hash


def verify_envelopes(items: list[dict[str, Any]]) -> list[str]:
    """Problems found, one line each; empty when every envelope verifies."""
    problems: list[str] = []
    for item in items:
        if not item.get("integrityhash"):
            problems.append(f"position {item.get('position')}: no integrity hash")
        elif integrity_hash(item) != item["integrityhash"]:
            problems.append(f"position {item.get('position')}: content does not match its integrity hash")
    for earlier, later in itertools.pairwise(items):
        if later.get("sequence") == (earlier.get("sequence") or 0) + 1 and later.get("prevhash") != earlier.get(
            "integrityhash"
        ):
            problems.append(f"position {later.get('position')}: prevhash is not the previous event's hash")
    positions = [item.get("position") or 0 for item in items]
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
