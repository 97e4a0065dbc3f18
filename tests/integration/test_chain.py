"""The published sequence and the hash chain (issue 15 §4, §5, §6, §8), on SQLite and PostgreSQL.

- a store written by contract v1 keeps publishing its events exactly as v1 did, and its links
  (rule 1) keep verifying; new events extend the same chain by rule 2;
- every envelope carries a gap-free `sequence`; `Ledger-Position` names a published position;
- a checkpoint commits to all history before it; `from_position` alone reports no false failure;
- no setting can write events around the chain, and an unlinked event is named;
- an unreadable stored event is a problem-details 500 naming its position, never a skip.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from schemas.integrity import continuity_problem
from schemas.registry import LATEST_VERSION
from services.ledger.adapters.recorders import ProofSwitchedOff
from services.ledger.adapters.store import eventsourcing_env
from services.ledger.application import Actor, CommandContext, LedgerApplication
from services.ledger.commands import RecordStaffLeaving
from tests.conftest import Clock
from tests.support.stores import superuser
from tests.support.world import World, actor

Auth = Callable[..., dict[str, str]]
LEGACY = json.loads((Path(__file__).parents[1] / "fixtures" / "legacy_v1_store.json").read_text())
INSPECTOR = Actor("insp", frozenset({"inspector"}))  # type: ignore[arg-type]


def raw_insert(database_url: str, rows: list[tuple[int, str, int, str, bytes]]) -> None:
    """Write event rows as a database owner could: (position, originator id hex, version, topic, state)."""
    with superuser(database_url) as (conn, table):
        if isinstance(conn, sqlite3.Connection):
            conn.executemany(
                f"INSERT INTO {table} (rowid, originator_id, originator_version, topic, state) VALUES (?,?,?,?,?)", rows
            )
        else:
            with conn.cursor() as cur:
                cur.executemany(
                    f"INSERT INTO {table} (notification_id, originator_id, originator_version, topic, state) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    [(p, UUID(o), v, t, s) for p, o, v, t, s in rows],
                )
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'notification_id'), {rows[-1][0]})")


LEGACY_COLUMNS = "position bigint PRIMARY KEY, hash text NOT NULL, prevhash text"  # v1's hash table


def raw_links(database_url: str, suffix: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    with superuser(database_url) as (conn, table):
        marks = (
            ",".join("?" * len(rows[0])) if isinstance(conn, sqlite3.Connection) else ",".join(["%s"] * len(rows[0]))
        )
        if isinstance(conn, sqlite3.Connection):
            conn.execute(f"CREATE TABLE IF NOT EXISTS {table}{suffix} ({LEGACY_COLUMNS})")
            conn.executemany(f"INSERT INTO {table}{suffix} ({columns}) VALUES ({marks})", rows)
        else:
            with conn.cursor() as cur:
                cur.execute(f"CREATE TABLE IF NOT EXISTS {table}{suffix} ({LEGACY_COLUMNS})")
                cur.executemany(f"INSERT INTO {table}{suffix} ({columns}) VALUES ({marks})", rows)


@pytest.fixture
def legacy_ledger(database_url: str, clock: Clock) -> Iterator[LedgerApplication]:
    """A store as contract v1 (commit 4a466f6) left it, opened by today's ledger."""
    LedgerApplication(env=eventsourcing_env(database_url), clock=clock).close()  # today's tables, empty
    with superuser(database_url) as (conn, table):  # as v1 had it: no chain table yet
        conn.execute(f"DROP TABLE {table}_chain")
    raw_insert(
        database_url,
        [
            (e["position"], e["originator_id"], e["originator_version"], e["topic"], base64.b64decode(e["state"]))
            for e in LEGACY["events"]
        ],
    )
    raw_links(
        database_url,
        "_hashes",
        "position, hash, prevhash",
        [(k["position"], k["hash"], k["prevhash"]) for k in LEGACY["links"]],
    )
    ledger = LedgerApplication(env=eventsourcing_env(database_url), clock=clock)
    yield ledger
    ledger.close()


