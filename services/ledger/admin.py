"""Name the first QA Manager (the operator's command): `make admin SUB=… NAME=… EMAIL=…`.

    python -m services.ledger.admin --sub qa.manager --name "Priya Shah" --email priya.shah@example.gov.uk

The staff register authorises every command, so an empty register admits nobody: the operator, who
runs the ledger and holds its keys, names the first QA Manager, and they register everyone else
through the API. The same command names a new one if the last QA Manager has left, and does nothing
if the handle given is already the QA Manager; it is refused while another QA Manager is active.
It is recorded as StaffMemberRegistered (or StaffRoleChanged) with the operator as the actor.

Every option may come from the environment instead (QA_LEDGER_ADMIN_SUB, QA_LEDGER_ADMIN_NAME,
QA_LEDGER_ADMIN_EMAIL, QA_LEDGER_ADMIN_TEAM, QA_LEDGER_ADMIN_SERVICE_AREA, QA_LEDGER_OPERATOR):
that is how the compose one-shot runs it. It opens the ledger's store as the ledger does
(LEDGER_DATABASE_URL, QA_LEDGER_DATA_DIR, QA_LEDGER_CIPHER_KEY).
Exit status: 0 done (or nothing to do), 1 refused, 2 invalid input.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from pydantic import ValidationError

from schemas.vocabulary import Role, ServiceArea
from services.ledger import commands as c
from services.ledger.adapters.store import eventsourcing_env
from services.ledger.application import LedgerApplication
from services.ledger.config import LedgerSettings
from services.ledger.domain.errors import InvalidCommand, StateConflict

DEFAULT_TEAM = "Quality Assurance"
DEFAULT_AREA = ServiceArea.SAFEGUARDING_QUALITY_REVIEW.value
HOW = "make admin SUB=qa.manager NAME='Priya Shah' EMAIL=priya.shah@example.gov.uk"


def bootstrap_hint(ledger: LedgerApplication, how: str = HOW) -> str | None:
    """What to do first, when the register has no active QA Manager (printed by `make run`)."""
    if ledger.register.holders(Role.QA_MANAGER, ledger.today()):
        return None
    return (
        "The staff register has no active QA Manager, so nobody can record anything yet.\n"
        f"Name the first one (the operator's command, recorded in the ledger):\n    {how}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m services.ledger.admin",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    arg, environ = parser.add_argument, os.environ
    arg("--sub", default=environ.get("QA_LEDGER_ADMIN_SUB"), help="their staff handle (the `sub` of their tokens)")
    arg("--name", default=environ.get("QA_LEDGER_ADMIN_NAME"), help="their display name")
    arg("--email", default=environ.get("QA_LEDGER_ADMIN_EMAIL"))
    arg("--team", default=environ.get("QA_LEDGER_ADMIN_TEAM", DEFAULT_TEAM))
    arg("--service-area", default=environ.get("QA_LEDGER_ADMIN_SERVICE_AREA", DEFAULT_AREA))
    arg("--operator", default=environ.get("QA_LEDGER_OPERATOR") or getpass.getuser(), help="your handle (your login)")
    args = parser.parse_args(argv)
    missing = [f"--{name}" for name in ("sub", "name", "email") if not getattr(args, name)]
    if missing:
        parser.error(f"{', '.join(missing)} required: {HOW}")
    try:
        cmd = c.RegisterStaff(
            staff_id=args.sub,
            display_name=args.name,
            email=args.email,
            roles=[Role.QA_MANAGER],
            team=args.team,
            service_area=args.service_area,
        )
    except ValidationError as exc:
        for error in exc.errors():
            print(f"{'.'.join(map(str, error['loc']))}: {error['msg']}", file=sys.stderr)
        return 2
    settings = LedgerSettings.from_env()
    ledger = LedgerApplication(env=eventsourcing_env(settings.database_url, settings.cipher_key))
    try:
        outcome = ledger.bootstrap_qa_manager(args.operator, cmd)
    except InvalidCommand as exc:
        print(f"{exc} (give your handle with --operator or QA_LEDGER_OPERATOR)", file=sys.stderr)
        return 2
    except StateConflict as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    finally:
        ledger.close()
    if outcome.body["already_qa_manager"]:
        print(f"{cmd.staff_id} is already an active QA Manager: nothing recorded")
    else:
        print(
            f"{cmd.staff_id} is now a QA Manager (recorded at position {outcome.position} by operator "
            f"{args.operator}); they register everyone else through the API (POST /v1/staff)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
