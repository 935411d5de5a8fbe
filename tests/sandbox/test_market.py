"""The synthetic market: deterministic, varied like the real one, and honest about its truth."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from matcher.sandbox.market import LEVELS, Market, MarketConfig, country_conventions, generate_market
from tests.sandbox.test_contract_examples import COMPANY_FIELDS, DOC_VACANCY, ROW_FIELDS


@pytest.fixture(scope="module")
def market() -> Market:
    return generate_market()


def test_same_seed_same_bytes_even_across_processes() -> None:
    here = generate_market(MarketConfig(seed=11, n_postings=800)).canonical_bytes()
    assert generate_market.__wrapped__(MarketConfig(seed=11, n_postings=800)).canonical_bytes() == here  # type: ignore[attr-defined]
    code = (
        "import hashlib,sys; from matcher.sandbox.market import generate_market, MarketConfig; "
        "m = generate_market(MarketConfig(seed=11, n_postings=800)); "
        "sys.stdout.write(hashlib.sha256(m.canonical_bytes()).hexdigest())"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        digests.add(
            subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
            ).stdout
        )
    import hashlib

    assert digests == {hashlib.sha256(here).hexdigest()}


def test_different_seeds_differ() -> None:
    one = generate_market(MarketConfig(seed=1, n_postings=500))
    two = generate_market(MarketConfig(seed=2, n_postings=500))
    assert one.canonical_bytes() != two.canonical_bytes()
    assert [p["job_title"] for p in one.postings[:50]] != [p["job_title"] for p in two.postings[:50]]


def test_size_ids_and_time_order(market: Market) -> None:
    assert len(market.postings) == 6000
    ids = [p["id"] for p in market.postings]
    assert len(set(ids)) == 6000
    assert list(market.discovered_at) == sorted(market.discovered_at)
    for row, stamp in zip(market.postings, market.discovered_at, strict=True):
        assert row["discovered_at"] == stamp.strftime("%Y-%m-%dT%H:%M:%S")
        assert row["date_posted"] <= row["discovered_at"][:10]
    anchor = market.config.anchor
    future = sum(1 for d in market.discovered_at if d > anchor)
    assert 0.15 < future / 6000 < 0.35  # revealed as sandbox time advances


def test_companies_agencies_and_our_own(market: Market) -> None:
    companies = Counter(p["company"] for p in market.postings)
    assert len(companies) >= 40
    agencies = {p["company"] for p in market.postings if p.get("company_object", p)["is_recruiting_agency"]}
    assert 3 <= len(agencies) <= 6
    assert companies[market.own_company["name"]] >= 20
    top = companies.most_common()
    assert top[0][1] > 5 * top[len(top) // 2][1]  # a few big hirers and a long tail


def test_every_documented_field_flat_or_nested(market: Market) -> None:
    forms = Counter()
    for row in market.postings:
        assert set(ROW_FIELDS) <= set(row)
        nested = "company_object" in row
        forms[nested] += 1
        company = row["company_object"] if nested else row
        assert set(COMPANY_FIELDS) <= set(company)
        if nested:
            assert isinstance(row["locations"], list)
    assert forms[True] > 300 and forms[False] > 300


def test_seniorities_statuses_and_geography(market: Market) -> None:
    assert {p["seniority"] for p in market.postings} == {
        "c_level",
        "staff",
        "senior",
        "mid_level",
        "junior",
        None,
    }
    statuses = {s for p in market.postings for s in p["employment_statuses"]}
    assert statuses == {"full_time", "part_time", "contract", "internship", "temporary"}
    assert set(country_conventions()) == {p["country_code"] for p in market.postings}
    assert any(p["remote"] for p in market.postings) and any(p["hybrid"] for p in market.postings)
    levels = Counter(market.posting_truth(p["id"])["level"] for p in market.postings)
    assert set(levels) == set(LEVELS)


TITLE_NOISE = {
    "abbreviation": r"\b(Sr\.?|Jr\.?|Snr|SWE|SDE|Eng|Mgr|VP|SVP)\b",
    "roman or numeric level": r"\b(II|III|IV|L[5-7]|Level 2)\b",
    "team after a separator": r"(, | - | \| | – )[A-Z][A-Za-z&]+",
    "remote in title": r"\(Remote|Remote\]|- Remote",
    "requisition number": r"(REQ-\d+|#\d{4,}|Job ID \d+|\[R\d+\])",
    "emoji": r"[🚀⭐🔥✨💼]",
    "shouting": r"^[^a-z]*[A-Z]{4,}[^a-z]*$",
    "gender suffix": r"\((m/w/d|w/m/d|m/f/d)\)",
    "non-English": r"(Softwareentwickler|Ingénieur|Ingeniero|Datenanalyst)",
}


@pytest.mark.parametrize(("kind", "pattern"), TITLE_NOISE.items())
def test_titles_show_real_world_noise(market: Market, kind: str, pattern: str) -> None:
    assert any(re.search(pattern, p["job_title"]) for p in market.postings), kind


def test_some_rows_carry_their_level_only_in_the_seniority_field(market: Market) -> None:
    level_words = re.compile(r"\b(senior|sr|snr|iii|l5|lead|staff|principal)\b", re.I)
    only_field = [
        p
        for p in market.postings
        if market.posting_truth(p["id"])["level"] == "senior"
        and p["seniority"] == "senior"
        and not level_words.search(p["job_title"])
    ]
    assert len(only_field) > 20


SALARY_FORMATS = {
    "K suffix": r"\d+[Kk]\b",
    "en dash": r"–",
    "to": r"\d to [£$€₹]?\d",
    "per hour": r"(an hour|per hour|/hr|\bph\b|/hour)",
    "per annum": r"(per annum|a year|/yr|p\.a\.)",
    "per day": r"(per day|a day|/day)",
    "per week": r"(a week|per week|/wk)",
    "per month": r"(per month|a month|/month|monthly)",
    "Glassdoor est.": r"Glassdoor est\.",
    "Employer est.": r"Employer est\.",
    "Employer Provided Salary": r"^Employer Provided Salary:",
    "pound": r"£",
    "euro": r"€",
    "rupee": r"₹",
    "CHF": r"CHF",
    "ISO code": r"\b(USD|EUR|GBP|INR|CAD|AUD|SGD) \d",
    "European grouping": r"\d{1,3}\.\d{3}( €|,00)",
    "Indian grouping": r"\d,\d\d,\d{3}",
    "Swiss grouping": r"\d'\d{3}",
    "lakh": r"(LPA|lakh|Lakhs)",
    "OTE": r"\bOTE\b",
    "DOE or pro rata": r"(DOE|pro rata)",
    "+ super": r"\+ super",
    "up to": r"^Up to",
}


@pytest.mark.parametrize(("kind", "pattern"), SALARY_FORMATS.items())
def test_every_salary_text_format_occurs(market: Market, kind: str, pattern: str) -> None:
    assert any(re.search(pattern, p["salary_string"] or "") for p in market.postings), kind


def test_bare_dollars_in_dollar_countries_other_than_the_us(market: Market) -> None:
    for country in ("CA", "AU", "SG"):
        assert any(
            (p["salary_string"] or "").startswith("$") and p["country_code"] == country
            for p in market.postings
        ), country


def test_salary_presentations(market: Market) -> None:
    text_only = [p for p in market.postings if p["salary_string"] and p["min_annual_salary"] is None]
    structured = [p for p in market.postings if p["min_annual_salary"] is not None]
    none = [p for p in market.postings if not p["salary_string"] and p["min_annual_salary"] is None]
    assert all(p["max_annual_salary"] is None and p["salary_currency"] is None for p in text_only)
    assert all(p["min_annual_salary"] <= p["max_annual_salary"] and p["salary_currency"] for p in structured)
    assert all(
        p["min_annual_salary_usd"] <= p["avg_annual_salary_usd"] <= p["max_annual_salary_usd"]
        for p in structured
    )
    for group in (text_only, structured, none):
        assert 0.15 < len(group) / 6000 < 0.5
    truths = [market.posting_truth(p["id"]) for p in market.postings]
    assert 0.04 < sum(t["is_estimate"] for t in truths) / 6000 < 0.12
    assert 5 <= sum(t["is_outlier"] for t in truths) <= 80
    assert any(isinstance(p["min_annual_salary"], float) for p in structured)  # cents arrive as floats too


def test_estimates_are_lower_and_wider(market: Market) -> None:
    generator = market._generator
    assert generator is not None

    def ratios(estimate: bool) -> list[float]:
        values = []
        for p in market.postings:
            t = market.posting_truth(p["id"])
            if t["has_salary"] and t["is_estimate"] == estimate and not t["is_outlier"]:
                values.append(
                    t["annual_mid"] / generator.cell_median(t["occupation"], t["level"], t["country_code"])
                )
        return values

    posted, estimated = ratios(False), ratios(True)
    assert statistics.median(estimated) < 0.93 * statistics.median(posted)
    assert statistics.pstdev(estimated) > 1.5 * statistics.pstdev(posted)


def test_reposts_repeat_an_earlier_posting(market: Market) -> None:
    reposts = [p for p in market.postings if p["reposted"]]
    assert 0.03 < len(reposts) / 6000 < 0.07
    originals = {
        (p["company"], p["job_title"], p["description"]): p for p in market.postings if not p["reposted"]
    }
    for repost in reposts[:100]:
        original = originals[(repost["company"], repost["job_title"], repost["description"])]
        assert original["id"] < repost["id"]
        assert repost["date_reposted"] is not None
        assert original["salary_string"] == repost["salary_string"]


def test_descriptions_name_the_technologies(market: Market) -> None:
    for p in market.postings[:500]:
        assert 250 <= len(p["description"]) <= 1500
        if p["job_technology_slugs"]:
            first = p["job_technology_slugs"][0].replace("-", " ")
            assert first.lower() in p["description"].lower()


def test_hiring_team_is_personal_data_on_some_rows(market: Market) -> None:
    with_people = [p for p in market.postings if p["hiring_team"]]
    assert 0.3 < len(with_people) / 6000 < 0.5
    assert {"full_name", "linkedin_url"} <= set(with_people[0]["hiring_team"][0])


def test_extra_postings_are_deterministic_and_new(market: Market) -> None:
    at = datetime(2026, 11, 3, tzinfo=UTC)
    first = market.extra_postings(5, discovered_at=at, salt=1)
    assert first == market.extra_postings(5, discovered_at=at, salt=1)
    other = market.extra_postings(5, discovered_at=at, salt=2)
    ids = {p["id"] for p in first} | {p["id"] for p in other}
    assert len(ids) == 10
    assert ids.isdisjoint(p["id"] for p in market.postings)
    assert all(p["discovered_at"] == "2026-11-03T00:00:00" for p in first)


def test_flowstate_plan(market: Market) -> None:
    vacancies = market.vacancies
    statuses = Counter(v["status"] for v in vacancies)
    assert statuses["filled"] == 5 and len(vacancies) - statuses["filled"] == 23
    assert {"open", "on_hold", "cancelled"} <= set(statuses)
    assert vacancies[0] == DOC_VACANCY
    refs = {
        "geographyId": {r["id"] for r in market.locations},
        "jobRoleId": {r["id"] for r in market.job_roles},
        "workTypeId": {r["id"] for r in market.work_types},
    }
    for v in vacancies:
        for key, known in refs.items():
            assert v[key] in known, (v["id"], key)
        assert re.fullmatch(r"\d+\.\d\d", v["salaryMin"]) and Decimal(v["salaryMin"]) <= Decimal(
            v["salaryMax"]
        )
    assert len({v["currencyCode"] for v in vacancies}) >= 5
    assert any("externalId" in v for v in vacancies) and any(v["metadata"] for v in vacancies)
    for scenario in market.scenarios:
        assert scenario["overrides"] and scenario["removed"]
        assert all(vid in {v["id"] for v in vacancies} for vid in scenario["overrides"])


def test_truth_medians_match_the_market(market: Market) -> None:
    """The stated median is the employer-posted sample's, which sits around the pay model's median."""
    by_id = {v["id"]: v for v in market.vacancies}
    assert len(market.truth) >= 4
    assert DOC_VACANCY["id"] in {t["vacancy_id"] for t in market.truth}
    for truth in market.truth:
        vacancy = by_id[truth["vacancy_id"]]
        assert vacancy["status"] == "open"
        assert vacancy["currencyCode"] == truth["currency"]
        sample = []
        companies = set()
        for p in market.postings:
            t = market.posting_truth(p["id"])
            if (
                (t["occupation"], t["level"], t["country_code"])
                == (truth["occupation"], truth["seniority"], truth["country_code"])
                and t["has_salary"]
                and not t["is_estimate"]
                and not t["is_outlier"]
                and not p["reposted"]
            ):
                sample.append(t["annual_mid"])
                companies.add(p["company"])
        assert len(sample) >= 60 and len(companies) >= 8, truth
        assert truth["n_postings"] == len(sample) and truth["n_companies"] == len(companies)
        assert Decimal(truth["true_median_annual"]) == Decimal(f"{statistics.median(sample):.2f}")
        model = float(truth["model_median_annual"])
        assert abs(statistics.median(sample) / model - 1) < 0.06, (
            truth
        )  # the sample sits around the pay model


def test_non_annual_text_uses_the_reference_conventions(market: Market) -> None:
    """An hourly salary string times the country's hours per year lands near the posting's annual figure."""
    checked = 0
    for p in market.postings:
        t = market.posting_truth(p["id"])
        text = p["salary_string"] or ""
        if (
            t["has_salary"]
            and not t["is_outlier"]
            and not t["is_estimate"]
            and t["period"] == "hour"
            and p["country_code"] == "US"
        ):
            numbers = [float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)]
            if len(numbers) == 2:
                annual_mid = sum(numbers) / 2 * float(country_conventions()["US"]["hours_per_year"])
                assert abs(annual_mid / t["annual_mid"] - 1) < 0.03, (text, t["annual_mid"])
                checked += 1
    assert checked > 10
