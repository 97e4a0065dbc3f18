"""Registers over HTTP, on both stores: keyset paging that never repeats or skips, filters, scope by role,
and a clear 422 for a limit or cursor that cannot be used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.feed import Follower
from services.ledger import commands as c
from services.ledger.api.app import create_app
from services.ledger.application import LedgerApplication
from services.projections.wiring import attach_projections, build_projections, projections_router
from tests.conftest import TEST_AUTH, Clock
from tests.support.projections import ledger_feed, projections_url
from tests.support.world import EH, MASH, NO_KEY, STAFF, World, actor

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
def department(world: World, follower: Follower) -> dict[str, Any]:
    """Eight audits in two cycles, one withdrawn, one moderated to inadequate, and three actions."""
    first, second = (
        world.cycle(name="Cycle 1"),
        world.cycle(world.today - timedelta(days=world.today.weekday()) + timedelta(weeks=8), name="Cycle 2"),
    )
    audits = [world.allocate(first, child_ref=f"MOS-70000{n}") for n in range(4)]
    audits.append(world.allocate(first, auditor="aud.soc", child_ref="MOS-700004", case_team="Assessment 2",
                                 case_area=MASH))  # fmt: skip
    audits.append(world.allocate(second, child_ref="MOS-700005"))
    audits.append(world.allocate(second, child_ref="MOS-700006"))
    audits.append(world.allocate(first, auditor="eh.leader", child_ref="MOS-700007", case_team="Early Help North",
                                 case_area=EH, tool="early_help"))  # fmt: skip
    world.ledger.withdraw_audit(world.qa, audits[6], c.WithdrawAudit(reason="Allocated in error"), NO_KEY)
    for audit in audits[:3]:
        world.submit(audit)
    world.moderate(audits[0], grade="inadequate")
    world.discuss(audits[1])
    actions = [world.agree_action(audits[1], due_in_days=days) for days in (3, 10)]
    actions.append(world.agree_action(audits[1], owner="sm.soc", by="sm.soc", due_in_days=5))
    world.ledger.complete_action(actor("tm.cic1"), actions[1], c.CompleteAction(outcome="Done"), NO_KEY)
    follower.catch_up()
    return {"cycles": (first, second), "audits": audits, "actions": actions}


def every_page(api: TestClient, path: str, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    items, cursor, pages = [], None, 0
    while True:
        response = api.get(path, headers=headers, params={**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= page["limit"]
        items += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return items
        assert pages < 50, "paging never ended"


class TestPaging:
    def test_small_pages_return_every_audit_once_newest_first(
        self, api: TestClient, auth: Auth, department: dict[str, Any]
    ) -> None:
        qa = auth("qa.manager", "qa_manager")
        whole = api.get("/v1/registers/audits", headers=qa, params={"limit": 500}).json()
        assert whole["next_cursor"] is None and len(whole["items"]) == 8
        paged = every_page(api, "/v1/registers/audits", qa, limit=2)
        assert [a["audit_id"] for a in paged] == [a["audit_id"] for a in whole["items"]]
        assert len({a["audit_id"] for a in paged}) == 8
        keys = [(a["allocated_on"], a["audit_id"]) for a in paged]
        assert keys == sorted(keys, reverse=True)
        assert {"staff_id": "aud.mash", "name": "Aud Mash"} in [a["auditor"] for a in paged]
        assert all(a["child_ref"].startswith("MOS-") for a in paged)

    def test_a_page_goes_on_where_the_last_stopped_even_when_staff_are_added(
        self, api: TestClient, auth: Auth, department: dict[str, Any], world: World, follower: Follower
    ) -> None:
        qa = auth("qa.manager", "qa_manager")
        first = api.get("/v1/registers/staff", headers=qa, params={"limit": 3}).json()
        for handle in ("aaa.first", "zzz.last"):  # one sorts before the cursor, one after it
            world.ledger.register_staff(
                world.qa,
                c.RegisterStaff(staff_id=handle, display_name=handle.title(), email=f"{handle}@example.gov.uk",
                                roles=["auditor"], team="Assessment 2", service_area=MASH),
                NO_KEY,
            )  # fmt: skip
        follower.catch_up()
        rest = every_page(api, "/v1/registers/staff", qa, limit=3, cursor=first["next_cursor"])
        handles = [s["staff_id"] for s in first["items"] + rest]
        assert handles == sorted(handles) and len(handles) == len(set(handles)) == len(STAFF) + 1
        assert "zzz.last" in handles and "aaa.first" not in handles

    def test_limits_and_cursors_that_cannot_be_used_are_422_naming_the_field(
        self, api: TestClient, auth: Auth, department: dict[str, Any]
    ) -> None:
        qa = auth("qa.manager", "qa_manager")
        for params, field in (
            ({"limit": 501}, "limit"),
            ({"limit": 0}, "limit"),
            ({"cursor": "not-a-cursor"}, "cursor"),
            ({"cursor": "x" * 1001}, "cursor"),
            ({"team": "Assessment\x002"}, "team"),  # no store could be asked about a NUL
        ):
            response = api.get("/v1/registers/audits", headers=qa, params=params)
            assert response.status_code == 422, params
            assert response.json()["errors"][0]["field"] == field
        staff_cursor = api.get("/v1/registers/staff", headers=qa, params={"limit": 1}).json()["next_cursor"]
        wrong = api.get("/v1/registers/audits", headers=qa, params={"cursor": staff_cursor})
        assert wrong.status_code == 422 and "another list" in wrong.json()["detail"]


class TestFilters:
    def test_audits_by_cycle_status_grade_overdue_and_moderation(
        self, api: TestClient, auth: Auth, department: dict[str, Any], clock: Clock
    ) -> None:
        qa = auth("qa.manager", "qa_manager")
        first, _ = department["cycles"]

        def refs(**params: Any) -> list[str]:
            return sorted(a["child_ref"] for a in every_page(api, "/v1/registers/audits", qa, **params))

        assert refs(cycle=str(first)) == [f"MOS-70000{n}" for n in (0, 1, 2, 3, 4, 7)]
        assert refs(status="withdrawn") == ["MOS-700006"]
        assert refs(status="moderated") == refs(moderated=True) == ["MOS-700000"]
        assert refs(effective_grade="inadequate") == ["MOS-700000"]
        assert refs(effective_grade="good") == ["MOS-700001", "MOS-700002"]
        assert refs(status="allocated", cycle=str(first)) == ["MOS-700003", "MOS-700004", "MOS-700007"]
        assert refs(service_area=MASH.value) == ["MOS-700004"] == refs(team="Assessment 2")
        assert refs(auditor="aud.soc") == ["MOS-700004"]
        assert refs(overdue=True) == []
        clock.today += timedelta(days=15)  # past the first cycle's day 14
        assert refs(overdue=True) == ["MOS-700003", "MOS-700004", "MOS-700007"]

    def test_actions_cycles_staff_and_meetings(
        self, api: TestClient, auth: Auth, department: dict[str, Any], world: World, follower: Follower
    ) -> None:
        qa = auth("qa.manager", "qa_manager")
        actions = every_page(api, "/v1/registers/actions", qa)
        assert [a["due_on"] for a in actions] == sorted(a["due_on"] for a in actions) and len(actions) == 3
        assert [a["status"] for a in every_page(api, "/v1/registers/actions", qa, status="completed")] == ["completed"]
        assert [a["owner"]["name"] for a in every_page(api, "/v1/registers/actions", qa, owner="sm.soc")] == ["Sm Soc"]
        cycles = every_page(api, "/v1/registers/cycles", qa, limit=1)
        assert [(x["name"], x["audits"]) for x in cycles] == [("Cycle 2", 1), ("Cycle 1", 6)]
        leaving = c.RecordStaffLeaving(left_on=world.today, reason="Moved to another authority")
        world.ledger.record_staff_leaving(world.qa, "sw.cic1", leaving, NO_KEY)
        follower.catch_up()
        staff = every_page(api, "/v1/registers/staff", qa, role="head_of_service")
        assert [s["name"] for s in staff] == ["Hos Mash", "Hos Soc"]
        [leaver] = every_page(api, "/v1/registers/staff", qa, status="left")
        assert (leaver["staff_id"], leaver["left_on"], leaver["current"]) == ("sw.cic1", world.today.isoformat(), False)
        assert len(every_page(api, "/v1/registers/staff", qa)) == len(STAFF)  # leavers included by default
        assert every_page(api, "/v1/registers/meetings", qa) == []


class TestScope:
    def test_each_role_lists_what_its_trails_would_show(
        self, api: TestClient, auth: Auth, department: dict[str, Any]
    ) -> None:
        def refs(who: str, role: str, path: str = "/v1/registers/audits") -> Any:
            response = api.get(path, headers=auth(who, role), params={"limit": 500})
            if response.status_code != 200:
                return response.status_code
            return sorted(a.get("child_ref") or a.get("staff_id") or a["action_id"] for a in response.json()["items"])

        everything = [f"MOS-70000{n}" for n in range(8)]
        assert refs("inspector.one", "inspector") == everything
        # HoS of MASH: the MASH case (MOS-700004) and every audit by their auditor aud.mash; not Early Help's.
        assert refs("hos.mash", "head_of_service") == everything[:7]
        assert refs("hos.soc", "head_of_service") == everything[:7]  # SOC cases, and aud.soc's MASH case
        assert refs("aud.soc", "auditor") == ["MOS-700004"]  # their own
        assert refs("eh.leader", "auditor") == ["MOS-700007"]
        assert refs("tm.cic1", "team_manager") == ["MOS-700000", "MOS-700001", "MOS-700002", "MOS-700003",
                                                   "MOS-700005", "MOS-700006"]  # fmt: skip
        assert refs("notifier", "service") == 403
        assert refs("aud.soc", "auditor", "/v1/registers/staff") == 403
        assert len(refs("tm.cic1", "team_manager", "/v1/registers/staff")) == 2  # tm.cic1 and sw.cic1
        assert refs("hos.mash", "head_of_service", "/v1/registers/actions") == []  # none owned in MASH
        assert len(refs("sm.soc", "service_manager", "/v1/registers/actions")) == 3
        assert refs("tm.cic1", "team_manager", "/v1/registers/meetings") == 403
        assert refs("hos.soc", "head_of_service", "/v1/registers/meetings") == []
