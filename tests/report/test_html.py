"""The HTML report and its SVG charts, on small hand-made frames: structure, numbers, escaping."""

from __future__ import annotations

import base64
import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.benchmark import stage
from matcher.report.charts import salary_chart, thousands
from matcher.report.html import SCRIPT as REPORT_SCRIPT
from matcher.report.html import render_report, write_html_report

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
AS_OF, GENERATED = date(2026, 11, 2), datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
MONEY = pl.Decimal(26, 2)

# --- synthetic frames ------------------------------------------------------------------------------------

# the stage's own schema: synthetic rows have every column a real report has
BENCHMARK_SCHEMA: dict[str, Any] = {
    **stage.BENCHMARK_SCHEMA,
    "n_reposts_collapsed": pl.Int64,
    "n_capped": pl.Int64,
    "n_excluded": pl.Int64,
    **stage.PREVIOUS_SCHEMA,
}
D = Decimal


def vacancy(vacancy_id: str, role: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(BENCHMARK_SCHEMA)
    row |= {"scenario_id": "", "vacancy_id": vacancy_id, "role": role, "seniority": "senior"}
    row |= {"location": "Berlin, Germany", "country_code": "DE", "currency": "EUR"}
    row |= {"band_min": D("70000"), "band_max": D("90000"), "n_matched": 0, "n_postings": 0, "n_companies": 0}
    row |= {"confidence": "none", "verdict": "insufficient data", "n_outliers_trimmed": 0, "n_excluded": 0}
    return row | values


def match(vacancy_id: str, rank: int, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "scenario_id": "",
        "vacancy_id": vacancy_id,
        "rank": rank,
        "posting_id": f"p{vacancy_id}{rank}",
        "score": 90.0 - rank,
        "title": 100.0,
        "seniority": 100.0,
        "geography": 70.0,
        "recency": 50.0,
        "skills": None,
        "explanation": "title 100.0 (data engineer vs data engineer) | seniority 100.0",
        "in_benchmark_pool": True,
        "company": f"Company {rank}",
        "job_title": f"Data Engineer {rank}",
        "posting_city": "Berlin",
        "posting_country": "DE",
        "is_remote": False,
        "date_posted": date(2026, 10, 1),
        "url": f"https://jobs.example.com/{rank}",
        "salary_string": "€95k",
        "is_estimate": False,
        "currency": "EUR",
        "salary_mid_vacancy_currency": D("95000.00"),
    }
    return row | values


def frames(*, with_exclusions: bool = True, **overrides: Any) -> dict[str, pl.DataFrame]:
    """Three open vacancies: v1 with matches, a pool and a previous run (within -> below); v2 without any
    match; v3 with a hostile role. ``overrides`` replace v1's first match's fields."""
    vacancies = [
        vacancy(
            "v1",
            "Senior Data Engineer",
            n_matched=4,
            n_postings=3,
            n_companies=3,
            p25=D("94900.00"),
            p50=D("96400.50"),  # whole units round half up: 96,401
            p75=D("115250.00"),
            compa_ratio=D("0.715"),  # 0.72, not the 0.71 of float("0.715")
            band_min_percentile=35.0,
            band_max_percentile=80.4,
            confidence="medium",
            verdict="below",
            n_outliers_trimmed=1,
            # p50 96,400.50 - 92,400.50 = +4,000 (4,000 / 92,400.50 = +4.3%); compa 0.715 - 0.737 = -0.022
            previous_run_at=datetime(2026, 10, 26, 9, 0, tzinfo=UTC),
            p50_previous=D("92400.50"),
            compa_ratio_previous=D("0.737"),
            verdict_previous="within",
            n_excluded=1,
        ),
        vacancy("v2", "Growth Marketing Manager", currency="AUD", band_min=D("122000"), band_max=D("148000")),
        vacancy('v3 "/<x>', SCRIPT, n_matched=1),
    ]
    matches = [
        match("v1", 1, **overrides),
        match("v1", 2, url="javascript:alert(1)", job_title="Click me"),
        match("v1", 3, job_title=SCRIPT, company=IMG, is_estimate=True, in_benchmark_pool=False),
        match('v3 "/<x>', 1, salary_mid_vacancy_currency=None),
    ]
    pool = [
        {"vacancy_id": "v1", "posting_id": f"pv1{i}", "counted": i != 4, "salary": s}
        for i, s in enumerate([D("94900"), D("96400.50"), D("115250"), D("400000")], start=1)
    ]
    hiring = [
        {"scope": "vacancy", "vacancy_id": "v1", "company": IMG, "postings_30d": 2, "postings_90d": 5},
        {
            "scope": "market",
            "vacancy_id": None,
            "company": "Atlas Freight",
            "postings_30d": 3,
            "postings_90d": 7,
        },
        {
            "scope": "market",
            "vacancy_id": None,
            "company": "Nova Genomics",
            "postings_30d": 0,
            "postings_90d": 5,
        },
    ]
    exclusions = [
        {
            "vacancy_id": "v1",
            "posting_id": "p9",
            "reason": SCRIPT,
            "matched": True,
            "score": 81.5,
            "url": "x",
        },
        {"vacancy_id": "gone", "posting_id": "p8", "reason": "closed role", "matched": False, "score": None},
    ]
    result = {
        "vacancy_benchmarks": pl.DataFrame(vacancies, schema=BENCHMARK_SCHEMA, orient="row"),
        "vacancy_matches": pl.DataFrame(
            matches, orient="row", schema_overrides={"skills": pl.Float64}
        ).with_columns(pl.col("salary_mid_vacancy_currency").cast(MONEY)),
        "competitor_hiring": pl.DataFrame(hiring).with_columns(
            trend=pl.lit("rising"),
            seniority_mix=pl.lit([{"level": "senior", "n": 2}, {"level": "mid", "n": 1}]),
            vacancies_matched=pl.lit(1),
        ),
        "benchmark_pool": pl.DataFrame(pool).select(
            scenario_id=pl.lit(""),
            vacancy_id="vacancy_id",
            posting_id="posting_id",
            currency=pl.lit("EUR"),
            salary_mid_vacancy_currency=pl.col("salary").cast(MONEY),
            is_estimate=pl.lit(False),
            counted="counted",
        ),
        "excluded_matches": pl.DataFrame(
            exclusions if with_exclusions else [], schema=_EXCLUSION_SCHEMA, orient="row"
        ),
    }
    return result


_EXCLUSION_SCHEMA = {
    "vacancy_id": pl.String,
    "posting_id": pl.String,
    "reason": pl.String,
    "matched": pl.Boolean,
    "score": pl.Float64,
    "url": pl.String,
}


# --- a small DOM from the stdlib parser ------------------------------------------------------------------

VOID = {"meta", "br", "img", "input", "link", "hr", "col", "area", "base", "wbr", "source", "embed"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    @property
    def elements(self) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node)]

    def all(self, tag: str, cls: str | None = None) -> list[Node]:
        found = [self] if self.tag == tag and (cls is None or cls in self.classes) else []
        return found + [n for child in self.elements for n in child.all(tag, cls)]

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def content(self) -> str:
        return "".join(c if isinstance(c, str) else c.content() for c in self.children)

    def tags(self) -> set[str]:
        return {self.tag}.union(*(c.tags() for c in self.elements))

    def attributes(self) -> set[str]:
        return set(self.attrs).union(*(c.attributes() for c in self.elements))


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(markup: str) -> Node:
    builder = TreeBuilder()
    builder.feed(markup)
    builder.close()
    assert builder.stack == [builder.root], "unclosed elements"
    return builder.root


