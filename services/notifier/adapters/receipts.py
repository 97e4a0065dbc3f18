"""Receipts back to the ledger: `POST /v1/notification-receipts` with a `service` token."""

from __future__ import annotations

import httpx

from services.notifier.ports import Receipt


class ReceiptFailed(Exception):
    """The ledger did not take the receipt; the dispatcher tries again on its next pass."""


class HttpReceiptSink:
    def __init__(self, base_url: str, token: str, client: httpx.Client | None = None) -> None:
        self._client = client or httpx.Client(base_url=base_url, timeout=10.0)
        self._headers = {"Authorization": f"Bearer {token}"}

    def record(self, receipt: Receipt) -> None:
        # The ledger keys receipts by (event, rule, recipient, channel) and answers 200 for a repeat;
        # the Idempotency-Key makes a retried POST return the first answer too.
        key = f"receipt:{receipt.cause_event_id}:{receipt.rule}:{receipt.recipient_id}:{receipt.channel}"
        try:
            response = self._client.post(
                "/v1/notification-receipts",
                json=receipt.as_json(),
                headers={**self._headers, "Idempotency-Key": key},
            )
        except httpx.HTTPError as exc:
            raise ReceiptFailed(f"ledger unreachable: {type(exc).__name__}: {exc}") from exc
        if response.status_code not in (200, 201):
            raise ReceiptFailed(f"ledger answered {response.status_code}: {response.text[:300]}")

    def close(self) -> None:
        self._client.close()
