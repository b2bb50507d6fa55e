"""Inline SVG charts, drawn from numbers without a plotting library.

The experience curve shows how a journey feels from stage to stage, with
customer experience (customers and sponsors) and user experience (users) as
separate lines: a service can satisfy the buyer and still fail its users.
Lines differ by dash and marker shape, and every point carries its value as
text, so the chart never relies on colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from html import escape

from ..model import Journey, Site, average


@dataclass(frozen=True, slots=True)
class Series:
    key: str
    label: str
    values: tuple[float | None, ...]


def experience_series(site: Site, journey: Journey) -> tuple[Series, ...]:
    """Average emotion per stage for CX and UX personas (None where nobody of that kind feels anything)."""
    result = []
    for key, label in (("cx", "Customer experience (CX)"), ("ux", "User experience (UX)")):
        values: list[float | None] = []
        for stage in journey.stages:
            values.append(
                average(i.emotion for i in stage.interactions if i.persona and site.personas[i.persona].experience == key)
            )
        if any(v is not None for v in values):
            result.append(Series(key, label, tuple(values)))
    return tuple(result)


_STYLE = {
    "cx": {"stroke": "#1f5fa8", "dash": "", "marker": "circle"},
    "ux": {"stroke": "#b4460c", "dash": "6 4", "marker": "square"},
}


def experience_curve(titles: Sequence[str], series: Sequence[Series], caption: str) -> str:
    """An SVG line chart; *titles* label the x axis (one per stage)."""
    width = max(480, 110 * len(titles) + 120)
    height, left, right, top, bottom = 280, 110, 30, 20, 80  # room under −2 for a value's label
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(titles) - 1, 1)

    def x(i: int) -> float:
        return left + (i * step if len(titles) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + (2 - v) / 4 * plot_h

    desc = "; ".join(
        f"{s.label}: " + ", ".join(f"{t} {signed(v)}" for t, v in zip(titles, s.values) if v is not None) for s in series
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="curve" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="curve-title curve-desc">',
        f'<title id="curve-title">{escape(caption)}</title>',
        f'<desc id="curve-desc">{escape(desc or "No emotion recorded for customers, sponsors or users.")}</desc>',
    ]
    for level, word in ((2, "+2 very good"), (1, "+1 good"), (0, "0 neutral"), (-1, "−1 poor"), (-2, "−2 very poor")):
        out.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(level):.1f}" y2="{y(level):.1f}"/>'
            f'<text class="axis" x="{left - 8}" y="{y(level) + 4:.1f}" text-anchor="end">{word}</text>'
        )
    for i, title in enumerate(titles):
        out.append(f'<text class="axis" x="{x(i):.1f}" y="{height - bottom + 42}" text-anchor="middle">{escape(title)}</text>')
    # At each stage the higher value is labelled above its point and any lower one below,
    # so the two labels never meet (CX above, UX below when they are equal).
    below = {(s.key, i) for s in series for i, v in enumerate(s.values) if v is not None and any(
        o is not s and (w := o.values[i]) is not None and (w > v or (w == v and s.key == "ux"))
        for o in series
    )}
    for s in series:
        style = _STYLE[s.key]
        dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
        for segment in _segments(s.values):
            points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in segment)
            if len(segment) > 1:
                out.append(f'<polyline class="line-{s.key}" fill="none" stroke="{style["stroke"]}" stroke-width="2.5"{dash} points="{points}"/>')
        for i, v in enumerate(s.values):
            if v is None:
                continue
            cx, cy = x(i), y(v)
            if style["marker"] == "circle":
                out.append(f'<circle class="mark-{s.key}" cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="{style["stroke"]}"/>')
            else:
                out.append(f'<rect class="mark-{s.key}" x="{cx - 5:.1f}" y="{cy - 5:.1f}" width="10" height="10" fill="{style["stroke"]}"/>')
            dy = 20 if (s.key, i) in below else -10
            out.append(f'<text class="value" x="{cx + 8:.1f}" y="{cy + dy:.1f}">{signed(v)}</text>')
    legend_y = height - 14
    for n, s in enumerate(series):
        style = _STYLE[s.key]
        lx = left + n * 240
        dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
        out.append(
            f'<line class="line-{s.key}" x1="{lx}" x2="{lx + 30}" y1="{legend_y - 4}" y2="{legend_y - 4}" stroke="{style["stroke"]}" stroke-width="2.5"{dash}/>'
            f'<text class="legend" x="{lx + 36}" y="{legend_y}">{escape(s.label)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


def _segments(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    segments: list[list[tuple[int, float]]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            if segments[-1]:
                segments.append([])
        else:
            segments[-1].append((i, v))
    return [s for s in segments if s]


def signed(value: float) -> str:
    """An emotion or a difference of emotions as people write it: +1, −0.3, 0.

    One decimal, rounded half away from zero as by hand (−0.25 is −0.3, where
    Python's own rounding gives −0.2), a true minus sign, and no sign on zero.
    """
    rounded = Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if rounded == 0:
        return "0"
    text = f"{int(rounded):+d}" if rounded == rounded.to_integral_value() else f"{rounded:+}"
    return text.replace("-", "−")
