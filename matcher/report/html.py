"""The HTML report: ``reports/report.html``, one self-contained file to read the benchmarks in a browser.

Inline CSS and inline SVG charts only: no script, font, image or request leaves the file, and a strict
Content-Security-Policy says so to the browser as well. Titles, companies, reasons and explanations are
untrusted text: every value goes through ``html.escape``, and only http(s) URLs become links.

    frames = load_reports("reports")
    write_html_report(frames, "reports", as_of=date(2026, 11, 2))  # -> Path("reports/report.html")
"""

from __future__ import annotations

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

from matcher.report.charts import salary_chart

Row = dict[str, Any]
Key = tuple[str, str]

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
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


def _overview_row(row: Row, anchor: str) -> str:
    n, firms = row.get("n_postings") or 0, row.get("n_companies") or 0
    counts = f"{_plural(n, 'salary', 'salaries')} from {_plural(firms, 'company', 'companies')}"
    cells = [
        (
            f'<a href="#{anchor}">{_e(row.get("role"))}</a><div class="sub">{_e(row.get("seniority"))}</div>',
            "",
        ),
        (_place(row.get("location"), row.get("country_code")), ""),
        _num(_span(row.get("band_min"), row.get("band_max"), row.get("currency"))),
        _num(
            _span(row.get("p25"), row.get("p75"))
            + (f' <span class="tag" title="{INDICATIVE_WHY}">indicative</span>' if _indicative(row) else "")
        ),
        _num(_money(row.get("p50")) + _star(row)),
        _num(_ratio(row.get("compa_ratio")) + _star(row)),
        (
            _badge(row.get("verdict"))
            + (f' <a class="sub" href="#{anchor}-why">why?</a>' if row.get("why_no_verdict") else ""),
            "",
        ),
        _text(row.get("confidence")),
        _num(f'<span title="{counts}">{n:,} / {firms:,}</span>'),
        (_change(row), "change"),
    ]
    return _tr(cells, f' class="vacancy-row" data-vacancy-id="{_e(row.get("vacancy_id"))}"')


OVERVIEW_HEADERS = [
    "Role",
    "Location",
    "num:Band",
    "num:Market p25–p75",
    "num:p50",
    "num:Compa",
    "Verdict",
    "Confidence",
    "num:Postings / firms",
    "vs last run",
]


def _overview(vacancies: list[Row], anchors: dict[Key, str]) -> str:
    rows = (_overview_row(row, anchors[_key(row)]) for row in vacancies)
    return _table("overview", OVERVIEW_HEADERS, rows, empty="No open vacancies.")


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


def _hiring(rows: list[Row], *, market: bool) -> str:
    headers = ["Company", "num:Last 30 days", "num:Last 90 days", "Trend", "Seniority mix"]
    headers += ["num:Vacancies matched"] if market else []

    def cells(r: Row) -> list[Cell]:
        out = [_text(r.get("company")), _num(_e(r.get("postings_30d"))), _num(_e(r.get("postings_90d")))]
        out += [_text(r.get("trend")), _text(r.get("seniority_mix"))]
        return out + ([_num(_e(r.get("vacancies_matched")))] if market else [])

    empty = "No competitor postings in the last 90 days." if market else "No competitor postings for it."
    return _table("hiring", headers, (_tr(cells(r)) for r in rows), empty=empty)


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
    exclusions: list[Row]
    excluded: _Grouped

    @classmethod
    def of(cls, frames: Mapping[str, pl.DataFrame]) -> _Report:
        vacancies = _rows(frames, "vacancy_benchmarks")
        hiring = _rows(frames, "competitor_hiring")
        exclusions = _rows(frames, "excluded_matches")
        return cls(
            vacancies=vacancies,
            anchors=_anchors(vacancies),
            matches=_Grouped.of(_rows(frames, "vacancy_matches")),
            pool=_Grouped.of(_rows(frames, "benchmark_pool")),
            has_pool="benchmark_pool" in frames,
            hiring=_Grouped.of([r for r in hiring if r.get("scope") == "vacancy"]),
            market=[r for r in hiring if r.get("scope") == "market"],
            exclusions=exclusions,
            excluded=_Grouped.of(exclusions),
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
    parts = [
        f'<section class="vacancy" id="{report.anchors[key]}" data-vacancy-id="{_e(row.get("vacancy_id"))}">',
        f"<h2>{_e(row.get('role'))} {_badge(row.get('verdict'))}</h2>",
        f'<p class="sub">{_e(row.get("location"))} · {_e(row.get("seniority"))} · '
        f"SOC {_e(row.get('occupation_code') or DASH)} · vacancy {_e(row.get('vacancy_id'))}</p>",
        f'<div class="summary"><figure>{chart}</figure>{_reading(row)}</div>',
        _why(row, report.anchors[key]),
        f"<h3>Top matches ({len(matches)})</h3>",
        _matches(matches, currency, why=bool(row.get("why_no_verdict"))),
        "<h3>Companies hiring for it</h3>",
        _hiring(report.hiring.get(key), market=False),
    ]
    if excluded:
        parts += ["<h3>Excluded by analysts</h3>", _exclusions(excluded, None)]
    parts.append('<p class="back"><a href="#overview">↑ overview</a></p></section>')
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
        "salaries or 3 companies).</p></header>"
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
.scroll { overflow-x: auto; } table.overview td:first-child { min-width: 170px; }
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
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { padding: 0; max-width: none; font-size: 11px; } a { color: inherit; text-decoration: none; }
  section.vacancy { break-before: page; border-top: none; } .back { display: none; }
  .scroll { overflow: visible; } td.why, table.matches th:last-child { display: none; }
  thead { display: table-header-group; } tr, figure, .summary { break-inside: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def render_report(
    frames: Mapping[str, pl.DataFrame], *, as_of: date | None = None, generated_at: datetime | None = None
) -> str:
    """The report as one HTML document (a string): overview, a section per open vacancy, market, exclusions.

    ``frames`` are ``write_reports``' frames by name; ``benchmark_pool``, ``excluded_matches`` and the
    ``*_previous`` columns are optional. ``as_of`` defaults to the benchmarks' ``as_of`` (else today),
    ``generated_at`` to now (UTC).
    """
    report = _Report.of(frames)
    recorded = [r["as_of"] for r in report.vacancies if r.get("as_of") is not None]
    as_of = as_of or (max(recorded) if recorded else date.today())
    generated_at = generated_at or datetime.now(UTC).replace(microsecond=0)
    body = [
        _header(report, as_of, generated_at),
        '<h2 id="overview">Open vacancies</h2>',
        _overview(report.vacancies, report.anchors),
        *(_section(report, row) for row in report.vacancies),
        '<section class="market"><h2 id="market">Who is hiring across your open roles</h2>',
        _hiring(report.market, market=True),
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
        f"<style>{STYLE}</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def write_html_report(
    frames: Mapping[str, pl.DataFrame],
    directory: Path | str,
    *,
    as_of: date | None = None,
    generated_at: datetime | None = None,
) -> Path:
    """``render_report`` written to ``directory/report.html`` (created) atomically; the path written."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "report.html"
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(render_report(frames, as_of=as_of, generated_at=generated_at), encoding="utf-8")
    os.replace(temp, path)
    return path
