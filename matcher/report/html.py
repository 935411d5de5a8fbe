"""The HTML report: ``reports/report.html``, one self-contained file to read the benchmarks in a browser.

Inline CSS, inline SVG charts and one small inline script: no font, image or request leaves the file, and a
strict Content-Security-Policy says so to the browser as well; it runs only the script whose sha256 it names
(``SCRIPT``, hashed when the module loads). The script only sorts and filters the overview and opens and
closes sections: the page reads the same with scripts off (vacancy sections are ``<details>``). It reads
data from the escaped HTML (``data-*`` attributes and cell text), never runs it, and writes only text and
attributes (Trusted Types: no HTML sink is allowed). Titles, companies, reasons and explanations are
untrusted text: every value goes through ``html.escape``, and only http(s) URLs become links.

    frames = load_reports("reports")
    write_html_report(frames, "reports", as_of=date(2026, 11, 2))  # -> Path("reports/report.html")
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import polars as pl

from matcher.lake.layout import TABLES
from matcher.report.charts import band_bar, relative, relative_domain, salary_chart, trend_chart

Row = dict[str, Any]
Key = tuple[str, str]

SCRIPT = (Path(__file__).with_name("report.js")).read_text(encoding="utf-8")
if "</script" in SCRIPT.lower():  # pragma: no cover - the script is ours
    raise RuntimeError("report.js must not contain </script")
SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
CSP = (
    f"default-src 'none'; script-src '{SCRIPT_HASH}'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'; require-trusted-types-for 'script'; trusted-types 'none'"
)
OPEN_UP_TO = 25  # vacancy sections start open up to this many vacancies, closed beyond (a long page)
# the busiest companies shown per vacancy and across the market; competitor_hiring.csv/.parquet hold every one
# (1,000 vacancies at 1M postings have 640,000 hiring rows: 65 of the page's 108 MB when all were shown)
HIRING_SHOWN = 20
MARKET_SHOWN = 100
VERDICTS = {"below": "below", "within": "within", "above": "above", "insufficient data": "insufficient"}
DASH = "–"


# --- formatting: every function returns escaped HTML -------------------------------------------------------


def _e(value: object) -> str:
    return "" if value is None else escape(str(value))


def _decimal(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _money(value: object) -> str:
    """Whole units with thousands separators, rounded half up from the exact Decimal: 196400.50 -> 196,401."""
    return DASH if value is None else f"{_decimal(value).quantize(Decimal(1), ROUND_HALF_UP):,}"


def _span(low: object, high: object, currency: object = None) -> str:
    if low is None or high is None:
        return DASH
    return f"{_money(low)}{DASH}{_money(high)}" + (f" {_e(currency)}" if currency else "")


def _ratio(value: object) -> str:
    return DASH if value is None else str(_decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP))


def _score(value: object) -> str:
    return DASH if value is None else f"{float(value):.1f}"  # type: ignore[arg-type]


def _ordinal(percent: object) -> str:
    n = int(_decimal(percent).quantize(Decimal(1), ROUND_HALF_UP))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


def _when(value: object) -> str:
    if isinstance(value, datetime):
        zone = f" {value.tzname()}" if value.tzinfo else ""
        return _e(value.strftime("%Y-%m-%d %H:%M") + zone)
    return _e(value.isoformat() if isinstance(value, date) else value)


def _signed(delta: Decimal, text: str) -> str:
    return ("+" if delta > 0 else "−" if delta < 0 else "±") + text


def _safe_url(url: object) -> str | None:
    """``url`` when it is an absolute http(s) URL, else None (``javascript:`` and friends never link)."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _link(url: object, text: object) -> str:
    safe = _safe_url(url)
    if safe is None:
        return _e(text)
    return f'<a href="{escape(safe)}" rel="noopener noreferrer" target="_blank">{_e(text)}</a>'


def _badge(verdict: object) -> str:
    kind = VERDICTS.get(str(verdict), "other")
    return f'<span class="badge verdict-{kind}">{_e(verdict or DASH)}</span>'


INDICATIVE_WHY = "confidence none: fewer than 5 salaries or 3 companies, so not a market figure"


def _indicative(row: Row) -> bool:
    """The row's percentiles come from a ``none``-confidence pool (``percentiles_indicative``; worked out from
    ``confidence`` for frames written before the column)."""
    flag = row.get("percentiles_indicative")
    if flag is None:
        return row.get("confidence") == "none" and row.get("p50") is not None
    return bool(flag)


def _star(row: Row) -> str:
    """A marker after a market figure of a ``none``-confidence pool ("" otherwise)."""
    return f'<span class="indicative" title="{INDICATIVE_WHY}">*</span>' if _indicative(row) else ""


# --- tables ----------------------------------------------------------------------------------------------

Cell = tuple[str, str]  # (markup, css class)


def _num(markup: str) -> Cell:
    return markup, "num"


def _text(value: object) -> Cell:
    return _e(value), ""


def _tr(cells: Iterable[Cell], attrs: str = "") -> str:
    tds = "".join(
        f'<td class="{cls}">{markup}</td>' if cls else f"<td>{markup}</td>" for markup, cls in cells
    )
    return f"<tr{attrs}>{tds}</tr>"


def _table(kind: str, headers: Sequence[str], rows: Iterable[str], *, empty: str) -> str:
    """A table of ``_tr`` rows, or ``empty`` as a paragraph; a header starting ``num:`` is right-aligned."""
    body = "".join(rows)
    if not body:
        return f'<p class="empty">{_e(empty)}</p>'
    head = "".join(
        f'<th class="num">{_e(h[4:])}</th>' if h.startswith("num:") else f"<th>{_e(h)}</th>" for h in headers
    )
    table = f'<table class="{kind}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    return f'<div class="scroll">{table}</div>'


# --- the frames, grouped per vacancy ---------------------------------------------------------------------


def _rows(frames: Mapping[str, pl.DataFrame], name: str) -> list[Row]:
    frame = frames.get(name)
    return [] if frame is None else list(frame.iter_rows(named=True))


def _counted_pool(frames: Mapping[str, pl.DataFrame]) -> list[Row]:
    """The ``benchmark_pool`` rows the charts read (counted, with their salary), as rows: the table has a row
    for every posting a pool considered (2.3 million at 1,000 vacancies x 1M postings)."""
    frame = frames.get("benchmark_pool")
    if frame is None:
        return []
    keys = [c for c in ("scenario_id", "vacancy_id") if c in frame.columns]
    if "counted" not in frame.columns or "salary_mid_vacancy_currency" not in frame.columns:
        return list(frame.iter_rows(named=True))
    return list(
        frame.filter(pl.col("counted").fill_null(False))
        .select(*keys, "counted", "salary_mid_vacancy_currency")
        .iter_rows(named=True)
    )