def render(**kwargs: Any) -> Node:
    return parse(render_report(frames(**kwargs), as_of=AS_OF, generated_at=GENERATED))


def section(doc: Node, vacancy_id: str) -> Node:
    (found,) = [s for s in doc.all("section", "vacancy") if s.attrs["data-vacancy-id"] == vacancy_id]
    return found


ALLOWED_TAGS = {
    *("#document", "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p", "div"),
    *("span", "strong", "a", "br", "section", "figure", "table", "thead", "tbody", "tr", "th", "td"),
    *("details", "summary", "svg", "rect", "line", "text", "title", "circle", "polyline", "nav", "ul", "ol"),
    *("li", "label", "select", "option", "input", "button", "output", "script", "wbr"),
}


def only_our_script(doc: Node) -> None:
    """One script, ours, whose sha256 the policy names; no inline event handler anywhere."""
    (script,) = doc.all("script")
    assert script.content() == REPORT_SCRIPT
    assert not any(name.startswith("on") for name in doc.attributes())


# --- the page --------------------------------------------------------------------------------------------


def test_a_row_a_section_and_a_chart_per_open_vacancy() -> None:
    doc = render()
    rows = doc.all("tr", "vacancy-row")
    sections = doc.all("section", "vacancy")
    assert [r.attrs["data-vacancy-id"] for r in rows] == ["v1", "v2", 'v3 "/<x>']
    assert len(sections) == 3
    assert [len(s.all("svg", "salary-chart")) for s in sections] == [1, 1, 1]
    # each role links to its section, by a sanitized id
    hrefs = [r.all("a")[0].attrs["href"] for r in rows]
    assert hrefs == [f"#{s.attrs['id']}" for s in sections]
    assert hrefs[2] == "#v-v3-x-"
    assert doc.tags() <= ALLOWED_TAGS
    only_our_script(doc)


