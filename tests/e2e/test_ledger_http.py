"""The ledger's HTTP contract: a whole audit driven over HTTP, and every error class.

Every refused request is also shown to append nothing to the ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.ledger.application import LedgerApplication
from tests.support.world import World, domain_findings

Auth = Callable[..., dict[str, str]]


@pytest.fixture
def world(ledger: LedgerApplication) -> World:
    return World(ledger).register_everyone()


@pytest.fixture
def appended(ledger: LedgerApplication) -> Callable[[], int]:
    start = ledger.recorder.max_notification_id() or 0
    return lambda: (ledger.recorder.max_notification_id() or 0) - start


def allocation(cycle_id: object, **overrides: Any) -> dict[str, Any]:
    body = {
        "auditor_id": "aud.mash",
        "child_ref": "MOS-424242",
        "case_team": "Children in Care 1",
        "case_service_area": "supporting_our_children",
        "cycle_id": str(cycle_id),
    }
    return {**body, **overrides}


def submission(world: World, grade: str = "good") -> dict[str, Any]:
    return world.submit_command(grade).model_dump(mode="json")


def test_a_whole_audit_over_http(client: TestClient, auth: Auth, world: World) -> None:
    qa = auth("qa.manager", "qa_manager")
    cycle = world.cycle()
    r = client.post("/v1/audits", json=allocation(cycle), headers=qa)
    assert r.status_code == 201, r.text
    audit = r.json()["id"]
    assert r.headers["ETag"] == '"1"' and int(r.headers["Ledger-Position"]) > 0

    r = client.post(f"/v1/audits/{audit}/submission", json=submission(world), headers=auth("aud.mash", "auditor"))
    assert r.status_code == 200, r.text
    r = client.post(
        f"/v1/audits/{audit}/reflective-discussion",
        json={"held_on": world.today.isoformat(), "participants": world.participants(), "notes": "Agreed next steps"},
        headers=auth("tm.cic1", "team_manager"),
    )
    assert r.status_code == 200, r.text
    r = client.post(
        f"/v1/audits/{audit}/moderation",
        json={"moderated_grade": "good", "feedback": "Well evidenced", "co_moderator_ids": ["psw.one"]},
        headers=qa,
    )
    assert r.status_code == 200, r.text
    r = client.post(
        "/v1/actions",
        json={
            "owner_id": "tm.cic1",
            "description": "Update chronology",
            "measure_of_success": "Chronology current at next supervision",
            "due_on": (world.today + timedelta(days=14)).isoformat(),
            "source_kind": "reflective_discussion",
            "source_id": audit,
        },
        headers=auth("tm.cic1", "team_manager"),
    )
    assert r.status_code == 201, r.text
    action = r.json()["id"]
    r = client.post(
        f"/v1/actions/{action}/completion", json={"outcome": "Done"}, headers=auth("tm.cic1", "team_manager")
    )
    assert r.status_code == 200 and r.json()["status"] == "completed"

    stream = client.get(f"/v1/streams/{audit}", headers=qa).json()
    assert [e["type"].rsplit(".", 1)[-1] for e in stream] == [
        "AuditAllocated",
        "AuditSubmitted",
        "AuditGraded",
        "ReflectiveDiscussionHeld",
        "AuditModerated",
    ]
    assert stream[1]["actorid"] == "aud.mash" and stream[1]["actorrole"] == "auditor"
    assert stream[4]["data"]["moderator_ids"] == ["qa.manager", "psw.one"]
    assert all(e["specversion"] == "1.0" and e["subject"] == audit for e in stream)


class TestFeed:
    def test_pages_in_position_order_to_the_head(self, client: TestClient, auth: Auth, world: World) -> None:
        headers = auth("analytics", "service")
        seen: list[int] = []
        after = 0
        while True:
            page = client.get("/v1/events", params={"after": after, "limit": 5}, headers=headers).json()
            seen += [e["position"] for e in page["events"]]
            after = page["next_after"]
            if not page["events"]:
                break
        assert seen == sorted(seen) and len(seen) == len(set(seen)) == len(world.ledger.feed_page(0, 1000).events)
        assert after == page["head"]

    def test_internal_idempotency_records_are_not_published(self, client: TestClient, auth: Auth, world: World) -> None:
        qa = {**auth("qa.manager", "qa_manager"), "Idempotency-Key": "cycle-1"}
        client.post("/v1/cycles", json={"name": "C", "week1_monday": "2026-12-07"}, headers=qa)
        page = client.get("/v1/events", params={"limit": 1000}, headers=qa).json()
        types = {e["type"].rsplit(".", 1)[-1] for e in page["events"]}
        assert "IdempotentRequestAnswered" not in types and "AuditCycleScheduled" in types
        assert page["head"] == page["events"][-1]["position"]  # a caught-up reader shows no lag

    @pytest.mark.parametrize("role", ["auditor", "team_manager", "head_of_service"])
    def test_only_qa_manager_inspector_and_services_read_it(self, client: TestClient, auth: Auth, role: str) -> None:
        assert client.get("/v1/events", headers=auth("someone", role)).status_code == 403

    def test_a_service_token_reads_the_feed_and_nothing_else(
        self, client: TestClient, auth: Auth, world: World
    ) -> None:
        service = auth("warehouse", "service")
        cycle = world.cycle()
        audit = world.allocate(cycle)
        assert client.get("/v1/events", headers=service).status_code == 200
        assert client.get(f"/v1/streams/{audit}", headers=service).status_code == 403
        assert client.get("/v1/integrity", headers=service).status_code == 403
        assert client.post("/v1/audits", json=allocation(cycle), headers=service).status_code == 403

    def test_an_unknown_stream_is_404(self, client: TestClient, auth: Auth) -> None:
        r = client.get("/v1/streams/8f2968e6-1666-529c-a4de-2edbbc200881", headers=auth("inspector.one", "inspector"))
        assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")


class TestErrors:
    def test_no_token_is_401_and_appends_nothing(self, client: TestClient, world: World, appended) -> None:  # type: ignore[no-untyped-def]
        cycle = world.cycle()
        base = appended()
        r = client.post("/v1/audits", json=allocation(cycle))
        assert r.status_code == 401 and "Bearer" in r.headers["WWW-Authenticate"]
        r = client.post("/v1/audits", json=allocation(cycle), headers={"Authorization": "Bearer not-a-jwt"})
        assert r.status_code == 401 and appended() == base

    def test_an_inspector_changes_nothing(self, client: TestClient, auth: Auth, world: World, appended) -> None:  # type: ignore[no-untyped-def]
        cycle = world.cycle()
        base = appended()
        r = client.post("/v1/audits", json=allocation(cycle), headers=auth("insp", "inspector"))
        assert r.status_code == 403 and "roles" in r.json()["detail"] and appended() == base

    def test_invalid_input_is_422_naming_field_and_rule(
        self, client: TestClient, auth: Auth, world: World, appended
    ) -> None:  # type: ignore[no-untyped-def]
        cycle = world.cycle()
        base = appended()
        r = client.post("/v1/audits", json=allocation(cycle, child_ref="x"), headers=auth("qa.manager", "qa_manager"))
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "child_ref" and "pattern" in r.json()["errors"][0]["rule"]
        r = client.post(
            "/v1/audits", json={**allocation(cycle), "surprise": 1}, headers=auth("qa.manager", "qa_manager")
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "surprise"
        assert appended() == base

    def test_domain_rule_is_422_with_field_and_rule(
        self, client: TestClient, auth: Auth, world: World, appended
    ) -> None:  # type: ignore[no-untyped-def]
        audit = world.allocate(world.cycle())
        world.submit(audit, grade="inadequate")
        base = appended()
        without_the_auditor = [p for p in world.participants() if p["capacity"] != "auditor"]
        r = client.post(
            f"/v1/audits/{audit}/reflective-discussion",
            json={"held_on": world.today.isoformat(), "participants": without_the_auditor, "notes": "n"},
            headers=auth("sm.soc", "service_manager"),
        )
        assert r.status_code == 422, r.text
        assert (
            r.json()["detail"]
            == "participants: the auditor (aud.mash) holds the reflective discussion and must take part"
        )
        assert r.json()["field"] == "participants" and appended() == base

    def test_moderating_an_unsubmitted_audit_is_409(
        self, client: TestClient, auth: Auth, world: World, appended
    ) -> None:  # type: ignore[no-untyped-def]
        audit = world.allocate(world.cycle())
        base = appended()
        r = client.post(
            f"/v1/audits/{audit}/moderation",
            json={"moderated_grade": "good", "feedback": "f"},
            headers=auth("qa.manager", "qa_manager"),
        )
        assert r.status_code == 409 and "not been submitted" in r.json()["detail"] and appended() == base

    def test_unknown_audit_is_404(self, client: TestClient, auth: Auth, world: World) -> None:
        r = client.post(
            "/v1/audits/8f2968e6-1666-529c-a4de-2edbbc200881/withdrawal",
            json={"reason": "r"},
            headers=auth("qa.manager", "qa_manager"),
        )
        assert r.status_code == 404

    def test_oversized_body_is_413(self, client: TestClient, auth: Auth) -> None:
        r = client.post(
            "/v1/staff",
            content=b"{" + b" " * 1_100_000 + b"}",
            headers={**auth("qa.manager", "qa_manager"), "Content-Type": "application/json"},
        )
        assert r.status_code == 413

    def test_a_chunked_body_over_the_limit_is_413_too(self, client: TestClient, auth: Auth, appended) -> None:  # type: ignore[no-untyped-def]
        base = appended()

        def chunks():  # type: ignore[no-untyped-def]
            yield b'{"staff_id": "x", "display_name": "'
            for _ in range(20):
                yield b"y" * 100_000
            yield b'"}'

        r = client.post(
            "/v1/staff",
            content=chunks(),
            headers={**auth("qa.manager", "qa_manager"), "Content-Type": "application/json"},
        )
        assert r.status_code == 413 and appended() == base


class TestIdempotencyAndConcurrency:
    def test_a_retry_returns_the_first_answer_and_appends_nothing(
        self, client: TestClient, auth: Auth, world: World, appended
    ) -> None:  # type: ignore[no-untyped-def]
        headers = {**auth("qa.manager", "qa_manager"), "Idempotency-Key": "allocate-424242"}
        cycle = world.cycle()
        first = client.post("/v1/audits", json=allocation(cycle), headers=headers)
        after_first = appended()
        retry = client.post("/v1/audits", json=allocation(cycle), headers=headers)
        assert retry.status_code == first.status_code == 201
        assert retry.json() == first.json() and retry.headers["Idempotent-Replayed"] == "true"
        assert appended() == after_first

    def test_the_same_key_with_another_body_is_409(self, client: TestClient, auth: Auth, world: World) -> None:
        headers = {**auth("qa.manager", "qa_manager"), "Idempotency-Key": "k-1"}
        cycle = world.cycle()
        assert client.post("/v1/audits", json=allocation(cycle), headers=headers).status_code == 201
        r = client.post("/v1/audits", json=allocation(cycle, child_ref="MOS-999999"), headers=headers)
        assert r.status_code == 409 and "different request" in r.json()["detail"]

    def test_keys_are_per_caller(self, client: TestClient, auth: Auth, world: World) -> None:
        cycle = world.cycle()
        second_qa = {
            "staff_id": "qa.two",
            "display_name": "Second QA",
            "email": "qa.two@example.gov.uk",
            "roles": ["qa_manager"],
            "team": "QA Team",
            "service_area": "safeguarding_quality_review",
        }
        assert client.post("/v1/staff", json=second_qa, headers=auth("qa.manager", "qa_manager")).status_code == 201
        one = client.post(
            "/v1/audits",
            json=allocation(cycle),
            headers={**auth("qa.manager", "qa_manager"), "Idempotency-Key": "same"},
        )
        two = client.post(
            "/v1/audits", json=allocation(cycle), headers={**auth("qa.two", "qa_manager"), "Idempotency-Key": "same"}
        )
        assert one.json()["id"] != two.json()["id"]

    def test_if_match_guards_against_lost_updates(self, client: TestClient, auth: Auth, world: World, appended) -> None:  # type: ignore[no-untyped-def]
        audit = world.allocate(world.cycle())
        headers = auth("aud.mash", "auditor")
        stale = client.post(
            f"/v1/audits/{audit}/submission", json=submission(world), headers={**headers, "If-Match": '"2"'}
        )
        assert stale.status_code == 409 and "version 1, not 2" in stale.json()["detail"]
        bad = client.post(
            f"/v1/audits/{audit}/submission", json=submission(world), headers={**headers, "If-Match": "soon"}
        )
        assert bad.status_code == 422 and bad.json()["field"] == "If-Match"
        ok = client.post(
            f"/v1/audits/{audit}/submission", json=submission(world), headers={**headers, "If-Match": '"1"'}
        )
        assert ok.status_code == 200 and ok.headers["ETag"] == '"3"'


def test_openapi_documents_every_ledger_path(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in [
        "/v1/staff",
        "/v1/cycles",
        "/v1/audits",
        "/v1/audits/{audit_id}/reallocation",
        "/v1/audits/{audit_id}/submission",
        "/v1/audits/{audit_id}/amendment",
        "/v1/audits/{audit_id}/reflective-discussion",
        "/v1/audits/{audit_id}/moderation",
        "/v1/audits/{audit_id}/withdrawal",
        "/v1/actions",
        "/v1/actions/{action_id}/progress",
        "/v1/actions/{action_id}/completion",
        "/v1/actions/{action_id}/due-date",
        "/v1/actions/{action_id}/cancellation",
        "/v1/meetings",
        "/v1/programme/specialist-audits",
        "/v1/programme/thematic-requests",
        "/v1/events",
        "/v1/streams/{aggregate_id}",
    ]:
        assert path in paths, path


def test_tools_list_the_domains_to_grade(client: TestClient) -> None:
    tools = {t["tool"]: t for t in client.get("/v1/tools").json()}
    assert len(tools["ten_domain"]["domains"]) == 10 and tools["ten_domain"]["sample_domains"] is True
    assert tools["specialist"]["note"].startswith("SAMPLE: the guidance names no specialist audit tool")
    assert {d["domain"] for d in domain_findings()} == {d["id"] for d in tools["ten_domain"]["domains"]}


def test_operations_endpoints(client: TestClient, auth: Auth, world: World) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"event_store": "ok"}
    world.allocate(world.cycle())
    client.get("/v1/events", headers=auth("qa.manager", "qa_manager"))
    metrics = client.get("/metrics").text
    assert 'qa_ledger_http_requests_total{method="GET",route="/v1/events",status="200"}' in metrics
    assert "qa_ledger_events_appended_total" in metrics


def test_an_audit_reads_back_with_its_state_and_the_version_if_match_needs(
    client: TestClient, auth: Auth, world: World
) -> None:
    qa = auth("qa.manager", "qa_manager")
    audit = world.allocate(world.cycle(), auditor="aud.mash", child_ref="MOS-515151")
    world.submit(audit, grade="requires_improvement")
    world.moderate(audit, grade="inadequate")

    r = client.get(f"/v1/audits/{audit}", headers=qa)
    assert r.status_code == 200, r.text
    state = r.json()
    assert r.headers["ETag"] == f'"{state["version"]}"' and state["version"] == 4
    assert {k: state[k] for k in ("status", "child_ref", "auditor_id", "case_team", "case_service_area")} == {
        "status": "submitted",
        "child_ref": "MOS-515151",
        "auditor_id": "aud.mash",
        "case_team": "Children in Care 1",
        "case_service_area": "supporting_our_children",
    }
    assert (state["auditor_grade"], state["moderated_grade"], state["effective_grade"]) == (
        "requires_improvement",
        "inadequate",
        "inadequate",
    )
    assert state["submitted_on"] == world.today.isoformat() and state["reflective_discussion_logged"] is False

    # The ETag is what If-Match needs: a stale one is refused, the current one accepted.
    discussion = {"held_on": world.today.isoformat(), "notes": "Agreed next steps"}
    sm = auth("sm.soc", "service_manager")
    stale = client.post(
        f"/v1/audits/{audit}/reflective-discussion",
        json={**discussion, "participants": world.participants(with_service_manager=True)},
        headers={**sm, "If-Match": '"3"'},
    )
    assert stale.status_code == 409
    fresh = client.post(
        f"/v1/audits/{audit}/reflective-discussion",
        json={**discussion, "participants": world.participants(with_service_manager=True)},
        headers={**sm, "If-Match": r.headers["ETag"]},
    )
    assert fresh.status_code == 200, fresh.text
    assert client.get(f"/v1/audits/{audit}", headers=qa).json()["reflective_discussion_logged"] is True


def test_an_audit_is_read_within_the_readers_scope(client: TestClient, auth: Auth, world: World) -> None:
    audit = world.allocate(world.cycle(), auditor="aud.soc", child_ref="MOS-525252")  # a SOC auditor, a SOC case
    allowed = {
        ("qa.manager", "qa_manager"),
        ("psw.one", "principal_social_worker"),
        ("ad.one", "assistant_director"),
        ("hos.soc", "head_of_service"),
        ("sm.soc", "service_manager"),
        ("pdl.soc", "practice_development_leader"),
        ("tm.cic1", "team_manager"),  # the child's team
        ("aud.soc", "auditor"),  # the allocated auditor
    }
    refused = {
        ("hos.mash", "head_of_service"),
        ("aud.mash", "auditor", "team_manager"),  # another auditor; Team Manager of another team
        ("sw.cic1", "auditor"),
    }
    for who in allowed:
        assert client.get(f"/v1/audits/{audit}", headers=auth(*who)).status_code == 200, who
    for who in refused:
        r = client.get(f"/v1/audits/{audit}", headers=auth(*who))
        assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json"), who
    assert client.get(f"/v1/audits/{audit}").status_code == 401
    missing = client.get("/v1/audits/00000000-0000-4000-8000-000000000000", headers=auth("qa.manager", "qa_manager"))
    assert missing.status_code == 404


def test_the_head_of_service_of_the_auditor_reads_their_auditors_audit(
    client: TestClient, auth: Auth, world: World
) -> None:
    # "Heads of Service ensure their auditors complete their audits": they follow an audit of another area's case.
    audit = world.allocate(world.cycle(), auditor="aud.mash", child_ref="MOS-535353")
    assert client.get(f"/v1/audits/{audit}", headers=auth("hos.mash", "head_of_service")).status_code == 200


def test_reading_an_audit_is_scoped_by_the_register_not_the_tokens_claim(
    client: TestClient, auth: Auth, world: World
) -> None:
    audit = world.allocate(world.cycle(), auditor="aud.soc", child_ref="MOS-545454")
    # An auditor whose token claims qa_manager reads no more than the register allows them.
    r = client.get(f"/v1/audits/{audit}", headers=auth("aud.mash", "qa_manager", "auditor"))
    assert r.status_code == 403, r.text