def _hiring_rows(frames: Mapping[str, pl.DataFrame]) -> tuple[list[Row], dict[tuple[str, str], int]]:
    """The ``competitor_hiring`` rows the page shows (the first ``HIRING_SHOWN`` of each vacancy's, the first
    ``MARKET_SHOWN`` of the market's, in the frame's order: busiest first) and each group's row count."""
    frame = frames.get("competitor_hiring")
    if frame is None or not frame.height:
        return [], {}
    group = [pl.col("scope").fill_null(""), pl.col("vacancy_id").fill_null("")]
    place = pl.int_range(pl.len()).over(group)
    limit = pl.when(pl.col("scope") == "market").then(MARKET_SHOWN).otherwise(HIRING_SHOWN)
    counts = frame.group_by(group).len()
    sizes = {(scope, vacancy): n for scope, vacancy, n in counts.iter_rows()}
    return list(frame.filter(place < limit).iter_rows(named=True)), sizes


@dataclass
class _Grouped:
    """Rows of one frame by (scenario_id, vacancy_id); frames without a scenario_id match any scenario."""

    by_key: dict[Key, list[Row]]
    scenario: bool

    @classmethod
    def of(cls, rows: list[Row]) -> _Grouped:
        scenario = bool(rows) and "scenario_id" in rows[0]
        groups: dict[Key, list[Row]] = {}
        for row in rows:
            key = ((row.get("scenario_id") or "") if scenario else "", row.get("vacancy_id") or "")
            groups.setdefault(key, []).append(row)
        return cls(groups, scenario)

    def get(self, key: Key) -> list[Row]:
        return self.by_key.get((key[0] if self.scenario else "", key[1]), [])


def _key(row: Row) -> Key:
    return row.get("scenario_id") or "", row.get("vacancy_id") or ""


def _anchors(vacancies: list[Row]) -> dict[Key, str]:
    """A unique, safe HTML id per vacancy: ``("", "clx5/v6")`` -> ``"v-clx5-v6"``."""
    anchors: dict[Key, str] = {}
    for row in vacancies:
        scenario, vacancy = _key(row)
        base = "v-" + re.sub(r"[^A-Za-z0-9_-]+", "-", f"{scenario}-{vacancy}" if scenario else vacancy)
        anchor, n = base, 1
        while anchor in anchors.values():
            n += 1
            anchor = f"{base}-{n}"
        anchors[_key(row)] = anchor
    return anchors


def _pool_salaries(pool: list[Row], matches: list[Row], *, has_pool: bool) -> list[Decimal]:
    """The salaries in the percentiles: ``benchmark_pool`` rows counted, else employer-posted pool matches."""
    if has_pool:
        chosen = [r.get("salary_mid_vacancy_currency") for r in pool if r.get("counted")]
    else:
        chosen = [
            r.get("salary_mid_vacancy_currency")
            for r in matches
            if r.get("in_benchmark_pool") and not r.get("is_estimate")
        ]
    return [_decimal(s) for s in chosen if s is not None]


# --- the page's parts ------------------------------------------------------------------------------------


def _change(row: Row) -> str:
    """Since the previous run: p50 and compa-ratio deltas and a verdict change, or "first run"."""
    if row.get("previous_run_at") is None:
        return '<span class="muted">first run</span>'
    parts = []
    p50, before = row.get("p50"), row.get("p50_previous")
    same = p50 == before and row.get("compa_ratio") == row.get("compa_ratio_previous")
    if same and row.get("verdict") == row.get("verdict_previous"):
        return '<span class="muted">no change</span>'
    if p50 is not None and before is not None:
        delta = _decimal(p50) - _decimal(before)
        share = f" ({_signed(delta, f'{abs(delta) / _decimal(before) * 100:.1f}%')})" if before else ""
        parts.append(f"p50 {_signed(delta, _money(abs(delta)))}{share}")
    elif p50 != before:
        parts.append(f"p50 {_money(before)} → {_money(p50)}")
    ratio, ratio_before = row.get("compa_ratio"), row.get("compa_ratio_previous")
    if ratio is not None and ratio_before is not None:
        delta = _decimal(ratio) - _decimal(ratio_before)
        parts.append(f"compa {_signed(delta, _ratio(abs(delta)))}")
    if row.get("verdict_previous") is not None and row.get("verdict_previous") != row.get("verdict"):
        parts.append(f"{_badge(row['verdict_previous'])} → {_badge(row.get('verdict'))}")
    return "<br>".join(parts) or '<span class="muted">no change</span>'


def _place(location: object, country: object) -> str:
    """The location, and its country code unless the location names it: "Remote - US"."""
    if not country or re.search(rf"\b{re.escape(str(country))}\b", str(location or "")):
        return _e(location)
    return f'{_e(location)} <span class="sub">{_e(country)}</span>'


VERDICT_ORDER = {"below": 0, "within": 1, "above": 2, "insufficient data": 3}
CONFIDENCE_ORDER = {"none": 0, "low": 1, "medium": 2, "high": 3}


def _sortable(value: object) -> str:
    """A ``data-sort`` value: a plain number ("" for none, sorted last)."""
    return "" if value is None else str(value)


def _reporting_currency(vacancies: list[Row]) -> str | None:
    """The one reporting currency of the rows' ``*_reporting`` amounts (None: no such column or value)."""
    found = {r.get("reporting_currency") for r in vacancies if r.get("p50_reporting") is not None}
    found |= {r.get("reporting_currency") for r in vacancies if r.get("band_min_reporting") is not None}
    found.discard(None)
    return str(found.pop()) if len(found) == 1 else None


def _gap(row: Row) -> tuple[Decimal, ...] | None:
    """(band_min, band_max, p25, p50, p75) as Decimals, or None when one is missing."""
    values = [row.get(c) for c in ("band_min", "band_max", "p25", "p50", "p75")]
    return None if any(v is None for v in values) else tuple(_decimal(v) for v in values)


