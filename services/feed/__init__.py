"""The one way in for consumers of the ledger's events: a feed of envelopes with positions.

Projections and notifier are written against `EventFeed` and `schemas/` only, never against
the ledger's internals. Implementations: `LogFeed` follows the ledger's notification log in the
same process (embedded mode); `HttpFeed` pages `GET /v1/events`; `KafkaFeed` consumes the topic
the ledger's relay publishes (distributed mode).
"""

from services.feed.base import Batch, EventFeed, PositionedConsumer
from services.feed.follower import EventNotApplied, Follower, Stall
from services.feed.log import HttpFeed, LogFeed

__all__ = ["Batch", "EventFeed", "EventNotApplied", "Follower", "HttpFeed", "LogFeed", "PositionedConsumer", "Stall"]
