"""Mint an embedded-mode token: `python -m services.platform.tokens --role qa_manager --sub qa.manager`."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from schemas.vocabulary import Role
from services.platform.auth import AuthSettings, mint_local_token


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--role", action="append", required=True, choices=[r.value for r in Role])
    parser.add_argument("--sub", default=None, help="staff handle the token speaks for (default: the role)")
    parser.add_argument("--data-dir", default=os.environ.get("QA_LEDGER_DATA_DIR", "data"), type=Path)
    parser.add_argument("--hours", default=8, type=int)
    args = parser.parse_args(argv)
    settings = AuthSettings.from_env(args.data_dir)
    subject = args.sub or args.role[0].replace("_", ".")
    print(mint_local_token(settings, subject, args.role, ttl_seconds=args.hours * 3600))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