def band_change(row: Row) -> tuple[str, str, Decimal | None]:
    """The band change that reaches the market: (short text, sentence, signed share of p50 for sorting).

    Band 70,000-90,000, p25 94,900, p50 96,400.50 -> ("max +4,900 → p25; +6,401 → p50", "Raise the maximum by
    4,900 EUR to reach p25 (94,900) and by 6,401 EUR to reach p50 (96,401).", 0.066...); ("", "", None)
    without market figures. A band above the market reads "lower the minimum ... to reach p75 / p50".
    """
    gap = _gap(row)
    if gap is None:
        return "", "", None
    low, high, p25, p50, p75 = gap
    currency = f" {row.get('currency')}" if row.get("currency") else ""
    if high < p50:
        raise_p50 = f"by {_money(p50 - high)}{currency} to reach p50 ({_money(p50)})"
        if high < p25:
            short = f"max +{_money(p25 - high)} → p25; +{_money(p50 - high)} → p50"
            words = f"Raise the maximum by {_money(p25 - high)}{currency} to reach p25 ({_money(p25)}) and "
            words += raise_p50 + "."
        else:
            short, words = f"max +{_money(p50 - high)} → p50", f"Raise the maximum {raise_p50}."
        return short, words, (p50 - high) / p50 if p50 else None
    if low > p50:
        lower_p50 = f"by {_money(low - p50)}{currency} to reach p50 ({_money(p50)})"
        if low > p75:
            short = f"min −{_money(low - p75)} → p75; −{_money(low - p50)} → p50"
            words = f"Lower the minimum by {_money(low - p75)}{currency} to reach p75 ({_money(p75)}) and "
            words += lower_p50 + "."
        else:
            short, words = f"min −{_money(low - p50)} → p50", f"Lower the minimum {lower_p50}."
        return short, words, (p50 - low) / p50 if p50 else None
    return (
        "none: spans p50",
        "The band already spans the market p50: no change needed to reach it.",
        Decimal(0),
    )


def _breakable(span: str) -> str:
    """A span that may wrap after its dash in a narrow column: "2,600,000–<wbr>3,600,000 INR"."""
    return span.replace(DASH, DASH + "<wbr>", 1)


def _td(markup: str, label: str, cls: str = "", sort: object = None) -> str:
    attrs = f' class="{cls}"' if cls else ""
    attrs += f' data-label="{_e(label)}"' if label else ""
    attrs += f' data-sort="{_e(_sortable(sort))}"' if sort is not None or cls == "num" else ""
    return f'<td{attrs}><div class="v">{markup}</div></td>'


def _overview_row(row: Row, anchor: str, reporting: str | None) -> str:
    n, firms = row.get("n_postings") or 0, row.get("n_companies") or 0
    counts = f"{_plural(n, 'salary', 'salaries')} from {_plural(firms, 'company', 'companies')}"
    verdict = str(row.get("verdict") or "")
    short, words, share = band_change(row)
    p50, before = row.get("p50"), row.get("p50_previous")
    moved = (_decimal(p50) - _decimal(before)) / _decimal(before) if p50 and before else None
    common = row.get("p50_reporting")
    band_common = _span(row.get("band_min_reporting"), row.get("band_max_reporting"))
    cells = [
        _td(
            f'<a href="#{anchor}">{_e(row.get("role"))}</a><div class="sub">{_e(row.get("seniority"))}</div>',
            "",
            "role",
        ),
        _td(
            _badge(verdict)
            + (f' <a class="sub" href="#{anchor}-why">why?</a>' if row.get("why_no_verdict") else ""),
            "Verdict",
            "verdict",
            VERDICT_ORDER.get(verdict, 4),
        ),
        _td(_place(row.get("location"), row.get("country_code")), "Location"),
        _td(
            _breakable(_span(row.get("band_min"), row.get("band_max"), row.get("currency"))),
            "Band",
            "num",
            row.get("band_max_reporting") if reporting else row.get("band_max"),
        ),
        _td(
            _breakable(_span(row.get("p25"), row.get("p75")))
            + (f' <span class="tag" title="{INDICATIVE_WHY}">indicative</span>' if _indicative(row) else ""),
            "Market p25–p75",
            "num",
            row.get("p25"),
        ),
        _td(_money(p50) + _star(row), "p50", "num", common if reporting else p50),
    ]
    if reporting:
        markup = _money(common) + (_star(row) if common is not None else "")
        markup += f'<div class="sub">band {band_common}</div>' if band_common != DASH else ""
        cells.append(_td(markup, f"p50 in {reporting}", "num", common))
    cells += [
        _td(_ratio(row.get("compa_ratio")) + _star(row), "Compa", "num", row.get("compa_ratio")),
        _td(
            f'<span title="{_e(words)}">{"<br>".join(_e(p) for p in short.split("; "))}</span>{_star(row)}'
            if short
            else DASH,
            "To reach p25 / p50",
            "change-needed",
            "" if share is None else f"{share:.6f}",
        ),
        _td(
            _e(row.get("confidence")), "Confidence", "", CONFIDENCE_ORDER.get(str(row.get("confidence")), -1)
        ),
        _td(f'<span title="{counts}">{n:,} / {firms:,}</span>', "Postings / firms", "num", n),
        _td(_change(row), "vs last run", "change", "" if moved is None else f"{moved:.6f}"),
    ]
    attrs = {
        "class": "vacancy-row",
        "data-vacancy-id": row.get("vacancy_id"),
        "data-key": anchor,
        "data-verdict": verdict.lower(),
        "data-country": str(row.get("country_code") or "").lower(),
        "data-confidence": str(row.get("confidence") or "").lower(),
    }
    return "<tr" + "".join(f' {k}="{_e(v)}"' for k, v in attrs.items()) + ">" + "".join(cells) + "</tr>"


def _overview_headers(reporting: str | None) -> list[tuple[str, str]]:
    """(header, sort type: "num", "text" or "" for none) per overview column."""
    headers = [
        ("Role", "text"),
        ("Verdict", "num"),
        ("Location", "text"),
        ("Band", "num"),
        ("Market p25–p75", "num"),
        ("p50", "num"),
    ]
    headers += [(f"p50 in {reporting}", "num")] if reporting else []
    headers += [
        ("Compa", "num"),
        ("To reach p25 / p50", "num"),
        ("Confidence", "num"),
        ("Postings / firms", "num"),
        ("vs last run", "num"),
    ]
    return headers


NUMERIC_HEADERS = {"Band", "Market p25–p75", "p50", "Compa", "Postings / firms"}


