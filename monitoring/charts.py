"""Server-side SVG charts: no JavaScript, no network, readable in the admin and in the digest email."""

from __future__ import annotations

import math

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2")
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 28, 44


def _nice_max(value: float) -> float:
    """The top of the y axis: 4 x a round step (1, 2, 2.5 or 5 x 10^k) at or above `value`."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value / 4))
    for step in (1, 2, 2.5, 5, 10):
        if 4 * step * magnitude >= value:
            return 4 * step * magnitude
    return 40 * magnitude


def _fmt(value: float, fmt: str) -> str:
    return fmt.format(value)


def _frame(title: str, y_max: float, y_format: str, labels: list[str], x_of) -> list[str]:
    parts = [
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    plot_h = HEIGHT - TOP - BOTTOM
    for i in range(5):
        value = y_max * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>')
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end">'
            f"{escape(_fmt(value, y_format))}</text>"
        )
    step = max(1, len(labels) // 8)
    shown = list(range(0, len(labels), step))
    if shown and shown[-1] != len(labels) - 1:
        if len(labels) - 1 - shown[-1] < step / 2:
            shown[-1] = len(labels) - 1  # the last label replaces a neighbour it would overlap
        else:
            shown.append(len(labels) - 1)
    for i in shown:
        anchor = "end" if i == len(labels) - 1 and len(labels) > 1 and x_of(i) > WIDTH - RIGHT - 20 else "middle"
        parts.append(
            f'<text x="{x_of(i):.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="10" text-anchor="{anchor}">'
            f"{escape(labels[i])}</text>"
        )
    return parts


def _legend(names: list[str], colors: list[str]) -> tuple[list[str], int]:
    """Legend entries in rows under the plot; returns the parts and the number of rows."""
    parts, x, row = [], LEFT, 0
    for name, color in zip(names, colors, strict=True):
        width = 24 + 7 * len(name)
        if x > LEFT and x + width > WIDTH - RIGHT:
            x, row = LEFT, row + 1
        y = HEIGHT - 14 + 16 * row
        parts.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text x="{x + 14}" y="{y + 9}" font-size="11">{escape(name)}</text>')
        x += width
    return parts, row + 1


def _svg(kind: str, title: str, parts: list[str], points: int, legend: tuple[list[str], int]) -> SafeString:
    legend_parts, rows = legend
    parts = parts + legend_parts
    height = HEIGHT + 16 * (rows - 1)
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" style="max-width:{WIDTH}px" role="img" aria-label="{escape(title)}" data-points="{points}">'
        f"<title>{escape(title)}</title>" + "".join(parts) + "</svg>"
    )


def line_chart(
    *,
    title: str,
    labels: list[str],
    series: dict[str, list[float | None]],
    threshold: float | None = None,
    threshold_label: str = "threshold",
    y_format: str = "{:,.0f}",
) -> SafeString:
    """One line per series over the shared x labels, with an optional dashed threshold line."""
    values = [v for points in series.values() for v in points if v is not None]
    y_max = _nice_max(max(values + ([threshold] if threshold is not None else []) + [0]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = max(1, len(labels) - 1)

    def x_of(i):
        return LEFT + plot_w * i / n

    def y_of(v):
        return TOP + plot_h - plot_h * v / y_max

    parts = _frame(title, y_max, y_format, labels, x_of)
    colors = list(PALETTE)
    count = 0
    for (name, points), color in zip(series.items(), colors):
        coords = [(x_of(i), y_of(v), labels[i], v) for i, v in enumerate(points) if v is not None]
        if coords:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in coords)
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{path}"/>')
        for x, y, label, v in coords:
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}" data-value="{v}">'
                f"<title>{escape(name)} {escape(label)}: {escape(_fmt(v, y_format))}</title></circle>"
            )
            count += 1
    names, legend_colors = list(series), colors[: len(series)]
    if threshold is not None:
        y = y_of(threshold)
        parts.append(
            f'<line class="threshold" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#111827" '
            f'stroke-dasharray="6 4" data-value="{threshold}"/>'
        )
        names.append(f"{threshold_label} ({_fmt(threshold, y_format)})")
        legend_colors.append("#111827")
    return _svg("line", title, parts, count, _legend(names, legend_colors))


def bar_chart(
    *,
    title: str,
    labels: list[str],
    series: dict[str, list[float | None]],
    y_format: str = "{:,.0f}",
) -> SafeString:
    """Grouped vertical bars: one group per label, one bar per series."""
    values = [v for points in series.values() for v in points if v is not None]
    y_max = _nice_max(max(values + [0]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group_w = plot_w / max(1, len(labels))
    bar_w = group_w * 0.8 / max(1, len(series))

    def x_of(i):
        return LEFT + group_w * (i + 0.5)

    parts = _frame(title, y_max, y_format, labels, x_of)
    count = 0
    for s, ((name, points), color) in enumerate(zip(series.items(), PALETTE)):
        for i, v in enumerate(points):
            if v is None:
                continue
            h = plot_h * max(0.0, v) / y_max
            x = LEFT + group_w * i + group_w * 0.1 + bar_w * s
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{color}" '
                f'data-value="{v}"><title>{escape(name)} {escape(labels[i])}: '
                f"{escape(_fmt(v, y_format))}</title></rect>"
            )
            count += 1
    return _svg("bar", title, parts, count, _legend(list(series), list(PALETTE[: len(series)])))
