"""Property: whatever the contract allows, every consumer can apply (issue 15 §2), on SQLite and PostgreSQL.

For every event type, payloads are generated from the committed JSON Schema files
(`schemas/json/events/*.json`, their latest version), drawn to the edges of every bound
(tests/support/contract_values.py) and checked against those files with the independent `jsonschema`
package. Each example is one of every event, with the ids that tie them together (one member of
staff, cycle, audit, action, meeting, programme), recorded through the ledger (its store, its hash
chain, its published feed), then applied by the projections and by the notifier, which also judges
its deadlines and sends what they decide. None may fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from schemas.events import LATEST_PAYLOADS
from services.feed import Follower
from services.ledger.application import LedgerApplication
from services.ledger.domain import PUBLISHED_AGGREGATES
from services.ledger.envelopes import event_id
from services.notifier.adapters.channels import FileOutboxChannel
from services.notifier.application import Notifier
from services.notifier.wiring import build_notifier, follow_notifier
from services.projections.consumer import Projections
from tests.support.contract_values import latest_schemas, payloads
from tests.support.projections import ledger_feed, new_projections, projections_url

EXAMPLES = int(os.environ.get("QA_LEDGER_PROPERTY_EXAMPLES", "4"))
DERANDOMIZE = "QA_LEDGER_PROPERTY_EXAMPLES" not in os.environ
SCHEMAS = latest_schemas()
STAFF_ID = "^[a-z0-9][a-z0-9._-]{1,63}$"
# Events that end something go last, so that everything else still finds its subject open.
ENDINGS = ("AuditWithdrawn", "ActionCompleted", "ActionCancelled", "AuditCycleClosed", "StaffMemberLeft")
# The contract's own order (staff, cycles, audits, actions, meetings, programme, receipts): stable.
ORDER = sorted(
    [name for name in LATEST_PAYLOADS if name in SCHEMAS],
    key=lambda name: (name in ENDINGS, ENDINGS.index(name) if name in ENDINGS else 0),
)
# Which aggregate a uuid field refers to, by name.
REFERENCES = {
    "cycle_id": "AuditCycle",
    "audit_id": "Audit",
    "source_id": "Audit",
    "action_id": "Action",
    "meeting_id": "Meeting",
}


def event_classes() -> dict[str, tuple[type[Aggregate], type[Aggregate.Event]]]:
    found = {}
    for aggregate in PUBLISHED_AGGREGATES:
        for value in vars(aggregate).values():
            if isinstance(value, type) and issubclass(value, Aggregate.Event) and value.__name__ in SCHEMAS:
                found[value.__name__] = (aggregate, value)
    return found


EVENT_CLASSES = event_classes()


def test_every_contract_has_a_schema_file_and_an_event_the_ledger_records() -> None:
    assert set(SCHEMAS) == set(LATEST_PAYLOADS)
    assert set(EVENT_CLASSES) == set(SCHEMAS), "a contract type the ledger has no event class for"


def examples(mode: str) -> st.SearchStrategy[dict[str, dict[str, Any]]]:
    return st.fixed_dictionaries({name: payloads(SCHEMAS[name], mode) for name in ORDER})


def validate(name: str, payload: dict[str, Any]) -> None:
    Draft202012Validator(SCHEMAS[name], format_checker=Draft202012Validator.FORMAT_CHECKER).validate(payload)


def tie_together(example: dict[str, dict[str, Any]]) -> tuple[dict[str, UUID], dict[str, dict[str, Any]]]:
    """One aggregate of each type, and every reference in the example pointing at them."""
    ids = {aggregate.__name__: uuid4() for aggregate in PUBLISHED_AGGREGATES}
    staff = example["StaffMemberRegistered"]["staff_id"]
    specialist = example["SpecialistAuditScheduled"]["specialist_audit_id"]
    allocated_version = [n for n in ORDER if EVENT_CLASSES[n][0].__name__ == "Audit"].index("AuditAllocated") + 1
    refs: dict[str, Any] = {field: str(ids[aggregate]) for field, aggregate in REFERENCES.items()}
    refs |= {"specialist_audit_id": specialist, "cause_event_id": str(event_id(ids["Audit"], allocated_version))}

    def tie(value: Any, schema: dict[str, Any], field: str) -> Any:
        schema = resolve(schema, SCHEMAS[name])
        if isinstance(value, dict):
            props = schema.get("properties", {})
            return {k: tie(v, props.get(k, {}), k) for k, v in value.items()}
        if isinstance(value, list):
            return [tie(v, schema.get("items", {}), field) for v in value]
        if isinstance(value, str) and field in refs:
            return refs[field]
        if isinstance(value, str) and STAFF_ID in [s.get("pattern") for s in [schema, *schema.get("anyOf", [])]]:
            return staff
        return value

    tied = {}
    for name, payload in example.items():
        tied[name] = tie(payload, SCHEMAS[name], "")
        validate(name, tied[name])
    return ids, tied


def resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    if "$ref" not in node:
        return node
    target: Any = root
    for part in node["$ref"].removeprefix("#/").split("/"):
        target = target[part]
    return dict(target)


def record(ledger: LedgerApplication, ids: dict[str, UUID], example: dict[str, dict[str, Any]]) -> None:
    """Record the example as the ledger records any event: its store, its chain, its feed."""
    versions: dict[str, int] = {}
    events = []
    for name in ORDER:
        aggregate, cls = EVENT_CLASSES[name]
        version = versions[aggregate.__name__] = versions.get(aggregate.__name__, 0) + 1
        payload = LATEST_PAYLOADS[name].model_validate(example[name]).model_dump()
        extra = {"originator_topic": get_topic(aggregate)} if issubclass(cls, Aggregate.Created) else {}
        events.append(
            cls(  # type: ignore[call-arg]
                originator_id=ids[aggregate.__name__],
                originator_version=version,
                timestamp=datetime.now(UTC),
                **extra,
                **payload,
            )
        )
    ledger.save(*events)


@pytest.fixture
def consumers(ledger: LedgerApplication, database_url: str, tmp_path: Path) -> Iterator[tuple[Projections, Notifier]]:
    projections = new_projections(database_url, tmp_path, date.today, "property")
    notifier = build_notifier(
        projections_url(database_url, tmp_path, "notifier"), [FileOutboxChannel(tmp_path / "outbox")], None
    )
    yield projections, notifier
    projections.db.close()
    notifier.store.close()


def settings_for(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=DERANDOMIZE,
        deadline=None,
        # No shrinking: an example takes about a second, and EventNotApplied already names the event
        # type, the position and the error; shrinking a failure would take minutes.
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# Every maximum at once, every minimum at once, then mixes of the two and what lies between.
MODES = {"high": 2, "low": 1, "mixed": EXAMPLES}


@pytest.mark.parametrize("mode", list(MODES))
def test_every_consumer_applies_whatever_the_contract_allows(
    mode: str, ledger: LedgerApplication, consumers: tuple[Projections, Notifier]
) -> None:
    projections, notifier = consumers

    @settings_for(MODES[mode])
    @given(example=examples(mode))
    def apply_everywhere(example: dict[str, dict[str, Any]]) -> None:
        ids, tied = tie_together(example)
        record(ledger, ids, tied)
        head = ledger.feed_page(0, 1).head

        Follower(ledger_feed(ledger), projections).catch_up()  # raises EventNotApplied, naming the event
        assert projections.position() == head

        follower = follow_notifier(ledger_feed(ledger), notifier)
        follower.catch_up()
        assert notifier.position() == head
        follower.catch_up_once()  # an empty poll at the head: caught up, so deadlines are judged
        # Deadlines judged, messages written and sent: an address e-mail cannot carry fails that one
        # message (retried, then dead-lettered), never the dispatcher.
        report = notifier.tick()
        assert report.sent + report.failed + report.dead_lettered > 0

    apply_everywhere()
