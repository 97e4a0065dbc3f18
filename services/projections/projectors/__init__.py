"""The projectors, one per group of tables, each with its own tracked position."""

from __future__ import annotations

from services.projections.projectors.actions import ActionsProjector
from services.projections.projectors.audits import AuditsProjector
from services.projections.projectors.base import Projector
from services.projections.projectors.programme import ProgrammeProjector
from services.projections.projectors.staff import StaffProjector
from services.projections.projectors.trails import TrailsProjector


def all_projectors() -> list[Projector]:
    return [StaffProjector(), AuditsProjector(), ActionsProjector(), ProgrammeProjector(), TrailsProjector()]


# Which read models (HTTP queries) each projector's tables serve, for the status endpoint.
READ_MODELS: dict[str, tuple[str, ...]] = {
    "staff": ("scope of every query", "quota compliance", "cycle dashboard (Heads of Service)"),
    "audits": (
        "moderation coverage",
        "cycle dashboard",
        "quota compliance",
        "specialist programme progress",
        "Head of Service report",
        "six-monthly QA report",
    ),
    "actions": ("outstanding actions", "Head of Service report", "six-monthly QA report"),
    "programme": ("specialist programme progress", "six-monthly QA report"),
    "trails": ("audit trail", "child trail", "team trail"),
}

__all__ = ["READ_MODELS", "Projector", "all_projectors"]
