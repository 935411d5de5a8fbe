"""Local markets and peer groups: the pool a vacancy is benchmarked against is chosen, used and named."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from matcher.benchmark.stage import BenchmarkOptions
from matcher.cli.normalize import console
from matcher.cli.pipeline import _print_benchmarks
from matcher.common.config import load_config
from matcher.common.errors import ConfigError
from tests.benchmark.test_stage import VACANCIES, frames, posting

# The vacancy: Senior Backend Engineer in Austin (TX, US), band 100k-120k.
AUSTIN = VACANCIES.with_columns(pl.lit("TX").alias("admin1"))


def _austin_and_new_york() -> list[dict[str, Any]]:
    """15 Austin postings paying 104k..118k (15 companies) and 60 New York ones paying 125k..184k (60
    companies)."""
    austin = [
        posting(f"a{i}", f"Austin Co {i}", 104_000 + i * 1000, 104_000 + i * 1000, admin1="TX")
        for i in range(15)
    ]
    new_york = [
        posting(f"n{i}", f"NY Co {i}", 125_000 + i * 1000, 125_000 + i * 1000, city="New York", admin1="NY")
        for i in range(60)
    ]
    return austin + new_york


def _bench(postings: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
    return frames(postings, vacancies=AUSTIN, **options)["vacancy_benchmarks"].row(0, named=True)


def test_a_metro_pool_large_enough_is_chosen_named_and_changes_the_verdict() -> None:
    postings = _austin_and_new_york()
    national = _bench(postings)
    # 75 salaries sorted: 15 Austin ones (104k..118k) then 60 New York ones; p25 at rank 0.25 x 74 = 18.5:
    # between the 4th and 5th New York salary, 128.5k; the band max 120k is under it: below the market
    assert national["pool"] == "national US" and national["pool_scope"] == "national"
    assert (national["n_postings"], national["p25"], national["verdict"]) == (75, D("128500.00"), "below")
    metro = _bench(postings, pool_by="metro")
    # Austin alone: 15 salaries from 15 companies, what a verdict needs: used. p25 = 104k + 3.5k = 107.5k,
    # p75 = 114.5k: the band 100k-120k straddles them: within the market
    assert metro["pool"] == "metro Austin" and metro["pool_scope"] == "metro"
    assert (metro["n_postings"], metro["p25"], metro["p75"]) == (15, D("107500.00"), D("114500.00"))
    assert metro["verdict"] == "within"
    region = _bench(postings, pool_by="region")
    assert (region["pool"], region["n_postings"], region["verdict"]) == ("region TX", 15, "within")


def test_a_local_pool_too_small_falls_back_to_the_national_one_and_says_so() -> None:
    postings = _austin_and_new_york()[9:]  # 6 Austin salaries left
    bench = _bench(postings, pool_by="metro")
    assert bench["pool_scope"] == "national" and bench["n_postings"] == 66
    assert bench["pool"] == (
        "national US (metro Austin: 6 salaries from 6 companies, a local pool needs 15 from 3)"
    )
    # the minimum is a setting: 6 salaries from 6 companies are enough at 5
    assert _bench(postings, pool_by="metro", local_min_salaries=5)["pool"] == "metro Austin"
    # a vacancy naming no city cannot have a metro pool
    no_city = frames(
        postings, vacancies=AUSTIN.with_columns(pl.lit(None, pl.String).alias("city")), pool_by="metro"
    )
    assert no_city["vacancy_benchmarks"]["pool"][0] == "national US (the vacancy names no city)"


def _big_and_small() -> list[dict[str, Any]]:
    """45 postings of companies of 20,000 staff paying 140k..184k, and 15 of companies of 201-500 staff
    paying 104k..118k (every posting its own company)."""
    big = [
        posting(f"b{i}", f"Big {i}", 140_000 + i * 1000, 140_000 + i * 1000, employee_count=20_000)
        for i in range(45)
    ]
    small = [
        posting(
            f"s{i}",
            f"Small {i}",
            104_000 + i * 1000,
            104_000 + i * 1000,
            employee_count=201 + i * 20,
            industry="Software Development",
            funding_stage="series_b",
        )
        for i in range(15)
    ]
    return big + small


def test_a_peer_group_restricts_the_pool_is_named_and_changes_the_verdict() -> None:
    postings = _big_and_small()
    everyone = _bench(postings)
    # 60 salaries: p25 at rank 14.75: 118k + 0.75 x (140k - 118k) = 134.5k > the band max 120k: below
    assert (everyone["p25"], everyone["verdict"]) == (D("134500.00"), "below")
    peers = _bench(postings, peer_sizes=("201-500",))
    # only the 15 companies of 201-500 staff (201, 221, ... 481): p25 107.5k, p75 114.5k: within
    assert peers["pool"] == "national US; peers: 201-500 employees"
    assert (peers["n_postings"], peers["p25"], peers["verdict"]) == (15, D("107500.00"), "within")
    by_industry = _bench(
        postings, peer_industries=("software development",), peer_funding_stages=("Series_B",)
    )
    assert by_industry["n_postings"] == 15
    assert by_industry["pool"] == "national US; peers: industry software development, funding Series_B"
    # a company whose size is unknown is no peer; 10001+ is open-ended
    assert _bench(postings, peer_sizes=("10001+",))["n_postings"] == 45
    unknown = [posting("u1", "U", 100_000, 100_000), *postings]
    assert _bench(unknown, peer_sizes=("201-500",))["n_postings"] == 15


def test_a_metro_pool_of_peers_is_named_with_both() -> None:
    austin = [
        posting(f"a{i}", f"A{i}", 104_000 + i * 1000, 104_000 + i * 1000, employee_count=300)
        for i in range(15)
    ]
    elsewhere = [
        posting(f"e{i}", f"E{i}", 160_000, 160_000, city="Dallas", employee_count=300) for i in range(30)
    ]
    bench = _bench(austin + elsewhere, pool_by="metro", peer_sizes=("201-500", "501-1000"))
    assert bench["pool"] == "metro Austin; peers: 201-500 or 501-1000 employees"
    assert bench["verdict"] == "within"


def test_postings_left_out_by_the_peer_group_are_counted_and_the_lever_named() -> None:
    postings = _big_and_small()[:45] + _big_and_small()[45:49]  # 4 peers only: no verdict
    bench = _bench(postings, peer_sizes=("201-500",))
    assert bench["verdict"] == "insufficient data"
    left = {item["reason"]: item["n"] for item in bench["left_out"]}
    assert left["not a peer company"] == 45
    assert "`[benchmark] peer_sizes`" in bench["suggested_change"]
    assert "enough for a verdict" in bench["suggested_change"]


def test_postings_outside_a_chosen_local_pool_are_counted_apart() -> None:
    # Austin's 15 salaries make the pool; the vacancy has no band, so no verdict: its left_out names the
    # 60 New York postings
    vacancies = AUSTIN.with_columns(pl.lit(None, pl.Decimal(26, 6)).alias("annual_max"))
    bench = frames(_austin_and_new_york(), vacancies=vacancies, pool_by="metro")["vacancy_benchmarks"]
    row = bench.row(0, named=True)
    assert row["pool"] == "metro Austin"
    assert {item["reason"]: item["n"] for item in row["left_out"]}["outside the local pool"] == 60


def test_bad_pool_options_are_refused() -> None:
    with pytest.raises(ValueError, match="pool_by: got 'city'"):
        BenchmarkOptions(pool_by="city")
    with pytest.raises(ValueError, match="peer_sizes: got '200-500'"):
        BenchmarkOptions(peer_sizes=("200-500",))


def test_the_pool_settings(tmp_path: Path) -> None:
    path = tmp_path / "matcher.toml"
    path.write_text(
        '[benchmark]\npool_by = "metro"\nlocal_min_salaries = 20\npeer_sizes = ["201-500", "10001+"]\n'
        'peer_industries = ["Fintech"]\n',
        encoding="utf-8",
    )
    config = load_config(path, env={"MATCHER_BENCHMARK__PEER_FUNDING_STAGES": '["series_b"]'})
    assert (config.pool_by, config.local_min_salaries) == ("metro", 20)
    assert config.peer_sizes == ("201-500", "10001+") and config.peer_industries == ("Fintech",)
    assert config.peer_funding_stages == ("series_b",)
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    default = load_config(tmp_path / "empty.toml", env={})
    assert (default.pool_by, default.peer_sizes, default.local_min_salaries) == ("national", (), 15)
    path.write_text('[benchmark]\npool_by = "city"\npeer_sizes = ["200-500"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path, env={})
    assert "pool_by" in str(error.value) and "peer_sizes" in str(error.value)


def test_the_cli_table_names_each_pool() -> None:
    postings = _austin_and_new_york()
    metro = frames(postings, vacancies=AUSTIN, pool_by="metro", peer_sizes=())["vacancy_benchmarks"]
    small = frames(postings[9:], vacancies=AUSTIN, pool_by="metro")["vacancy_benchmarks"]
    with console.capture() as captured:
        _print_benchmarks(pl.concat([metro, small.with_columns(pl.lit("v2").alias("vacancy_id"))]))
    text = captured.get()
    assert "metro Austin" in text and "national US^" in text
    assert "^ national: the metro or region pool was too small" in text


def test_the_hiring_windows_count_every_company() -> None:
    # a peer group restricts the salary pool, not who is hiring: all 60 companies are in competitor_hiring
    hiring = frames(_big_and_small(), peer_sizes=("201-500",))["competitor_hiring"]
    assert hiring.filter(pl.col("scope") == "market").height == 60
