"""A server for the command benchmark, in its own process: `python -m bench.serve ledger|bare URL PORT`.

Both run with the same settings (one uvicorn worker, uvloop, httptools) so that the only
difference between them is what a request does. The ledger logs each request as in production.
"""

from __future__ import annotations

import argparse
import logging
import os

import uvicorn

from bench.bare import create_bare_app, library_app
from services.ledger.adapters.store import eventsourcing_env
from services.ledger.api.app import create_app
from services.ledger.application import LedgerApplication
from services.platform.auth import AuthSettings
from services.platform.logs import configure_logging

SERVER_SETTINGS = {"loop": "uvloop", "http": "httptools", "workers": 1, "log_config": None, "access_log": False}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["ledger", "bare"])
    parser.add_argument("database_url")
    parser.add_argument("port", type=int)
    args = parser.parse_args()
    if args.kind == "ledger":
        configure_logging("bench-ledger")
        ledger = LedgerApplication(env=eventsourcing_env(args.database_url, os.environ["BENCH_CIPHER_KEY"]))
        app = create_app(ledger, AuthSettings(local_key=os.environ["BENCH_AUTH_KEY"]))
    else:
        logging.basicConfig(level=logging.WARNING)
        app = create_bare_app(library_app(args.database_url))
    uvicorn.run(app, host="127.0.0.1", port=args.port, **SERVER_SETTINGS)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