def _overview(vacancies: list[Row], anchors: dict[Key, str]) -> str:
    if not vacancies:
        return '<p class="empty">No open vacancies.</p>'
    reporting = _reporting_currency(vacancies)
    head = "".join(
        '<th scope="col"'
        + (' class="num"' if h in NUMERIC_HEADERS or h.startswith("p50 in") else "")
        + (f' data-type="{kind}"' if kind else "")
        + f">{_e(h)}</th>"
        for h, kind in _overview_headers(reporting)
    )
    body = "".join(_overview_row(row, anchors[_key(row)], reporting) for row in vacancies)
    table = f'<table class="overview" id="overview-table"><thead><tr>{head}</tr></thead>'
    return f'<div class="scroll overview-wrap">{table}<tbody>{body}</tbody></table></div>'


def _options(values: Iterable[object], everything: str) -> str:
    distinct = sorted({str(v) for v in values if v not in (None, "")})
    return f'<option value="">{_e(everything)}</option>' + "".join(
        f'<option value="{_e(v.lower())}">{_e(v)}</option>' for v in distinct
    )


def _controls(vacancies: list[Row]) -> str:
    """The overview's filters, sort and expand/collapse buttons: hidden until the script shows them (they
    do nothing without it)."""
    if not vacancies:
        return ""
    reporting = _reporting_currency(vacancies)
    sorts = "".join(
        f'<option value="{i}:{d}">{_e(h)} {"↑" if d > 0 else "↓"}</option>'
        for i, (h, kind) in enumerate(_overview_headers(reporting))
        if kind
        for d in (1, -1)
    )
    levels = [c for c in CONFIDENCE_ORDER if c in {r.get("confidence") for r in vacancies}]
    return (
        '<div class="controls" id="controls" role="search" hidden>'
        '<label>Verdict <select data-filter="verdict">'
        f"{_options((r.get('verdict') for r in vacancies), 'all')}</select></label>"
        f'<label>Country <select data-filter="country">'
        f"{_options((r.get('country_code') for r in vacancies), 'all')}</select></label>"
        '<label>Confidence <select data-filter="confidence"><option value="">all</option>'
        + "".join(f'<option value="{_e(c)}">{_e(c)}</option>' for c in levels)
        + "</select></label>"
        '<label>Find <input type="search" data-filter="text" placeholder="role, place…"></label>'
        f'<label>Sort <select id="sort-by"><option value="">as listed</option>{sorts}</select></label>'
        '<span class="buttons"><button type="button" data-expand="open">Expand all</button> '
        '<button type="button" data-expand="close">Collapse all</button></span>'
        '<output id="shown"></output></div>'
    )


def _files(frames: Mapping[str, pl.DataFrame]) -> str:
    """Links to the report files written beside the page (CSV first, for spreadsheets; then Parquet)."""
    links = []
    for name in frames:
        table = TABLES.get(name)
        if table is None or table.root != "reports" or table.format != "parquet":
            continue
        csv = table.also[0] if table.also else f"{name}.csv"
        links.append(
            f'<li><a href="{_e(csv)}">{_e(csv)}</a> <a class="sub" href="{_e(table.path)}">Parquet</a></li>'
        )
    if not links:
        return ""
    return (
        '<nav class="files" aria-label="Report files">'
        '<span class="muted">The reports beside this page:</span>'
        f"<ul>{''.join(links)}</ul></nav>"
    )


def _band_chart(vacancies: list[Row], anchors: dict[Key, str]) -> str:
    """Every vacancy's band against its market on one axis, one row each: the band, the market p25-p75 and
    p50 as % of the vacancy's market p50 (so every currency shares the axis)."""
    if not vacancies:
        return ""
    marks: list[float] = []
    for row in vacancies:
        if row.get("p50"):
            p50 = row["p50"]
            marks += [
                v for v in (relative(row.get(c), p50) for c in ("band_min", "band_max", "p25", "p75")) if v
            ]
    low, high, step = relative_domain(marks)
    ticks = []
    tick = low
    while tick <= high + 1e-9:
        left = (tick - low) / (high - low) * 100
        ticks.append(f'<span style="left:{left:.2f}%">{tick:g}%</span>')
        tick += step
    items = []
    for row in vacancies:
        anchor, p50 = anchors[_key(row)], row.get("p50")
        span = _span(row.get("band_min"), row.get("band_max"), row.get("currency"))
        label = (
            f'<a href="#{anchor}">{_e(row.get("role"))}</a> {_badge(row.get("verdict"))}'
            f'<div class="sub">{_e(row.get("location"))} · band {span}'
            + (f" · p50 {_money(p50)}{_star(row)}" if p50 is not None else "")
            + "</div>"
        )
        if p50:
            band = None
            if row.get("band_min") is not None and row.get("band_max") is not None:
                band = (relative(row["band_min"], p50) or 0.0, relative(row["band_max"], p50) or 0.0)
            market = None
            if row.get("p25") is not None and row.get("p75") is not None:
                market = (relative(row["p25"], p50) or 0.0, relative(row["p75"], p50) or 0.0)
            words = f"{row.get('role') or ''}: band {span}; market p25–p75 " + _span(
                row.get("p25"), row.get("p75")
            )
            words += f", p50 {_money(p50)}" + (" (indicative only)" if _indicative(row) else "")
            bar = band_bar(
                band=band, market=market, low=low, high=high, label=words, indicative=_indicative(row)
            )
        else:
            bar = '<span class="no-market">no market figure</span>'
        items.append(
            f'<li data-key="{_e(anchor)}"><div class="label">{label}</div><div class="bar">{bar}</div></li>'
        )
    axis = '<div class="axis" aria-hidden="true"><div class="label"></div>'
    axis += f'<div class="ticks">{"".join(ticks)}</div></div>'
    legend = (
        '<p class="legend muted"><span class="key band"></span> band (full-time equivalent) · '
        '<span class="key market"></span> market p25–p75 · <span class="key p50"></span> market p50 = 100%. '
        "Each row is scaled to its own market's p50, so vacancies in different currencies share the axis.</p>"
    )
    return (
        '<section class="bands"><h2 id="bands">Every band against its market</h2>'
        f'{legend}{axis}<ol class="band-chart" id="band-chart">{"".join(items)}</ol></section>'
    )


def _percentile_phrase(row: Row) -> str:
    low, high = row.get("band_min_percentile"), row.get("band_max_percentile")
    if low is None or high is None:
        return ""
    return f"at the {_ordinal(low)}–{_ordinal(high)} percentile of "


