"""Inline SVG charts for the HTML report and notebooks: no script, no network, the same bytes every run.

``salary_chart`` draws a histogram of the matched market's annual salary midpoints, the vacancy's band as a
shaded rectangle over it and the market's p25 / p50 / p75 as lines::

    chart = salary_chart([Decimal("95000"), Decimal("104000")], band_min=70_000, band_max=90_000,
                         p50=Decimal("99500"), currency="EUR", title="Senior Data Engineer")
    chart.svg  # '<svg xmlns="http://www.w3.org/2000/svg" class="salary-chart" role="img" ...'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from html import escape

Amount = Decimal | int | float

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 24, 24, 48, 196  # the plot area's edges
NICE_STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
TARGET_TICKS = 5
MANY = 40  # from this many salaries on, bins are a quarter of a tick step (else a half)
INK, MUTED, BAR, BAND, BAND_EDGE = "#1f2933", "#616e7c", "#5b7db1", "#f5b942", "#9c6412"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


@dataclass(frozen=True)
class SalaryChart:
    """An SVG chart: ``str(chart)`` is the markup; notebooks display it through ``_repr_svg_``."""

    svg: str

    def __str__(self) -> str:
        return self.svg

    def _repr_svg_(self) -> str:
        return self.svg


def thousands(value: Amount) -> str:
    """An amount in thousands: ``Decimal("196400.25")`` -> ``"196k"``, ``12500`` -> ``"12.5k"``."""
    k = _decimal(value) / 1000
    rounded = k.quantize(Decimal(1)) if abs(k) >= 100 else k.quantize(Decimal("0.1"))
    return f"{rounded.normalize():,f}k"


def _exact_thousands(value: Decimal) -> str:
    """A tick in thousands, exactly: ``Decimal("7500")`` -> ``"7.5k"``."""
    return f"{(value / 1000).normalize():,f}k"


def _decimal(value: Amount) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _el(tag: str, content: str | None = None, /, **attrs: object) -> str:
    """One SVG element; ``content`` is markup, attribute values are escaped (``class_`` -> ``class``)."""
    rendered = "".join(
        f' {name.rstrip("_").replace("_", "-")}="{escape(f"{v:.1f}" if isinstance(v, float) else str(v))}"'
        for name, v in attrs.items()
    )
    return f"<{tag}{rendered}/>" if content is None else f"<{tag}{rendered}>{content}</{tag}>"


def _text(x: float, y: float, text: str, *, anchor: str = "middle", size: int = 11, **attrs: object) -> str:
    return _el("text", escape(text), x=x, y=y, text_anchor=anchor, font_size=size, **attrs)


def _step(span: Decimal) -> Decimal:
    """A round tick step giving about ``TARGET_TICKS`` intervals over ``span``: 96,000 -> 20,000."""
    raw = span / TARGET_TICKS
    magnitude = Decimal(10) ** raw.adjusted()
    return next(m * magnitude for m in NICE_STEPS if m * magnitude >= raw)


def _domain(values: list[Decimal]) -> tuple[Decimal, Decimal, Decimal]:
    """(low, high, tick step): round numbers enclosing every value."""
    lo, hi = min(values), max(values)
    if lo == hi:  # one value: widen by 10% (at least 1,000) either side
        pad = max(abs(lo) / 10, Decimal(1000))
        lo, hi = lo - pad, hi + pad
    step = _step(hi - lo)
    low = (lo / step).to_integral_value(ROUND_FLOOR) * step
    high = (hi / step).to_integral_value(ROUND_CEILING) * step
    return low, high, step


class _Scale:
    """Amounts to x pixels over the plot area."""

    def __init__(self, low: Decimal, high: Decimal) -> None:
        self.low, self.span = float(low), float(high - low)

    def __call__(self, value: Amount) -> float:
        return LEFT + (float(value) - self.low) / self.span * (WIDTH - LEFT - RIGHT)


def _bins(salaries: list[Decimal], low: Decimal, high: Decimal, width: Decimal) -> list[tuple[Decimal, int]]:
    """(bin start, count) per non-empty bin of ``width`` from ``low``; the top edge falls in the last bin."""
    n_bins = int((high - low) / width)
    counts = [0] * n_bins
    for salary in salaries:
        counts[min(int((salary - low) / width), n_bins - 1)] += 1
    return [(low + i * width, c) for i, c in enumerate(counts) if c]


def _anchor(x: float) -> tuple[float, str]:
    """Keep a label centred on ``x`` inside the chart: anchor it at an edge when ``x`` is near one."""
    if x < LEFT + 60:
        return max(x, 2.0), "start"
    if x > WIDTH - RIGHT - 60:
        return min(x, WIDTH - 2.0), "end"
    return x, "middle"


def _axis(scale: _Scale, low: Decimal, high: Decimal, step: Decimal, currency: str) -> list[str]:
    parts = [_el("line", class_="axis", x1=LEFT, y1=BOTTOM, x2=WIDTH - RIGHT, y2=BOTTOM, stroke=MUTED)]
    tick = low
    while tick <= high:
        x = scale(tick)
        parts.append(_el("line", class_="tick", x1=x, y1=BOTTOM, x2=x, y2=BOTTOM + 4, stroke=MUTED))
        label_x, anchor = _anchor(x) if tick in (low, high) else (x, "middle")
        label = f"{_exact_thousands(tick)} {currency}"
        parts.append(_text(label_x, BOTTOM + 17, label, anchor=anchor, fill=MUTED, class_="tick-label"))
        tick += step
    caption = f"annual salary midpoint ({currency})"
    parts.append(_text(WIDTH / 2, HEIGHT - 6, caption, size=10, fill=MUTED, class_="caption"))
    return parts


def _bars(scale: _Scale, bins: list[tuple[Decimal, int]], width: Decimal, currency: str) -> list[str]:
    tallest = max(count for _, count in bins)
    top = BOTTOM - (BOTTOM - TOP - 30)
    grid = {"x1": LEFT, "y1": top, "x2": WIDTH - RIGHT, "y2": top, "stroke": MUTED, "stroke_opacity": "0.35"}
    parts = [
        _el("line", class_="grid", **grid, stroke_dasharray="2 3"),
        _text(LEFT - 4, top + 4, str(tallest), anchor="end", size=10, fill=MUTED, class_="count"),
    ]
    for start, count in bins:
        x0, x1 = scale(start), scale(start + width)
        height = count / tallest * (BOTTOM - TOP - 30)
        tip = f"{count} posting{'s' * (count != 1)}: {thousands(start)}–{thousands(start + width)} {currency}"
        box = {"x": x0 + 0.5, "y": BOTTOM - height, "width": max(x1 - x0 - 1, 1.0), "height": height}
        parts.append(_el("rect", _el("title", escape(tip)), class_="bar", data_count=count, **box, fill=BAR))
    return parts


def _band(scale: _Scale, band_min: Amount, band_max: Amount, currency: str) -> list[str]:
    x0, x1 = scale(band_min), scale(band_max)
    label_x, anchor = _anchor((x0 + x1) / 2)
    label = f"your band {thousands(band_min)}–{thousands(band_max)} {currency}"
    box = {"x": x0, "y": TOP - 8, "width": max(x1 - x0, 1.5), "height": BOTTOM - TOP + 8}
    return [
        _el("rect", class_="band", **box, fill=BAND, fill_opacity="0.28", stroke=BAND_EDGE),
        _text(label_x, TOP - 13, label, anchor=anchor, fill=BAND_EDGE, font_weight=600, class_="band-label"),
    ]


# p25 sits left of its line and p75 right of it, p50 above both: close percentiles stay readable
_PLACES = {"p25": (-3.0, "end", TOP + 24), "p50": (0.0, "middle", TOP + 8), "p75": (3.0, "start", TOP + 24)}


def _percentiles(scale: _Scale, marks: dict[str, Amount | None]) -> list[str]:
    parts = []
    for name, value in marks.items():
        if value is None:
            continue
        x = scale(value)
        shift, anchor, y = _PLACES[name]
        dash = {} if name == "p50" else {"stroke_dasharray": "4 3"}
        line = {"x1": x, "y1": y + 4, "x2": x, "y2": BOTTOM}
        parts.append(_el("line", class_=f"percentile {name}", **line, stroke=INK, **dash))
        parts.append(_text(x + shift, y, f"{name} {thousands(value)}", anchor=anchor, size=10, fill=INK))
    return parts


def _label(n: int, band: tuple[Amount, Amount] | None, p50: Amount | None, currency: str, title: str) -> str:
    words = [f"Salary chart{f' for {title}' if title else ''}: {n} salar{'y' if n == 1 else 'ies'}"]
    if band is not None:
        words.append(f"band {thousands(band[0])}–{thousands(band[1])} {currency}")
    if p50 is not None:
        words.append(f"market p50 {thousands(p50)} {currency}")
    return ", ".join(words)


def salary_chart(
    salaries: Iterable[Amount | None],
    *,
    band_min: Amount | None,
    band_max: Amount | None,
    p25: Amount | None = None,
    p50: Amount | None = None,
    p75: Amount | None = None,
    currency: str,
    title: str = "",
) -> SalaryChart:
    """A histogram of ``salaries`` (annual midpoints; ``None`` is skipped) with the band and percentiles.

    The axis covers the salaries, the band and the percentiles, so a band far from the market still shows;
    with no salaries the chart says "no salaries in the pool". All text is escaped.
    """
    values = sorted(_decimal(s) for s in salaries if s is not None)
    band = None if band_min is None or band_max is None else (band_min, band_max)
    marks = {"p25": p25, "p50": p50, "p75": p75}
    extent = values + [_decimal(v) for v in (*(band or ()), *marks.values()) if v is not None]
    low, high, step = _domain(extent or [Decimal(0), Decimal(100_000)])
    scale = _Scale(low, high)
    parts = [_text(2, 14, title, anchor="start", size=13, fill=INK, font_weight=600, class_="title")]
    parts += _band(scale, *band, currency) if band else []
    if values:
        width = step / (4 if len(values) >= MANY else 2)
        parts += _bars(scale, _bins(values, low, high, width), width, currency)
    else:
        parts.append(_text(WIDTH / 2, (TOP + BOTTOM) / 2, "no salaries in the pool", size=13, fill=MUTED))
    parts += _percentiles(scale, marks)
    parts += _axis(scale, low, high, step, currency)
    label = _label(len(values), band, p50, currency, title)
    root = {"class_": "salary-chart", "role": "img", "aria_label": label}
    size = {"viewBox": f"0 0 {WIDTH} {HEIGHT}", "width": WIDTH, "height": HEIGHT, "font_family": FONT}
    return SalaryChart(_el("svg", "".join(parts), xmlns="http://www.w3.org/2000/svg", **root, **size))


# --- every vacancy's band against its market, one row each ----------------------------------------------

BAR_WIDTH, BAR_HEIGHT = 1000, 24  # a row's viewBox; it is stretched to the row's width (no text inside)
MARKET = "#c5d3e8"


def relative(value: Amount | None, p50: Amount) -> float | None:
    """``value`` as a percentage of the market ``p50``: (90,000, 100,000) -> 90.0."""
    return None if value is None else float(_decimal(value) / _decimal(p50) * 100)


def relative_domain(values: Iterable[float]) -> tuple[float, float, float]:
    """(low, high, tick step) in % of p50 for the cross-vacancy chart: round steps around every value and
    90-110, within 0-300 (a band further out is drawn at the edge)."""
    shown = [min(max(v, 0.0), 300.0) for v in values] + [90.0, 110.0]
    low, high = min(shown), max(shown)
    step = 10.0 if high - low <= 80 else 25.0 if high - low <= 200 else 50.0
    return (low // step) * step, -((-high) // step) * step, step


def band_bar(
    *,
    band: tuple[float, float] | None,
    market: tuple[float, float] | None,
    low: float,
    high: float,
    label: str,
    indicative: bool = False,
) -> str:
    """One row of the cross-vacancy chart as SVG: the market's p25-p75 (a grey box), its p50 (a line at 100)
    and the band (an amber box), all in % of p50 on ``low``-``high``; ``label`` is the row's accessible text.
    The SVG stretches to its row's width, so it carries no text (the row's HTML does)."""

    def x(value: float) -> float:
        return (min(max(value, low), high) - low) / (high - low) * BAR_WIDTH

    stroke = {"vector_effect": "non-scaling-stroke"}
    parts = [_el("title", escape(label))]
    if market is not None:
        box = {"x": x(market[0]), "y": 5, "width": max(x(market[1]) - x(market[0]), 2.0), "height": 14}
        opacity = "0.45" if indicative else "1"
        parts.append(_el("rect", class_="market", **box, fill=MARKET, fill_opacity=opacity))
    centre = x(100.0)
    parts.append(_el("line", class_="p50", x1=centre, y1=1, x2=centre, y2=23, stroke=INK, **stroke))
    if band is not None:
        box = {"x": x(band[0]), "y": 8, "width": max(x(band[1]) - x(band[0]), 3.0), "height": 8}
        parts.append(_el("rect", class_="band", **box, fill=BAND, stroke=BAND_EDGE, **stroke))
    root = {"class_": "band-bar", "role": "img", "aria_label": label, "preserveAspectRatio": "none"}
    size = {"viewBox": f"0 0 {BAR_WIDTH} {BAR_HEIGHT}", "width": "100%", "height": BAR_HEIGHT}
    return _el("svg", "".join(parts), xmlns="http://www.w3.org/2000/svg", **root, **size)


# --- a vacancy's p50 over past runs ---------------------------------------------------------------------

TREND_WIDTH, TREND_HEIGHT = 360, 120
T_LEFT, T_RIGHT, T_TOP, T_BOTTOM = 44, 16, 16, 92


def trend_chart(points: list[tuple[str, Decimal | None]], *, currency: str, title: str = "") -> SalaryChart:
    """A line of the market p50 over runs, oldest first: ``points`` are (run label, p50 or None: no figure
    that run, a gap). Runs are evenly spaced; each point carries its run and amount as a tooltip."""
    values = [v for _, v in points if v is not None]
    low, high, _ = _domain(values or [Decimal(0), Decimal(100_000)])
    span = float(high - low) or 1.0
    n = len(points)

    def xy(i: int, value: Decimal) -> tuple[float, float]:
        x = T_LEFT + (i + 0.5) * (TREND_WIDTH - T_LEFT - T_RIGHT) / max(n, 1)
        return x, T_BOTTOM - float(value - low) / span * (T_BOTTOM - T_TOP)

    parts = [
        _el("line", x1=T_LEFT, y1=T_BOTTOM, x2=TREND_WIDTH - T_RIGHT, y2=T_BOTTOM, stroke=MUTED),
        _text(T_LEFT - 4, T_BOTTOM + 4, thousands(low), anchor="end", size=11, fill=MUTED),
        _text(T_LEFT - 4, T_TOP + 4, thousands(high), anchor="end", size=11, fill=MUTED),
    ]
    segment: list[str] = []
    segments = []
    for i, (_, value) in enumerate(points):
        if value is None:
            segments.append(segment)
            segment = []
            continue
        x, y = xy(i, value)
        segment.append(f"{x:.1f},{y:.1f}")
    segments.append(segment)
    for line in segments:
        if len(line) > 1:
            parts.append(_el("polyline", points=" ".join(line), fill="none", stroke=BAR, stroke_width=2))
    for i, (run, value) in enumerate(points):
        if value is None:
            continue
        x, y = xy(i, value)
        tip = f"{run}: p50 {thousands(value)} {currency}"
        parts.append(_el("circle", _el("title", escape(tip)), class_="run", cx=x, cy=y, r=4, fill=BAR))
    first, last = points[0][0], points[-1][0]
    parts.append(_text(T_LEFT, TREND_HEIGHT - 8, first, anchor="start", size=11, fill=MUTED))
    if n > 1:
        parts.append(_text(TREND_WIDTH - T_RIGHT, TREND_HEIGHT - 8, last, anchor="end", size=11, fill=MUTED))
    label = f"p50 over {n} run{'s' * (n != 1)}{f' for {title}' if title else ''} ({currency})"
    root = {"class_": "p50-trend", "role": "img", "aria_label": label}
    size = {"viewBox": f"0 0 {TREND_WIDTH} {TREND_HEIGHT}", "width": TREND_WIDTH, "height": TREND_HEIGHT}
    return SalaryChart(_el("svg", "".join(parts), xmlns="http://www.w3.org/2000/svg", **root, **size))
