"""The ledger → Kafka relay: publishes the ledger's stored log, in position order, to one topic.

Run it in the ledger process (`Relay(ledger, bootstrap_servers).start()`, woken after each commit)
or beside it (`python -m services.ledger.relay`). It reads only what the ledger has committed, so
the command path never writes to Kafka; its published position lives in the ledger's own store.
"""

from services.ledger.relay.messages import to_record
from services.ledger.relay.relay import Relay, RelayStatus
from services.ledger.relay.tracking import RELAY_NAME, PublishedPosition

__all__ = ["RELAY_NAME", "PublishedPosition", "Relay", "RelayStatus", "to_record"]
