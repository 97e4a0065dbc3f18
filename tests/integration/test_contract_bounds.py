"""The ledger refuses (422) what no consumer could store, and records nothing (issue 15 §2).

Each value in the contract is bounded (schemas/bounds.py): no NUL or other control character
(newline and tab only in free text), capped lengths, 32-bit integers or tighter, years 1900-2200.
Every envelope the ledger publishes validates against the committed JSON Schema files, checked
with the independent `jsonschema` package.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from schemas.envelope import ENVELOPE_VERSION
from services.ledger.application import LedgerApplication
from tests.support.projections import busy_department
from tests.support.world import World

Auth = Callable[..., dict[str, str]]
JSON_DIR = Path(__file__).parents[2] / "schemas" / "json"


@pytest.fixture
def world(ledger: LedgerApplication) -> World:
    return World(ledger).register_everyone()


@pytest.fixture
def appended(ledger: LedgerApplication) -> Callable[[], int]:
    start = ledger.recorder.max_notification_id() or 0
    return lambda: (ledger.recorder.max_notification_id() or 0) - start


@pytest.fixture
def adqa(world: World) -> str:
    """An ADQA meeting, recorded before `appended` starts counting: thematic requests name one."""
    return str(world.adqa_meeting(world.cycle()))


def refused(response: Any, field: str, words: str) -> None:
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert any(e["field"] == field and words in e["rule"] for e in errors), errors


def test_an_integer_past_the_domain_bound_is_refused(
    client: TestClient, auth: Auth, world: World, adqa: str, appended: Callable[[], int]
) -> None:
    ad = auth("ad.one", "assistant_director")
    body = {"topic": "Neglect", "rationale": "Seen in three audits", "minimum_audits": 10**400, "meeting_id": adqa}
    refused(client.post("/v1/programme/thematic-requests", json=body, headers=ad), "minimum_audits", "1000")
    body["minimum_audits"] = 1001
    refused(client.post("/v1/programme/thematic-requests", json=body, headers=ad), "minimum_audits", "1000")
    assert appended() == 0
    body["minimum_audits"] = 1000
    assert client.post("/v1/programme/thematic-requests", json=body, headers=ad).status_code == 201


@pytest.mark.parametrize("character", ["\u0000", "\u0007", "\u001b", "\u007f", "\u0085", "\n", "\t"])
def test_a_control_character_in_a_one_line_value_is_refused(
    client: TestClient, auth: Auth, world: World, appended: Callable[[], int], character: str
) -> None:
    body = {"name": f"a{character}b", "week1_monday": "2026-11-30"}
    r = client.post("/v1/cycles", json=body, headers=auth("qa.manager", "qa_manager"))
    refused(r, "name", f"control characters (it is a single line): U+{ord(character):04X}")
    assert appended() == 0


def test_free_text_keeps_newlines_and_tabs_but_not_other_control_characters(
    client: TestClient, auth: Auth, world: World, ledger: LedgerApplication, adqa: str, appended: Callable[[], int]
) -> None:
    ad = auth("ad.one", "assistant_director")
    body = {"topic": "Neglect", "rationale": "first\u0000second", "meeting_id": adqa}
    refused(client.post("/v1/programme/thematic-requests", json=body, headers=ad), "rationale", "U+0000")
    assert appended() == 0
    body["rationale"] = "Line one\r\n\tline two"
    assert client.post("/v1/programme/thematic-requests", json=body, headers=ad).status_code == 201
    published = ledger.feed_page(0, 1000).events[-1]
    assert published.data["rationale"] == "Line one\n\tline two"  # CRLF from a browser is a newline


def test_dates_outside_1900_to_2200_are_refused(client: TestClient, auth: Auth, world: World) -> None:
    body = {"name": "Cycle", "week1_monday": "2201-01-05"}
    r = client.post("/v1/cycles", json=body, headers=auth("qa.manager", "qa_manager"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "week1_monday", r.text


def test_strings_are_capped(client: TestClient, auth: Auth, world: World, appended: Callable[[], int]) -> None:
    body = {"name": "x" * 501, "week1_monday": "2026-11-30"}
    refused(client.post("/v1/cycles", json=body, headers=auth("qa.manager", "qa_manager")), "name", "500")
    assert appended() == 0


def schema_registry() -> Registry:
    resources = []
    for path in JSON_DIR.rglob("*.json"):
        document = json.loads(path.read_text())
        resources.append((document["$id"], Resource.from_contents(document, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


def test_every_published_envelope_validates_against_the_committed_schema_files(
    world: World, ledger: LedgerApplication
) -> None:
    busy_department(world, lambda: None)
    registry = schema_registry()
    envelopes = [e.model_dump(mode="json") for e in ledger.feed_page(0, 1000).events]
    assert len({e["type"] for e in envelopes}) >= 15
    envelope_schema = json.loads((JSON_DIR / f"EventEnvelope.v{ENVELOPE_VERSION}.json").read_text())
    for envelope in envelopes:
        Draft202012Validator(envelope_schema, registry=registry).validate(envelope)
        name = envelope["type"].rsplit(".", 1)[-1]
        data_schema = json.loads((JSON_DIR / "events" / f"{name}.v{envelope['schemaversion']}.json").read_text())
        Draft202012Validator(data_schema, registry=registry).validate(envelope["data"])


def test_a_correlation_id_that_no_envelope_could_carry_is_replaced(
    client: TestClient, auth: Auth, world: World, ledger: LedgerApplication
) -> None:
    headers = {**auth("qa.manager", "qa_manager"), "X-Correlation-ID": b"trace\x85\x7f-1"}
    r = client.post("/v1/cycles", json={"name": "Cycle", "week1_monday": "2026-11-30"}, headers=headers)  # type: ignore[dict-item]
    assert r.status_code == 201, r.text
    published = client.get("/v1/events", params={"limit": 1000}, headers=auth("qa.manager", "qa_manager"))
    assert published.status_code == 200, published.text
    assert published.json()["events"][-1]["correlationid"] == r.headers["X-Correlation-ID"] != "trace\x85\x7f-1"
