"""The baselines of the command path: eventsourcing on its own, and behind a bare FastAPI endpoint.

`Record` is one aggregate with one event carrying the request body: the least a command can cost
on this library. `library_app` is eventsourcing's own Application on the same store with its own
recorder (no hash chain, no encryption, no idempotency guard); `create_bare_app` serves the ledger's
command paths with the same request models, validating the body and doing one save, nothing else.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from fastapi import FastAPI

from services.ledger import commands as c
from services.ledger.adapters.store import store_env


class Record(Aggregate):
    @event("Recorded")
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data


class LibraryApp(Application[UUID]):
    name = "library"


def library_env(database_url: str) -> dict[str, str]:
    """The same store settings as the ledger (pool size, lock timeout), with eventsourcing's own recorder."""
    env = store_env(database_url)
    env.pop("APPLICATION_RECORDER_TOPIC", None)
    return env


def library_app(database_url: str) -> LibraryApp:
    return LibraryApp(env=library_env(database_url))


def create_bare_app(app: LibraryApp) -> FastAPI:
    api = FastAPI(title="bare endpoint baseline")

    def save(body: c.Command) -> dict[str, str]:
        record = Record(body.model_dump(mode="json"))
        app.save(record)
        return {"id": str(record.id)}

    @api.post("/v1/audits", status_code=201)
    def allocate(body: c.AllocateAudit) -> dict[str, str]:
        return save(body)

    @api.post("/v1/audits/{audit_id}/submission")
    def submit(audit_id: UUID, body: c.SubmitAudit) -> dict[str, str]:
        return save(body)

    @api.post("/v1/audits/{audit_id}/reflective-discussion")
    def discuss(audit_id: UUID, body: c.RecordReflectiveDiscussion) -> dict[str, str]:
        return save(body)

    @api.post("/v1/audits/{audit_id}/moderation")
    def moderate(audit_id: UUID, body: c.ModerateAudit) -> dict[str, str]:
        return save(body)

    @api.post("/v1/actions", status_code=201)
    def agree(body: c.AgreeAction) -> dict[str, str]:
        return save(body)

    @api.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return api