def test_a_v1_store_publishes_its_history_as_it_did_and_the_chain_goes_on(legacy_ledger: LedgerApplication) -> None:
    before = legacy_ledger.feed_page(0, 1000).events
    assert len(before) == len(LEGACY["published"]) == 23
    for envelope, v1 in zip(before, LEGACY["published"], strict=True):
        now = envelope.model_dump(mode="json")
        same = (
            "id",
            "position",
            "subject",
            "time",
            "schemaversion",
            "aggregateid",
            "actorid",
            "data",
            "integrityhash",
            "prevhash",
        )
        assert {k: now[k] for k in same} == {k: v1[k] for k in same}
        assert now["schemaversion"] == 1 and now["integrityscheme"] == 1 and envelope.contract == v1["type"]
    assert [e.sequence for e in before] == list(range(1, 24))
    assert legacy_ledger.verify_chain().verified

    # The old aggregates still load (their events are v1) and take new commands; the chain goes on.
    legacy_ledger.record_staff_leaving(
        actor("qa.manager"), "sw.cic1", RecordStaffLeaving(left_on="2026-11-26", reason="Moved on"), CommandContext()
    )
    after = legacy_ledger.feed_page(0, 1000).events
    new = after[-1]
    latest = LATEST_VERSION["StaffMemberLeft"]
    assert (new.contract, new.schemaversion, new.integrityscheme, new.sequence) == ("StaffMemberLeft", latest, 2, 24)
    assert new.prevhash == before[-1].integrityhash
    assert legacy_ledger.verify_chain().verified and legacy_ledger.verify_chain().checked_events == 24
    previous = None
    for envelope in after:  # what a subscriber checks, from the envelopes alone
        assert continuity_problem(previous, envelope.model_dump(mode="json")) is None
        previous = envelope.model_dump(mode="json")
    # Every payload, v1 or v2, reads as the latest model.
    assert all(e.payload().schema_version == LATEST_VERSION[e.contract] for e in after)


@pytest.fixture
def world(ledger: LedgerApplication) -> World:
    return World(ledger).register_everyone()


def test_the_published_sequence_has_no_gap_where_positions_skip(client: TestClient, auth: Auth, world: World) -> None:
    qa = {**auth("qa.manager", "qa_manager"), "Idempotency-Key": "cycle-dec"}
    r = client.post("/v1/cycles", json={"name": "December", "week1_monday": "2026-12-07"}, headers=qa)
    assert r.status_code == 201
    page = client.get("/v1/events", params={"limit": 1000}, headers=qa).json()
    positions = [e["position"] for e in page["events"]]
    assert [e["sequence"] for e in page["events"]] == list(range(1, len(positions) + 1))
    # Ledger-Position names the published position the command's event got, not the internal record's.
    assert int(r.headers["Ledger-Position"]) == positions[-1]
    replay = client.post("/v1/cycles", json={"name": "December", "week1_monday": "2026-12-07"}, headers=qa)
    assert replay.headers["Idempotent-Replayed"] == "true" and int(replay.headers["Ledger-Position"]) == page["head"]
    r = client.post(
        "/v1/cycles",
        json={"name": "January", "week1_monday": "2027-01-04"},
        headers=qa | {"Idempotency-Key": "cycle-jan"},
    )
    later = client.get("/v1/events", params={"after": positions[-1]}, headers=qa).json()["events"]
    assert later[0]["position"] > positions[-1] + 1, "an internal record took a position between"
    assert later[0]["sequence"] == len(positions) + 1 and later[0]["prevhash"] == page["events"][-1]["integrityhash"]


def tamper_state(database_url: str, position: int, old: str, new: str) -> None:
    """A superuser rewrites a stored event, triggers off."""
    with superuser(database_url) as (conn, table):
        if isinstance(conn, sqlite3.Connection):
            conn.execute("DROP TRIGGER stored_events_no_update")
            conn.execute(
                f"UPDATE {table} SET state = CAST(replace(CAST(state AS TEXT), '{old}', '{new}') AS BLOB) "
                f"WHERE rowid = {position}"
            )
        else:
            conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            conn.execute(
                f"UPDATE {table} SET state = convert_to(replace(convert_from(state, 'UTF8'), '{old}', '{new}'), "
                f"'UTF8') WHERE notification_id = {position}"
            )