def _part_time(row: Row) -> str:
    """ " (the full-time equivalent of 60,000–70,000 EUR at 0.6 FTE)" for a part-time band, else ""."""
    fte = row.get("fte")
    if fte is None or _decimal(fte) == 1 or row.get("band_min_stated") is None:
        return ""
    stated = _span(row.get("band_min_stated"), row.get("band_max_stated"), row.get("currency"))
    return f" (the full-time equivalent of {stated} at {_decimal(fte).normalize()} FTE)"


def _reading(row: Row) -> str:
    """A few sentences that read the row's numbers: position of the band, verdict, what was set apart."""
    currency, n = row.get("currency"), row.get("n_postings") or 0
    band = _span(row.get("band_min"), row.get("band_max"), currency) + _part_time(row)
    if row.get("p50") is None:
        pool = _plural(row.get("n_matched") or 0, "posting")
        sentences = [
            f"No employer-posted salary in the benchmark pool ({pool}), so no market figures for {band}."
        ]
    else:
        firms = _plural(row.get("n_companies") or 0, "company", "companies")
        salaries = _plural(n, "employer-posted salary", "employer-posted salaries")
        middle = _span(row.get("p25"), row.get("p75"), currency)
        p50, ratio = _money(row.get("p50")), _ratio(row.get("compa_ratio"))
        sentences = [
            f"The band {band} sits {_percentile_phrase(row)}{salaries} from {firms}; the middle half of the "
            f"market pays {middle} (p50 {p50}), a compa-ratio of {ratio}."
        ]
        if _indicative(row):
            sentences.insert(
                0,
                '<strong class="indicative">Indicative only:</strong> a market figure needs at least 5 '
                "employer-posted salaries from 3 companies (confidence none).",
            )
    change_words = band_change(row)[1]
    if change_words:
        full_time = (
            " (full-time equivalent)" if row.get("fte") is not None and _decimal(row["fte"]) != 1 else ""
        )
        sentences.append(
            f'<span class="change-needed">{_e(change_words)}{_e(full_time)}'
            + (" (indicative)" if _indicative(row) else "")
            + "</span>"
        )
    if row.get("pool"):  # which market the percentiles come from: national, metro, region, a peer group
        sentences.append(f'Pool: <span class="pool">{_e(row["pool"])}</span>.')
    verdict, level = row.get("verdict"), _e(row.get("confidence"))
    if verdict in ("below", "within", "above"):
        sentences.append(f"Verdict: {_badge(verdict)} the market ({level} confidence).")
    else:
        sentences.append(f"No verdict at {level} confidence (a verdict needs medium or high).")
    set_apart = [
        _plural(row.get("n_outliers_trimmed") or 0, "outlier") + " trimmed",
        _plural(row.get("n_estimated") or 0, "estimated salary", "estimated salaries")
        + " set apart"
        + (f" (their p50 {_money(row['p50_estimated'])})" if row.get("p50_estimated") is not None else ""),
        _plural(row.get("n_reposts_collapsed") or 0, "repost") + " counted once",
        _plural(row.get("n_capped") or 0, "posting") + " over the company cap",
        _plural(row.get("n_excluded") or 0, "posting") + " excluded by analysts",
    ]
    shown = [s for s in set_apart if not s.startswith("0 ")]
    if shown:
        sentences.append("Left out of the percentiles: " + "; ".join(shown) + ".")
    if row.get("previous_run_at") is not None:
        change = _change(row).replace("<br>", "; ")
        sentences.append(f"Since the run of {_when(row['previous_run_at'])}: {change}.")
    return '<p class="reading">' + " ".join(sentences) + "</p>"


def _why(row: Row, anchor: str) -> str:
    """Why the vacancy has no verdict: the reason, what was left out of its pool per reason, the suggested
    change ("" for a vacancy with a verdict, or frames written before the columns)."""
    if not row.get("why_no_verdict"):
        return ""
    items = row.get("left_out") or []

    def cells(item: Row) -> list[Cell]:
        n = item.get("n") or 0
        return [
            _text(item.get("reason")),
            _num(f"{n:,}" if n or item.get("reason") != "outside the Floqer plan" else DASH),
            _num(f"{item.get('salaries') or 0:,}"),
            _num(f"{item.get('companies') or 0:,}"),
        ]

    headers = ["Left out because", "num:Postings", "num:With a salary", "num:Companies"]
    table = _table("left-out", headers, (_tr(cells(i)) for i in items), empty="Nothing matched this job.")
    return (
        f'<div class="why" id="{anchor}-why"><h3>Why no verdict</h3>'
        f'<p class="why-reason">{_e(row["why_no_verdict"])}.</p>'
        f'<p class="suggestion"><strong>Suggested change:</strong> {_e(row.get("suggested_change"))}</p>'
        f"{table}</div>"
    )


def _match_cells(m: Row) -> list[Cell]:
    place = ", ".join(str(p) for p in (m.get("posting_city"), m.get("posting_country")) if p)
    salary = _money(m.get("salary_mid_vacancy_currency"))
    if m.get("salary_mid_vacancy_currency") is not None and m.get("is_estimate"):
        salary += ' <span class="tag">est.</span>'
    why = m.get("explanation")
    return [
        _num(_e(m.get("rank"))),
        _num(f"<strong>{_score(m.get('score'))}</strong>"),
        *(_num(_score(m.get(c))) for c in ("title", "seniority", "geography", "recency", "skills")),
        _text(m.get("company")),
        (
            _link(m.get("url"), m.get("job_title") or m.get("posting_id"))
            + ("" if m.get("same_job", True) else ' <span class="tag">related</span>'),
            "",
        ),
        (_e(place) + (' <span class="tag">remote</span>' if m.get("is_remote") else ""), ""),
        (_when(m.get("date_posted")) if m.get("date_posted") else DASH, "num"),
        ("yes" if m.get("in_benchmark_pool") else '<span class="muted">no</span>', ""),
        (f'<span title="{_e(m.get("salary_string"))}">{salary}</span>', "num"),
        (f"<details><summary>why</summary>{_e(why)}</details>" if why else "", "why"),
    ]


MATCH_HEADERS = [
    "num:#",
    "num:Score",
    "num:Title",
    "num:Level",
    "num:Place",
    "num:Recency",
    "num:Skills",
    "Company",
    "Job title",
    "Where",
    "Posted",
    "In pool",
    "num:Salary",
    "",
]


def _matches(matches: list[Row], currency: object, *, why: bool = False) -> str:
    headers = [*MATCH_HEADERS]
    headers[12] = f"num:Salary ({currency})" if currency else "num:Salary"
    rows = (_tr(_match_cells(m)) for m in sorted(matches, key=lambda m: m.get("rank") or 0))
    empty = "No matches for this vacancy" + (" (why: above)." if why else ".")
    return _table("matches", headers, rows, empty=empty)


