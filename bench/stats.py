"""Medians, percentiles and the one record every scenario reports: a figure against its baseline."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any


def percentile(samples: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); enough for a few hundred lag or latency samples."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[rank]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass
class Figure:
    """One row of the table: what was measured, against what, and whether the target is met."""

    scenario: str
    store: str
    metric: str
    value: float
    unit: str
    baseline_name: str = ""
    baseline: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0) or self.value != self.value:
            return None
        return self.value / self.baseline  # type: ignore[operator]

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


def fmt(value: float | None, unit: str = "") -> str:
    if value is None or value != value:
        return "—"
    if unit == "ms":
        return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"
    if unit == "MB":
        return f"{value:.0f} MB"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def table(figures: Sequence[Figure]) -> str:
    lines = [
        "| scenario | store | metric | figure | baseline | ratio | target | met |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for f in figures:
        baseline = f"{fmt(f.baseline, f.unit)} ({f.baseline_name})" if f.baseline_name else "—"
        ratio = f"{f.ratio:.2f}x" if f.ratio is not None else "—"
        met = {True: "yes", False: "**no**", None: ""}[f.met]
        note = f" — {f.note}" if f.note else ""
        lines.append(
            f"| {f.scenario} | {f.store} | {f.metric}{note} | {fmt(f.value, f.unit)} | {baseline} | {ratio} |"
            f" {f.target} | {met} |"
        )
    return "\n".join(lines)
