"""The ledger service alone (distributed mode): `python -m services.ledger`."""

from __future__ import annotations

import uvicorn

from services.ledger.api.app import create_app
from services.ledger.config import LedgerSettings
from services.ledger.wiring import build_ledger
from services.platform.auth import AuthSettings
from services.platform.logs import configure_logging


def main() -> None:
    configure_logging("ledger")
    settings = LedgerSettings.from_env()
    app = create_app(build_ledger(settings), AuthSettings.from_env(settings.data_dir))
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