def _hiring(rows: list[Row], *, market: bool, total: int | None = None) -> str:
    """The companies hiring (busiest first, as ``competitor_hiring`` orders them), the first ``HIRING_SHOWN``
    (``MARKET_SHOWN`` across the market) and a line saying how many more the files hold (of ``total``, the
    group's rows in the frame; default: ``rows``)."""
    shown = MARKET_SHOWN if market else HIRING_SHOWN
    more = (len(rows) if total is None else total) - shown
    rows = rows[:shown]
    headers = ["Company", "num:Last 30 days", "num:Last 90 days", "Trend", "Seniority mix"]
    headers += ["num:Vacancies matched"] if market else []

    def cells(r: Row) -> list[Cell]:
        out = [_text(r.get("company")), _num(_e(r.get("postings_30d"))), _num(_e(r.get("postings_90d")))]
        out += [_text(r.get("trend")), _text(_mix(r.get("seniority_mix")))]
        return out + ([_num(_e(r.get("vacancies_matched")))] if market else [])

    empty = "No competitor postings in the last 90 days." if market else "No competitor postings for it."
    table = _table("hiring", headers, (_tr(cells(r)) for r in rows), empty=empty)
    if more > 0:
        table += (
            f'<p class="sub more-hiring">and {more:,} more {"company" if more == 1 else "companies"} with '
            "fewer postings: competitor_hiring.csv and .parquet list every one</p>"
        )
    return table


def _mix(value: object) -> object:
    """``seniority_mix``, a list of (level, n), as "senior 3, mid 1" (text from older reports as it is)."""
    if isinstance(value, list):
        return ", ".join(f"{item['level']} {item['n']}" for item in value if isinstance(item, dict))
    return value


def _posting(r: Row) -> str:
    title = _link(r.get("url"), r.get("job_title") or r.get("posting_id"))
    company = f' <span class="sub">{_e(r.get("company"))}</span>' if r.get("company") else ""
    return f'{title}{company}<div class="sub">posting {_e(r.get("posting_id"))}</div>'


def _was_match(r: Row) -> str:
    if not r.get("matched"):
        return '<span class="muted">no</span>'
    return "yes" + (f" (score {_score(r['score'])})" if r.get("score") is not None else "")


def _exclusions(rows: list[Row], vacancy_cell: Callable[[Row], str] | None) -> str:
    headers = (["Vacancy"] if vacancy_cell else []) + ["Posting", "Reason", "Was a match"]

    def cells(r: Row) -> list[Cell]:
        first = [(vacancy_cell(r), "")] if vacancy_cell else []
        return [*first, (_posting(r), ""), _text(r.get("reason")), (_was_match(r), "")]

    return _table("exclusions", headers, (_tr(cells(r)) for r in rows), empty="No exclusions.")


TREND_RUNS = 24  # the p50 trend shows at most this many runs, the latest


def _trends(
    vacancies: list[Row], history: pl.DataFrame | None, now: datetime
) -> dict[Key, list[tuple[datetime, Decimal | None]]]:
    """Per vacancy, (run time, p50) of the earlier runs in ``history`` in the vacancy's present currency, then
    this run's, oldest first (at most ``TREND_RUNS``)."""
    earlier: dict[Key, list[tuple[datetime, Decimal | None]]] = {}
    currencies = {_key(r): r.get("currency") for r in vacancies}
    if history is not None and history.height:
        for r in history.sort("run_at").iter_rows(named=True):
            key = _key(r)
            if key in currencies and r.get("currency") == currencies[key] and r.get("run_at") is not None:
                p50 = r.get("p50")
                earlier.setdefault(key, []).append((r["run_at"], None if p50 is None else _decimal(p50)))
    trends = {}
    for row in vacancies:
        p50 = row.get("p50")
        runs = [*earlier.get(_key(row), []), (now, None if p50 is None else _decimal(p50))]
        trends[_key(row)] = runs[-TREND_RUNS:]
    return trends


def _trend(row: Row, runs: list[tuple[datetime, Decimal | None]]) -> str:
    """The p50 over past runs: a line chart and its numbers (a sentence for the first run)."""
    if len(runs) < 2:
        return '<p class="trend muted">p50 over runs: this is the first run for this vacancy.</p>'
    if all(p50 is None for _, p50 in runs):
        return f'<p class="trend muted">p50 over runs: no market p50 in any of the last {len(runs)} runs.</p>'
    currency = str(row.get("currency") or "")
    points = [(f"{when:%Y-%m-%d}", p50) for when, p50 in runs]
    chart = trend_chart(points, currency=currency, title=str(row.get("role") or ""))
    cells = "".join(
        f'<tr><td>{_when(when)}</td><td class="num">{_money(p50)}</td></tr>' for when, p50 in reversed(runs)
    )
    return (
        f'<div class="trend"><h3>p50 over the last {len(runs)} runs ({_e(currency)})</h3>'
        f"<figure>{chart}</figure>"
        f'<details><summary>the runs</summary><table class="runs"><thead><tr><th>Run</th>'
        f'<th class="num">p50</th></tr></thead><tbody>{cells}</tbody></table></details></div>'
    )


@dataclass
class _Report:
    """The frames, grouped once, and what every part of the page looks up."""

    vacancies: list[Row]
    anchors: dict[Key, str]
    matches: _Grouped
    pool: _Grouped
    has_pool: bool
    hiring: _Grouped
    market: list[Row]
    hiring_sizes: dict[tuple[str, str], int]  # (scope, vacancy_id or "") -> the frame's rows
    exclusions: list[Row]
    excluded: _Grouped
    trends: dict[Key, list[tuple[datetime, Decimal | None]]]

    @classmethod
    def of(
        cls, frames: Mapping[str, pl.DataFrame], history: pl.DataFrame | None, generated_at: datetime
    ) -> _Report:
        vacancies = _rows(frames, "vacancy_benchmarks")
        hiring, hiring_sizes = _hiring_rows(frames)
        exclusions = _rows(frames, "excluded_matches")
        return cls(
            vacancies=vacancies,
            anchors=_anchors(vacancies),
            matches=_Grouped.of(_rows(frames, "vacancy_matches")),
            pool=_Grouped.of(_counted_pool(frames)),
            has_pool="benchmark_pool" in frames,
            hiring=_Grouped.of([r for r in hiring if r.get("scope") == "vacancy"]),
            market=[r for r in hiring if r.get("scope") == "market"],
            hiring_sizes=hiring_sizes,
            exclusions=exclusions,
            excluded=_Grouped.of(exclusions),
            trends=_trends(vacancies, history, generated_at),
        )

    def vacancy_cell(self, r: Row) -> str:
        """An exclusion's vacancy: its role linking to its section when it is open, else its id."""
        for row in self.vacancies:
            if row.get("vacancy_id") == r.get("vacancy_id"):
                return f'<a href="#{self.anchors[_key(row)]}">{_e(row.get("role"))}</a>'
        return _e(r.get("vacancy_id"))


