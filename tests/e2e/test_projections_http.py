"""The projections' HTTP contract: every query route, role and scope checks, CSV, status and lag.

The app mounts the ledger and the projections together (as the embedded mode does); the test
drives the follower by hand so that each read sees a known position.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.feed import Follower
from services.ledger.api.app import create_app
from services.ledger.application import LedgerApplication
from services.projections.wiring import attach_projections, build_projections, projections_router
from tests.conftest import TEST_AUTH, Clock
from tests.support.projections import busy_department, ledger_feed, projections_url
from tests.support.world import World

Auth = Callable[..., dict[str, str]]


@pytest.fixture
def world(ledger: LedgerApplication) -> World:
    return World(ledger).register_everyone()


@pytest.fixture
def follower(ledger: LedgerApplication, database_url: str, tmp_path: Path, clock: Clock) -> Iterator[Follower]:
    projections = build_projections(projections_url(database_url, tmp_path), today=clock)
    yield Follower(ledger_feed(ledger), projections, batch_size=50)
    projections.db.close()


@pytest.fixture
def api(ledger: LedgerApplication, follower: Follower) -> Iterator[TestClient]:
    app = create_app(ledger, TEST_AUTH)
    attach_projections(app, follower.consumer, follower, start_follower=False)  # type: ignore[arg-type]
    app.include_router(projections_router())
    with TestClient(app) as client:
        yield client


@pytest.fixture
def scenario(world: World, follower: Follower) -> dict[str, Any]:
    facts = busy_department(world, lambda: None)
    follower.catch_up()
    return facts


def get(api: TestClient, path: str, headers: dict[str, str], **params: Any) -> Any:
    return api.get(path, headers=headers, params=params)


class TestRolesAndScope:
    def test_no_token_is_401(self, api: TestClient, scenario: dict[str, Any]) -> None:
        assert api.get(f"/v1/cycles/{scenario['cycle']}/moderation-coverage").status_code == 401

    def test_coverage_by_role(self, api: TestClient, auth: Auth, scenario: dict[str, Any]) -> None:
        expected = [
            ("qa.manager", "qa_manager", 200),
            ("inspector.one", "inspector", 200),
            ("ad.one", "assistant_director", 200),
            ("psw.one", "principal_social_worker", 200),
            ("hos.soc", "head_of_service", 200),
            ("sm.soc", "service_manager", 200),
            ("tm.cic1", "team_manager", 403),
            ("aud.mash", "auditor", 403),
            ("ext.auditor", "external_auditor", 403),
            ("notifier", "service", 403),
            ("hos.unknown", "head_of_service", 403),  # no staff record, so no service area
        ]
        for who, role, status in expected:
            response = get(api, f"/v1/cycles/{scenario['cycle']}/moderation-coverage", auth(who, role))
            assert response.status_code == status, (who, response.text)
            if status == 403:
                assert response.headers["content-type"] == "application/problem+json"

    def test_a_head_of_service_reads_their_own_service_area_only(
        self, api: TestClient, auth: Auth, scenario: dict[str, Any]
    ) -> None:
        hos = auth("hos.soc", "head_of_service")
        own = get(api, f"/v1/cycles/{scenario['cycle']}/dashboard", hos).json()
        assert own["service_areas"] == ["supporting_our_children"]
        assert {a["service_area"] for a in own["completion_by_day_14"]["by_service_area"]} == {
            "supporting_our_children"
        }
        other = get(
            api, f"/v1/cycles/{scenario['cycle']}/dashboard", hos, service_area="mash_assessment_support_awaken"
        )
        assert other.status_code == 403 and "own service area" in other.json()["detail"]
        everyone = get(api, f"/v1/cycles/{scenario['cycle']}/dashboard", auth("qa.manager", "qa_manager")).json()
        assert len(everyone["completion_by_day_14"]["by_service_area"]) == 2

    def test_trails_follow_allocation_team_and_area(
        self, api: TestClient, auth: Auth, scenario: dict[str, Any]
    ) -> None:
        path = f"/v1/audits/{scenario['audits'][0]}/trail"
        assert get(api, path, auth("aud.mash", "auditor")).status_code == 200  # allocated to them
        assert get(api, path, auth("sw.cic1", "auditor")).status_code == 403
        assert get(api, path, auth("ext.auditor", "external_auditor")).status_code == 403
        assert get(api, path, auth("tm.cic1", "team_manager")).status_code == 200  # the child's team
        assert get(api, path, auth("hos.mash", "head_of_service")).status_code == 403
        assert get(api, path, auth("inspector.one", "inspector")).status_code == 200
        assert get(api, path, auth("notifier", "service")).status_code == 403
        assert get(api, "/v1/teams/Children in Care 1/trail", auth("aud.mash", "team_manager")).status_code == 403
        assert get(api, "/v1/teams/Assessment 2/trail", auth("aud.mash", "team_manager")).status_code == 200

    def test_outstanding_actions_are_scoped_and_closed_to_auditors(
        self, api: TestClient, auth: Auth, scenario: dict[str, Any], clock: Clock
    ) -> None:
        # No `as_of`: aged as of today (the test clock's day) with everything recorded so far. (With `as_of`,
        # the answer is what was known at the end of that day, and the test clock's day is in the past.)
        team = get(api, "/v1/actions/outstanding", auth("tm.cic1", "team_manager")).json()
        assert team["as_of"] == clock.today.isoformat()
        assert team["open"] == 0  # the one open action is the Service Manager's, in another team
        area = get(api, "/v1/actions/outstanding", auth("hos.soc", "head_of_service")).json()
        assert [a["owner_id"] for a in area["actions"]] == ["sm.soc"]
        assert get(api, "/v1/actions/outstanding", auth("aud.mash", "auditor")).status_code == 403

    def test_status_is_for_the_service_role_and_qa_staff(self, api: TestClient, auth: Auth) -> None:
        assert get(api, "/v1/projections/status", auth("notifier", "service")).status_code == 200
        assert get(api, "/v1/projections/status", auth("aud.mash", "auditor")).status_code == 403
        assert get(api, "/v1/quotas", auth("notifier", "service")).status_code == 403
        assert get(api, "/v1/reports/six-monthly", auth("hos.soc", "head_of_service")).status_code == 403


class TestTrailsOverHttp:
    def test_csv_export_parses_and_matches_the_json(
        self, api: TestClient, auth: Auth, scenario: dict[str, Any]
    ) -> None:
        inspector = auth("inspector.one", "inspector")
        path = "/v1/children/MOS-900003/trail"
        as_json = get(api, path, inspector).json()
        response = get(api, path, inspector, format="csv")
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [int(r["position"]) for r in rows] == [e["position"] for e in as_json["events"]]
        assert [r["type"].rsplit(".", 1)[-1] for r in rows][:3] == ["AuditAllocated", "AuditSubmitted", "AuditGraded"]
        assert "NotificationDelivered" in [
            r["type"].rsplit(".", 1)[-1] for r in rows
        ]  # the escalation is on the child's trail
        assert {"actorid", "actorrole", "time", "id", "integrityhash", "prevhash", "data"} <= set(rows[0])

    def test_as_of_omits_later_events_and_bad_instants_are_422(
        self, api: TestClient, auth: Auth, scenario: dict[str, Any]
    ) -> None:
        inspector = auth("inspector.one", "inspector")
        path = f"/v1/audits/{scenario['audits'][0]}/trail"
        full = get(api, path, inspector).json()["events"]
        cut = full[2]["time"]
        then = get(api, path, inspector, as_of=cut).json()
        assert [e["position"] for e in then["events"]] == [e["position"] for e in full if e["time"] <= cut]
        assert len(then["events"]) < len(full)
        assert get(api, path, inspector, as_of="2000-01-01").status_code == 200
        assert get(api, path, inspector, as_of="2000-01-01").json()["events"] == []
        bad = get(api, path, inspector, as_of="last tuesday")
        assert bad.status_code == 422 and bad.json()["field"] == "as_of"

    def test_unknown_subjects_are_404(self, api: TestClient, auth: Auth, scenario: dict[str, Any]) -> None:
        inspector = auth("inspector.one", "inspector")
        assert get(api, "/v1/audits/00000000-0000-0000-0000-000000000000/trail", inspector).status_code == 404
        assert get(api, "/v1/children/MOS-000000/trail", inspector).status_code == 404
        assert get(api, "/v1/cycles/00000000-0000-0000-0000-000000000000/dashboard", inspector).status_code == 404

    def test_every_trail_read_is_logged(
        self, api: TestClient, auth: Auth, scenario: dict[str, Any], caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO, logger="qa_ledger.projections.access"):
            get(api, "/v1/teams/Children in Care 1/trail", auth("inspector.one", "inspector"))
        [record] = [r for r in caplog.records if r.name == "qa_ledger.projections.access"]
        assert record.reader == "inspector.one" and record.trail_kind == "team"  # type: ignore[attr-defined]
        assert record.trail_of == "Children in Care 1"  # type: ignore[attr-defined]

    def test_the_log_of_trail_reads_is_durable_and_for_inspectors(
        self, api: TestClient, auth: Auth, scenario: dict[str, Any]
    ) -> None:
        inspector = auth("inspector.one", "inspector")
        get(api, "/v1/teams/Children in Care 1/trail", inspector, as_of="2026-11-01")
        get(api, "/v1/teams/Children in Care 1/trail", auth("qa.manager", "qa_manager"), format="csv")
        reads = get(api, "/v1/trail-reads", inspector, kind="team", subject="Children in Care 1").json()["reads"]
        assert [(r["reader"], r["format"]) for r in reads] == [("qa.manager", "csv"), ("inspector.one", "json")]
        assert reads[1]["as_of"].startswith("2026-11-01") and reads[1]["reader_roles"] == ["inspector"]
        assert get(api, "/v1/trail-reads", auth("hos.soc", "head_of_service")).status_code == 403


class TestQueries:
    def test_reports_quotas_programme_and_status(
        self, api: TestClient, auth: Auth, scenario: dict[str, Any], follower: Follower, world: World, clock: Clock
    ) -> None:
        qa = auth("qa.manager", "qa_manager")
        report = get(
            api,
            "/v1/reports/head-of-service",
            auth("hos.soc", "head_of_service"),
            cycle=str(scenario["cycle"]),
            service_area="supporting_our_children",
        ).json()
        assert report["findings"]["submitted"] == 5 and report["moderation"]["moderated"] == 2
        assert report["markdown"].startswith("# Supporting Our Children, Adoption, Fostering & Residential Homes: Head")
        learning = report["specialist_and_thematic_learning"]["presented"]
        assert learning[0]["learning"] == "Private fostering checks are late."
        six = get(api, "/v1/reports/six-monthly", qa, to=clock.today.isoformat(), format="markdown")
        assert six.headers["content-type"].startswith("text/markdown")
        assert "## Strengths and challenges by domain" in six.text and "## Learning from moderation" in six.text
        assert get(api, "/v1/quotas", qa, month=clock.today.isoformat()[:7]).json()["short"]
        assert get(api, "/v1/quotas", qa, month="2026-13").status_code == 422
        [item] = get(api, "/v1/programme/progress", qa).json()["items"]
        assert item["minimum_audits"] == 9 and item["allocated"] == 0

        status = get(api, "/v1/projections/status", auth("notifier", "service")).json()
        head = world.ledger.feed_page(0, 1).head
        assert status["head"] == head and status["lag"] == 0
        assert {p["name"]: p["position"] for p in status["projections"]} == dict.fromkeys(
            ["staff", "audits", "actions", "meetings", "evidence", "programme", "trails"], head
        )

        world.allocate(scenario["cycle"], child_ref="MOS-999999")
        world.allocate(scenario["cycle"], child_ref="MOS-999998")
        follower.batch_size = 1
        follower.catch_up_once()
        status = get(api, "/v1/projections/status", auth("notifier", "service")).json()
        assert status["lag"] == 1 and all(p["lag"] == 1 for p in status["projections"])

    def test_openapi_documents_every_read_model(self, api: TestClient) -> None:
        paths = api.get("/openapi.json").json()["paths"]
        for path in (
            "/v1/cycles/{cycle_id}/moderation-coverage",
            "/v1/cycles/{cycle_id}/dashboard",
            "/v1/actions/outstanding",
            "/v1/audits/{audit_id}/trail",
            "/v1/children/{child_ref}/trail",
            "/v1/teams/{team}/trail",
            "/v1/quotas",
            "/v1/programme/progress",
            "/v1/reports/head-of-service",
            "/v1/reports/six-monthly",
            "/v1/projections/status",
        ):
            assert paths[path]["get"]["summary"], path


def test_mounted_in_the_embedded_way_the_follower_keeps_up_in_the_background(
    ledger: LedgerApplication, world: World, database_url: str, tmp_path: Path, auth: Auth
) -> None:
    import time

    from services.projections.wiring import mount_projections
    from tests.support.projections import projections_url as url_for

    app = create_app(ledger, TEST_AUTH)
    read_page = lambda after, limit: (lambda p: (p.events, p.head))(ledger.feed_page(after, limit))  # noqa: E731
    projections = mount_projections(app, url_for(database_url, tmp_path, "embedded"), read_page, ledger.after_commit)
    qa = auth("qa.manager", "qa_manager")
    with TestClient(app) as client:
        cycle = client.post("/v1/cycles", headers=qa, json={"name": "C9", "week1_monday": "2026-11-23"}).json()["id"]
        deadline = time.monotonic() + 30  # a generous bound on "eventually", not a performance claim
        while client.get(f"/v1/cycles/{cycle}/moderation-coverage", headers=qa).status_code == 404:
            assert time.monotonic() < deadline, "the background follower never applied the new cycle"
            time.sleep(0.02)
        status = client.get("/v1/projections/status", headers=qa).json()
        assert status["following"] is True and status["last_error"] is None
        assert projections.position() == ledger.feed_page(0, 1).head
