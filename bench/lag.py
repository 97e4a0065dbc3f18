"""Live lag: from an event's commit to its row in a read model, with the system otherwise idle.

Two paths: in-process (LogFeed + Follower woken by the ledger's after_commit), and through Kafka
(the relay woken by after_commit → a Tansu broker → KafkaFeed + Follower). The commit time is taken
in the first after_commit callback, the visible time right after the projections' transaction
commits the batch holding that position.
"""

from __future__ import annotations

import threading
import time
import uuid
from contextlib import ExitStack
from typing import TYPE_CHECKING

from eventsourcing.cryptography import AESCipher

from bench.stats import Figure, percentile
from bench.workload import Department
from devtools.kafka_broker import TansuBroker
from services.embedded import read_page
from services.feed import Batch, Follower, LogFeed
from services.feed.kafka import KafkaFeed
from services.ledger.adapters.store import eventsourcing_env
from services.ledger.application import LedgerApplication
from services.ledger.relay import Relay
from services.projections.consumer import Projections
from services.projections.store import Database
from tests.support.world import World

if TYPE_CHECKING:
    from collections.abc import Callable

    from bench.stores import Stores


class Timed:
    """A PositionedConsumer that notes when each position became visible in the read models."""

    def __init__(self, projections: Projections) -> None:
        self.projections = projections
        self.name = projections.name
        self.visible: dict[int, float] = {}
        self.changed = threading.Condition()

    def position(self) -> int:
        return self.projections.position()

    def apply(self, batch: Batch) -> None:
        self.projections.apply(batch)
        now = time.perf_counter()
        with self.changed:
            for envelope in batch.envelopes:
                self.visible[envelope.position] = now
            self.changed.notify_all()

    def wait_for(self, position: int, timeout: float = 30.0) -> None:
        with self.changed:
            if not self.changed.wait_for(lambda: position in self.visible, timeout):
                raise TimeoutError(f"position {position} never became visible")


def sample(ledger: LedgerApplication, timed: Timed, cycle_id: object, samples: int, pause: float) -> list[float]:
    """Append one allocation at a time, `pause` apart; lag in ms of each."""
    committed: list[float] = []
    ledger.after_commit.insert(0, lambda: committed.append(time.perf_counter()))
    world = World(ledger)
    positions: dict[int, float] = {}
    for n in range(samples):
        audit = world.allocate(cycle_id, child_ref=f"LAG-{uuid.uuid4().hex[:8]}")  # type: ignore[arg-type]
        del audit
        position = ledger.recorder.max_published_position()  # type: ignore[attr-defined]
        positions[position] = committed[-1]
        time.sleep(pause)
        if n % 50 == 49:
            timed.wait_for(position)
    last = max(positions)
    timed.wait_for(last)
    return [(timed.visible[p] - t) * 1000 for p, t in positions.items()]


def measure(
    stores: Stores,
    *,
    kafka: bool,
    samples: int,
    pause: float,
    progress: Callable[[str], None],
) -> list[Figure]:
    ledger = LedgerApplication(env=eventsourcing_env(stores.ledger_url, AESCipher.create_key(32)))
    cycle_id = Department.register(ledger, 1).cycles[0]
    projections = Projections(Database(stores.projections_url))
    timed = Timed(projections)
    with ExitStack() as stack:
        stack.callback(ledger.close)
        stack.callback(projections.db.close)
        if kafka:
            broker = stack.enter_context(TansuBroker())
            topic = f"bench-{uuid.uuid4().hex[:8]}"
            relay = Relay(ledger, broker.bootstrap_servers, topic).start()
            stack.callback(relay.stop)
            feed: object = KafkaFeed(broker.bootstrap_servers, topic, group_id=f"bench-{topic}")
            path = "via relay + Kafka"
        else:
            feed = LogFeed(read_page(ledger))
            ledger.after_commit.append(feed.wake)  # type: ignore[attr-defined]
            path = "in-process"
        follower = Follower(feed, timed).start()  # type: ignore[arg-type]
        stack.callback(follower.stop)
        # Warm up: group join, topic metadata, first connections.
        sample(ledger, timed, cycle_id, 5, 0.05)
        lags = sample(ledger, timed, cycle_id, samples, pause)
    p50, p99 = percentile(lags, 50), percentile(lags, 99)
    progress(f"lag {stores.kind} {path}: p50 {p50:.1f} ms, p99 {p99:.1f} ms over {len(lags)}")
    target = 20.0 if stores.kind == "postgres" and not kafka else 50.0
    return [
        Figure("live lag", stores.kind, f"append → read model p50, {path}", p50, "ms", note=f"{len(lags)} samples"),
        Figure(
            "live lag",
            stores.kind,
            f"append → read model p99, {path}",
            p99,
            "ms",
            target=f"≤ {target:.0f} ms",
            met=p99 <= target,
        ),
    ]