def _section(report: _Report, row: Row) -> str:
    key, currency = _key(row), row.get("currency")
    matches = report.matches.get(key)
    salaries = _pool_salaries(report.pool.get(key), matches, has_pool=report.has_pool)
    chart = salary_chart(
        salaries,
        band_min=row.get("band_min"),
        band_max=row.get("band_max"),
        p25=row.get("p25"),
        p50=row.get("p50"),
        p75=row.get("p75"),
        currency=str(currency or ""),
        title=f"{row.get('role') or ''} — market salaries ({len(salaries)})"
        + (" — indicative only" if _indicative(row) else ""),
    )
    excluded = report.excluded.get(key)
    anchor = report.anchors[key]
    opened = " open" if len(report.vacancies) <= OPEN_UP_TO else ""
    parts = [
        f'<section class="vacancy" id="{anchor}" data-key="{anchor}" '
        f'data-vacancy-id="{_e(row.get("vacancy_id"))}"><details{opened}>',
        f"<summary><h2>{_e(row.get('role'))} {_badge(row.get('verdict'))}</h2>"
        f'<span class="sub">{_e(row.get("location"))} · {_e(row.get("seniority"))}</span></summary>',
        f'<p class="sub">SOC {_e(row.get("occupation_code") or DASH)} · '
        f"vacancy {_e(row.get('vacancy_id'))}</p>",
        f'<div class="summary"><figure class="chart">{chart}</figure>{_reading(row)}</div>',
        _trend(row, report.trends.get(key, [])),
        _why(row, anchor),
        f"<h3>Top matches ({len(matches)})</h3>",
        _matches(matches, currency, why=bool(row.get("why_no_verdict"))),
        "<h3>Companies hiring for it</h3>",
        _hiring(report.hiring.get(key), market=False, total=report.hiring_sizes.get(("vacancy", key[1]))),
    ]
    if excluded:
        parts += ["<h3>Excluded by analysts</h3>", _exclusions(excluded, None)]
    parts.append('<p class="back"><a href="#overview">↑ overview</a></p></details></section>')
    return "\n".join(parts)


def _header(report: _Report, as_of: date, generated_at: datetime) -> str:
    verdicts = [r.get("verdict") for r in report.vacancies]
    counted = {v: verdicts.count(v) for v in ("below", "within", "above")}
    n_matches = sum(len(rows) for rows in report.matches.by_key.values())
    facts = [
        f"as of {_when(as_of)}",
        _plural(len(report.vacancies), "open vacancy", "open vacancies"),
        f"{sum(counted.values())} with a verdict ({', '.join(f'{n} {v}' for v, n in counted.items())})",
        _plural(n_matches, "match", "matches") + " shown",
        f"generated {_when(generated_at)}",
    ]
    previous = [r["previous_run_at"] for r in report.vacancies if r.get("previous_run_at") is not None]
    if previous:
        facts.append(f"compared with the run of {_when(max(previous))}")
    return (
        "<header><h1>Vacancy benchmarks</h1>"
        f'<p class="facts">{" · ".join(facts)}</p>'
        '<p class="muted">Amounts are annual, in each vacancy\'s currency. Bands are full-time equivalents '
        "(a part-time band divided by its FTE). Compa-ratio = band midpoint / market p50. Percentiles count "
        "employer-posted salaries of matching postings in the vacancy's country; a verdict needs medium or "
        "high confidence; * marks percentiles that are indicative only (confidence none: fewer than 5 "
        "salaries or 3 companies). The reporting-currency column converts at ECB rates, for comparing "
        "across countries. Band change: how far the band's maximum (or minimum) must move to reach the "
        "market's p25 / p50 (or p75 / p50).</p></header>"
    )


