"""A trend chart as inline SVG, drawn on the server: no script, no CDN, readable without JavaScript.

One series is drawn as bars, several as lines with dots (bars side by side get thin). The y axis starts at 0
and ends at a round number above the highest value; the x labels are thinned to about eight so they never
overlap. Every point has a <title>, so hovering shows the exact figure.
"""

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .tables import Chart

WIDTH, HEIGHT = 960, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 40
COLOURS = ("#4f46e5", "#16a34a", "#ea580c", "#0891b2", "#be185d")


def nice_ceiling(value: Decimal) -> Decimal:
    """The smallest of 1, 2, 2.5, 5 × 10^n at or above `value` (the top of the y axis)."""
    if value <= 0:
        return Decimal(1)
    power = Decimal(10) ** (len(str(int(value))) - 1)
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _figure(value: Decimal) -> str:
    return f"{value:,.0f}" if value == value.to_integral_value() or abs(value) >= 100 else f"{value:,.2f}"


def render_svg(chart: Chart) -> SafeString:
    n = len(chart.labels)
    if not n:
        return mark_safe("")
    top = nice_ceiling(max((max(values, default=Decimal(0)) for _, values in chart.series), default=Decimal(0)))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = Decimal(plot_w) / n

    def x(i: int) -> Decimal:
        return LEFT + slot * i + slot / 2

    def y(value: Decimal) -> Decimal:
        return TOP + plot_h - Decimal(plot_h) * max(value, Decimal(0)) / top

    parts = [
        f'<svg class="report-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(chart.title)}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(chart.title)}</title>",
    ]
    parts += _grid(top, y, plot_w)  # the unit is in the caption above the chart
    parts += _labels(chart.labels, x)
    if len(chart.series) == 1:
        parts += _bars(chart, x, y, slot)
    else:
        parts += _lines(chart, x, y)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every text in it went through escape())


def _grid(top: Decimal, y, plot_w: int) -> list[str]:
    out = []
    for i in range(5):
        value = top * i / 4
        ypos = f"{y(value):.1f}"
        out.append(f'<line class="grid" x1="{LEFT}" x2="{LEFT + plot_w}" y1="{ypos}" y2="{ypos}"/>')
        out.append(f'<text class="axis" x="{LEFT - 6}" y="{ypos}" text-anchor="end" dy="4">{_figure(value)}</text>')
    return out


def _labels(labels: list[str], x) -> list[str]:
    every = max(1, -(-len(labels) // 8))
    return [
        f'<text class="axis" x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">'
        f"{escape(label.split(' ')[0])}</text>"
        for i, label in enumerate(labels)
        if i % every == 0
    ]


def _bars(chart: Chart, x, y, slot: Decimal) -> list[str]:
    name, values = chart.series[0]
    width = max(Decimal(1), slot * Decimal("0.7"))
    base = y(Decimal(0))
    out = []
    for i, value in enumerate(values):
        top = y(value)
        out.append(
            f'<rect class="bar" x="{x(i) - width / 2:.1f}" y="{top:.1f}" width="{width:.1f}" '
            f'height="{base - top:.1f}" fill="{COLOURS[0]}"><title>{escape(chart.labels[i])}: '
            f"{_figure(value)} {escape(chart.unit)}</title></rect>"
        )
    return out


def _lines(chart: Chart, x, y) -> list[str]:
    out = []
    for s, (name, values) in enumerate(chart.series):
        colour = COLOURS[s % len(COLOURS)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        out.append(f'<polyline class="line" points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for i, value in enumerate(values):
            out.append(
                f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="3" fill="{colour}"><title>{escape(name)} '
                f"{escape(chart.labels[i])}: {_figure(value)} {escape(chart.unit)}</title></circle>"
            )
    return out


def legend(chart: Chart) -> list[tuple[str, str]]:
    """(name, colour) of each series, for the legend under the chart (none for a single series)."""
    if len(chart.series) == 1:
        return []
    return [(name, COLOURS[i % len(COLOURS)]) for i, (name, _) in enumerate(chart.series)]
