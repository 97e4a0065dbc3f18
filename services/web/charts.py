"""Charts drawn on the server as SVG (no chart library, no CDN): horizontal bars with their numbers
written beside them, so nothing depends on colour alone and a screen reader gets a table too."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

GRADE_COLOURS = {
    "outstanding": "#00703c",
    "good": "#1d70b8",
    "requires_improvement": "#594d00",
    "inadequate": "#d4351c",
}
BAR = "#1d70b8"
FLOOR = "#0b0c0c"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str
    colour: str = BAR


def bar_chart(
    title: str, bars: list[Bar], maximum: float | None = None, marker: tuple[float, str] | None = None
) -> Markup:
    """Each bar under its label, so the chart stays legible on a phone. `marker` draws a vertical
    line (e.g. the 15% moderation floor) at that value, labelled."""
    bar_width, row, top = 400, 52, 26 if marker else 4
    top_value = max([maximum or 0, *(b.value for b in bars), marker[0] if marker else 0, 1])
    height = top + row * len(bars) + 4
    width = bar_width + 110
    parts = [
        f'<svg class="app-chart" role="img" aria-labelledby="{slug(title)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{slug(title)}">{escape(title)}</title>',
    ]
    for i, bar in enumerate(bars):
        y = top + i * row
        length = 0 if bar.value <= 0 else max(2, bar.value / top_value * bar_width)
        parts.append(f'<text x="0" y="{y + 16}">{escape(bar.label)}</text>')
        parts.append(f'<rect x="0" y="{y + 22}" width="{length:.1f}" height="22" fill="{bar.colour}"/>')
        parts.append(f'<text x="{length + 6:.1f}" y="{y + 38}">{escape(bar.text)}</text>')
    if marker:
        x = marker[0] / top_value * bar_width
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 4}" y2="{height}" stroke="{FLOOR}" stroke-width="2" '
            'stroke-dasharray="6 3"/>'
        )
        parts.append(f'<text x="{x + 4:.1f}" y="{top - 8}">{escape(marker[1])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def slug(title: str) -> str:
    return "chart-" + "".join(c if c.isalnum() else "-" for c in title.lower())[:40]