STYLE = """
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9dee4; --zebra: #f6f8fa; --link: #1d4ed8; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  margin: 0 auto; padding: 24px; max-width: 1400px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 0 0 2px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
a { color: var(--link); } .muted, .sub { color: var(--muted); } .sub { font-size: 12px; }
.facts { font-size: 15px; margin: 0 0 4px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 13px; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: #eef1f5; font-weight: 600; white-space: nowrap; }
tbody tr:nth-child(even) { background: var(--zebra); }
.scroll { overflow-x: auto; } table.overview td:first-child { min-width: 140px; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.matches { font-size: 12px; }
td.why { min-width: 56px; max-width: 360px; font-size: 11px; color: var(--muted); }
td.change { font-size: 12px; white-space: nowrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 9px; font-size: 12px; font-weight: 600;
  white-space: nowrap; vertical-align: middle; border: 1px solid transparent; }
.verdict-below { background: #fde2e1; color: #9b1c1c; border-color: #f5b4b1; }
.verdict-within { background: #def7e5; color: #1e6b3a; border-color: #a6e3b8; }
.verdict-above { background: #dbeafe; color: #1e429f; border-color: #a4c4f4; }
.verdict-insufficient, .verdict-other { background: #eef1f5; color: var(--muted); border-color: var(--line); }
.indicative { color: #9a3412; }
.why { margin: 8px 0; padding: 4px 12px; border-left: 3px solid #9a3412; background: #fff7ed; }
.why h3 { margin-top: 6px; } .suggestion { margin: 4px 0; } table.left-out { width: auto; }
.tag { font-size: 10px; padding: 0 4px; border: 1px solid var(--line); border-radius: 4px;
  color: var(--muted); }
section.vacancy { border-top: 2px solid var(--ink); margin-top: 32px; padding-top: 12px; }
.summary { display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: flex-start; }
figure { margin: 0; } svg.salary-chart { max-width: 100%; height: auto; display: block; }
.reading { flex: 1 1 320px; max-width: 640px; margin: 8px 0; }
.empty { color: var(--muted); font-style: italic; } .back { font-size: 12px; }
[hidden] { display: none !important; }
nav.files ul { display: inline; margin: 0; padding: 0; }
nav.files li { display: inline-block; margin-left: 12px; white-space: nowrap; }
nav.files { margin: 8px 0; font-size: 13px; }
.controls { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; margin: 6px 0;
  padding: 6px 10px; background: #eef1f5; border-radius: 6px; font-size: 13px; }
.controls select, .controls input, .controls button { font: inherit; }
.controls output { color: var(--muted); }
th button.sort { font: inherit; font-weight: 600; background: none; border: 0; padding: 0; cursor: pointer;
  color: inherit; text-align: inherit; }
th[aria-sort="ascending"] button.sort::after { content: " ▲"; }
th[aria-sort="descending"] button.sort::after { content: " ▼"; }
table.overview th, table.overview td { padding: 4px 5px; } table.overview { font-size: 12.5px; }
table.overview th { white-space: normal; } table.overview td .sub { white-space: nowrap; }
table.overview td.num { white-space: normal; } td.change-needed { font-size: 12px; }
td.change-needed .v > span { white-space: nowrap; }
section.vacancy > details > summary { cursor: pointer; }
section.vacancy > details > summary h2 { display: inline; }
section.vacancy > details > summary .sub { margin-left: 8px; }
.reading .change-needed { font-weight: 600; }
.trend figure { max-width: 100%; overflow-x: auto; } svg.p50-trend { display: block; }
table.runs { width: auto; }
ol.band-chart { list-style: none; margin: 0; padding: 0; }
ol.band-chart li, .bands .axis { display: grid; grid-template-columns: minmax(0, 22em) minmax(0, 1fr);
  gap: 0 12px; align-items: center; padding: 3px 0; border-bottom: 1px solid var(--line); }
ol.band-chart .label { font-size: 13px; overflow-wrap: anywhere; }
svg.band-bar { display: block; width: 100%; }
.bands .axis { border-bottom: 1px solid var(--ink); }
.bands .ticks { position: relative; height: 18px; font-size: 11px; color: var(--muted); }
.bands .ticks span { position: absolute; transform: translateX(-50%); white-space: nowrap; }
.bands .ticks span:first-child { transform: none; }
.bands .ticks span:last-child { transform: translateX(-100%); }
.no-market { font-size: 12px; color: var(--muted); font-style: italic; }
.legend .key { display: inline-block; width: 14px; height: 10px; vertical-align: middle; }
.legend .key.band { background: #f5b942; border: 1px solid #9c6412; }
.legend .key.market { background: #c5d3e8; }
.legend .key.p50 { width: 2px; height: 14px; background: var(--ink); }
@media (max-width: 700px) {
  body { padding: 10px; }
  table.overview thead { display: none; }
  .overview-wrap { overflow-x: visible; }
  table.overview, table.overview tbody, table.overview tr { display: block; width: 100%; }
  table.overview tr { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 8px; padding: 4px 8px; }
  table.overview td { display: flex; justify-content: space-between; align-items: baseline; gap: 12px;
    border: 0; padding: 2px 0; text-align: right; white-space: normal; min-width: 0; }
  table.overview td::before { content: attr(data-label); color: var(--muted); font-size: 12px;
    text-align: left; white-space: nowrap; }
  table.overview td.role { display: block; text-align: left; font-size: 15px; }
  table.overview td.role::before { content: none; }
  ol.band-chart li, .bands .axis { grid-template-columns: minmax(0, 1fr); }
  .bands .axis .label { display: none; }
  figure.chart { overflow-x: auto; } svg.salary-chart { max-width: none; width: 560px; }
  .controls label { display: flex; flex-direction: column; }
}
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { padding: 0; max-width: none; font-size: 11px; } a { color: inherit; text-decoration: none; }
  section.vacancy { break-before: page; border-top: none; } .back, .controls { display: none; }
  .scroll { overflow: visible; } td.why, table.matches th:last-child { display: none; }
  thead { display: table-header-group; } tr, figure, .summary { break-inside: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def render_report(
    frames: Mapping[str, pl.DataFrame],
    *,
    as_of: date | None = None,
    generated_at: datetime | None = None,
    history: pl.DataFrame | None = None,
) -> str:
    """The report as one HTML document (a string): links to the report files, the overview (sortable and
    filterable with scripts on), every band against its market, a section per open vacancy, market and
    exclusions.

    ``frames`` are ``write_reports``' frames by name; ``benchmark_pool``, ``excluded_matches`` and the
    ``*_previous`` and ``*_reporting`` columns are optional. ``history``: earlier runs' benchmarks
    (``matcher.report.history.load_history``) for the p50 trend; this run is its last point. ``as_of``
    defaults to the benchmarks' ``as_of`` (else today), ``generated_at`` to now (UTC).
    """
    generated_at = generated_at or datetime.now(UTC).replace(microsecond=0)
    report = _Report.of(frames, history, generated_at)
    recorded = [r["as_of"] for r in report.vacancies if r.get("as_of") is not None]
    as_of = as_of or (max(recorded) if recorded else date.today())
    body = [
        _header(report, as_of, generated_at),
        _files(frames),
        '<h2 id="overview">Open vacancies</h2>',
        _controls(report.vacancies),
        _overview(report.vacancies, report.anchors),
        _band_chart(report.vacancies, report.anchors),
        *(_section(report, row) for row in report.vacancies),
        '<section class="market"><h2 id="market">Who is hiring across your open roles</h2>',
        _hiring(report.market, market=True, total=report.hiring_sizes.get(("market", ""))),
        "</section>",
        '<section class="excluded"><h2 id="excluded">Excluded by analysts</h2>',
        _exclusions(report.exclusions, report.vacancy_cell),
        "</section>",
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{escape(CSP)}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Vacancy benchmarks · as of {_when(as_of)}</title>"
        f"<style>{STYLE}</style></head>\n<body>\n"
        + "\n".join(body)
        + f"\n<script>{SCRIPT}</script>\n</body></html>\n"
    )


def write_html_report(
    frames: Mapping[str, pl.DataFrame],
    directory: Path | str,
    *,
    as_of: date | None = None,
    generated_at: datetime | None = None,
    history: pl.DataFrame | None = None,
) -> Path:
    """``render_report`` written to ``directory/report.html`` (created) atomically; the path written."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "report.html"
    temp = path.with_name(path.name + ".tmp")
    page = render_report(frames, as_of=as_of, generated_at=generated_at, history=history)
    temp.write_text(page, encoding="utf-8")
    os.replace(temp, path)
    return path
