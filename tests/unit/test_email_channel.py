"""An address e-mail cannot carry fails that one message, not the dispatcher (found by the contract
property test: the register holds any one-line text as an e-mail address)."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest

from services.notifier.adapters.channels import FileOutboxChannel
from services.notifier.ports import DeliveryFailed, OutgoingMessage

ADDRESS = "j\u00f6rg.m\u00fcller@example.gov.uk"


def message(email: str) -> OutgoingMessage:
    return OutgoingMessage(
        uuid4(), "audit.allocated", uuid4(), "AuditAllocated", "jorg.muller", email, "Jörg", "Audit", "Body", "x"
    )


def test_a_non_ascii_address_is_a_delivery_failure_that_does_not_quote_it(tmp_path: Path) -> None:
    channel = FileOutboxChannel(tmp_path)
    with pytest.raises(DeliveryFailed) as caught:
        channel.send(message(ADDRESS))
    assert ADDRESS not in str(caught.value)
    channel.send(message("jorg.muller@example.gov.uk"))  # the next message goes out as before
    assert len(list(tmp_path.glob("*.eml"))) == 1
