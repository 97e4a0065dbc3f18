"""The ledger service alone (distributed mode): `python -m services.ledger`."""

from __future__ import annotations

import uvicorn

from services.ledger.adapters.store import eventsourcing_env
from services.ledger.api.app import create_app
from services.ledger.application import LedgerApplication
from services.ledger.config import LedgerSettings
from services.platform.auth import AuthSettings
from services.platform.logs import configure_logging


def main() -> None:
    configure_logging("ledger")
    settings = LedgerSettings.from_env()
    app = create_app(LedgerApplication(env=eventsourcing_env(settings.database_url)), AuthSettings.from_env(settings.data_dir))
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None)


if __name__ == "__main__":
    main()
