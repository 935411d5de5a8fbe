"""The benchmark stage's per-vacancy figures and hiring windows, worked out by Polars, against the plain
Python of ``matcher.benchmark.stats`` on the same rows (the stage's old per-row loops)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.benchmark import stage
from matcher.benchmark.stats import (
    PERCENTILES,
    interpolate,
    percentile,
    percentile_rank,
    percentile_ranks,
    trim_outliers,
)

AS_OF = date(2026, 6, 1)
cents = st.integers(min_value=1, max_value=40_000_000)  # up to 400,000.00
# a pool: a few salaries clustered around one value, and some far off (outliers beyond 10 salaries)
mids = st.one_of(
    st.builds(lambda c: Decimal(c).scaleb(-2), cents),
    st.builds(
        lambda c: Decimal(10_000_000 + c).scaleb(-2), st.integers(min_value=-300_000, max_value=300_000)
    ),
    st.just(Decimal("100000.00")),
)
row = st.fixed_dictionaries(
    {
        "vacancy_id": st.sampled_from(["v1", "v2", "v3"]),
        "company": st.sampled_from(["Acme", "ACME", "acme", "Beta", None, "", "Straße", "STRASSE"]),
        "salary_status": st.sampled_from(["ok", "ok", "ok", "missing", None]),
        "is_estimate": st.sampled_from([False, False, True, None]),
        "_mid": st.one_of(mids, mids, st.none()),
        "level_fit": st.sampled_from(["same", "unknown"]),
    }
)


def _kept(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"scenario_id": "s", "posting_id": f"p{i}", **r} for i, r in enumerate(rows)],
        schema={
            "scenario_id": pl.String,
            "posting_id": pl.String,
            "vacancy_id": pl.String,
            "company": pl.String,
            "salary_status": pl.String,
            "is_estimate": pl.Boolean,
            "_mid": stage.MONEY,
            "level_fit": pl.String,
        },
    )


def _reference(rows: list[dict[str, Any]], band: tuple[Decimal | None, Decimal | None]) -> dict[str, Any]:
    """The figures of one vacancy as the stage's per-row loop (c5b0e12) worked them out."""
    employer = [
        r for r in rows if r["salary_status"] == "ok" and not r["is_estimate"] and r["_mid"] is not None
    ]
    estimated = [r for r in rows if r["salary_status"] == "ok" and r["is_estimate"] and r["_mid"] is not None]
    kept_mids, n_outliers = trim_outliers([r["_mid"] for r in employer])
    within = set(kept_mids)
    kept = [r for r in employer if r["_mid"] in within]
    return {
        "n_matched": len(rows),
        "n_postings": len(kept_mids),
        "n_companies": len({(r["company"] or "").lower() for r in kept}),
        "n_outliers_trimmed": n_outliers,
        "n_unknown_level": sum(1 for r in kept if r["level_fit"] == "unknown"),
        "ps": {q: percentile(kept_mids, q) for q in PERCENTILES},
        "n_estimated": len(estimated),
        "p50_estimated": percentile([r["_mid"] for r in estimated], 50),
        "ranks": tuple(None if x is None else percentile_rank(kept_mids, x) for x in band),
        "counted": {r["posting_id"] for r in kept},
    }


@settings(max_examples=150, deadline=None)
@given(
    st.lists(row, max_size=60),
    st.one_of(st.none(), st.builds(lambda c: Decimal(c).scaleb(-6), st.integers(0, 400_000_000_000))),
)
def test_pool_figures_are_those_of_the_python_statistics(
    rows: list[dict[str, Any]], edge: Decimal | None
) -> None:
    kept = _kept(rows)
    named = kept.to_dicts()
    band = (edge, Decimal("100000.005"))
    bands = {("s", v): band for v in ("v1", "v2", "v3")}
    figures, counted = stage._pool_stats(kept, bands)
    assert set(figures) == {("s", r["vacancy_id"]) for r in rows}
    for key, found in figures.items():
        expected = _reference([r for r in named if r["vacancy_id"] == key[1]], band)
        n = found["n_postings"]
        ranks = tuple(None if at is None or not n else 100.0 * at / n for at in found["at_or_below"])
        ids = set(counted.filter(pl.col("vacancy_id") == key[1])["posting_id"])
        assert {**{k: found[k] for k in expected if k in found}, "ranks": ranks, "counted": ids} == expected


