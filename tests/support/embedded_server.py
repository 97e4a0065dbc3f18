"""The embedded process (`make run`) on a free local port, in a thread, for tests that need real HTTP."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from devtools.department import FIRST_QA_MANAGER, Person, email
from schemas.vocabulary import Role, ServiceArea
from services.embedded import create_embedded_app
from services.ledger.commands import RegisterStaff
from services.ledger.config import LedgerSettings
from services.platform.auth import AuthSettings
from services.web.config import WebSettings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def embedded_server(
    data: Path, auth: AuthSettings, clock: Callable[[], date] | None = None, web: WebSettings | None = None
) -> Iterator[str]:
    port = free_port()
    settings = LedgerSettings(data_dir=data, database_url=f"sqlite:///{data}/ledger.sqlite3", port=port)
    app = create_embedded_app(settings, auth, clock=clock, web=web or WebSettings())
    name_first_qa_manager(app)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the embedded server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def name_first_qa_manager(app: FastAPI, person: Person = FIRST_QA_MANAGER) -> None:
    """What the operator's `make admin` does on a fresh install: the register's first QA Manager."""
    command = RegisterStaff(
        staff_id=person.handle,
        display_name=person.name,
        email=email(person),
        roles=[Role.QA_MANAGER],
        team=person.team,
        service_area=ServiceArea(person.area),
    )
    app.state.ledger.bootstrap_qa_manager("ops.test", command)
