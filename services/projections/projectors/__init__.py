"""The projectors, one per group of tables, each with its own tracked position."""

from __future__ import annotations

from services.projections.projectors.actions import ActionsProjector
from services.projections.projectors.audits import AuditsProjector
from services.projections.projectors.base import Projector
from services.projections.projectors.evidence import EvidenceProjector
from services.projections.projectors.meetings import MeetingsProjector
from services.projections.projectors.programme import ProgrammeProjector
from services.projections.projectors.staff import StaffProjector
from services.projections.projectors.trails import TrailsProjector


def all_projectors() -> list[Projector]:
    return [
        StaffProjector(),
        AuditsProjector(),
        ActionsProjector(),
        MeetingsProjector(),
        EvidenceProjector(),
        ProgrammeProjector(),
        TrailsProjector(),
    ]


# Which read models (HTTP queries) each projector's tables serve, for the status endpoint.
READ_MODELS: dict[str, tuple[str, ...]] = {
    "staff": ("scope of every query", "names in every answer", "staff register", "Heads of Service (as of a date)"),
    "audits": (
        "moderation coverage",
        "cycle dashboard",
        "audits register",
        "cycles register",
        "quota compliance",
        "specialist programme progress",
        "Head of Service report",
        "QA Manager's cycle report",
        "six-monthly QA report",
    ),
    "actions": ("outstanding actions", "actions register", "reports"),
    "meetings": ("meetings evidence", "meetings register", "cycle dashboard (missing meetings)", "reports"),
    "evidence": ("wider evidence and Early Help learning in the reports",),
    "programme": ("specialist programme progress", "reports"),
    "trails": ("audit trail", "child trail", "team trail"),
}

__all__ = ["READ_MODELS", "Projector", "all_projectors"]
