"""The pages as their own process (distributed shape): `python -m services.web`.

QA_LEDGER_URL and QA_LEDGER_PROJECTIONS_URL (and QA_LEDGER_NOTIFIER_URL) say where the APIs are;
PORT (default 8003) where the pages listen. Sign-in: OIDC with QA_LEDGER_OIDC_ISSUER and
QA_LEDGER_WEB_OIDC_CLIENT_ID, or the development sign-in with the local dev key.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import uvicorn

from services.platform.auth import AuthSettings
from services.platform.logs import configure_logging
from services.web.app import standalone
from services.web.config import WebSettings

log = logging.getLogger("qa_ledger.web")


def main() -> None:
    configure_logging("web")
    settings = WebSettings.from_env()
    auth = AuthSettings.from_env(Path(os.environ.get("QA_LEDGER_DATA_DIR", "data")))
    host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "8003"))
    app = standalone(settings, auth)
    log.info("QA Ledger pages on http://%s:%s (sign in at /sign-in)", host, port)
    uvicorn.run(app, host=host, port=port, log_config=None)


if __name__ == "__main__":
    main()
