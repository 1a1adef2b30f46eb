"""Charts as SVG shapes computed on the server: no chart library, no JavaScript.

`columns` lays out vertical bars per category (months), stacked or side by side; `rows` lays out
horizontal bars with the category's name above them (long language names fit on a phone).
Templates draw the shapes (`requests/web/_chart.html`); every chart also comes as a table, for
screen readers and for people who want the exact numbers. Geometry is in SVG user units; the
SVG scales to its container's width.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

WIDTH = 480
COLUMN_HEIGHT = 220
MARGIN_LEFT = 40
MARGIN_RIGHT = 8
MARGIN_TOP = 12
MARGIN_BOTTOM = 34
ROW_LABEL = 16
ROW_BAR = 12
ROW_GAP = 10

Format = Callable[[float], str]


def _plain(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    css: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass(frozen=True)
class GridLine:
    y: float
    label: Text


@dataclass
class Chart:
    width: float
    height: float
    bars: list[Bar] = field(default_factory=list)
    labels: list[Text] = field(default_factory=list)
    values: list[Text] = field(default_factory=list)
    grid: list[GridLine] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    baseline: float = 0


def nice_ceiling(maximum: float, *, steps: int = 4) -> tuple[float, float]:
    """A round top for the axis and its step: 37 → (40, 10); 0 → (1, 1)."""
    if maximum <= 0:
        return 1.0, 1.0
    raw = maximum / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return step * math.ceil(maximum / step - 1e-9), step


def columns(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    stacked: bool = False,
    fmt: Format = _plain,
    top: float | None = None,
    sublabels: Sequence[str] = (),
) -> Chart:
    """Vertical bars: one slot per category; series stacked or side by side in the slot.

    `sublabels` go on a second line under the categories (e.g. the year under January).
    """
    count = max(len(categories), 1)
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_height = COLUMN_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    baseline = MARGIN_TOP + plot_height
    if stacked:
        highest = max((sum(s.values[i] for s in series) for i in range(len(categories))), default=0)
    else:
        highest = max((v for s in series for v in s.values), default=0)
    ceiling, step = nice_ceiling(highest) if top is None else (top, top / 4)
    chart = Chart(width=WIDTH, height=COLUMN_HEIGHT, baseline=baseline)
    chart.legend = [(s.css, s.name) for s in series] if len(series) > 1 else []
    ticks = round(ceiling / step)
    for k in range(ticks + 1):
        value = step * k
        y = baseline - plot_height * value / ceiling
        chart.grid.append(GridLine(y, Text(MARGIN_LEFT - 4, y + 4, fmt(value), "end")))
    slot = plot_width / count
    label_every = max(1, math.ceil(count / 12))  # at most a dozen labels under the axis
    for i, category in enumerate(categories):
        left = MARGIN_LEFT + slot * i
        if i % label_every == 0:
            chart.labels.append(Text(left + slot / 2, baseline + 15, category))
        if i < len(sublabels) and sublabels[i]:
            chart.labels.append(Text(left + slot / 2, baseline + 29, sublabels[i]))
        if stacked:
            width = slot * 0.7
            y = baseline
            total = 0.0
            for s in series:
                value = s.values[i]
                height = plot_height * value / ceiling
                if value:
                    y -= height
                    chart.bars.append(
                        Bar(
                            left + (slot - width) / 2,
                            y,
                            width,
                            height,
                            s.css,
                            f"{category}, {s.name}: {fmt(value)}",
                        )
                    )
                total += value
            if total and count <= 12:
                chart.values.append(Text(left + slot / 2, y - 3, fmt(total)))
        else:
            width = slot * 0.8 / max(len(series), 1)
            for j, s in enumerate(series):
                value = s.values[i]
                height = plot_height * value / ceiling
                x = left + slot * 0.1 + width * j
                chart.bars.append(
                    Bar(
                        x,
                        baseline - height,
                        width,
                        height,
                        s.css,
                        f"{category}, {s.name}: {fmt(value)}",
                    )
                )
                if value and count * len(series) <= 12:
                    chart.values.append(Text(x + width / 2, baseline - height - 3, fmt(value)))
    return chart


def rows(categories: Sequence[str], series: Sequence[Series], *, fmt: Format = _plain) -> Chart:
    """Horizontal bars, the category's name above its bars; one bar per series."""
    per_row = ROW_LABEL + ROW_BAR * len(series) + ROW_GAP
    height = MARGIN_TOP + per_row * len(categories) + 4
    highest = max((v for s in series for v in s.values), default=0)
    ceiling, _step = nice_ceiling(highest)
    left, usable = 4, WIDTH - 4 - 48  # room for the number after the longest bar
    chart = Chart(width=WIDTH, height=height)
    chart.legend = [(s.css, s.name) for s in series] if len(series) > 1 else []
    for i, category in enumerate(categories):
        top = MARGIN_TOP + per_row * i
        chart.labels.append(Text(left, top + 12, category, "start"))
        for j, s in enumerate(series):
            value = s.values[i]
            y = top + ROW_LABEL + ROW_BAR * j
            width = usable * value / ceiling
            chart.bars.append(
                Bar(left, y, width, ROW_BAR - 2, s.css, f"{category}, {s.name}: {fmt(value)}")
            )
            chart.values.append(Text(left + width + 4, y + ROW_BAR - 3, fmt(value), "start"))
    return chart
