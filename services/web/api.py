"""The web's only way to the ledger, the read models and the notifier: their published HTTP APIs.

Embedded mode hands in clients over `httpx.ASGITransport` (the same process, no network hop);
the distributed shape hands in clients over HTTP. Either way every form is a command through the
ledger's own use cases, and every refusal comes back as the API's problem details.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

Service = Literal["ledger", "projections", "notifier"]


@dataclass(frozen=True)
class FieldError:
    field: str
    rule: str


@dataclass
class ApiProblem(Exception):
    """An RFC 9457 answer from an API: the status, what was wrong and, where known, which field."""

    status: int
    title: str
    detail: str
    errors: list[FieldError] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.status} {self.title}: {self.detail}"

    @classmethod
    def of(cls, response: httpx.Response) -> ApiProblem:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        errors = [
            FieldError(str(e.get("field", "")), str(e.get("rule", "")))
            for e in body.get("errors", [])
            if isinstance(e, dict)
        ]
        if not errors and body.get("field"):
            errors = [FieldError(str(body["field"]), str(body.get("rule") or body.get("detail", "")))]
        return cls(
            status=response.status_code,
            title=str(body.get("title") or response.reason_phrase),
            detail=str(body.get("detail") or response.text[:300]),
            errors=errors,
        )


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: httpx.Headers


class Apis:
    """One client per service; in the embedded process all three are the same app."""

    def __init__(self, clients: dict[Service, httpx.AsyncClient]) -> None:
        self.clients = clients

    @classmethod
    def in_process(cls, app: Any) -> Apis:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://qa-ledger.internal")
        return cls({"ledger": client, "projections": client, "notifier": client})

    @classmethod
    def over_http(cls, ledger: str, projections: str, notifier: str | None, timeout: float = 30.0) -> Apis:
        def client(url: str) -> httpx.AsyncClient:
            return httpx.AsyncClient(base_url=url, timeout=timeout)

        ledger_client, projections_client = client(ledger), client(projections)
        notifier_client = client(notifier) if notifier else ledger_client
        return cls({"ledger": ledger_client, "projections": projections_client, "notifier": notifier_client})

    async def close(self) -> None:
        for client in set(self.clients.values()):
            await client.aclose()

    def as_(self, token: str | None, correlation_id: str = "") -> Caller:
        return Caller(self, token, correlation_id)


class Caller:
    """The APIs, speaking with one person's bearer token."""

    def __init__(self, apis: Apis, token: str | None, correlation_id: str) -> None:
        self.apis = apis
        self.headers = {"Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        if correlation_id:
            self.headers["X-Correlation-ID"] = correlation_id

    async def get(self, service: Service, path: str, **params: Any) -> Any:
        return (await self.fetch(service, path, **params)).body

    async def fetch(self, service: Service, path: str, **params: Any) -> Answer:
        query = {k: v for k, v in params.items() if v is not None and v != ""}
        response = await self.apis.clients[service].get(path, params=query, headers=self.headers)
        if response.status_code >= 400:
            raise ApiProblem.of(response)
        content_type = response.headers.get("content-type", "")
        body = response.json() if "json" in content_type else response.text
        return Answer(response.status_code, body, response.headers)

    async def post(
        self,
        path: str,
        body: dict[str, Any],
        *,
        idempotency_key: str | None = None,
        if_match: str | None = None,
        service: Service = "ledger",
    ) -> Answer:
        headers = dict(self.headers)
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        if if_match:
            headers["If-Match"] = f'"{if_match}"'
        response = await self.apis.clients[service].post(path, json=body, headers=headers)
        if response.status_code >= 400:
            raise ApiProblem.of(response)
        return Answer(response.status_code, response.json(), response.headers)


async def read_after(api: Caller, service: Service, path: str, after: int | None, **params: Any) -> Any:
    """Read-your-writes after a command at ledger position `after`: a subject the read models have
    not met yet answers 404 for a moment, so wait (at most a few seconds) before believing it."""
    for attempt in range(60):
        try:
            return await api.get(service, path, **params)
        except ApiProblem as problem:
            if problem.status != 404 or after is None or attempt == 59:
                raise
            await asyncio.sleep(0.05)
    raise AssertionError("unreachable")
