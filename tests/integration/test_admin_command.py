"""`make admin`: the operator's command that names the first QA Manager, run as the real process
(`python -m services.ledger.admin`) against the ledger's store, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from schemas.vocabulary import Role
from services.ledger.adapters.store import eventsourcing_env
from services.ledger.admin import bootstrap_hint, main
from services.ledger.application import Actor, LedgerApplication
from services.ledger.config import dev_cipher_key

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    yield database_url, tmp_path


def admin(store: tuple[str, Path], *args: str) -> subprocess.CompletedProcess[str]:
    url, data_dir = store
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QA_LEDGER_", "LEDGER_"))}
    env |= {"LEDGER_DATABASE_URL": url, "QA_LEDGER_DATA_DIR": str(data_dir), "QA_LEDGER_OPERATOR": "ops.test"}
    return subprocess.run(
        [sys.executable, "-m", "services.ledger.admin", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def open_ledger(store: tuple[str, Path]) -> LedgerApplication:
    """The store as the ledger process opens it: encrypted at rest with the data dir's dev key."""
    url, data_dir = store
    return LedgerApplication(env=eventsourcing_env(url, dev_cipher_key(data_dir)))


FIRST = ("--sub", "qa.first", "--name", "Quinn Adams", "--email", "quinn.adams@example.gov.uk")


def test_the_operator_names_the_first_qa_manager_once(store: tuple[str, Path]) -> None:
    ledger = open_ledger(store)
    hint = bootstrap_hint(ledger)
    assert hint is not None and "make admin SUB=" in hint  # what `make run` prints on an empty store

    first = admin(store, *FIRST)
    assert first.returncode == 0, first.stderr
    assert "qa.first is now a QA Manager" in first.stdout
    assert bootstrap_hint(ledger) is None
    [member] = ledger.register.holders(Role.QA_MANAGER, ledger.today())
    assert (member.staff_id, member.display_name, member.service_area) == (
        "qa.first",
        "Quinn Adams",
        "safeguarding_quality_review",
    )
    [event] = ledger.read_stream(Actor("qa.first", frozenset({Role.QA_MANAGER})), member.id)
    assert (event.contract, event.actorid, event.actorrole) == ("StaffMemberRegistered", "ops.test", "operator")
    head = ledger.recorder.max_notification_id()

    again = admin(store, *FIRST)
    assert again.returncode == 0 and "already an active QA Manager" in again.stdout
    other = admin(store, "--sub", "qa.other", "--name", "Other", "--email", "other@example.gov.uk")
    assert other.returncode == 1 and "already has an active QA Manager (qa.first)" in other.stderr
    assert ledger.recorder.max_notification_id() == head
    ledger.close()


def test_invalid_input_is_refused_before_anything_is_recorded(
    store: tuple[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url, data_dir = store
    monkeypatch.setenv("LEDGER_DATABASE_URL", url)
    monkeypatch.setenv("QA_LEDGER_DATA_DIR", str(data_dir))
    monkeypatch.delenv("QA_LEDGER_CIPHER_KEY", raising=False)
    assert main(["--sub", "qa.first", "--name", "Quinn", "--email", "not-an-address", "--operator", "ops.test"]) == 2
    assert "email" in capsys.readouterr().err
    assert main([*FIRST, "--operator", "Root User"]) == 2
    assert "operator" in capsys.readouterr().err
    with pytest.raises(SystemExit) as missing:
        main(["--sub", "qa.first", "--operator", "ops.test"])
    assert missing.value.code == 2 and "--name, --email required" in capsys.readouterr().err
    ledger = open_ledger(store)
    assert ledger.recorder.max_notification_id() in (None, 0)
    ledger.close()