def test_overview_numbers_and_change_since_the_previous_run() -> None:
    doc = render()
    v1, v2, _ = (r.content() for r in doc.all("tr", "vacancy-row"))
    assert "70,000–90,000 EUR" in v1
    assert "94,900–115,250" in v1
    assert "96,401" in v1  # Decimal 96,400.50 half up, no float on the way
    assert "0.72" in v1
    assert "3 / 3" in v1
    assert "p50 +4,000 (+4.3%)" in v1
    assert "compa −0.02" in v1
    assert "within → below" in v1
    assert "first run" in v2
    assert "122,000–148,000 AUD" in v2
    header = doc.all("header")[0].content()
    assert "as of 2026-11-02" in header
    assert "3 open vacancies" in header
    assert "compared with the run of 2026-10-26 09:00 UTC" in header


def test_vacancy_section_reads_the_numbers_and_lists_matches() -> None:
    doc = render()
    v1 = section(doc, "v1")
    reading = v1.all("p", "reading")[0].content()
    assert "at the 35th–80th percentile of 3 employer-posted salaries from 3 companies" in reading
    assert "1 outlier trimmed" in reading
    matches = v1.all("table", "matches")[0].all("tbody")[0].all("tr")
    assert len(matches) == 3
    # the chart shows the counted pool salaries only (the 400,000 outlier is not counted)
    bars = v1.all("svg", "salary-chart")[0].all("rect", "bar")
    assert sum(int(b.attrs["data-count"]) for b in bars) == 3
    ticks = [t.content() for t in v1.all("text", "tick-label")]
    assert ticks[-1] == "120k EUR"  # 70k (band) .. 115,250 (p75): a 10k step; no axis out to 400k
    assert len(v1.all("rect", "band")) == 1


def test_a_vacancy_without_matches_says_so() -> None:
    v2 = section(render(), "v2")
    assert v2.all("table", "matches") == []
    assert "No matches for this vacancy." in v2.content()
    assert "no salaries in the pool" in v2.all("svg", "salary-chart")[0].content()
    assert "No employer-posted salary in the benchmark pool" in v2.content()


def test_only_http_urls_become_links_and_they_do_not_leak_the_referrer() -> None:
    doc = render()
    links = [a for a in section(doc, "v1").all("a") if a.attrs.get("target") == "_blank"]
    assert [a.attrs["href"] for a in links] == ["https://jobs.example.com/1", "https://jobs.example.com/3"]
    assert all(a.attrs["rel"] == "noopener noreferrer" for a in links)
    assert "Click me" in section(doc, "v1").content()  # the javascript: posting's title, as text
    assert not any(a.attrs.get("href", "").startswith("javascript") for a in doc.all("a"))


def test_hostile_text_is_escaped_everywhere() -> None:
    markup = render_report(frames(), as_of=AS_OF, generated_at=GENERATED)
    assert SCRIPT not in markup
    assert "<img" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    doc = parse(markup)
    assert doc.tags() <= ALLOWED_TAGS
    only_our_script(doc)
    text = doc.content()
    assert text.count(SCRIPT) >= 4  # role (overview, section, chart title), job title, exclusion reason
    assert IMG in text


def test_exclusions_per_vacancy_and_in_their_own_table() -> None:
    doc = render()
    excluded = doc.all("section", "excluded")[0]
    rows = excluded.all("tbody")[0].all("tr")
    assert len(rows) == 2
    assert "yes (score 81.5)" in rows[0].content()
    assert rows[0].all("a")[0].attrs["href"] == f"#{section(doc, 'v1').attrs['id']}"  # the vacancy's section
    assert "gone" in rows[1].content()
    assert "no" in rows[1].content()
    assert len(section(doc, "v1").all("table", "exclusions")) == 1
    assert section(doc, "v2").all("table", "exclusions") == []


def test_no_exclusions_says_so() -> None:
    excluded = render(with_exclusions=False).all("section", "excluded")[0]
    assert excluded.all("table") == []
    assert "No exclusions." in excluded.content()


