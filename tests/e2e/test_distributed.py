"""The distributed shape, end to end: ledger (+ relay), projections and notifier as separate processes,
a real Kafka-protocol broker (Tansu), real PostgreSQL (each service as its own least-privilege role)
and a real SMTP server. The same code `make run-distributed` runs (devtools/distributed.py), its
supervisor included.

The operator names the first QA Manager with the one-shot admin command; a cycle is posted through the
ledger's HTTP API; the projections and the notifier reflect it via Kafka. Then, while events keep
coming, every service is SIGKILLed twice and the supervisor restarts each one; the read models are
compared with the ledger's own feed: nothing lost, nothing counted twice, no notification queued twice.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from devtools.department import CASE_TEAMS, Client, Ledger, bootstrap_args
from devtools.distributed import (
    ServiceProcess,
    Supervisor,
    Topology,
    prepare_databases,
    run_admin,
    service_topology,
)
from devtools.kafka_broker import free_port
from devtools.smtp_catcher import SmtpCatcher

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.timeout(300)]
KILLS = ("projections", "notifier", "ledger") * 2  # each service crashes twice, mid-stream

# (auditor, case team, grade): cross-service allocations, one inadequate (SM logs the RCD).
FIRST_WAVE = [
    ("aud.mash", "Children in Care 1", "good"),
    ("aud.soc", "Assessment 2", "requires_improvement"),
    ("aud.ssf", "Adolescent Team", "inadequate"),
    ("lc.auditor", "Early Help North", "outstanding"),
    ("eh.leader", "Family Support 1", "good"),
]
SECOND_WAVE = [
    ("aud.mash", "Family Support 1", "good"),
    ("aud.soc", "Early Help North", "requires_improvement"),
    ("aud.ssf", "Children in Care 1", "good"),
    ("lc.auditor", "Assessment 2", "inadequate"),
    ("eh.leader", "Adolescent Team", "good"),
    ("yj.auditor", "Children in Care 1", "outstanding"),
]


def wait_for(what: str, check: Callable[[], Any], timeout: float = 45.0) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except Exception as exc:  # a service restarting: keep asking until the deadline
            last = exc
        else:
            if last:
                return last
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}; last answer: {last!r}")


@pytest.fixture
def topology(kafka_broker: Any, postgres_database: str, tmp_path: Path) -> Iterator[Topology]:
    run = uuid.uuid4().hex[:8]
    roles = [f"qa_ledger_e2e_{run}", f"qa_projections_{run}", f"qa_notifier_{run}"]  # roles are server-wide
    databases = prepare_databases(
        postgres_database, None, app_role=roles[0], app_password="e2e-" + secrets.token_hex(8), role_suffix=f"_{run}"
    )
    catcher = SmtpCatcher(tmp_path / "mail", port=free_port()).start()
    topology = service_topology(
        databases=databases,
        bootstrap_servers=kafka_broker.bootstrap_servers,
        smtp=(catcher.host, catcher.port),
        data_dir=tmp_path,
        jwt_secret=secrets.token_urlsafe(32),
        ports=(free_port(), free_port(), free_port()),
        topic=f"qa-ledger.events.e2e-{run}",
        group_suffix=f"-{run}",
    )
    try:
        yield topology.start()
    finally:
        topology.stop()
        catcher.stop()
        with psycopg.connect(postgres_database, autocommit=True) as conn:
            for role in roles:
                conn.execute(f'DROP OWNED BY "{role}"')
                conn.execute(f'DROP ROLE "{role}"')


@pytest.fixture
def supervisor(topology: Topology) -> Iterator[Supervisor]:
    """What `make run-distributed` runs in the foreground, here in a thread (stopped before the services)."""
    supervisor = Supervisor(topology.services, first_backoff=0.5)
    stop = threading.Event()
    watcher = threading.Thread(target=supervisor.watch, args=(stop,), name="supervisor")
    watcher.start()
    try:
        yield supervisor
    finally:
        stop.set()
        watcher.join(10)


def crash(service: ServiceProcess, supervisor: Supervisor) -> None:
    """SIGKILL the service, then wait until the supervisor has started it again and it is ready."""
    before, pid = supervisor.restarts[service.name], service.pid
    service.kill()
    wait_for(f"{service.name} to be restarted", lambda: supervisor.restarts[service.name] > before, timeout=60)
    assert service.pid != pid
    service.wait_ready(90)


def play_wave(ledger: Ledger, cycle_id: str, wave: list[tuple[str, str, str]], today: date, prefix: str) -> list[str]:
    audits = []
    for n, (auditor, team, grade) in enumerate(wave):
        audit_id = str(ledger.allocate(cycle_id, auditor, f"MOS-{prefix}{n:04d}", team)["id"])
        ledger.submit(audit_id, auditor, grade, today)
        ledger.discuss(audit_id, team, auditor, today, inadequate=grade == "inadequate")
        audits.append(audit_id)
    return audits


def test_three_processes_follow_the_ledger_through_kafka_and_survive_crashes_of_every_service(
    topology: Topology, supervisor: Supervisor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="qa_ledger.distributed")
    secret = topology.ledger.env["QA_LEDGER_JWT_SECRET"]
    ledger_api = Client(topology.ledger.url, secret, retry_seconds=90)  # commands wait out a ledger restart
    projections_api, notifier_api = (Client(s.url, secret) for s in topology.services[1:])
    ledger = Ledger(ledger_api)
    today = _london_today()
    # The register authorises nobody until the operator names the first QA Manager (compose: ledger-admin).
    body = {"name": "Too early", "week1_monday": (today - timedelta(days=today.weekday())).isoformat()}
    refused = ledger_api.http.post("/v1/cycles", json=body, headers=ledger_api.headers("qa.manager"))
    assert refused.status_code == 403, refused.text
    admin = run_admin(topology.ledger, [*bootstrap_args(), "--operator", "ops.e2e"])
    assert admin.returncode == 0, admin.stderr
    ledger.register()
    cycle_id = ledger.cycle("Cycle 1", today - timedelta(days=today.weekday()))
    first = play_wave(ledger, cycle_id, FIRST_WAVE, today, "1")
    ledger.moderate(first[2], "inadequate", by="qa.manager")  # the inadequate one
    ledger.moderate(first[0], "good", by="psw.okafor")
    _, tm, _, _ = CASE_TEAMS["Children in Care 1"]
    action = ledger.agree_action(
        tm, "reflective_discussion", first[0], today + timedelta(days=14), "Update the chronology"
    )

    # Both consumers, separate processes reading Kafka, reflect the cycle.
    coverage = wait_for(
        "moderation coverage of the first wave",
        lambda: (
            (c := projections_api.get("qa.manager", f"/v1/cycles/{cycle_id}/moderation-coverage"))["moderated"] == 2
            and c
        ),
    )
    assert coverage["submitted"] == 5
    assert [a["audit_id"] for a in coverage["inadequate_audits"]] == [first[2]]
    notifications = wait_for(
        "notifications", lambda: notifier_api.get("qa.manager", "/v1/notifications", limit=500)["items"]
    )
    assert any(n["recipient_id"] == "aud.mash" for n in notifications)
    # Deliveries are counted for Prometheus (per process: the counters start again after a restart).
    sent_metric = 'qa_ledger_notifications_total{channel="email",outcome="sent"}'
    wait_for("a delivery counted", lambda: sent_metric in notifier_api.http.get("/metrics").text)

    # Crash every service twice (no shutdown, no final commit) while a second wave is being posted.
    posted: list[str] = []
    failure: list[BaseException] = []

    def second_wave() -> None:
        try:
            for n, item in enumerate(SECOND_WAVE):
                posted.extend(play_wave(ledger, cycle_id, [item], today, f"2{n}"))
                time.sleep(0.3)
        except BaseException as exc:  # surfaced by the main thread
            failure.append(exc)

    writer = threading.Thread(target=second_wave)
    writer.start()
    wait_for("the second wave to begin", lambda: len(posted) >= 1)
    services = {service.name: service for service in topology.services}
    for name in KILLS:
        crash(services[name], supervisor)
    writer.join(120)
    assert not failure, failure
    assert dict(supervisor.restarts) == {"ledger": 2, "projections": 2, "notifier": 2}
    crashes = [r.getMessage() for r in caplog.records if "restarting in" in r.getMessage()]
    assert len(crashes) == len(KILLS) and all("exited (code -9)" in line for line in crashes)
    ledger.moderate(posted[3], "inadequate")
    ledger.complete_action(action, tm, "Chronology brought up to date and shared with the family")

    # The read models agree with the ledger's own feed: every event applied once.
    feed = ledger_api.get("qa.manager", "/v1/events", after=0, limit=1000)
    types = Counter(e["type"].rsplit(".", 1)[-1] for e in feed["events"])
    head = feed["head"]
    wait_for(
        "the restarted projections to reach the ledger's head",
        lambda: projections_api.get("qa.manager", "/v1/projections/status")["position"] >= head,
        timeout=60,
    )
    coverage = projections_api.get("qa.manager", f"/v1/cycles/{cycle_id}/moderation-coverage")
    assert coverage["submitted"] == types["AuditSubmitted"] == 11
    assert coverage["moderated"] == types["AuditModerated"] == 3
    assert sorted(a["audit_id"] for a in coverage["inadequate_audits"]) == sorted([first[2], posted[3]])
    outstanding = projections_api.get("qa.manager", "/v1/actions/outstanding")
    assert outstanding["open"] == 0  # the one action agreed was completed, while projections were catching up
    for audit_id in [*first, *posted]:
        stream = ledger_api.get("qa.manager", f"/v1/streams/{audit_id}")
        trail = projections_api.get("qa.manager", f"/v1/audits/{audit_id}/trail")
        positions = [e["position"] for e in trail["events"]]
        assert len(positions) == len(set(positions)), f"an event doubled in the trail of {audit_id}"
        assert {e["position"] for e in stream} <= set(positions), f"an event lost from the trail of {audit_id}"

    # The notifier followed the same stream, once: no (event, rule, recipient, channel) queued twice.
    def all_sent() -> list[dict[str, Any]]:
        status = notifier_api.get("qa.manager", "/v1/notifier/status")
        items = notifier_api.get("qa.manager", "/v1/notifications", limit=500)["items"]
        caught_up = status["position"] >= head and status["outbox"]["pending"] == 0
        return items if caught_up and items else []

    items = wait_for("the notifier to send everything", all_sent, timeout=60)
    keys = Counter((n["cause_event_id"], n["rule"], n["recipient_id"], n["channel"]) for n in items)
    assert max(keys.values()) == 1, [k for k, count in keys.items() if count > 1]
    assert {n["cause_event_id"] for n in items} <= {e["id"] for e in feed["events"]} | _later_ids(ledger_api, head)
    # E-mail is at least once: a notifier killed between sending and recording may send one again, with
    # the same Message-ID, so a mail client shows it once. Every sent notification arrived, nothing else did.
    mails = (topology.notifier.log_path.parent.parent / "mail").glob("*.eml")
    message_ids = {message_from_bytes(path.read_bytes())["Message-ID"] for path in mails}
    sent = {f"<{n['message_id']}@qa-ledger>" for n in items if n["channel"] == "email" and n["status"] == "sent"}
    assert message_ids == sent

    # Every service exposes its operations endpoints; the consumers report their lag to Prometheus.
    for service in topology.services:
        assert Client(service.url, secret).http.get("/healthz").status_code == 200
    assert 'qa_ledger_follower_lag_events{consumer="projections"}' in projections_api.http.get("/metrics").text
    assert 'qa_ledger_follower_lag_events{consumer="notifier"}' in notifier_api.http.get("/metrics").text
    # Correlation ids travel: the consumers log the id the ledger stamped on the event.
    correlation = feed["events"][-1]["correlationid"]
    assert correlation and correlation in topology.projections.log_path.read_text()


def _london_today() -> date:
    from datetime import datetime

    return datetime.now(ZoneInfo("Europe/London")).date()


def _later_ids(client: Client, head: int) -> set[str]:
    """Events after `head` (receipts recorded since) may also have caused notifications."""
    return {e["id"] for e in client.get("qa.manager", "/v1/events", after=head, limit=1000)["events"]}
