"""Property-based fuzz of the projections' and notifier's OpenAPI, served by the embedded app.

The ledger's own operations are fuzzed in test_fuzz_ledger.py; here every query endpoint of the
read side gets generated input with a QA Manager token over a populated department: no 5xx.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from services.embedded import create_embedded_app
from services.ledger.config import LedgerSettings
from tests.conftest import TEST_AUTH, bearer
from tests.support.world import World

FUZZ_EXAMPLES = int(os.environ.get("QA_LEDGER_FUZZ_EXAMPLES", "15"))
DERANDOMIZE = "QA_LEDGER_FUZZ_EXAMPLES" not in os.environ
QA = bearer("qa.manager", "qa_manager")


def build_app():  # type: ignore[no-untyped-def]
    data_dir = Path(tempfile.mkdtemp(prefix="qa-ledger-fuzz-read-"))
    app = create_embedded_app(
        LedgerSettings(database_url=f"sqlite:///{data_dir}/ledger.sqlite3", data_dir=data_dir, cipher_key=None),
        TEST_AUTH,
    )
    world = World(app.state.ledger).register_everyone()
    cycle = world.cycle()
    for grade in ("good", "inadequate"):
        audit = world.allocate(cycle, child_ref=f"MOS-{grade.upper()[:3]}001")
        world.submit(audit, grade=grade)
    app.state.projections_follower.catch_up()
    return app


APP = build_app()
READ_SIDE = (
    "/v1/cycles/",
    "/v1/actions/outstanding",
    "/v1/audits/{audit_id}/trail",
    "/v1/children/",
    "/v1/teams/",
    "/v1/quotas",
    "/v1/programme/progress",
    "/v1/reports/",
    "/v1/registers/",
    "/v1/projections/",
    "/v1/notifications",
    "/v1/notifier/",
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP).include(
    path_regex="^("
    + "|".join(p.replace("{audit_id}", "[^/]+").replace("{", "").replace("}", "") for p in READ_SIDE)
    + ")"
)


@schema.parametrize()
@settings(max_examples=FUZZ_EXAMPLES, derandomize=DERANDOMIZE, deadline=None, suppress_health_check=list(HealthCheck))
def test_read_side_never_answers_5xx(case: schemathesis.Case) -> None:
    response = case.call(headers=QA)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
