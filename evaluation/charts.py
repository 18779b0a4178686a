"""Small inline SVG charts for the evaluation report (no scripts, no fonts, no CDN).

The geometry is computed here as a list of shapes; templates/chart.svg.j2 writes them out, escaping
every attribute and label. Each chart function returns one `<svg>` element as `Markup`. Sizes are in
CSS pixels and the SVG scales to its container (viewBox), so the report prints and zooms cleanly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from eprof.evaluation.templating import render

PALETTE = ("#1f3a5f", "#d1495b", "#2a9d8f", "#e9a03b", "#6c757d", "#7b5ea7")
GRID = "#e3e6ea"
INK = "#2b2f36"
MUTED = "#6b7280"
FONT = "font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif"


def signed(value: float, digits: int = 3) -> str:
    """+0.012 / -0.012, and never '-0.000' for a value that rounds to zero."""
    return f"{round(value, digits) + 0.0:+.{digits}f}"


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


@dataclass(frozen=True)
class Shape:
    """One SVG element: its tag, its attributes (formatted) and, for <text>, the text it shows."""

    tag: str
    attrs: dict[str, str]
    text: str | None = None


def _shape(tag: str, text: str | None = None, **attrs: object) -> Shape:
    """Attribute names in Python spelling: font_size becomes font-size."""
    return Shape(tag, {name.replace("_", "-"): str(value) for name, value in attrs.items()}, text)


def _text(x: float, y: float, text: str, *, size: int = 12, anchor: str = "start", fill: str = INK, weight: str = "normal") -> Shape:
    return _shape("text", text, x=f"{x:.1f}", y=f"{y:.1f}", font_size=size, text_anchor=anchor, fill=fill, font_weight=weight)


def _svg(width: int, height: int, body: list[Shape], title: str) -> Markup:
    return render("chart.svg.j2", width=width, height=height, title=title, style=f"{FONT};max-width:{width}px", shapes=body)


def _legend(series: Sequence[str], x: float, y: float) -> list[Shape]:
    out, cursor = [], x
    for i, name in enumerate(series):
        out.append(_shape("rect", x=f"{cursor:.1f}", y=f"{y - 9:.1f}", width=10, height=10, rx=2, fill=colour(i)))
        out.append(_text(cursor + 14, y, name, size=11))
        cursor += 24 + 6.5 * len(name)
    return out


def bars(categories: Sequence[str], series: Mapping[str, Sequence[float | None]], *, title: str,
         maximum: float = 1.0, fmt: str = "{:.2f}", width: int = 720) -> Markup:
    """Horizontal grouped bars: one group per category, one bar per series; None is drawn as 'n/a'."""
    names = list(series)
    label_w, bar_h, gap = 190, 13, 10
    group_h = bar_h * len(names) + gap
    top = 34
    plot_w = width - label_w - 60
    height = top + group_h * len(categories) + 24
    body = _legend(names, label_w, 16)
    for k in range(5):
        x = label_w + plot_w * k / 4
        body.append(_shape("line", x1=f"{x:.1f}", y1=top - 6, x2=f"{x:.1f}", y2=height - 20, stroke=GRID))
        body.append(_text(x, height - 6, fmt.format(maximum * k / 4), size=10, anchor="middle", fill=MUTED))
    for gi, category in enumerate(categories):
        y0 = top + gi * group_h
        body.append(_text(label_w - 8, y0 + group_h / 2, category, size=11, anchor="end"))
        for si, name in enumerate(names):
            value = series[name][gi]
            y = y0 + si * bar_h
            if value is None:
                body.append(_text(label_w + 4, y + bar_h - 3, "n/a", size=10, fill=MUTED))
                continue
            w = max(plot_w * min(value / maximum, 1.0), 1.5) if maximum else 0
            body.append(_shape("rect", x=label_w, y=f"{y:.1f}", width=f"{w:.1f}", height=bar_h - 2, rx=2, fill=colour(si)))
            body.append(_text(label_w + w + 4, y + bar_h - 3, fmt.format(value), size=10, fill=MUTED))
    return _svg(width, height, body, title)


@dataclass(frozen=True)
class Point:
    label: str
    x: float
    y: float
    lo: float | None = None
    hi: float | None = None


def scatter(points: Sequence[Point], *, title: str, x_label: str, y_label: str, width: int = 520, height: int = 300) -> Markup:
    """Points with vertical interval whiskers, e.g. cost (x) against quality (y)."""
    left, right, top, bottom = 56, 24, 16, 44
    xmax = max([p.x for p in points] + [1e-9]) * 1.15
    lows = [p.lo if p.lo is not None else p.y for p in points]
    highs = [p.hi if p.hi is not None else p.y for p in points]
    ymin, ymax = min(0.0, *lows), max(1.0, *highs)
    pw, ph = width - left - right, height - top - bottom

    def sx(x: float) -> float:
        return left + pw * x / xmax

    def sy(y: float) -> float:
        return top + ph * (1 - (y - ymin) / (ymax - ymin))

    body = []
    for k in range(5):
        yv = ymin + (ymax - ymin) * k / 4
        body.append(_shape("line", x1=left, y1=f"{sy(yv):.1f}", x2=width - right, y2=f"{sy(yv):.1f}", stroke=GRID))
        body.append(_text(left - 6, sy(yv) + 4, f"{yv:.2f}", size=10, anchor="end", fill=MUTED))
        xv = xmax * k / 4
        body.append(_text(sx(xv), height - bottom + 16, f"{xv:,.0f}", size=10, anchor="middle", fill=MUTED))
    body.append(_text(left + pw / 2, height - 6, x_label, size=11, anchor="middle", fill=MUTED))
    body.append(_shape("text", y_label, x=14, y=f"{top + ph / 2:.1f}", font_size=11, fill=MUTED, text_anchor="middle",
                       transform=f"rotate(-90 14 {top + ph / 2:.1f})"))
    for i, p in enumerate(points):
        cx, cy = sx(p.x), sy(p.y)
        if p.lo is not None and p.hi is not None:
            body.append(_shape("line", x1=f"{cx:.1f}", y1=f"{sy(p.lo):.1f}", x2=f"{cx:.1f}", y2=f"{sy(p.hi):.1f}", stroke=colour(i), stroke_width=2))
        body.append(_shape("circle", cx=f"{cx:.1f}", cy=f"{cy:.1f}", r=6, fill=colour(i), stroke="white", stroke_width=1.5))
        anchor = "end" if cx > left + pw * 0.7 else "start"
        body.append(_text(cx + (-10 if anchor == "end" else 10), cy - 8, p.label, size=11, anchor=anchor, weight="600"))
    return _svg(width, height, body, title)


@dataclass(frozen=True)
class Row:
    label: str
    value: float | None
    lo: float | None
    hi: float | None
    tone: str = "neutral"


TONES = {"better": "#2a9d8f", "worse": "#d1495b", "neutral": "#6c757d"}


def forest(rows: Sequence[Row], *, title: str, width: int = 720, label_width: int = 220) -> Markup:
    """Differences with their intervals around a zero line (a forest plot)."""
    label_w, right, row_h, top = label_width, 130, 24, 12
    height = top + row_h * len(rows) + 26
    spans = [abs(v) for r in rows for v in (r.value, r.lo, r.hi) if v is not None] or [1.0]
    extent = max(spans) * 1.1 or 1.0
    pw = width - label_w - right

    def sx(v: float) -> float:
        return label_w + pw * (v + extent) / (2 * extent)

    body = [_shape("line", x1=f"{sx(0):.1f}", y1=top - 4, x2=f"{sx(0):.1f}", y2=height - 22, stroke=INK, stroke_dasharray="3 3")]
    for v in (-extent, 0.0, extent):
        body.append(_text(sx(v), height - 8, signed(v) if v else "0", size=10, anchor="middle", fill=MUTED))
    for i, r in enumerate(rows):
        y = top + i * row_h + row_h / 2
        if i % 2 == 0:
            body.append(_shape("rect", x=0, y=f"{y - row_h / 2:.1f}", width=width, height=row_h, fill="#f7f8fa"))
        body.append(_text(label_w - 10, y + 4, r.label, size=11, anchor="end"))
        if r.value is None:
            body.append(_text(sx(0) + 6, y + 4, "not measured", size=10, fill=MUTED))
            continue
        tone = TONES.get(r.tone, TONES["neutral"])
        if r.lo is not None and r.hi is not None:
            body.append(_shape("line", x1=f"{sx(r.lo):.1f}", y1=f"{y:.1f}", x2=f"{sx(r.hi):.1f}", y2=f"{y:.1f}", stroke=tone, stroke_width=2.5))
        body.append(_shape("rect", x=f"{sx(r.value) - 5:.1f}", y=f"{y - 5:.1f}", width=10, height=10, fill=tone))
        interval = "" if r.lo is None or r.hi is None else f" [{signed(r.lo)}, {signed(r.hi)}]"
        body.append(_text(width - right + 8, y + 4, f"{signed(r.value)}{interval}", size=10, fill=MUTED))
    return _svg(width, height, body, title)
