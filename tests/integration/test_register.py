"""The staff register authorises; the token only authenticates. On SQLite and PostgreSQL, over HTTP.

Each refusal also proves that nothing was appended. The first faults are the ones found in
issue 15: a registered auditor claiming qa_manager registered a QA Manager and moderated; an
unregistered subject claiming assistant_director raised a thematic request; a leaver submitted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from schemas.integrity import contract_name
from schemas.vocabulary import Role
from services.ledger import commands as c
from services.ledger.application import Actor, LedgerApplication
from services.ledger.domain.errors import InvalidCommand, StateConflict
from tests.conftest import Clock
from tests.support.world import NO_KEY, SOC, World

Auth = Callable[..., dict[str, str]]


@pytest.fixture
def world(ledger: LedgerApplication) -> World:
    return World(ledger).register_everyone()


@pytest.fixture
def appended(ledger: LedgerApplication) -> Callable[[], int]:
    start = ledger.recorder.max_notification_id() or 0
    return lambda: (ledger.recorder.max_notification_id() or 0) - start


def staff_body(handle: str, *roles: str, team: str = "QA Team", area: str = "safeguarding_quality_review") -> Any:
    return {
        "staff_id": handle,
        "display_name": handle.replace(".", " ").title(),
        "email": f"{handle}@example.gov.uk",
        "roles": list(roles),
        "team": team,
        "service_area": area,
    }


def allocation(cycle: object, auditor: str = "aud.mash", child_ref: str = "MOS-424242") -> dict[str, Any]:
    return {
        "auditor_id": auditor,
        "child_ref": child_ref,
        "case_team": "Children in Care 1",
        "case_service_area": "supporting_our_children",
        "cycle_id": str(cycle),
    }


def submission(world: World) -> dict[str, Any]:
    return world.submit_command("good").model_dump(mode="json")


def last_event(client: TestClient, auth: Auth, aggregate_id: object, reader: str = "qa.manager") -> dict[str, Any]:
    return client.get(f"/v1/streams/{aggregate_id}", headers=auth(reader, "qa_manager")).json()[-1]  # type: ignore[no-any-return]


class TestTheRegisterAuthorises:
    def test_a_registered_auditor_claiming_qa_manager_is_refused(
        self, client: TestClient, auth: Auth, world: World, appended: Callable[[], int]
    ) -> None:
        audit = world.allocate(world.cycle())
        world.submit(audit)
        base = appended()
        forged = auth("aud.soc", "qa_manager")
        r = client.post("/v1/staff", json=staff_body("qa.second", "qa_manager"), headers=forged)
        assert r.status_code == 403, r.text
        assert "register" in r.json()["detail"] and "auditor" in r.json()["detail"]
        r = client.post(
            f"/v1/audits/{audit}/moderation", json={"moderated_grade": "good", "feedback": "f"}, headers=forged
        )
        assert r.status_code == 403, r.text
        assert appended() == base

    def test_an_unregistered_subject_claiming_assistant_director_is_refused(
        self, client: TestClient, auth: Auth, world: World, appended: Callable[[], int]
    ) -> None:
        request = {
            "topic": "Neglect",
            "rationale": "Rising referrals",
            "meeting_id": str(world.adqa_meeting(world.cycle())),
        }
        base = appended()
        r = client.post("/v1/programme/thematic-requests", json=request, headers=auth("mallory", "assistant_director"))
        assert r.status_code == 403 and "not in the staff register" in r.json()["detail"]
        assert appended() == base
        ok = client.post("/v1/programme/thematic-requests", json=request, headers=auth("ad.one", "assistant_director"))
        assert ok.status_code == 201, ok.text

    def test_a_leaver_is_refused_from_the_day_they_leave(
        self, client: TestClient, auth: Auth, world: World, clock: Clock, appended: Callable[[], int]
    ) -> None:
        cycle = world.cycle()
        first, second = world.allocate(cycle, child_ref="MOS-000001"), world.allocate(cycle, child_ref="MOS-000002")
        leaving = c.RecordStaffLeaving(left_on=clock.today + timedelta(days=1), reason="Moved to another council")
        world.ledger.record_staff_leaving(world.qa, "aud.mash", leaving, NO_KEY)
        sam = auth("aud.mash", "auditor")
        # The day before they leave they still work...
        assert client.post(f"/v1/audits/{first}/submission", json=submission(world), headers=sam).status_code == 200
        # ...and from their leaving day their token opens nothing.
        clock.today += timedelta(days=1)
        base = appended()
        r = client.post(f"/v1/audits/{second}/submission", json=submission(world), headers=sam)
        assert r.status_code == 403 and "left on" in r.json()["detail"], r.text
        assert appended() == base

    def test_a_leaving_recorded_late_refuses_at_once(
        self, client: TestClient, auth: Auth, world: World, clock: Clock, appended: Callable[[], int]
    ) -> None:
        audit = world.allocate(world.cycle())
        leaving = c.RecordStaffLeaving(left_on=clock.today - timedelta(days=3), reason="Left last week")
        world.ledger.record_staff_leaving(world.qa, "aud.mash", leaving, NO_KEY)
        base = appended()
        r = client.post(f"/v1/audits/{audit}/submission", json=submission(world), headers=auth("aud.mash", "auditor"))
        assert r.status_code == 403 and appended() == base

    def test_a_token_may_narrow_the_registers_roles_never_widen_them(
        self, client: TestClient, auth: Auth, world: World, appended: Callable[[], int]
    ) -> None:
        cycle = world.cycle()
        base = appended()
        as_auditor_only = auth("hos.soc", "auditor")  # the register holds head_of_service
        r = client.post("/v1/audits", json=allocation(cycle, auditor="aud.soc"), headers=as_auditor_only)
        assert r.status_code == 403 and appended() == base
        widened = auth("hos.soc", "head_of_service", "qa_manager")
        r = client.post("/v1/audits", json=allocation(cycle, auditor="aud.mash"), headers=widened)
        assert r.status_code == 403 and "own service area" in r.json()["detail"], r.text  # HoS scope, not QA's
        assert appended() == base
        r = client.post(
            "/v1/audits", json=allocation(cycle, auditor="aud.soc"), headers=auth("hos.soc", "head_of_service")
        )
        assert r.status_code == 201, r.text

    def test_the_event_records_the_role_the_register_allowed(
        self, client: TestClient, auth: Auth, world: World
    ) -> None:
        audit = world.allocate(world.cycle())
        world.submit(audit)
        world.moderate(audit)
        action = {
            "owner_id": "tm.cic1",
            "description": "Update the chronology",
            "measure_of_success": "Chronology current at the next supervision",
            "due_on": (world.today + timedelta(days=14)).isoformat(),
            "source_kind": "moderation",
            "source_id": str(audit),
        }
        # The token claims assistant_director too; the register holds only qa_manager.
        r = client.post("/v1/actions", json=action, headers=auth("qa.manager", "assistant_director", "qa_manager"))
        assert r.status_code == 201, r.text
        event = last_event(client, auth, r.json()["id"])
        assert (event["actorid"], event["actorrole"]) == ("qa.manager", "qa_manager")

    def test_a_team_and_service_manager_logs_a_good_audits_discussion_as_team_manager(
        self, client: TestClient, auth: Auth, world: World
    ) -> None:
        world.ledger.change_staff_roles(
            world.qa,
            "tm.cic1",
            c.ChangeStaffRoles(
                roles=["team_manager", "service_manager"],
                team="Children in Care 1",
                service_area=SOC,
                manager_id="sm.soc",
                reason="Acting up",
            ),
            NO_KEY,
        )
        audit = world.allocate(world.cycle())
        world.submit(audit)
        r = client.post(
            f"/v1/audits/{audit}/reflective-discussion",
            json={"held_on": world.today.isoformat(), "participants": world.participants(), "notes": "Agreed"},
            headers=auth("tm.cic1", "team_manager", "service_manager"),
        )
        assert r.status_code == 200, r.text
        assert last_event(client, auth, audit)["actorrole"] == "team_manager"

    def test_a_role_change_takes_effect_at_the_next_command(
        self, client: TestClient, auth: Auth, world: World, appended: Callable[[], int]
    ) -> None:
        token = auth("aud.soc", "auditor", "qa_manager")
        cycle = {"name": "C", "week1_monday": "2026-12-07"}
        assert client.post("/v1/cycles", json=cycle, headers=token).status_code == 403

        def change(*roles: str) -> None:
            cmd = c.ChangeStaffRoles(
                roles=list(roles), team="Children in Care 2", service_area=SOC, manager_id="sm.soc", reason="Cover"
            )
            world.ledger.change_staff_roles(world.qa, "aud.soc", cmd, NO_KEY)

        change("auditor", "qa_manager")
        r = client.post("/v1/cycles", json=cycle, headers=token)
        assert r.status_code == 201, r.text
        assert last_event(client, auth, r.json()["id"])["actorrole"] == "qa_manager"
        change("auditor")
        base = appended()
        assert client.post("/v1/cycles", json={**cycle, "week1_monday": "2026-12-14"}, headers=token).status_code == 403
        assert appended() == base

    def test_reads_of_the_feed_need_the_register_too_except_for_inspectors_and_services(
        self, client: TestClient, auth: Auth, world: World
    ) -> None:
        assert client.get("/v1/events", headers=auth("aud.soc", "qa_manager")).status_code == 403
        assert client.get("/v1/events", headers=auth("nobody.here", "qa_manager")).status_code == 403
        assert client.get("/v1/events", headers=auth("qa.manager", "qa_manager")).status_code == 200
        assert client.get("/v1/events", headers=auth("insp.one", "inspector")).status_code == 200
        assert client.get("/v1/events", headers=auth("warehouse", "service")).status_code == 200
        # A member of staff cannot read as an inspector unless the register says they are one.
        assert client.get("/v1/events", headers=auth("aud.soc", "inspector")).status_code == 403

    def test_an_inspector_the_register_holds_is_held_to_it(
        self, client: TestClient, auth: Auth, world: World, clock: Clock
    ) -> None:
        qa = auth("qa.manager", "qa_manager")
        inspector = staff_body("insp.ruth", "inspector", team="Ofsted", area="safeguarding_quality_review")
        assert client.post("/v1/staff", json=inspector, headers=qa).status_code == 201
        assert client.get("/v1/events", headers=auth("insp.ruth", "inspector")).status_code == 200
        leaving = c.RecordStaffLeaving(left_on=clock.today, reason="Inspection finished")
        world.ledger.record_staff_leaving(world.qa, "insp.ruth", leaving, NO_KEY)
        assert client.get("/v1/events", headers=auth("insp.ruth", "inspector")).status_code == 403


class TestServiceTokens:
    def receipt(self, client: TestClient, auth: Auth, world: World, **overrides: Any) -> dict[str, Any]:
        audit = world.allocate(world.cycle())
        allocated = last_event(client, auth, audit)
        body = {
            "cause_event_id": allocated["id"],
            "cause_event_type": "AuditAllocated",
            "cause_aggregate_id": str(audit),
            "rule": "audit_allocated",
            "recipient_id": "aud.mash",
            "channel": "email",
            "subject_line": "You have been allocated an audit",
        }
        return {**body, **overrides}

    def test_a_service_token_records_a_receipt_and_nothing_else(
        self, client: TestClient, auth: Auth, world: World, appended: Callable[[], int]
    ) -> None:
        body = self.receipt(client, auth, world)
        base = appended()
        service = auth("notifier", "service")
        assert (
            client.post("/v1/cycles", json={"name": "C", "week1_monday": "2026-12-07"}, headers=service).status_code
            == 403
        )
        assert client.post("/v1/staff", json=staff_body("qa.second", "qa_manager"), headers=service).status_code == 403
        # Claiming a staff role besides `service` gains nothing: a service token acts as a machine.
        both = auth("qa.manager", "service", "qa_manager")
        assert (
            client.post("/v1/cycles", json={"name": "C", "week1_monday": "2026-12-07"}, headers=both).status_code == 403
        )
        # And staff cannot forge receipts.
        assert (
            client.post("/v1/notification-receipts", json=body, headers=auth("qa.manager", "qa_manager")).status_code
            == 403
        )
        assert appended() == base
        r = client.post("/v1/notification-receipts", json=body, headers=service)
        assert r.status_code == 201, r.text

    def test_a_receipt_needs_an_existing_cause_event(
        self, client: TestClient, auth: Auth, world: World, appended: Callable[[], int]
    ) -> None:
        service = auth("notifier", "service")
        body = self.receipt(client, auth, world)
        base = appended()
        for bad in (
            {"cause_event_id": str(uuid4())},
            {"cause_aggregate_id": str(uuid4())},
            {"cause_event_type": "AuditModerated"},
        ):
            r = client.post("/v1/notification-receipts", json={**body, **bad}, headers=service)
            assert r.status_code == 422, (bad, r.text)
            assert r.json()["field"].startswith("cause_event"), r.text
        assert appended() == base

    def test_a_receipt_needs_a_registered_recipient(
        self, client: TestClient, auth: Auth, world: World, appended: Callable[[], int]
    ) -> None:
        body = self.receipt(client, auth, world, recipient_id="nobody.here")
        base = appended()
        r = client.post("/v1/notification-receipts", json=body, headers=auth("notifier", "service"))
        assert r.status_code == 422 and r.json()["field"] == "recipient_id", r.text
        assert appended() == base


class TestBootstrap:
    def first_qa_manager(self, handle: str = "qa.first") -> c.RegisterStaff:
        return c.RegisterStaff(
            staff_id=handle,
            display_name="Quinn Adams",
            email=f"{handle}@example.gov.uk",
            roles=["qa_manager"],
            team="Quality Assurance",
            service_area="safeguarding_quality_review",
        )

    def test_an_empty_register_admits_nobody_until_the_operator_registers_a_qa_manager(
        self, client: TestClient, auth: Auth, ledger: LedgerApplication
    ) -> None:
        qa = auth("qa.first", "qa_manager")
        r = client.post("/v1/staff", json=staff_body("sam.auditor", "auditor"), headers=qa)
        assert r.status_code == 403 and ledger.recorder.max_notification_id() in (None, 0)

        outcome = ledger.bootstrap_qa_manager("ops.admin", self.first_qa_manager())
        assert outcome.status_code == 201
        event = last_event(client, auth, outcome.body["id"], reader="qa.first")
        assert contract_name(event["type"]) == "StaffMemberRegistered"
        assert (event["actorid"], event["actorrole"]) == ("ops.admin", "operator")
        assert event["data"]["roles"] == ["qa_manager"]

        r = client.post("/v1/staff", json=staff_body("sam.auditor", "auditor"), headers=qa)
        assert r.status_code == 201, r.text
        assert last_event(client, auth, r.json()["id"], reader="qa.first")["actorrole"] == "qa_manager"

    def test_it_is_refused_while_an_active_qa_manager_exists_and_repeats_as_a_no_op(
        self, ledger: LedgerApplication
    ) -> None:
        ledger.bootstrap_qa_manager("ops.admin", self.first_qa_manager())
        before = ledger.recorder.max_notification_id()
        again = ledger.bootstrap_qa_manager("ops.admin", self.first_qa_manager())
        assert again.status_code == 200 and again.body["already_qa_manager"] is True
        with pytest.raises(StateConflict, match="already has an active QA Manager"):
            ledger.bootstrap_qa_manager("ops.admin", self.first_qa_manager("qa.other"))
        assert ledger.recorder.max_notification_id() == before

    def test_when_the_last_qa_manager_has_left_the_operator_may_name_another(
        self, ledger: LedgerApplication, clock: Clock
    ) -> None:
        world = World(ledger).register_everyone()
        leaving = c.RecordStaffLeaving(left_on=clock.today, reason="Retired")
        ledger.record_staff_leaving(world.qa, "qa.manager", leaving, NO_KEY)
        # An existing member of staff is promoted: a role change, by the operator, with the reason.
        outcome = ledger.bootstrap_qa_manager("ops.admin", self.first_qa_manager("psw.one"))
        assert outcome.status_code == 200
        psw = Actor(id="psw.one", roles=frozenset({Role.QA_MANAGER}))
        event = ledger.read_stream(psw, UUID(outcome.body["id"]))[-1]
        assert event.contract == "StaffRoleChanged" and set(event.data["roles"]) == {
            "principal_social_worker",
            "qa_manager",
        }
        assert (event.actorid, event.actorrole) == ("ops.admin", "operator") and "operator" in event.data["reason"]
        # A leaver cannot be brought back this way.
        with pytest.raises(StateConflict):
            ledger.bootstrap_qa_manager("ops.admin", self.first_qa_manager("qa.manager"))

    @pytest.mark.parametrize("operator", ["", "Root User", "a", "x" * 80, "ops\u0000admin"])
    def test_the_operator_is_named_by_a_handle(self, ledger: LedgerApplication, operator: str) -> None:
        with pytest.raises(InvalidCommand, match="operator"):
            ledger.bootstrap_qa_manager(operator, self.first_qa_manager())
        assert ledger.recorder.max_notification_id() in (None, 0)
