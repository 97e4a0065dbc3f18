"""The inspector's pages: find a trail (child, team, audit, cycle), read it as a timeline with its
integrity checked in plain words, download the evidence pack; and the log of who read what."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.api import Caller
from services.web.evidence import pack, verify_trail
from services.web.pages import QA_STAFF, CallerDep, UserDep, redirect, render, require
from services.web.registers import names, visible
from services.web.routes.cycles import all_cycles
from services.web.trail_view import read_audit

router = APIRouter(prefix="/inspect")
READERS = (*QA_STAFF, "inspector")
KINDS = {"child": "children", "team": "teams", "audit": "audits"}
UUID_TEXT = re.compile(r"^[0-9a-fA-F-]{36}$")


def trail_path(kind: str, key: str) -> str:
    return f"/v1/{KINDS[kind]}/{quote(key, safe='')}/trail"


@router.get("")
async def search(request: Request, user: UserDep, api: CallerDep, kind: str = "", q: str = "") -> Response:
    require(user, *READERS, "head_of_service", "service_manager", "team_manager")
    q = q.strip()
    if kind in KINDS and q:
        return redirect(f"/inspect/{kind}/{quote(q, safe='')}")
    # By auditor or cycle: the audits register lists their audits, each with its trail.
    found = None
    if kind == "auditor" and q:
        found = await visible(api, "/v1/registers/audits", auditor=q)
    elif kind == "cycle" and q:
        found = await visible(api, "/v1/registers/audits", cycle=q)
    return render(
        request,
        "pages/inspect.html",
        cycles=await all_cycles(api),
        found=found,
        values={"kind": kind or "child", "q": q},
    )


@router.get("/reads")
async def access_log(request: Request, user: UserDep, api: CallerDep) -> Response:
    require(user, *QA_STAFF, "inspector")
    reads = (await api.get("projections", "/v1/trail-reads", limit=200))["reads"]
    return render(request, "pages/trail_reads.html", reads=reads, names=await names(api))


async def integrity(api: Caller, events: list[dict[str, Any]]) -> dict[str, Any]:
    checked, failed = verify_trail(events)
    ledger = await api.get("ledger", "/v1/integrity")
    verification, checkpoint = ledger["verification"], ledger["checkpoint"]
    return {
        "checked": checked,
        "failed": failed,
        "chain_ok": bool(verification.get("verified")),
        "verification": verification,
        "checkpoint": checkpoint,
        "covered": all(int(e["position"]) <= int(checkpoint.get("position") or 0) for e in events),
        "raw": ledger,
    }


@router.get("/{kind}/{key:path}/trail.{fmt}")
async def trail_export(kind: str, key: str, fmt: str, user: UserDep, api: CallerDep) -> Response:
    """The trail as the projections export it (JSON or CSV), downloaded with the person's own session."""
    if kind not in KINDS or fmt not in ("json", "csv"):
        return Response(status_code=404)
    answer = await api.fetch("projections", trail_path(kind, key), format=fmt)
    body = answer.body if fmt == "csv" else json.dumps(answer.body, indent=2, sort_keys=True)
    filename = f"trail-{kind}-{re.sub(r'[^A-Za-z0-9_-]', '_', key)}.{fmt}"
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/{kind}/{key:path}/evidence-pack")
async def evidence_pack(kind: str, key: str, user: UserDep, api: CallerDep) -> Response:
    trail = await api.get("projections", trail_path(kind, key))
    csv_text = (await api.fetch("projections", trail_path(kind, key), format="csv")).body
    ledger = await api.get("ledger", "/v1/integrity")
    public_key = await api.get("ledger", "/v1/integrity/public-key")
    made_at = datetime.now(UTC).isoformat(timespec="seconds")
    body = pack(f"{kind} {key}", trail, csv_text, ledger, public_key, made_at, user.subject or "")
    filename = f"evidence-pack-{kind}-{re.sub(r'[^A-Za-z0-9_-]', '_', key)}.zip"
    return Response(
        body, media_type="application/zip", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/{kind}/{key:path}")
async def trail_page(request: Request, kind: str, key: str, user: UserDep, api: CallerDep) -> Response:
    if kind not in KINDS:
        return render(request, "pages/error.html", 404, title="Page not found", message="")
    trail = await api.get("projections", trail_path(kind, key))
    events = trail["events"]
    timeline = read_audit(key if kind == "audit" else "", events)[1]
    return render(
        request,
        "pages/trail.html",
        kind=kind,
        key=key,
        trail=trail,
        timeline=timeline,
        check=await integrity(api, events),
        names=await names(api),
        pack_url=f"/inspect/{kind}/{quote(key, safe='')}/evidence-pack",
    )
