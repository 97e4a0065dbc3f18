"""Check the ledger's hash chain from the command line: `python -m services.ledger.integrity`.

    python -m services.ledger.integrity verify                      # the whole chain
    python -m services.ledger.integrity verify --from-position 120 --expected-prevhash <hash>
    python -m services.ledger.integrity checkpoint                  # print a signed checkpoint

Reads LEDGER_DATABASE_URL and the keys the ledger uses (QA_LEDGER_CIPHER_KEY, QA_LEDGER_CHECKPOINT_KEY,
or the dev keys under QA_LEDGER_DATA_DIR). Exits 1 and names the first failing position if the
chain does not verify. To check an exported trail without access to the ledger, use
`python -m schemas.verify_trail`.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from services.ledger.config import LedgerSettings
from services.ledger.wiring import build_ledger


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="recompute the hash chain and name the first failure")
    verify.add_argument("--from-position", type=int, default=0)
    verify.add_argument("--expected-prevhash", default=None, help="the hash of a kept checkpoint")
    commands.add_parser("checkpoint", help="print a signed checkpoint of the head")
    args = parser.parse_args(argv)

    ledger = build_ledger(LedgerSettings.from_env())
    try:
        if args.command == "checkpoint":
            print(json.dumps(ledger.checkpoint(), indent=2))
            return 0
        result = ledger.verify_chain(None, args.from_position, args.expected_prevhash)
        print(json.dumps(asdict(result), indent=2))
        if not result.verified:
            print(f"FAILED at position {result.first_failure}: {result.reason}", file=sys.stderr)
            return 1
        print(f"verified {result.checked_events} events up to position {result.head_position}", file=sys.stderr)
        return 0
    finally:
        ledger.close()


if __name__ == "__main__":
    raise SystemExit(main())