def test_older_outputs_without_the_optional_frames_and_columns() -> None:
    full = frames()
    older = {
        "vacancy_benchmarks": full["vacancy_benchmarks"].drop(
            "previous_run_at", "p50_previous", "compa_ratio_previous", "verdict_previous", "n_excluded"
        ),
        "vacancy_matches": full["vacancy_matches"],
        "competitor_hiring": full["competitor_hiring"],
    }
    doc = parse(render_report(older, as_of=AS_OF, generated_at=GENERATED))
    assert len(doc.all("tr", "vacancy-row")) == 3
    assert all("first run" in r.content() for r in doc.all("tr", "vacancy-row"))
    # without benchmark_pool, the chart falls back to the employer-posted pool matches (ranks 1 and 2)
    bars = section(doc, "v1").all("rect", "bar")
    assert sum(int(b.attrs["data-count"]) for b in bars) == 2
    assert "No exclusions." in doc.all("section", "excluded")[0].content()


def test_market_hiring_table() -> None:
    market = render().all("section", "market")[0]
    rows = market.all("tbody")[0].all("tr")
    assert [r.all("td")[0].content() for r in rows] == ["Atlas Freight", "Nova Genomics"]
    # the seniority mix, a list of (level, n) in Parquet, read as text
    assert [r.all("td")[4].content() for r in rows] == ["senior 2, mid 1"] * 2


def test_the_page_is_self_contained_with_a_strict_policy() -> None:
    markup = render_report(frames(), as_of=AS_OF, generated_at=GENERATED)
    (policy,) = [
        m for m in parse(markup).all("meta") if m.attrs.get("http-equiv") == "Content-Security-Policy"
    ]
    # the one script runs because the policy names its sha256, computed from the text in the page
    (script,) = parse(markup).all("script")
    digest = base64.b64encode(hashlib.sha256(script.content().encode()).digest()).decode()
    assert policy.attrs["content"] == (
        f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; img-src data:; "
        "base-uri 'none'; form-action 'none'; require-trusted-types-for 'script'; trusted-types 'none'"
    )
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", markup.replace('href="https://jobs', ""))
    assert "@import" not in markup
    assert "url(" not in markup


def test_write_html_report_is_atomic(tmp_path: Path) -> None:
    path = write_html_report(frames(), tmp_path / "reports", as_of=AS_OF, generated_at=GENERATED)
    assert path == tmp_path / "reports" / "report.html"
    assert path.read_text(encoding="utf-8") == render_report(frames(), as_of=AS_OF, generated_at=GENERATED)
    assert not list(path.parent.glob("*.tmp"))


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40), st.text(max_size=40))
def test_arbitrary_titles_and_companies_never_inject_markup(title: str, company: str) -> None:
    doc = render(job_title=title or "x", company=company)
    assert doc.tags() <= ALLOWED_TAGS
    only_our_script(doc)
    cells = section(doc, "v1").all("table", "matches")[0].all("tbody")[0].all("tr")[0].all("td")
    assert cells[7].content() == company
    assert cells[8].content() == (title or "x")


# --- the chart -------------------------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


def bars(svg: str) -> list[int]:
    root = ET.fromstring(svg)  # well-formed XML: a notebook can show it on its own
    return [int(r.attrib["data-count"]) for r in root.iter(f"{SVG}rect") if r.attrib.get("class") == "bar"]


def test_histogram_bins_the_salaries() -> None:
    # 100k..152k spans 52k: a 20k tick step, axis 100k-160k, bins of 10k: [100k, 110k) holds 2, [150k, 160k) 3
    salaries = [D("100000"), D("101000"), D("150000"), D("151000"), D("152000")]
    chart = salary_chart(salaries, band_min=120_000, band_max=130_000, p50=D("150000"), currency="EUR")
    assert bars(chart.svg) == [2, 3]
    root = ET.fromstring(chart.svg)
    assert root.attrib["class"] == "salary-chart"
    assert root.attrib["role"] == "img"
    assert "5 salaries, band 120k–130k EUR, market p50 150k EUR" in root.attrib["aria-label"]
    labels = [t.text for t in root.iter(f"{SVG}text") if t.attrib.get("class") == "tick-label"]
    assert labels == ["100k EUR", "120k EUR", "140k EUR", "160k EUR"]
    (band,) = [r for r in root.iter(f"{SVG}rect") if r.attrib.get("class") == "band"]
    assert float(band.attrib["width"]) > 0
    assert any(t.text == "your band 120k–130k EUR" for t in root.iter(f"{SVG}text"))
    assert {line.attrib["class"] for line in root.iter(f"{SVG}line")} >= {"percentile p50", "axis"}