def test_an_outlier_beyond_ten_salaries_is_trimmed_and_a_zero_mad_trims_nothing() -> None:
    pool = [Decimal(100_000 + 100 * i) for i in range(11)] + [Decimal(900_000)]
    flat = [Decimal(50_000)] * 8 + [Decimal(50_001), Decimal(1_000_000)]
    rows = [
        {"vacancy_id": vid, "company": f"c{i}", "salary_status": "ok", "is_estimate": False, "_mid": m}
        | {"level_fit": "same"}
        for vid, mids in (("v1", pool), ("v2", flat))
        for i, m in enumerate(mids)
    ]
    figures, counted = stage._pool_stats(_kept(rows))
    assert figures[("s", "v1")]["n_outliers_trimmed"] == 1  # 900,000 is far beyond 3.5 robust sigmas
    assert figures[("s", "v1")]["ps"][50] == Decimal("100500.00")
    assert figures[("s", "v2")]["n_outliers_trimmed"] == 0  # half the salaries equal: a MAD of zero
    assert counted.height == 12 - 1 + 10


def test_a_salary_exactly_at_the_trim_limit_is_kept() -> None:
    # median 1,000, MAD 100: the limit is 518.91 either side; 1,518.91 is on it, 481.08 a cent beyond it
    mids = ["1000", "990", "1020", "970", "1100", "900", "1100", "1200", "800", "1518.91", "481.08"]
    rows = [
        {"vacancy_id": "v1", "company": f"c{i}", "salary_status": "ok", "is_estimate": False}
        | {"_mid": Decimal(m), "level_fit": "same"}
        for i, m in enumerate(mids)
    ]
    figures, counted = stage._pool_stats(_kept(rows))
    assert figures[("s", "v1")]["n_outliers_trimmed"] == 1
    assert set(counted["posting_id"]) == {f"p{i}" for i in range(10)}  # all but 481.08


@given(st.integers(1, 500), st.sampled_from([*PERCENTILES, 33, 99.5]))
def test_percentile_ranks_bracket_the_percentile(n: int, q: float) -> None:
    values = [Decimal(i * i) for i in range(n)]  # sorted, distinct
    low, high, fraction = percentile_ranks(n, q)
    assert 0 <= low <= high <= n - 1 and high - low <= 1 and 0 <= fraction < 1
    assert interpolate(values[low], values[high], fraction) == percentile(values, q)


def test_cent_floor() -> None:
    assert stage._cent_floor(Decimal("100000.005")) == 10_000_000
    assert stage._cent_floor(Decimal("-0.001")) == -1
    assert stage._cent_floor(100_000) == 10_000_000
    assert stage._cent_floor(0.1) == 10  # a float as the exact binary value it is: 0.1000000000000000055...


@given(st.integers(0, 40), st.integers(0, 80))
def test_the_trend_expression_is_the_trend(recent: int, prior: int) -> None:
    frame = pl.DataFrame({"recent": [recent], "prior": [prior]})
    found = frame.select(stage._trend_expr(pl.col("recent"), pl.col("prior")))[0, 0]
    assert found == stage._trend(recent, prior)


def _hiring_reference(window: list[dict[str, Any]]) -> dict[tuple[str, str | None, str], dict[str, Any]]:
    """Per (scope, vacancy, company): 30/90-day counts, trend and seniority mix (c5b0e12's loop); a posting
    counts once per vacancy it matches and once in the market."""
    groups: dict[tuple[str, str | None, str], list[dict[str, Any]]] = {}
    for r in {(r["vacancy_id"], r["posting_id"]): r for r in window}.values():
        groups.setdefault(("vacancy", r["vacancy_id"], r["company"] or ""), []).append(r)
    for r in {r["posting_id"]: r for r in window}.values():
        groups.setdefault(("market", None, r["company"] or ""), []).append(r)
    out = {}
    for key, items in groups.items():
        recent = sum(1 for r in items if r["date_posted"] > AS_OF - timedelta(days=30))
        mix = Counter(r["posting_seniority"] or "unknown" for r in items)
        out[key] = {
            "postings_30d": recent,
            "postings_90d": len(items),
            "trend": stage._trend(recent, len(items) - recent),
            "seniority_mix": [
                {"level": k, "n": v} for k, v in sorted(mix.items(), key=lambda kv: (-kv[1], kv[0]))
            ],
        }
    return out


posting = st.fixed_dictionaries(
    {
        "company": st.sampled_from(["A", "B", "C", None, ""]),
        "posting_seniority": st.sampled_from(["senior", "mid", "junior", None]),
        "date_posted": st.builds(lambda d: AS_OF - timedelta(days=d), st.integers(-5, 120)),
        "vacancies": st.sets(st.sampled_from(["v1", "v2"]), min_size=1),
    }
)


