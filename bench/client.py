"""The command benchmark's clients: N threads, each a keep-alive HTTP/1.1 connection, each walking
audits through their cycle (allocate, submit ten domains, reflective discussion, moderation, a SMART
action) exactly as staff would, with bearer tokens and an Idempotency-Key on every POST.

It runs in its own process (see `run_clients`) so the clients' GIL never slows the server's.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.workload import findings, text
from schemas.vocabulary import Grade
from services.platform.auth import AuthSettings, mint_local_token

WHO = {"qa": ("qa.manager", ["qa_manager"]), "auditor": ("aud.mash", ["auditor", "team_manager"]),
       "tm": ("tm.cic1", ["team_manager"])}  # fmt: skip


@dataclass(frozen=True)
class ClientRun:
    commands: int
    seconds: float
    errors: int
    first_error: str | None

    @property
    def rate(self) -> float:
        return self.commands / self.seconds


def lifecycle(rng: random.Random, cycle_id: str, today: date) -> list[tuple[str, str, dict[str, Any]]]:
    """(who, path with {id}, body) for one audit's commands: 5 commands, 6 published events."""
    grade = rng.choice([Grade.GOOD, Grade.REQUIRES_IMPROVEMENT, Grade.OUTSTANDING])
    return [
        ("qa", "/v1/audits", {
            "auditor_id": "aud.mash", "child_ref": f"MOS-{rng.randrange(10**6):06d}", "case_team": "Children in Care 1",
            "case_service_area": "supporting_our_children", "cycle_id": cycle_id}),
        ("auditor", "/v1/audits/{id}/submission", {
            "practice_period_from": (today - timedelta(days=150)).isoformat(),
            "practice_period_to": (today - timedelta(days=1)).isoformat(),
            "summary": text(rng, 3), "strengths": text(rng, 2), "challenges": text(rng, 2),
            "domain_findings": findings(rng, grade), "overall_grade": grade.value}),
        ("tm", "/v1/audits/{id}/reflective-discussion", {
            "held_on": today.isoformat(), "notes": text(rng, 3), "participants": [
                {"participant_id": "sw.cic1", "capacity": "allocated_practitioner"},
                {"participant_id": "tm.cic1", "capacity": "practitioner_manager"},
                {"participant_id": "aud.mash", "capacity": "auditor"}]}),
        ("qa", "/v1/audits/{id}/moderation", {"moderated_grade": grade.value, "feedback": text(rng, 2)}),
        ("tm", "/v1/actions", {
            "owner_id": "tm.cic1", "description": text(rng, 1), "measure_of_success": text(rng, 1),
            "due_on": (today + timedelta(days=21)).isoformat(), "source_kind": "reflective_discussion",
            "source_id": "{id}"}),
    ]  # fmt: skip


def drive(
    port: int, auth_key: str, cycle_id: str, today: str, clients: int, warmup: float, duration: float, seed: int
) -> ClientRun:
    settings = AuthSettings(local_key=auth_key)
    tokens = {k: f"Bearer {mint_local_token(settings, sub, roles)}" for k, (sub, roles) in WHO.items()}
    day = date.fromisoformat(today)
    start = time.perf_counter() + 0.2
    window = (start + warmup, start + warmup + duration)
    done: list[int] = [0] * clients
    errors: list[str] = []

    def worker(index: int) -> None:
        rng = random.Random(seed * 100 + index)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < start:
            time.sleep(0.001)
        while time.perf_counter() < window[1]:
            audit_id = ""
            for who, path, body in lifecycle(rng, cycle_id, day):
                if audit_id:
                    path = path.replace("{id}", audit_id)
                    if body.get("source_id") == "{id}":
                        body = {**body, "source_id": audit_id}
                headers = {"Authorization": tokens[who], "Content-Type": "application/json",
                           "Idempotency-Key": uuid.uuid4().hex}  # fmt: skip
                conn.request("POST", path, json.dumps(body), headers)
                response = conn.getresponse()
                payload = response.read()
                if response.status >= 300:
                    errors.append(f"{response.status} {path}: {payload[:300]!r}")
                    break
                if not audit_id:
                    audit_id = json.loads(payload)["id"]
                now = time.perf_counter()
                if window[0] <= now <= window[1]:
                    done[index] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ClientRun(sum(done), duration, len(errors), errors[0] if errors else None)


def run_clients(**kwargs: Any) -> ClientRun:
    """`drive` in a fresh process: `python -m bench.client '<json kwargs>'` prints the result as JSON."""
    repo = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-m", "bench.client", json.dumps(kwargs)],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the benchmark client failed: {done.stderr[-2000:]}")
    return ClientRun(**json.loads(done.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    print(json.dumps(asdict(drive(**json.loads(sys.argv[1])))))
