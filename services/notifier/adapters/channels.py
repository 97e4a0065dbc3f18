"""Delivery channels: SMTP e-mail, signed webhooks, and an .eml file outbox for embedded mode."""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path

import httpx

from services.notifier.ports import DeliveryFailed, OutgoingMessage
from services.platform.failures import describe

SIGNATURE_HEADER = "X-QA-Ledger-Signature"
TIMESTAMP_HEADER = "X-QA-Ledger-Timestamp"
DELIVERY_HEADER = "X-QA-Ledger-Delivery"


def email_for(message: OutgoingMessage, sender: str) -> EmailMessage:
    """The message as an e-mail; DeliveryFailed if it cannot be one (an address e-mail cannot carry:
    the register holds whatever one-line text it was given), so that one message is retried and
    dead-lettered rather than stopping the dispatcher for everyone after it."""
    try:
        return _email(message, sender)
    except ValueError as exc:  # UnicodeEncodeError too; described, since it may quote the address
        raise DeliveryFailed(f"cannot write this message as an e-mail: {describe(exc)}") from exc


def _email(message: OutgoingMessage, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = formataddr((message.recipient_name, message.recipient_email))
    mail["Subject"] = message.subject_line
    mail["Date"] = format_datetime(datetime.now(UTC))
    # Stable id: a retry after a crash is recognisably the same message to mail clients.
    mail["Message-ID"] = f"<{message.message_id}@qa-ledger>"
    mail["X-QA-Ledger-Rule"] = message.rule
    mail["X-QA-Ledger-Cause"] = str(message.cause_event_id)
    mail.set_content(message.body)
    return mail


@dataclass
class SmtpChannel:
    host: str
    port: int = 25
    sender: str = "QA Ledger <qa-ledger@localhost>"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0
    name: str = "email"

    def send(self, message: OutgoingMessage) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(email_for(message, self.sender))
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"SMTP {self.host}:{self.port}: {type(exc).__name__}: {exc}") from exc


def sign(body: bytes, secret: str) -> str:
    """The signature header's value: HMAC-SHA256 of the raw body, hex, as `sha256=<hex>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, header: str) -> bool:
    return hmac.compare_digest(sign(body, secret), header)


@dataclass
class WebhookChannel:
    """POSTs the notification as JSON, signed so the receiver can check it came from us.

    The timestamp is sent as a header and also inside the signed body (`sent_at`), so a receiver
    can refuse stale replays without trusting an unsigned header.
    """

    url: str
    secret: str
    timeout: float = 10.0
    client: httpx.Client | None = None
    name: str = "webhook"

    def send(self, message: OutgoingMessage) -> None:
        sent_at = int(time.time())
        body = json.dumps(
            {
                "id": str(message.message_id),
                "rule": message.rule,
                "cause_event_id": str(message.cause_event_id),
                "cause_event_type": message.cause_event_type,
                "recipient_id": message.recipient_id,
                "recipient_email": message.recipient_email,
                "subject_id": message.subject_id,
                "subject_line": message.subject_line,
                "body": message.body,
                "sent_at": sent_at,
            },
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(body, self.secret),
            TIMESTAMP_HEADER: str(sent_at),
            DELIVERY_HEADER: str(message.message_id),
        }
        try:
            if self.client is not None:
                response = self.client.post(self.url, content=body, headers=headers, timeout=self.timeout)
            else:
                response = httpx.post(self.url, content=body, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"webhook {self.url}: {type(exc).__name__}: {exc}") from exc
        if not 200 <= response.status_code < 300:
            raise DeliveryFailed(f"webhook {self.url} answered {response.status_code}")


@dataclass
class FileOutboxChannel:
    """Embedded mode's e-mail: one .eml file per message under `data/outbox/`, openable in any client."""

    directory: Path
    sender: str = "QA Ledger <qa-ledger@localhost>"
    name: str = "email"

    def send(self, message: OutgoingMessage) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"{message.message_id}.eml"
            partial = path.with_suffix(".eml.part")
            partial.write_bytes(bytes(email_for(message, self.sender)))
            partial.replace(path)  # atomic: a reader never sees half a message
        except OSError as exc:
            raise DeliveryFailed(f"outbox {self.directory}: {exc}") from exc