def test_no_salaries_gives_an_empty_chart() -> None:
    chart = salary_chart([], band_min=70_000, band_max=90_000, currency="EUR", title="Data")
    assert bars(chart.svg) == []
    assert "no salaries in the pool" in chart.svg
    assert 'class="band"' in chart.svg


def test_one_salary_and_a_band_far_from_the_market() -> None:
    one = salary_chart([D("50000")], band_min=None, band_max=None, currency="GBP")
    assert bars(one.svg) == [1]
    assert 'class="band"' not in one.svg
    far = salary_chart([D("50000"), D("52000")], band_min=200_000, band_max=250_000, currency="GBP")
    root = ET.fromstring(far.svg)
    labels = [t.text for t in root.iter(f"{SVG}text") if t.attrib.get("class") == "tick-label"]
    # 50k..250k spans 200k: a 50k tick step; the axis widens to include the band
    assert labels == ["50k GBP", "100k GBP", "150k GBP", "200k GBP", "250k GBP"]
    (band,) = [r for r in root.iter(f"{SVG}rect") if r.attrib.get("class") == "band"]
    assert float(band.attrib["x"]) + float(band.attrib["width"]) <= float(root.attrib["width"])


def test_chart_text_is_escaped_and_the_output_deterministic() -> None:
    make = lambda: salary_chart([1, 2], band_min=1, band_max=2, currency="<b>", title=SCRIPT)  # noqa: E731
    chart = make()
    assert chart.svg == make().svg
    assert str(chart) == chart._repr_svg_() == chart.svg
    assert "<script" not in chart.svg
    assert "<b>" not in chart.svg
    assert ET.fromstring(chart.svg).find(f"{SVG}text").text == SCRIPT  # type: ignore[union-attr]


def test_thousands() -> None:
    assert thousands(D("196400.25")) == "196k"
    assert thousands(12_500) == "12.5k"
    assert thousands(D("2600000")) == "2,600k"
    assert thousands(0) == "0k"


def test_the_as_of_defaults_to_the_benchmarks_own() -> None:
    dated = frames()
    dated["vacancy_benchmarks"] = dated["vacancy_benchmarks"].with_columns(
        pl.lit(date(2026, 3, 2)).alias("as_of")
    )
    assert "as of 2026-03-02" in render_report(dated, generated_at=GENERATED)


def test_an_unchanged_vacancy_says_no_change() -> None:
    same = frames()
    same["vacancy_benchmarks"] = same["vacancy_benchmarks"].with_columns(
        pl.lit(datetime(2026, 10, 26, 9, 0, tzinfo=UTC)).alias("previous_run_at"),
        pl.col("p50").alias("p50_previous"),
        pl.col("compa_ratio").alias("compa_ratio_previous"),
        pl.col("verdict").alias("verdict_previous"),
    )
    rows = [r.content() for r in parse(render_report(same, generated_at=GENERATED)).all("tr", "vacancy-row")]
    assert all("no change" in row for row in rows)


def test_the_busiest_companies_are_shown_and_the_rest_counted() -> None:
    from matcher.report import html

    base = frames()
    hiring = base["competitor_hiring"]
    many = pl.DataFrame(
        {
            "scope": ["vacancy"] * 23 + ["market"] * 103,
            "vacancy_id": ["v1"] * 23 + [None] * 103,
            "company": [f"Firm {i:03d}" for i in range(23)] + [f"Co {i:03d}" for i in range(103)],
            "postings_30d": [1] * 126,
            "postings_90d": list(range(100, 77, -1)) + list(range(500, 397, -1)),
        }
    ).with_columns(
        trend=pl.lit("rising"),
        seniority_mix=pl.lit([{"level": "senior", "n": 1}]),
        vacancies_matched=pl.lit(1),
    )
    base["competitor_hiring"] = many.select(hiring.columns).cast(dict(hiring.schema))
    doc = parse(render_report(base, as_of=AS_OF, generated_at=GENERATED))
    vacancy = section(doc, "v1")
    shown = [r.all("td")[0].content() for r in vacancy.all("table", "hiring")[0].all("tbody")[0].all("tr")]
    assert shown == [f"Firm {i:03d}" for i in range(html.HIRING_SHOWN)]  # the busiest, in order
    assert "and 3 more companies" in vacancy.content()
    market = doc.all("section", "market")[0]
    assert len(market.all("tbody")[0].all("tr")) == html.MARKET_SHOWN
    assert "and 3 more companies" in market.content()
    assert "more companies" not in section(doc, "v2").content()
