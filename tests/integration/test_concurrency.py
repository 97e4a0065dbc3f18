"""Concurrent commands, as a busy morning of allocations would send them: group commit must keep
every answer exactly as if each command had been saved alone, on both stores."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID

import pytest

from services.ledger import commands as c
from services.ledger.application import CommandContext, LedgerApplication
from services.ledger.application.group_commit import GroupCommitter
from services.ledger.domain.errors import LedgerError
from tests.support.world import SOC, World, actor

THREADS = 8


@pytest.fixture
def world(ledger: LedgerApplication) -> World:
    return World(ledger).register_everyone()


def allocation(cycle: UUID, i: int) -> c.AllocateAudit:
    return c.AllocateAudit(
        auditor_id="aud.mash",
        child_ref=f"MOS-{i:06d}",
        case_team="Children in Care 1",
        case_service_area=SOC,
        cycle_id=cycle,
    )


def outcome_of(call: Any) -> str:
    try:
        call()
    except LedgerError as exc:
        return type(exc).__name__
    return "ok"


def test_many_concurrent_commands_are_all_recorded_once_in_one_unbroken_chain(world: World) -> None:
    cycle = world.cycle()
    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(
            pool.map(
                lambda i: world.ledger.allocate_audit(world.qa, allocation(cycle, i), CommandContext()), range(120)
            )
        )
    assert len({a.body["id"] for a in answers}) == 120
    positions = [a.position for a in answers]
    assert len(set(positions)) == 120 and all(p is not None for p in positions)
    allocated = [e for e in world.ledger.feed_page(0, 1000).events if e.contract == "AuditAllocated"]
    assert sorted(e.data["child_ref"] for e in allocated) == [f"MOS-{i:06d}" for i in range(120)]
    assert world.ledger.verify_chain().verified


def test_racing_submissions_of_one_audit_record_exactly_one(world: World) -> None:
    audit = world.allocate(world.cycle())
    cmd = world.submit_command()
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(
            pool.map(
                lambda _: outcome_of(
                    lambda: world.ledger.submit_audit(actor("aud.mash"), audit, cmd, CommandContext())
                ),
                range(THREADS),
            )
        )
    assert results.count("ok") == 1, results
    assert set(results) <= {"ok", "VersionConflict", "StateConflict"}
    types = Counter(e.contract for e in world.ledger.read_stream(world.qa, audit))
    assert types["AuditSubmitted"] == 1 and types["AuditGraded"] == 1
    assert world.ledger.verify_chain().verified


def test_concurrent_retries_with_one_key_get_one_answer_and_one_record(world: World) -> None:
    cycle = world.cycle()
    ctx = CommandContext(idempotency_key="retry-storm", fingerprint="same-body")
    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(
            pool.map(lambda _: world.ledger.allocate_audit(world.qa, allocation(cycle, 1), ctx), range(THREADS))
        )
    assert len({a.body["id"] for a in answers}) == 1
    allocated = [e for e in world.ledger.feed_page(0, 1000).events if e.contract == "AuditAllocated"]
    assert len(allocated) == 1


def test_a_batch_with_one_conflict_commits_the_others() -> None:
    from eventsourcing.persistence import IntegrityError

    saved: list[tuple[str, ...]] = []

    def save_events(*events: str) -> list[str]:
        if "conflict" in events and len(events) > 1:
            raise IntegrityError("duplicate key")
        if events == ("conflict",):
            raise IntegrityError("duplicate key")
        saved.append(events)
        return [f"recorded {e}" for e in events]

    class Aggregate:
        def __init__(self, *events: str) -> None:
            self.events = list(events)

        def collect_events(self) -> list[str]:
            return self.events

    committer = GroupCommitter(save_events)
    from services.ledger.application.group_commit import _Save

    batch = [_Save(["a1", "a2"]), _Save(["conflict"]), _Save(["b1"])]
    committer._commit(batch)
    assert [s.recordings for s in batch] == [["recorded a1", "recorded a2"], [], ["recorded b1"]]
    assert isinstance(batch[1].error, IntegrityError)
    assert saved == [("a1", "a2"), ("b1",)]
    assert committer.save([Aggregate("x"), Aggregate("y")]) == ["recorded x", "recorded y"]
