"""Small helpers the read-model queries share: grades, percentages, domain titles, scoping filters."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from schemas.audit_tools import all_tools
from schemas.vocabulary import SERVICE_AREA_TITLES, Grade, ServiceArea

GRADES: tuple[str, ...] = tuple(g.value for g in Grade)
STRONG = frozenset({Grade.OUTSTANDING.value, Grade.GOOD.value})
WEAK = frozenset({Grade.REQUIRES_IMPROVEMENT.value, Grade.INADEQUATE.value})


class NotFoundError(LookupError):
    """The cycle, audit, child or team asked about is not in the read models (HTTP 404)."""


@dataclass(frozen=True)
class AreaFilter:
    """Which service areas a query covers: all (None) or the caller's own."""

    areas: frozenset[str] | None = None

    def covers(self, area: str | None) -> bool:
        return self.areas is None or area in self.areas

    def sql(self, column: str) -> tuple[str, list[Any]]:
        if self.areas is None:
            return "", []
        marks = ", ".join("?" for _ in self.areas)
        return f" AND {column} IN ({marks})", sorted(self.areas)


ALL_AREAS = AreaFilter()


def percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100 * part / whole, 1)


def ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 3)


def grade_distribution(grades: Iterable[str | None]) -> dict[str, int]:
    counts = Counter(g for g in grades if g)
    return {grade: counts.get(grade, 0) for grade in GRADES}


def area_title(area: str | None) -> str | None:
    return SERVICE_AREA_TITLES[ServiceArea(area)] if area else None


@cache
def domain_titles() -> dict[str, str]:
    return {d.id: d.title for tool in all_tools() for d in tool.domains}


def domain_profile(domain_grades_json: Sequence[str | None], top: int = 3) -> dict[str, Any]:
    """Domains most often graded good/outstanding (strengths) and RI/inadequate (challenges)."""
    strong: Counter[str] = Counter()
    weak: Counter[str] = Counter()
    for text in domain_grades_json:
        for domain, grade in json.loads(text or "{}").items():
            if grade in STRONG:
                strong[domain] += 1
            elif grade in WEAK:
                weak[domain] += 1
    titles = domain_titles()
    table = [
        {
            "domain": d,
            "title": titles.get(d, d),
            "good_or_outstanding": strong[d],
            "requires_improvement_or_inadequate": weak[d],
        }
        for d in sorted(set(strong) | set(weak))
    ]

    def ranked(counter: Counter[str]) -> list[dict[str, Any]]:
        order = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
        return [{"domain": d, "title": titles.get(d, d), "audits": n} for d, n in order[:top] if n > 0]

    return {"strengths": ranked(strong), "challenges": ranked(weak), "by_domain": table}


class InvalidQuery(ValueError):
    """A query parameter that cannot be read (HTTP 422), naming the field and the rule."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule
