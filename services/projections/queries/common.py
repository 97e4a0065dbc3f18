"""Small helpers the read-model queries share: grades, percentages, domain titles, scoping filters."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from schemas.audit_tools import UnknownToolVersion, load_tool
from schemas.vocabulary import SERVICE_AREA_TITLES, Grade, ServiceArea
from services.projections.projectors.base import known_at

if TYPE_CHECKING:
    from services.projections.store import Row

GRADES: tuple[str, ...] = tuple(g.value for g in Grade)
STRONG = frozenset({Grade.OUTSTANDING.value, Grade.GOOD.value})
WEAK = frozenset({Grade.REQUIRES_IMPROVEMENT.value, Grade.INADEQUATE.value})


class NotFoundError(LookupError):
    """The cycle, audit, child or team asked about is not in the read models (HTTP 404)."""


@dataclass(frozen=True)
class PointInTime:
    """When a read model is asked about. `as_of` is the day lateness and ageing are measured on;
    `known_at` (UTC text, see `utc_text`) limits the answer to what the ledger had recorded by then,
    by event time, or None for everything recorded so far."""

    as_of: date
    known_at: str | None = None

    @classmethod
    def end_of(cls, day: date) -> PointInTime:
        """What the system knew at the end of `day` (London), aged as of that day."""
        return cls(day, known_at(day))


@dataclass(frozen=True)
class Audience:
    """Whose audits a cycle-wide view covers: everyone's (`areas` None, no teams), or those of some
    service areas and teams.

    Guidance §4: "Heads of Service ensure their auditors complete their audits", so an audit belongs to
    an area's *completion* figures when its auditor works there, and to its *findings* when the child's
    case does. A Team Manager's team works the same way: its auditors' audits, and its cases' audits.
    """

    areas: frozenset[str] | None = None
    teams: frozenset[str] = frozenset()

    @property
    def everything(self) -> bool:
        return self.areas is None and not self.teams

    def completion(self, audit: Row, auditor_team: str | None) -> bool:
        return (
            self.everything
            or audit["auditor_service_area"] in (self.areas or ())
            or (auditor_team is not None and auditor_team in self.teams)
        )

    def findings(self, audit: Row) -> bool:
        return self.everything or audit["case_service_area"] in (self.areas or ()) or audit["case_team"] in self.teams

    def covers_area(self, area: str | None) -> bool:
        return self.areas is None or area in self.areas

    def describe(self) -> dict[str, Any]:
        return {
            "service_areas": None if self.areas is None else sorted(self.areas),
            "teams": sorted(self.teams),
        }


EVERYONE = Audience()


def percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100 * part / whole, 1)


def ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 3)


def grade_distribution(grades: Iterable[str | None]) -> dict[str, int]:
    counts = Counter(g for g in grades if g)
    return {grade: counts.get(grade, 0) for grade in GRADES}


def area_title(area: str | None) -> str | None:
    return SERVICE_AREA_TITLES[ServiceArea(area)] if area else None


def percent_text(value: float | None) -> str:
    return "-" if value is None else f"{value:g}%"


def tool_label(tool: str, version: int) -> tuple[str, dict[str, str]]:
    """The title of the tool an audit was graded under, and its domain titles, from that very version."""
    try:
        definition = load_tool(tool, version)
    except (UnknownToolVersion, ValueError):
        return f"{tool} v{version}", {}
    return f"{definition.title} (v{version})", {d.id: d.title for d in definition.domains}


def domain_profile(audits: Iterable[Row], top: int = 3) -> list[dict[str, Any]]:
    """Per tool and version: the domains most often graded good/outstanding (strengths; ties go to the
    one more often outstanding) and requires improvement/inadequate (challenges; ties go to the one more
    often inadequate). A domain of one tool never pools with a same-named domain of another, and its title
    is the one the grades were given under."""
    counts: dict[tuple[str, int], list[Any]] = {}
    for audit in audits:
        key = (audit["tool"], int(audit["tool_version"]))
        strong, weak, outstanding, inadequate, n = counts.setdefault(
            key, [Counter(), Counter(), Counter(), Counter(), 0]
        )
        for domain, grade in json.loads(audit["domain_grades"] or "{}").items():
            if grade in STRONG:
                strong[domain] += 1
                outstanding[domain] += grade == Grade.OUTSTANDING.value
            elif grade in WEAK:
                weak[domain] += 1
                inadequate[domain] += grade == Grade.INADEQUATE.value
        counts[key][4] = n + 1
    profiles = []
    for (tool, version), (strong, weak, outstanding, inadequate, audited) in sorted(counts.items()):
        title, titles = tool_label(tool, version)

        def ranked(counter: Counter[str], worst: Counter[str], titles: dict[str, str] = titles) -> list[dict[str, Any]]:
            order = sorted(counter.items(), key=lambda item: (-item[1], -worst[item[0]], item[0]))
            return [{"domain": d, "title": titles.get(d, d), "audits": n} for d, n in order[:top] if n > 0]

        profiles.append(
            {
                "tool": tool,
                "tool_version": version,
                "tool_title": title,
                "audits": audited,
                "strengths": ranked(strong, outstanding),
                "challenges": ranked(weak, inadequate),
                "by_domain": [
                    {
                        "domain": d,
                        "title": titles.get(d, d),
                        "good_or_outstanding": strong[d],
                        "requires_improvement_or_inadequate": weak[d],
                    }
                    for d in sorted(set(strong) | set(weak))
                ],
            }
        )
    return profiles


class InvalidQuery(ValueError):
    """A query parameter that cannot be read (HTTP 422), naming the field and the rule."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule
