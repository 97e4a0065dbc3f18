"""Tamper evidence and immutability, proven against the databases themselves."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import date

import psycopg
import pytest
from fastapi.testclient import TestClient

from schemas.integrity import integrity_hash
from services.ledger.adapters.signing import verify_signature
from services.ledger.adapters.store import eventsourcing_env
from services.ledger.application import LedgerApplication
from services.ledger.provision import provision
from services.ledger.relay.tracking import PublishedPosition
from tests.support.postgres import fresh_schema
from tests.support.stores import split_postgres_url, superuser
from tests.support.world import World

DB_REFUSALS = (sqlite3.IntegrityError, sqlite3.DatabaseError, psycopg.Error)


@pytest.fixture
def world(ledger: LedgerApplication) -> World:
    w = World(ledger).register_everyone()
    audit = w.allocate(w.cycle())
    w.submit(audit)
    return w


def tamper(database_url: str, statement_sqlite: str, statement_pg: str) -> None:
    with superuser(database_url) as (conn, table):
        if isinstance(conn, sqlite3.Connection):
            conn.execute("DROP TRIGGER stored_events_no_update")
            conn.execute("DROP TRIGGER stored_events_no_delete")
            conn.execute(statement_sqlite.format(table=table))
        else:
            conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            conn.execute(statement_pg.format(table=table))


def position_of(world: World, event_type: str) -> int:
    return next(e.position for e in world.ledger.feed_page(0, 1000).events if e.contract == event_type)


def test_an_untouched_ledger_verifies(world: World) -> None:
    result = world.ledger.verify_chain()
    assert result.verified and result.checked_events == len(world.ledger.feed_page(0, 1000).events)
    assert result.head_hash == world.ledger.feed_page(0, 1000).events[-1].integrityhash


def test_an_edited_event_fails_verification_at_its_position(world: World, database_url: str) -> None:
    target = position_of(world, "AuditSubmitted")
    tamper(
        database_url,
        "UPDATE {table} SET state = CAST(replace(CAST(state AS TEXT), 'Chronology', 'Chronicle') AS BLOB) "
        f"WHERE rowid = {target}",
        "UPDATE {table} SET state = convert_to(replace(convert_from(state, 'UTF8'), 'Chronology', 'Chronicle'), "
        f"'UTF8') WHERE notification_id = {target}",
    )
    result = world.ledger.verify_chain()
    assert not result.verified and result.first_failure == target
    assert "differs from what was hashed" in (result.reason or "")


def test_a_deleted_event_fails_verification_at_the_next_one(world: World, database_url: str) -> None:
    target = position_of(world, "AuditAllocated")
    tamper(
        database_url,
        f"DELETE FROM {{table}} WHERE rowid = {target}",
        f"DELETE FROM {{table}} WHERE notification_id = {target}",
    )
    result = world.ledger.verify_chain()
    assert not result.verified and result.first_failure is not None and result.first_failure > target
    assert "removed or reordered" in (result.reason or "")


@pytest.mark.parametrize("statement", ["UPDATE {table} SET topic = 'x'", "DELETE FROM {table}"])
def test_the_database_refuses_to_change_events_even_for_its_owner(
    world: World, database_url: str, statement: str
) -> None:
    with superuser(database_url) as (conn, table), pytest.raises(DB_REFUSALS, match="append-only"):
        conn.execute(statement.format(table=table))
    assert world.ledger.verify_chain().verified


def test_postgres_refuses_truncate_even_for_its_owner(postgres_database: str, clock) -> None:  # type: ignore[no-untyped-def]
    url = f"{postgres_database}?schema={fresh_schema(postgres_database)}"
    ledger = LedgerApplication(env=eventsourcing_env(url), clock=clock)
    World(ledger).register_everyone()
    ledger.close()
    with superuser(url) as (conn, table), pytest.raises(psycopg.Error, match="append-only"):
        conn.execute(f"TRUNCATE {table}")


def test_the_ledger_role_may_only_select_and_insert(postgres_database: str, clock) -> None:  # type: ignore[no-untyped-def]
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_database, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    role = f"ledger_{uuid.uuid4().hex[:8]}"
    app_url = provision(postgres_database, role, "s3cret-for-tests", schema)
    ledger = LedgerApplication(env=eventsourcing_env(app_url), clock=clock)
    try:
        world = World(ledger).register_everyone()
        world.submit(world.allocate(world.cycle()))  # the restricted role can record everything
        assert ledger.verify_chain().verified
        relay_position = PublishedPosition(ledger.factory.tracking_recorder())  # and the relay can track
        relay_position.advance(3)
        assert relay_position.get() == 3
        url, _ = split_postgres_url(app_url)
        with psycopg.connect(url, autocommit=True) as conn:
            for statement in (
                f'UPDATE "{schema}".ledger_events SET topic = topic',
                f'DELETE FROM "{schema}".ledger_events',
                f'TRUNCATE "{schema}".ledger_events',
                f'DELETE FROM "{schema}".ledger_events_chain',
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(statement)
    finally:
        ledger.close()
        with psycopg.connect(postgres_database, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
            conn.execute(f'DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE "{role}"')


def test_a_kept_checkpoint_still_matches_later_and_its_signature_checks_offline(world: World) -> None:
    kept = world.ledger.checkpoint()["checkpoint"]
    statement = {k: kept[k] for k in ("ledger", "position", "sequence", "hash")}
    assert verify_signature(kept["public_key"], statement, kept["signature"])
    assert not verify_signature(kept["public_key"], {**statement, "position": kept["position"] - 1}, kept["signature"])
    world.allocate(world.cycle(date(2027, 1, 4)))  # more history after the checkpoint
    inspector = __import__("services.ledger.application", fromlist=["Actor"]).Actor("insp", frozenset({"inspector"}))
    check = world.ledger.check_checkpoint(
        inspector, kept["position"], kept["hash"], kept["signature"], kept["sequence"]
    )
    assert check["valid_signature"] and check["matches_ledger"] and check["chain_verified_from_checkpoint"]


def test_each_envelope_of_a_stream_verifies_offline(world: World) -> None:
    for envelope in world.ledger.feed_page(0, 1000).events:
        assert integrity_hash(envelope.model_dump(mode="json")) == envelope.integrityhash


def test_integrity_over_http(client: TestClient, auth, world: World) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/v1/integrity", headers=auth("insp", "inspector")).json()
    assert body["verification"]["verified"] is True and body["checkpoint"]["signature"]
    assert client.get("/v1/integrity", headers=auth("aud.mash", "auditor")).status_code == 403
    kept = body["checkpoint"]
    checked = client.post("/v1/integrity/checkpoints", json=kept, headers=auth("insp", "inspector")).json()
    assert checked["valid_signature"] and checked["matches_ledger"]
    assert client.get("/v1/integrity/public-key").json()["public_key"] == kept["public_key"]


def test_free_text_is_encrypted_at_rest_and_readable_through_the_api(database_url: str, clock) -> None:  # type: ignore[no-untyped-def]
    from eventsourcing.cryptography import AESCipher

    ledger = LedgerApplication(env=eventsourcing_env(database_url, AESCipher.create_key(32)), clock=clock)
    try:
        world = World(ledger).register_everyone()
        audit = world.allocate(world.cycle())
        world.submit(audit, summary="Sibling contact arrangements are unclear")
        with superuser(database_url) as (conn, table):
            rows = conn.execute(f"SELECT state FROM {table}").fetchall()
        assert rows and not any(b"Sibling contact" in bytes(row[0]) for row in rows)
        assert not any(b"MOS-100001" in bytes(row[0]) for row in rows)
        submitted = next(e for e in ledger.feed_page(0, 1000).events if e.contract == "AuditSubmitted")
        assert submitted.data["summary"] == "Sibling contact arrangements are unclear"
        assert ledger.verify_chain().verified
    finally:
        ledger.close()


def test_the_verify_command_names_the_first_failing_position(
    world: World, database_url: str, tmp_path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    from services.ledger.integrity import main

    monkeypatch.setenv("LEDGER_DATABASE_URL", database_url)
    monkeypatch.setenv("QA_LEDGER_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("QA_LEDGER_CIPHER_KEY", raising=False)
    monkeypatch.setattr("services.ledger.config.dev_cipher_key", lambda _: None)  # the test ledger is unencrypted
    assert main(["verify"]) == 0
    target = position_of(world, "AuditAllocated")
    tamper(
        database_url,
        f"UPDATE {{table}} SET state = CAST(replace(CAST(state AS TEXT), 'MOS', 'XYZ') AS BLOB) WHERE rowid = {target}",
        "UPDATE {table} SET state = convert_to(replace(convert_from(state, 'UTF8'), "
        f"'MOS', 'XYZ'), 'UTF8') WHERE notification_id = {target}",
    )
    assert main(["verify"]) == 1
    assert f"FAILED at position {target}" in capsys.readouterr().err


def test_an_exported_trail_verifies_offline_and_an_edit_is_caught(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from schemas.verify_trail import main, verify_envelopes

    items = [e.model_dump(mode="json") for e in world.ledger.feed_page(0, 1000).events]
    assert verify_envelopes(items) == []
    path = tmp_path / "trail.json"
    path.write_text(json.dumps({"events": items}))
    assert main([str(path)]) == 0
    items[3]["data"] = (
        {**items[3]["data"], "team": "Edited after export"}
        if "team" in items[3]["data"]
        else {**items[3]["data"], "edited": True}
    )
    assert verify_envelopes(items) == [f"position {items[3]['position']}: content does not match its integrity hash"]
