"""The benchmark stage on tiny inline tables: every number worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from matcher.benchmark.stage import BenchmarkOptions, benchmark_frames
from matcher.common.config import load_config
from matcher.common.errors import ConfigError
from matcher.normalize.currency import rate

AS_OF = date(2026, 6, 1)
VACANCIES = pl.DataFrame(
    [
        {
            "scenario_id": "",
            "vacancy_id": "v1",
            "is_open": True,
            "role": "Senior Backend Engineer",
            "seniority": "senior",
            "occupation_code": "15-1252",
            "location_name": "Austin, TX",
            "title_core": "backend engineer",
            "city": "Austin",
            "country_code": "US",
            "currency": "USD",
            "annual_min": D("100000"),
            "annual_max": D("120000"),
        },
    ],
    schema_overrides={"annual_min": pl.Decimal(26, 6), "annual_max": pl.Decimal(26, 6)},
)


def posting(pid: str, company: str, low: int | None, high: int | None, **fields: Any) -> dict[str, Any]:
    row = {
        "posting_id": pid,
        "job_title": "Backend Engineer",
        "title_core": "backend engineer",
        "seniority": "senior",
        "url": f"https://jobs.example/{pid}",
        "date_posted": date(2026, 5, 20),
        "country_code": "US",
        "city": "Austin",
        "is_remote": False,
        "annual_min": None if low is None else D(low),
        "annual_max": None if high is None else D(high),
        "currency": "USD",
        "is_estimate": False,
        "salary_status": "ok" if low else "missing",
        "salary_string": None,
        "company": company,
    }
    row.update(fields)
    return row


def frames(
    postings: list[dict[str, Any]],
    exclusions: pl.DataFrame | None = None,
    vacancies: pl.DataFrame = VACANCIES,
    left_out: pl.DataFrame | None = None,
    **options: Any,
) -> dict[str, pl.DataFrame]:
    clean = pl.DataFrame(
        postings, schema_overrides={"annual_min": pl.Decimal(26, 6), "annual_max": pl.Decimal(26, 6)}
    )
    matches = pl.DataFrame(
        [
            {
                "scenario_id": "",
                "vacancy_id": "v1",
                "rank": i + 1,
                "posting_id": p["posting_id"],
                "score": 90.0 - i * 0.1,
                "title": 100.0,
                "seniority": 100.0,
                "geography": 100.0 if p["country_code"] == "US" else 0.0,
                "recency": 90.0,
                "skills": None,
                "age_days": 12,
                "skills_shared": 0,
            }
            for i, p in enumerate(postings)
        ],
        schema_overrides={"skills": pl.Float64},
    )
    return benchmark_frames(
        vacancies,
        clean,
        matches,
        BenchmarkOptions(as_of=AS_OF, **options),
        exclusions=exclusions,
        left_out=left_out,
    )


def test_the_benchmark_by_hand() -> None:
    postings = [
        # midpoints 100k, 110k, 120k, 130k, 140k from five companies
        posting("a1", "A", 95_000, 105_000),
        posting("b1", "B", 105_000, 115_000),
        posting("c1", "C", 115_000, 125_000),
        posting("d1", "D", 125_000, 135_000),
        posting("e1", "E", 135_000, 145_000),
        posting("a2", "a", 95_000, 105_000),  # a repost of a1 (same company, title, place, pay): counts once
        posting("g1", "G", 60_000, 80_000, is_estimate=True),  # an estimate: its own columns only
        posting("h1", "H", None, None),  # no salary: matched, not in the percentiles
        posting("i1", "I", 80_000, 90_000, country_code="DE", city="Berlin"),  # abroad: not this market
    ]
    bench = frames(postings)["vacancy_benchmarks"].row(0, named=True)
    # employer-posted midpoints in thousands: 100, 110, 120, 130, 140; five salaries: too few to trim
    assert bench["n_outliers_trimmed"] == 0
    # p50 of 100..140 = 120k; p25 = 110k; p75 = 130k; p10 = 104k (rank 0.4); p90 = 136k (rank 3.6)
    assert (bench["p10"], bench["p25"], bench["p50"], bench["p75"], bench["p90"]) == (
        D("104000.00"),
        D("110000.00"),
        D("120000.00"),
        D("130000.00"),
        D("136000.00"),
    )
    assert bench["n_postings"] == 5 and bench["n_companies"] == 5
    assert bench["n_reposts_collapsed"] == 1
    assert bench["compa_ratio"] == D("0.917")  # band midpoint 110k / 120k = 0.9166...
    assert (
        bench["band_min_percentile"] == 20.0 and bench["band_max_percentile"] == 60.0
    )  # 100k: 1 of 5; 120k: 3
    assert bench["confidence"] == "low"  # 5 postings (< 15)
    assert bench["percentiles_indicative"] is False  # low, not none: a market figure, if a rough one
    assert bench["verdict"] == "insufficient data"  # low confidence gives no verdict
    assert (bench["n_estimated"], bench["p50_estimated"]) == (1, D("70000.00"))
    assert bench["n_matched"] == 7  # the repost and the foreign posting are out; the others count


def test_each_company_counts_at_most_cap_times() -> None:
    many = [posting(f"x{i}", "X", 200_000 + i * 1000, 200_000 + i * 1000) for i in range(6)]
    others = [posting(f"{c}1", c, 100_000, 100_000) for c in "ABCD"]
    bench = frames(many + others, company_cap=2)["vacancy_benchmarks"].row(0, named=True)
    # X keeps its two best-scoring postings (x0, x1); A-D one each: 100k x 4, 200k, 201k -> median 100k
    assert bench["n_postings"] == 6 and bench["n_capped"] == 4 and bench["p50"] == D("100000.00")


def test_foreign_salaries_are_converted_as_of_each_posting_date() -> None:
    postings = [posting(f"{c}1", c, 100_000, 100_000, currency="EUR") for c in "ABCDE"]
    bench = frames(postings)["vacancy_benchmarks"].row(0, named=True)
    factor, _ = rate("EUR", "USD", on=date(2026, 5, 20))
    assert bench["p50"] == (D(100_000) * factor).quantize(D("0.01"))


def test_verdicts_need_medium_confidence() -> None:
    postings = [posting(f"c{i}", f"C{i}", 140_000 + i * 100, 140_000 + i * 100) for i in range(20)]
    bench = frames(postings)["vacancy_benchmarks"].row(0, named=True)
    # 20 postings, 20 companies: medium; the band max 120k < p25 (~140.5k): below the market
    assert (bench["confidence"], bench["verdict"]) == ("medium", "below")


def test_hiring_intent_windows_and_trend() -> None:
    dates = [date(2026, 5, 25), date(2026, 5, 20), date(2026, 4, 1), date(2026, 2, 1)]
    postings = [posting(f"a{i}", "A", 100_000 + i, 100_000 + i, date_posted=d) for i, d in enumerate(dates)]
    hiring = frames(postings, company_cap=10)["competitor_hiring"]
    row = hiring.filter((pl.col("scope") == "vacancy") & (pl.col("company") == "A")).row(0, named=True)
    # within 30 days of June 1: May 25 and May 20; within 90: also April 1 (Feb 1 is older)
    assert (row["postings_30d"], row["postings_90d"]) == (2, 3)
    assert row["trend"] == "rising"  # 2 in the last 30 days against 1 in the 60 before (0.5 per 30 days)
    assert row["seniority_mix"] == [{"level": "senior", "n": 3}]
    market = hiring.filter(pl.col("scope") == "market").row(0, named=True)
    assert (market["company"], market["postings_90d"], market["vacancies_matched"]) == ("A", 3, 1)


def test_no_outlier_trim_in_a_small_pool() -> None:
    # the case: five salaries from five companies, the two highest of the same title
    mids = {"a1": 100_000, "b1": 101_000, "c1": 102_000, "d1": 130_000, "e1": 160_000}
    postings = [posting(pid, pid[0].upper(), mid, mid) for pid, mid in mids.items()]
    result = frames(postings)
    bench = result["vacancy_benchmarks"].row(0, named=True)
    # the MAD rule would drop 130k and 160k (median 102k, MAD 2k, limit 10.4k); below 10 salaries it is off
    assert (bench["n_outliers_trimmed"], bench["n_postings"]) == (0, 5)
    # p10 rank 0.4 -> 100.4k; p25 rank 1 -> 101k; p50 102k; p75 130k; p90 rank 3.6 -> 130k + 0.6 x 30k = 148k
    assert (bench["p10"], bench["p25"], bench["p50"], bench["p75"], bench["p90"]) == (
        D("100400.00"),
        D("101000.00"),
        D("102000.00"),
        D("130000.00"),
        D("148000.00"),
    )
    assert result["benchmark_pool"]["counted"].all()


def test_outliers_are_trimmed_from_ten_salaries() -> None:
    # nine salaries 100k, 105k, ... 140k and one of 1,000k: ten, so the MAD rule applies
    postings = [
        posting(f"{c}1", c.upper(), 100_000 + i * 5_000, 100_000 + i * 5_000)
        for i, c in enumerate("abcdefghi")
    ]
    postings.append(posting("z1", "Z", 1_000_000, 1_000_000))
    bench = frames(postings)["vacancy_benchmarks"].row(0, named=True)
    # median 122.5k; deviations 22.5 17.5 12.5 7.5 2.5 2.5 7.5 12.5 17.5 877.5 (k) -> MAD 12.5k;
    # limit 3.5 x 1.4826 x 12.5k = 64.9k: 1,000k goes, p50 of the nine left is 120k
    assert (bench["n_outliers_trimmed"], bench["n_postings"], bench["p50"]) == (1, 9, D("120000.00"))
    # nine salaries (the 140k one gone): below ten, the 1,000k one stays: p50 of 100..135k and 1,000k = 120k
    # at rank 4 of 0..8 -> 120k
    bench = frames(postings[:8] + postings[9:])["vacancy_benchmarks"].row(0, named=True)
    assert (bench["n_outliers_trimmed"], bench["n_postings"], bench["p50"]) == (0, 9, D("120000.00"))
    assert bench["p90"] == D("308000.00")  # rank 7.2: 135k + 0.2 x (1,000k - 135k) = 308k


def test_percentiles_of_a_none_confidence_pool_are_marked_indicative() -> None:
    # four salaries (100k, 110k, 120k, 130k) from four companies: fewer than 5, confidence none
    four = [
        posting(f"{c}1", c.upper(), 100_000 + i * 10_000, 100_000 + i * 10_000) for i, c in enumerate("abcd")
    ]
    bench = frames(four)["vacancy_benchmarks"].row(0, named=True)
    assert (bench["confidence"], bench["p50"]) == ("none", D("115000.00"))  # rank 1.5: 110k + 0.5 x 10k
    assert bench["percentiles_indicative"] is True
    # five salaries from two companies (three of A, two of B): under 3 companies, also none
    two = [posting(f"a{i}", "A", 100_000 + i, 100_000 + i) for i in range(3)]
    two += [posting(f"b{i}", "B", 200_000 + i, 200_000 + i) for i in range(2)]
    bench = frames(two)["vacancy_benchmarks"].row(0, named=True)
    assert (bench["confidence"], bench["n_postings"], bench["percentiles_indicative"]) == ("none", 5, True)
    # no salary at all: no percentiles, nothing to mark
    bench = frames([posting("h1", "H", None, None)])["vacancy_benchmarks"].row(0, named=True)
    assert (bench["p50"], bench["percentiles_indicative"]) == (None, False)


def test_postings_after_as_of_are_in_no_pool_and_no_hiring_window() -> None:
    seen = datetime(2026, 5, 20, 9, tzinfo=UTC)
    postings = [
        # midpoints 100k .. 140k from A..E, published May 20, discovered the same day
        *(posting(f"{c}1", c.upper(), 100_000 + i * 10_000, 100_000 + i * 10_000, discovered_at=seen)
          for i, c in enumerate("abcde")),
        posting("f1", "F", 150_000, 150_000, date_posted=date(2026, 5, 25), discovered_at=seen),
        # published the day after June 1: not yet in the market of June 1
        posting("f2", "F", 160_000, 160_000, date_posted=date(2026, 6, 2), discovered_at=seen),
        # published May 30 but discovered June 3 (UTC): not known on June 1 either
        posting("f3", "F", 170_000, 170_000, date_posted=date(2026, 5, 30),
                discovered_at=datetime(2026, 6, 3, 8, tzinfo=UTC)),
    ]  # fmt: skip
    result = frames(postings)
    bench = result["vacancy_benchmarks"].row(0, named=True)
    # 100k .. 150k (six): p50 at rank 2.5 = 125k; with f2 and f3 it would be 135k of eight
    assert (bench["n_matched"], bench["n_postings"], bench["p50"]) == (6, 6, D("125000.00"))
    assert set(result["benchmark_pool"]["posting_id"]) == {"a1", "b1", "c1", "d1", "e1", "f1"}
    assert not {"f2", "f3"} & set(result["vacancy_matches"]["posting_id"])
    hiring = result["competitor_hiring"]
    f = hiring.filter((pl.col("scope") == "vacancy") & (pl.col("company") == "F")).row(0, named=True)
    assert (f["postings_30d"], f["postings_90d"]) == (1, 1)  # f1 only (f3 would make it 2)


def _levels() -> list[dict[str, Any]]:
    """For the senior vacancy: five senior salaries 100k..140k (A-E), two mid ones of 80k (F, G), a staff one
    of 200k (H), a junior one of 60k (I: two levels below senior) and one naming no level of 90k (J)."""
    return [
        *(posting(f"{c}1", c.upper(), 100_000 + i * 10_000, 100_000 + i * 10_000)
          for i, c in enumerate("abcde")),
        posting("f1", "F", 80_000, 80_000, seniority="mid"),
        posting("g1", "G", 80_000, 80_000, seniority="mid"),
        posting("h1", "H", 200_000, 200_000, seniority="staff"),
        posting("i1", "I", 60_000, 60_000, seniority="junior"),
        posting("j1", "J", 90_000, 90_000, seniority=None),
    ]  # fmt: skip


def test_only_postings_at_the_vacancys_level_are_in_the_percentiles_by_default() -> None:
    result = frames(_levels())
    bench = result["vacancy_benchmarks"].row(0, named=True)
    # the five senior salaries only: p50 120k (with the other levels it would be 95k of ten)
    assert (bench["n_postings"], bench["n_matched"], bench["p50"]) == (5, 5, D("120000.00"))
    # F, G (mid), H (staff), I (junior) and J (no level: read as mid, not senior) are left out for level
    assert (bench["n_other_level"], bench["n_unknown_level"], bench["level_policy"]) == (5, 0, "exact")
    pool = {r["posting_id"]: r for r in result["benchmark_pool"].iter_rows(named=True)}
    assert {pid for pid, r in pool.items() if r["counted"]} == {"a1", "b1", "c1", "d1", "e1"}
    assert {pid: (r["reason"], r["level_fit"]) for pid, r in pool.items() if not r["counted"]} == {
        "f1": ("other_level", "adjacent"),
        "g1": ("other_level", "adjacent"),
        "h1": ("other_level", "adjacent"),
        "i1": ("other_level", "other"),
        "j1": ("other_level", "unknown"),
    }
    assert pool["a1"]["reason"] == "counted" and pool["a1"]["level_fit"] == "same"
    # matches stay as they were: every posting is listed, the other levels outside the benchmark pool
    matches = result["vacancy_matches"]
    assert matches.height == 10
    assert set(matches.filter(pl.col("in_benchmark_pool"))["posting_id"]) == {"a1", "b1", "c1", "d1", "e1"}


def test_the_level_policy_relaxes_the_pool() -> None:
    adjacent = frames(_levels(), level_policy="adjacent")["vacancy_benchmarks"].row(0, named=True)
    # mid (80k x 2), staff (200k) and the unknown one (read as mid, one below senior: 90k) join the five;
    # 80 80 90 100 110 120 130 140 200 -> p50 110k; only the junior one (two levels below) is left out
    assert (adjacent["n_postings"], adjacent["p50"], adjacent["n_other_level"]) == (9, D("110000.00"), 1)
    assert adjacent["n_unknown_level"] == 1
    every = frames(_levels(), level_policy="any")["vacancy_benchmarks"].row(0, named=True)
    # all ten: 60 80 80 90 100 110 120 130 140 200 -> p50 at rank 4.5 = 105k
    assert (every["n_postings"], every["p50"], every["n_other_level"]) == (10, D("105000.00"), 0)


def test_a_posting_of_unknown_level_counts_for_a_mid_vacancy_and_is_counted_apart() -> None:
    mid = VACANCIES.with_columns(pl.lit("mid").alias("seniority"), pl.lit("Backend Engineer").alias("role"))
    postings = [posting(f"{c}1", c.upper(), 100_000 + i * 10_000, 100_000 + i * 10_000, seniority="mid")
                for i, c in enumerate("abcd")]  # fmt: skip
    postings += [
        posting("j1", "J", 90_000, 90_000, seniority=None),  # no level: read as mid, counted
        posting("s1", "S", 200_000, 200_000),  # senior: left out
    ]
    result = frames(postings, vacancies=mid)
    bench = result["vacancy_benchmarks"].row(0, named=True)
    # 90 100 110 120 130 -> p50 110k
    assert (bench["n_postings"], bench["p50"], bench["n_unknown_level"], bench["n_other_level"]) == (
        5,
        D("110000.00"),
        1,
        1,
    )
    pool = {r["posting_id"]: r for r in result["benchmark_pool"].iter_rows(named=True)}
    assert (pool["j1"]["counted"], pool["j1"]["level_fit"], pool["j1"]["posting_seniority"]) == (
        True,
        "unknown",
        None,
    )
    assert pool["s1"]["reason"] == "other_level"


def test_the_company_cap_counts_postings_at_the_vacancys_level() -> None:
    # X's two mid postings score best, its senior one third: with a cap of 1 the senior one still counts
    postings = [
        posting("x1", "X", 80_000, 80_000, seniority="mid"),
        posting("x2", "X", 81_000, 81_000, seniority="mid", title_core="backend developer"),
        posting("x3", "X", 150_000, 150_000),
        *(posting(f"{c}1", c.upper(), 100_000, 100_000) for c in "abcd"),
    ]
    bench = frames(postings, company_cap=1)["vacancy_benchmarks"].row(0, named=True)
    # 100k x 4 and 150k: p50 100k, five salaries from five companies, nothing capped
    assert (bench["n_postings"], bench["n_companies"], bench["n_capped"]) == (5, 5, 0)
    assert bench["n_other_level"] == 2


def test_pool_reasons_say_why_a_posting_did_not_count() -> None:
    postings = [posting(f"{c}1", c.upper(), 100_000, 100_000) for c in "abcde"]
    postings += [
        posting("g1", "G", 60_000, 80_000, is_estimate=True),
        posting("h1", "H", None, None),
    ]
    pool = frames(postings)["benchmark_pool"]
    reasons = dict(zip(pool["posting_id"], pool["reason"], strict=True))
    assert (reasons["a1"], reasons["g1"], reasons["h1"]) == ("counted", "estimate", "no_salary")


def test_an_unknown_level_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="level_policy"):
        frames(_levels(), level_policy="nearby")


def test_the_level_policy_setting(tmp_path: Path) -> None:
    path = tmp_path / "matcher.toml"
    path.write_text('[benchmark]\nlevel_policy = "adjacent"\n', encoding="utf-8")
    assert load_config(path, env={}).level_policy == "adjacent"
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    assert load_config(tmp_path / "empty.toml", env={}).level_policy == "exact"
    path.write_text('[benchmark]\nlevel_policy = "near"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="level_policy"):
        load_config(path, env={})


def test_n_other_level_adds_what_the_match_stage_left_out_for_level() -> None:
    left_out = pl.DataFrame(
        {"scenario_id": [""], "vacancy_id": ["v1"], "reason": ["another level"], "n": [7]}
    )
    plain = frames(_levels())["vacancy_benchmarks"].row(0, named=True)
    both = frames(_levels(), left_out=left_out)["vacancy_benchmarks"].row(0, named=True)
    assert both["n_other_level"] == plain["n_other_level"] + 7 == 12
    assert (both["n_postings"], both["p50"]) == (plain["n_postings"], plain["p50"])  # the pool is the same


def test_match_components_are_structs_with_their_share_of_the_score() -> None:
    """Skills not judged (the vacancy lists none): it leaves the list and the other weights are rescaled
    (0.45, 0.20, 0.20, 0.05 over 0.90); custom match weights are the ones used."""
    from matcher.benchmark.stage import _components
    from matcher.match.stage import MatchOptions

    matches = frames([posting("a1", "A", 100_000, 120_000)])["vacancy_matches"]
    (components,) = matches["components"].to_list()
    assert components == [
        {"component": "title", "score": 100.0, "weight": 0.5},
        {"component": "seniority", "score": 100.0, "weight": 0.2222},
        {"component": "geography", "score": 100.0, "weight": 0.2222},
        {"component": "recency", "score": 90.0, "weight": 0.0556},
    ]
    weights = {"title": 0.5, "seniority": 0.0, "geography": 0.25, "recency": 0.25, "skills": 0.0}
    scores = matches.select("title", "seniority", "geography", "recency", "skills")
    custom = scores.select(_components(MatchOptions(weights=weights)))
    assert [(c["component"], c["weight"]) for c in custom.item()] == [
        ("title", 0.5),
        ("geography", 0.25),
        ("recency", 0.25),
    ]


def test_a_pool_of_more_than_16384_matches_is_benchmarked() -> None:
    # Polars refuses a scalar predicate such as ``lit(True).fill_null(False)`` on a frame this large: the
    # peer filter with no peers configured was one, and a market of 1M postings could not be benchmarked
    n = 20_000
    postings = [
        posting(f"p{i}", f"C{i}", 100_000 + (i % 53) * 1_000, 110_000 + (i % 53) * 1_000) for i in range(n)
    ]
    clean = pl.DataFrame(
        postings, schema_overrides={"annual_min": pl.Decimal(26, 6), "annual_max": pl.Decimal(26, 6)}
    )
    matches = clean.select(
        pl.lit("").alias("scenario_id"),
        pl.lit("v1").alias("vacancy_id"),
        pl.int_range(1, n + 1).alias("rank"),
        "posting_id",
        pl.lit(90.0).alias("score"),
        *(pl.lit(100.0).alias(c) for c in ("title", "seniority", "geography")),
        pl.lit(90.0).alias("recency"),
        pl.lit(None, dtype=pl.Float64).alias("skills"),
        pl.lit(12).alias("age_days"),
        pl.lit(0, dtype=pl.UInt32).alias("skills_shared"),
    )
    bench = benchmark_frames(VACANCIES, clean, matches, BenchmarkOptions(as_of=AS_OF))
    row = bench["vacancy_benchmarks"].row(0, named=True)
    assert row["n_matched"] == n
    assert row["n_companies"] == n
    assert D("100000") < row["p50"] < D("160000")


def test_the_market_row_counts_every_vacancy_a_companys_postings_match() -> None:
    # one posting of company A matches two open vacancies: the market row counts the posting once and both
    # vacancies (it counted the vacancy of one arbitrary row per posting: 1)
    second = VACANCIES.with_columns(pl.lit("v2").alias("vacancy_id"))
    vacancies = pl.concat([VACANCIES, second])
    clean = pl.DataFrame(
        [posting("a1", "A", 100_000, 110_000), posting("b1", "B", 90_000, 95_000)],
        schema_overrides={"annual_min": pl.Decimal(26, 6), "annual_max": pl.Decimal(26, 6)},
    )
    matches = pl.DataFrame(
        [
            {"scenario_id": "", "vacancy_id": v, "rank": r, "posting_id": p, "score": 90.0 - r}
            | dict.fromkeys(("title", "seniority", "geography"), 100.0)
            | {"recency": 90.0, "skills": None, "age_days": 12, "skills_shared": 0}
            for v, p, r in (("v1", "a1", 1), ("v2", "a1", 1), ("v1", "b1", 2))
        ],
        schema_overrides={"skills": pl.Float64, "skills_shared": pl.UInt32},
    )
    hiring = benchmark_frames(vacancies, clean, matches, BenchmarkOptions(as_of=AS_OF))["competitor_hiring"]
    market = {r["company"]: r for r in hiring.filter(pl.col("scope") == "market").iter_rows(named=True)}
    assert (market["A"]["postings_90d"], market["A"]["vacancies_matched"]) == (1, 2)
    assert (market["B"]["postings_90d"], market["B"]["vacancies_matched"]) == (1, 1)
    per_vacancy = hiring.filter((pl.col("scope") == "vacancy") & (pl.col("company") == "A"))
    assert sorted(per_vacancy["vacancy_id"].to_list()) == ["v1", "v2"]
