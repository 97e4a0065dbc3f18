"""The projections service alone (distributed mode).

    python -m services.projections            serve the read models, following the feed
    python -m services.projections rebuild    replay the feed from position 0 beside the live tables,
                                              up to the ledger's head, then swap them in (blue/green)

The feed is Kafka when KAFKA_BOOTSTRAP_SERVERS is set, else the ledger's HTTP feed (QA_LEDGER_URL and
QA_LEDGER_SERVICE_TOKEN). A rebuild over Kafka also needs QA_LEDGER_URL: it asks the ledger for its head.
The store is PROJECTIONS_DATABASE_URL (default sqlite:///data/projections.sqlite3). The service may keep
serving while a rebuild runs; a rebuild that fails or is killed leaves the live read models unchanged.
"""

from __future__ import annotations

import argparse
import logging
import sys
import uuid

import uvicorn
from fastapi import FastAPI

from schemas.envelope import KAFKA_TOPIC
from services.feed import EventFeed, EventNotApplied, Follower, HttpFeed
from services.feed.log import ledger_head
from services.feed.logged import LoggedConsumer
from services.platform.auth import AuthSettings
from services.platform.failures import describe
from services.platform.logs import configure_logging
from services.platform.operations import install_operations, watch_consumer
from services.projections.config import ProjectionsSettings
from services.projections.consumer import Projections
from services.projections.rebuild import RebuildFailed, rebuild
from services.projections.store import Database
from services.projections.wiring import build_projections, create_projections_app

log = logging.getLogger("qa_ledger.projections")
UNCHANGED = "The live read models are unchanged."


def install_projection_operations(app: FastAPI, projections: Projections, follower: Follower) -> None:
    """/healthz, /readyz (the store answers, the feed answers, no event stalls the read models) and
    /metrics with the lag and any stall."""
    install_operations(app, {})
    watch_consumer(app, follower)


def make_feed(settings: ProjectionsSettings, *, group_id: str | None = None) -> EventFeed:
    if settings.kafka_bootstrap_servers:
        from services.feed.kafka import KafkaFeed  # kafka-python only where Kafka is used

        url, token = settings.ledger_url, settings.ledger_token  # a rebuild asks the ledger for its head
        return KafkaFeed(
            settings.kafka_bootstrap_servers,
            settings.kafka_topic or KAFKA_TOPIC,
            group_id or settings.kafka_group_id,
            ledger_head=ledger_head(url, token) if url and token else None,
        )
    assert settings.ledger_url and settings.ledger_token
    return HttpFeed(settings.ledger_url, settings.ledger_token)


def run_rebuild(settings: ProjectionsSettings, projections: Projections, args: argparse.Namespace) -> int:
    try:
        # A fresh consumer group, so Kafka hands over the topic from its first record.
        feed = make_feed(settings, group_id=f"{settings.kafka_group_id}-rebuild-{uuid.uuid4().hex[:8]}")
    except Exception as exc:
        print(
            f"rebuild failed: cannot open the feed: {describe(exc)}\nThe live read models are unchanged.",
            file=sys.stderr,
        )
        return 1
    try:
        done = rebuild(projections, feed, args.only, batch_size=args.batch_size, patience=args.patience)
    except (RebuildFailed, EventNotApplied, ValueError) as exc:
        print(f"rebuild failed: {exc}\n{UNCHANGED}", file=sys.stderr)
        return 1
    finally:
        feed.close()
        projections.db.close()
    print(
        f"rebuilt {', '.join(done.projections)} up to position {done.position} "
        f"(the ledger's head was {done.head} when the rebuild began) and swapped them in"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m services.projections",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", nargs="?", choices=["serve", "rebuild"], default="serve")
    parser.add_argument("--only", action="append", help="rebuild only this projection (repeatable)")
    parser.add_argument("--batch-size", type=int, default=500, help="envelopes per transaction (rebuild)")
    parser.add_argument(
        "--patience", type=float, default=60.0, help="seconds the feed may give nothing before the rebuild fails"
    )
    args = parser.parse_args(argv)
    configure_logging("projections")
    settings = ProjectionsSettings.from_env()
    if args.command == "rebuild":
        # The live tables are not reshaped here: the rebuild replaces them whole at its swap.
        return run_rebuild(settings, Projections(Database(settings.database_url), reshape=False), args)
    projections = build_projections(settings.database_url)
    follower = Follower(make_feed(settings), LoggedConsumer(projections))
    app = create_projections_app(projections, follower, AuthSettings.from_env(settings.data_dir))
    install_projection_operations(app, projections, follower)
    log.info(
        "projections on http://%s:%s following %s",
        settings.host,
        settings.port,
        settings.kafka_bootstrap_servers or settings.ledger_url,
    )
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