def test_a_checkpoint_fails_when_any_event_before_it_changed(world: World, database_url: str) -> None:
    audit = world.allocate(world.cycle())
    world.submit(audit)
    kept = world.ledger.checkpoint()["checkpoint"]
    world.moderate(audit)  # history after the checkpoint
    check = world.ledger.check_checkpoint(
        INSPECTOR, kept["position"], kept["hash"], kept["signature"], kept["sequence"]
    )
    assert check["valid_signature"] and check["matches_ledger"] and check["chain_verified_from_checkpoint"]

    allocated = next(e.position for e in world.ledger.feed_page(0, 1000).events if e.contract == "AuditAllocated")
    tamper_state(database_url, allocated, "MOS", "XYZ")  # the stored links, the checkpoint's included, stay
    check = world.ledger.check_checkpoint(
        INSPECTOR, kept["position"], kept["hash"], kept["signature"], kept["sequence"]
    )
    assert check["valid_signature"] and not check["matches_ledger"] and check["first_failure"] == allocated


def test_verifying_from_a_position_without_a_hash_reports_no_false_failure(
    client: TestClient, auth: Auth, world: World
) -> None:
    world.allocate(world.cycle())
    middle = world.ledger.feed_page(0, 1000).events[5].position
    body = client.get("/v1/integrity", params={"from_position": middle}, headers=auth("insp", "inspector")).json()
    assert body["verification"]["verified"] is True, body
    assert body["verification"]["checked_events"] == len(world.ledger.feed_page(middle, 1000).events)


def test_no_setting_switches_the_chain_off(database_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    if database_url.startswith("postgres"):
        monkeypatch.setenv("POSTGRES_ENABLE_DB_FUNCTIONS", "y")  # eventsourcing reads it from the environment
        with pytest.raises(ProofSwitchedOff, match="POSTGRES_ENABLE_DB_FUNCTIONS"):
            LedgerApplication(env=eventsourcing_env(database_url), clock=clock)
        monkeypatch.delenv("POSTGRES_ENABLE_DB_FUNCTIONS")
    plain = (
        "eventsourcing.sqlite:SQLiteApplicationRecorder"
        if database_url.startswith("sqlite")
        else ("eventsourcing.postgres:PostgresApplicationRecorder")
    )
    with pytest.raises(ProofSwitchedOff, match="APPLICATION_RECORDER_TOPIC"):
        LedgerApplication(env=eventsourcing_env(database_url) | {"APPLICATION_RECORDER_TOPIC": plain}, clock=clock)
    with pytest.raises(ProofSwitchedOff):
        LedgerApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=clock)


def copy_of(world: World, contract: str) -> tuple[str, str, bytes]:
    """(topic, originator id hex, state) of a stored event, to forge a look-alike."""
    envelope = next(e for e in world.ledger.feed_page(0, 1000).events if e.contract == contract)
    stored = world.ledger.recorder.select_events(envelope.aggregateid)[envelope.aggregateversion - 1]
    return stored.topic, envelope.aggregateid.hex, stored.state


def test_an_event_written_around_the_chain_is_named(world: World, database_url: str) -> None:
    topic, _, state = copy_of(world, "StaffMemberRegistered")
    head = world.ledger.recorder.max_notification_id() or 0
    raw_insert(database_url, [(head + 1, uuid4().hex, 1, topic, state)])
    result = world.ledger.verify_chain()
    assert not result.verified and result.first_failure == head + 1
    assert "no hash-chain link" in (result.reason or "")


def test_an_unreadable_event_is_a_500_naming_its_position_and_integrity_reports_the_real_head(
    client: TestClient, auth: Auth, world: World, database_url: str
) -> None:
    topic, _, _ = copy_of(world, "StaffMemberRegistered")
    head = world.ledger.recorder.max_notification_id() or 0
    last = world.ledger.recorder.chain_head()  # type: ignore[attr-defined]
    broken = uuid4()
    raw_insert(database_url, [(head + 1, broken.hex, 1, topic, b"\x00 not an event")])
    raw_links(
        database_url,
        "_chain",
        "sequence, position, scheme, hash, prevhash",
        [(last.sequence + 1, head + 1, 2, "f" * 64, last.hash)],
    )
    world.allocate(world.cycle())  # the ledger goes on writing after it
    qa = auth("qa.manager", "qa_manager")
    for path in ("/v1/events?after=0&limit=1000", f"/v1/streams/{broken}"):
        r = client.get(path, headers=qa)
        assert r.status_code == 500 and r.headers["content-type"] == "application/problem+json", r.text
        assert f"position {head + 1}" in r.json()["detail"]
    verification = client.get("/v1/integrity", headers=qa).json()["verification"]
    assert verification["verified"] is False and verification["first_failure"] == head + 1
    assert verification["head_position"] == world.ledger.recorder.max_notification_id() > head + 1
