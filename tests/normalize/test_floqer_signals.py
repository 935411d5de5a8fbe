"""Floqer's own signals on postings: ``seniority`` checked against the title's level, ``normalized_title``
when the title names no occupation, and the ``*_usd`` amounts checked against matcher's own conversion."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from matcher.ingest.lake import Lake
from matcher.normalize.currency import convert_currency
from matcher.normalize.stage import NormalizeOptions, normalize_lake
from tests.normalize.test_stage import posting, write_postings


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    return Lake(tmp_path / "lake")


def test_the_title_level_wins_and_a_disagreement_with_floqer_is_counted(lake: Lake) -> None:
    write_postings(
        lake,
        [
            posting(1, job_title="Senior Backend Engineer", seniority="junior"),  # differs: the title wins
            posting(2, job_title="Senior Backend Engineer", seniority="senior"),  # agrees
            posting(3, job_title="Backend Engineer", seniority="mid_level"),  # no level in the title
            posting(4, job_title="Principal Backend Engineer", seniority="staff"),  # Floqer's words
            posting(5, job_title="Senior Backend Engineer", seniority=None),  # nothing to compare
        ],
    )
    summary = normalize_lake(lake.root, NormalizeOptions(workers=1))
    rows = {r["posting_id"]: r for r in pl.read_parquet(lake.root / "clean" / "postings.parquet").to_dicts()}
    assert (rows["1"]["seniority"], rows["1"]["seniority_source"], rows["1"]["seniority_check"]) == (
        "senior",
        "title",
        "differs",
    )
    assert rows["2"]["seniority_check"] == "agrees"
    assert (rows["3"]["seniority"], rows["3"]["seniority_source"], rows["3"]["seniority_check"]) == (
        "mid",
        "floqer",
        None,
    )
    assert (rows["4"]["seniority"], rows["4"]["seniority_check"]) == ("principal", "agrees")
    assert rows["5"]["seniority_check"] is None
    assert summary.signals["postings.seniority_check"] == {"agrees": 2, "differs": 1}
    assert summary.signals["postings.seniority_source"] == {"title": 4, "floqer": 1}


def test_floqer_normalized_title_codes_a_title_with_no_occupation(lake: Lake) -> None:
    write_postings(
        lake,
        [
            posting(1, job_title="Zqx Blorvik", normalized_title="software engineer"),
            posting(2, job_title="Software Engineer", normalized_title="data analyst"),  # ours wins
            posting(3, job_title="Qwv Zzyzx", normalized_title="qwv zzyzx"),  # neither names one
            posting(4, job_title="Zqx Blorvik"),  # no normalized_title
        ],
    )
    summary = normalize_lake(lake.root, NormalizeOptions(workers=1))
    rows = {r["posting_id"]: r for r in pl.read_parquet(lake.root / "clean" / "postings.parquet").to_dicts()}
    one = rows["1"]
    assert (one["occupation_code"], one["occupation_source"], one["title_status"], one["title_reason"]) == (
        "15-1252",
        "floqer_normalized_title",
        "ok",
        None,
    )
    assert one["floqer_normalized_title"] == "software engineer"
    assert one["title_core"] == "zqx blorvik"  # the title's own columns are kept
    assert (rows["2"]["occupation_code"], rows["2"]["occupation_source"]) == ("15-1252", "title")
    for pid in ("3", "4"):
        assert (rows[pid]["occupation_code"], rows[pid]["occupation_source"]) == (None, None)
        assert rows[pid]["title_status"] == "partial"
    assert summary.signals["postings.occupation_source"] == {"title": 1, "floqer_normalized_title": 1}


def _usd(amount: str, currency: str, on: date) -> Decimal:
    return convert_currency(Decimal(amount), currency, "USD", on=on).amount


@pytest.mark.parametrize("reporting", ["USD", "EUR"])
def test_floqer_usd_amounts_are_checked_against_matchers_conversion(lake: Lake, reporting: str) -> None:
    on = date(2026, 6, 1)
    gbp_min, gbp_max = _usd("100000", "GBP", on), _usd("120000", "GBP", on)
    structured = {"min_annual_salary": 100000, "max_annual_salary": 120000}
    write_postings(
        lake,
        [
            posting(1, **structured, salary_currency="USD", avg_annual_salary_usd=110000),  # agrees
            posting(2, **structured, salary_currency="USD", avg_annual_salary_usd=80000),  # 37.5% more
            posting(  # GBP: Floqer's USD at today's rate, without an average
                3,
                **structured,
                salary_currency="GBP",
                min_annual_salary_usd=str(round(gbp_min)),
                max_annual_salary_usd=str(round(gbp_max)),
            ),
            posting(4, **structured, salary_currency="GBP", avg_annual_salary_usd=110000),  # GBP read as USD
            posting(5, **structured, salary_currency="USD"),  # no *_usd amounts: nothing to check
            posting(6, salary_string="competitive", avg_annual_salary_usd=90000),  # no amount of ours
        ],
    )
    summary = normalize_lake(lake.root, NormalizeOptions(workers=1, reporting_currency=reporting))
    rows = {r["posting_id"]: r for r in pl.read_parquet(lake.root / "clean" / "postings.parquet").to_dicts()}
    assert (rows["1"]["usd_check"], rows["1"]["usd_ratio"]) == ("agrees", pytest.approx(1.0, abs=1e-3))
    assert (rows["2"]["usd_check"], rows["2"]["usd_ratio"]) == ("differs", pytest.approx(1.375, abs=1e-3))
    assert rows["2"]["avg_annual_salary_usd"] == "80000"  # the source digits, as text
    assert (rows["3"]["usd_check"], rows["3"]["usd_ratio"]) == ("agrees", pytest.approx(1.0, abs=1e-3))
    assert rows["4"]["usd_check"] == "differs"
    assert rows["4"]["usd_ratio"] == pytest.approx(float(gbp_min + gbp_max) / 2 / 110000, abs=1e-3)
    for pid in ("5", "6"):
        assert (rows[pid]["usd_check"], rows[pid]["usd_ratio"]) == (None, None)
    assert rows["1"]["reporting_currency"] == reporting
    assert summary.signals["postings.usd_check"] == {"agrees": 2, "differs": 2}


def test_the_cli_prints_one_line_per_signal() -> None:
    from matcher.cli.normalize import signal_lines
    from matcher.normalize.stage import NormalizeSummary

    summary = NormalizeSummary()
    summary.signals = {
        "postings.seniority_check": {"differs": 31, "agrees": 812},
        "postings.usd_check": {"agrees": 5},
        "postings.occupation_source": {},
    }
    assert signal_lines(summary) == [
        "title level vs Floqer's seniority: 812 agrees, 31 differs",
        "our conversion vs Floqer's *_usd amounts (10% apart = differs): 5 agrees",
    ]