@settings(max_examples=100, deadline=None)
@given(st.lists(posting, max_size=40))
def test_hiring_windows_are_those_of_the_python_loop(postings: list[dict[str, Any]]) -> None:
    rows = [
        {
            "vacancy_id": v,
            "posting_id": f"p{i}",
            **{k: p[k] for k in ("company", "posting_seniority", "date_posted")},
        }
        for i, p in enumerate(postings)
        for v in sorted(p["vacancies"])
    ]
    frame = pl.DataFrame(
        rows,
        schema={
            "vacancy_id": pl.String,
            "posting_id": pl.String,
            "company": pl.String,
            "posting_seniority": pl.String,
            "date_posted": pl.Date,
        },
    )
    hiring = stage._hiring(frame, AS_OF)
    window = [r for r in rows if AS_OF - timedelta(days=90) < r["date_posted"] <= AS_OF]
    expected = _hiring_reference(window)
    found = {(r["scope"], r["vacancy_id"], r["company"]): r for r in hiring.iter_rows(named=True)}
    assert set(found) == set(expected)
    for key, want in expected.items():
        assert {k: found[key][k] for k in want} == want
        if key[0] == "vacancy":
            assert found[key]["vacancies_matched"] == 1
        else:  # every vacancy the company's postings in the window match (docs/reports.md)
            spread = {r["vacancy_id"] for r in window if (r["company"] or "") == key[2]}
            assert found[key]["vacancies_matched"] == len(spread)
    # the report's order: vacancy rows first, each vacancy's busiest companies first
    order = [
        (r["scope"] == "market", r["vacancy_id"] or "", -r["postings_90d"], r["company"])
        for r in found.values()
    ]
    assert order == sorted(order)


dedupe_row = st.fixed_dictionaries(
    {
        "vacancy_id": st.sampled_from(["v1", "v2"]),
        "company": st.sampled_from(["Acme", "ACME", "Beta", None]),
        "title_core": st.sampled_from(["backend engineer", None]),
        "posting_city": st.sampled_from(["Austin", None]),
        "posting_country": st.sampled_from(["US", None]),
        "annual_min": st.sampled_from([Decimal(100_000), Decimal(120_000), None]),
        "annual_max": st.sampled_from([Decimal(120_000), None]),
        "score": st.sampled_from([80.0, 90.0, 95.5]),
    }
)


@settings(max_examples=150, deadline=None)
@given(st.lists(dedupe_row, max_size=30), st.integers(1, 3))
def test_reposts_and_the_cap_are_those_of_a_plain_loop(rows: list[dict[str, Any]], cap: int) -> None:
    rows = [{"scenario_id": "s", "posting_id": f"p{i:02}", **r} for i, r in enumerate(rows)]
    frame = pl.DataFrame(
        rows,
        schema={
            "scenario_id": pl.String,
            "posting_id": pl.String,
            "vacancy_id": pl.String,
            "company": pl.String,
            "title_core": pl.String,
            "posting_city": pl.String,
            "posting_country": pl.String,
            "annual_min": pl.Decimal(26, 6),
            "annual_max": pl.Decimal(26, 6),
            "score": pl.Float64,
        },
    )
    kept, counts, dropped = stage._dedupe_and_cap(frame, cap)
    seen: set[tuple[Any, ...]] = set()
    per_company: Counter[tuple[Any, ...]] = Counter()
    want_kept, want_dropped = [], set()
    reposts: Counter[str] = Counter()
    capped: Counter[str] = Counter()
    for r in sorted(rows, key=lambda r: (r["vacancy_id"], -r["score"], r["posting_id"])):
        company = None if r["company"] is None else r["company"].lower()
        place = r["posting_city"] or r["posting_country"]
        key = (r["vacancy_id"], company, r["title_core"], place, r["annual_min"], r["annual_max"])
        if key in seen:
            want_dropped.add((r["vacancy_id"], r["posting_id"], "repost"))
            reposts[r["vacancy_id"]] += 1
            continue
        seen.add(key)
        per_company[(r["vacancy_id"], company)] += 1
        if per_company[(r["vacancy_id"], company)] > cap:
            want_dropped.add((r["vacancy_id"], r["posting_id"], "over the company cap"))
            capped[r["vacancy_id"]] += 1
        else:
            want_kept.append(r["posting_id"])
    assert kept["posting_id"].to_list() == want_kept  # best-scoring first per vacancy
    assert kept.columns == frame.columns
    assert set(dropped.select("vacancy_id", "posting_id", "_drop").iter_rows()) == want_dropped
    found = {r["vacancy_id"]: (r["n_reposts_collapsed"], r["n_capped"]) for r in counts.iter_rows(named=True)}
    assert found == {v: (reposts[v], capped[v]) for v in {r["vacancy_id"] for r in rows}}
