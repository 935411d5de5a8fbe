"""A deterministic synthetic job market, from a seed: Floqer posting rows and the Flowstate plan they are
matched against.

>>> market = generate_market(MarketConfig(seed=7, n_postings=500))
>>> len(market.postings), market.postings[0]["id"] < market.postings[-1]["id"]
(500, True)

What it holds, and why (later stages are tested against it, so it imitates the real world's mess):

- **Companies**: dozens of fictional employers across industries and countries, sizes from startups to 50k
  staff, hiring volume skewed (a few big hirers, a long tail), some rising, some falling, most steady (see
  **Time**), a few
  recruiting agencies posting for others, and the Flowstate tenant itself (``own_company``). Company
  attributes arrive flat on the row for some companies and nested in ``company_object`` (with a
  ``locations`` list) for others.
- **Titles** from an occupation catalogue (SOC 2018 codes in ``seed/catalog.json``) at every level from intern
  to C-level, with abbreviations (Sr., Jr, SWE, Eng, Mgr), roman and numeric levels (II, L5), team names after
  separators, locations and "(Remote)" in titles, requisition numbers, emojis, shouting, German "(m/w/d)" and
  some non-English titles. Floqer's ``seniority`` is sometimes missing or wrong, and for some rows it is the
  only level signal.
- **Geography**: twelve countries, real cities with state codes, postal codes and coordinates; remote, hybrid
  and on-site; location text in several shapes.
- **Salaries** from a pay model (occupation x level x country, lognormal around the cell median, in the local
  currency), shown as structured numbers, as free text only in many formats (K suffixes, en dashes and "to",
  per hour/day/week/month/year, localized numbers, bare "$" whose currency depends on the country, lakh/LPA,
  OTE/DOE/pro rata/+ super), or not at all; some are estimates (drawn lower and wider, marked "Glassdoor est."
  or "Employer est."), a few are absurd outliers. Non-annual amounts are derived with the conventions in
  ``matcher/reference/countries.csv``.
- **Time**: postings are discovered from ``history_days`` before the anchor up to ``future_days`` after it
  (the demo's as-of day: the sandbox clock advanced by its default 120 days), 25% of each company's after
  the anchor. Over the last 90 days each company keeps its momentum: ``steady`` (an even pace), ``rising``
  (about 20%; more postings lately before the anchor too; 1.5x its pace 90 to 30 days before the end, 2.4x
  in the last 30) or ``falling`` (about 15%: 0.8x, then 0.35x); so the benchmark's hiring trends (the last
  30 days against the 60 before) show all three, and most companies have postings in the last 30 days.
- **Reposts** of earlier postings, **descriptions** naming the posting's technologies, and **hiring_team**
  personal data on some rows.
- **Flowstate**: 23 vacancies that are not filled and 5 filled ones (the documentation's example vacancy among
  them, byte for byte), with locations, job roles and work types that resolve, bands as decimal strings in
  several currencies, and what-if scenarios.
- **Truth**: for a few open vacancies, the median annual salary of the market's employer-posted postings for
  the same job (occupation, level, country) in the vacancy's currency, beside the pay model's own median, with
  enough postings (>= 60 from >= 8 companies) to check a benchmark against.

Only the standard library's seeded ``random.Random`` is used, never global randomness, wall time or hash
order, so the same seed gives byte-identical data in every process.
"""

from __future__ import annotations

import csv
import functools
import gc
import json
import math
import random
import re
import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

LEVELS = ("intern", "junior", "mid", "senior", "staff", "principal", "manager", "director", "vp", "c_level")
LEVEL_WEIGHTS = (3, 15, 30, 27, 7, 3, 8, 4, 2, 1)
LEVEL_PAY = {
    "intern": 0.42,
    "junior": 0.72,
    "mid": 1.0,
    "senior": 1.3,
    "staff": 1.6,
    "principal": 1.85,
    "manager": 1.45,
    "director": 1.9,
    "vp": 2.4,
    "c_level": 3.0,
}
FLOQER_SENIORITY = {
    "intern": "junior",
    "junior": "junior",
    "mid": "mid_level",
    "senior": "senior",
    "staff": "staff",
    "principal": "staff",
    "manager": "senior",
    "director": "c_level",
    "vp": "c_level",
    "c_level": "c_level",
}
FLOQER_VALUES = ("c_level", "staff", "senior", "mid_level", "junior")
LEVEL_FORMS = {
    "intern": ["{b} Intern", "Graduate {b}", "{b} (Internship)", "Summer Intern - {b}", "Trainee {b}"],
    "junior": [
        "Junior {b}",
        "Jr. {b}",
        "Jr {b}",
        "Entry Level {b}",
        "Associate {b}",
        "{b} I",
        "Graduate {b}",
    ],
    "mid": ["{b}", "{b}", "{b}", "{b}", "{b} II", "{b} - Level 2", "Intermediate {b}", "Mid-level {b}"],
    "senior": [
        "Senior {b}",
        "Senior {b}",
        "Sr. {b}",
        "Sr {b}",
        "Snr {b}",
        "{b} III",
        "{b} (L5)",
        "{b}",
        "{b}",
    ],
    "staff": ["Staff {b}", "Staff {b}", "{b} (L6)", "Staff {b} IV"],
    "principal": ["Principal {b}", "Principal {b}", "{b} (L7)", "Distinguished {b}"],
    "manager": ["Lead {b}", "{b} Lead", "{b} Team Lead", "{b} Manager"],
    "director": ["Director, {b}", "Head of {b}"],
    "vp": ["VP, {b}", "Vice President, {b}"],
    "c_level": ["Chief {b} Officer"],
}
TEAM_SEPARATORS = [", {t}", " - {t}", " | {t}", " ({t})", " – {t}"]
REMOTE_TAGS = [" (Remote)", " - Remote", " (Remote, {cc})", " - Remote {cc}", " [Remote]"]
HYBRID_TAGS = [" (Hybrid, {short})", " - Hybrid", " (Hybrid)"]
PLACE_TAGS = [" - {city}", " ({city})", ", {city}", " - {short}"]
REQ_TAGS = [" (REQ-{n})", " #{n}", " - Job ID {n}", " [R{n}]", " (Req #{n})"]
EMOJIS = ["🚀 ", "⭐ ", "🔥 ", "✨ ", "💼 "]
YEAR_WORDS = [" a year", " per year", "/yr", " per annum", " p.a.", "/year", ""]
PERIOD_WORDS = {
    "hour": [" an hour", " per hour", "/hr", " ph", "/hour"],
    "day": [" per day", " a day", "/day"],
    "week": [" a week", " per week", "/wk"],
    "month": [" per month", " a month", "/month", " monthly"],
}
DASHES = [" - ", "-", " – ", " to ", "–", " — "]
SEED_IDS = {"location": "clx3g2h1j0k9", "job_role": "clx9r8q7w6e5", "work_type": "clx2w3x4y5z6"}
DOC_VACANCY: dict[str, Any] = {
    "id": "clx5v6w7x8y9z0a1",
    "role": "Senior Backend Engineer",
    "description": "Backend engineer for the payments team, focusing on billing infrastructure.",
    "status": "open",
    "fte": 1.0,
    "targetStartDate": "2026-06-01",
    "targetFillDate": "2026-05-15",
    "jobRoleId": "clx9r8q7w6e5",
    "workTypeId": "clx2w3x4y5z6",
    "geographyId": "clx3g2h1j0k9",
    "salaryMin": "120000.00",
    "salaryMax": "160000.00",
    "currencyCode": "USD",
    "filledByLiveEmployeeId": None,
    "hiringManagerId": "clx9m4n5o6p7",
    "metadata": {},
    "createdAt": "2026-01-15T10:00:00Z",
    "updatedAt": "2026-03-01T16:45:00Z",
}
OWN_COMPANY = {"name": "Northwind Analytics", "domain": "northwind-analytics.com"}


@dataclass(frozen=True, kw_only=True)
class MarketConfig:
    """What to generate. The same config always gives the same market."""

    seed: int = 42
    n_postings: int = 6000
    anchor: datetime = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # the sandbox clock's default start
    history_days: int = 240  # most postings are discovered in [anchor - history_days, anchor]
    future_days: int = 120  # ~25% are discovered in (anchor, anchor + future_days]: revealed as time advances


# A company's hiring pace over the 90 days before the market's end, as multiples of its own pace before: 90
# to 30 days before the end, then the last 30 (the benchmark's trend: the last 30 days against the 60 before)
MOMENTUM: dict[str, tuple[float, float]] = {
    "rising": (1.5, 2.4),
    "steady": (1.0, 1.0),
    "falling": (0.8, 0.35),
}
FUTURE_SHARE = 0.25  # of every company's postings, discovered after the anchor


@dataclass(frozen=True, kw_only=True)
class Market:
    """The generated market; treat it as immutable (the sandbox copies what it changes)."""

    config: MarketConfig
    postings: tuple[dict[str, Any], ...]
    discovered_at: tuple[datetime, ...]
    companies: tuple[dict[str, Any], ...]
    own_company: dict[str, str]
    locations: tuple[dict[str, Any], ...]
    job_roles: tuple[dict[str, Any], ...]
    work_types: tuple[dict[str, Any], ...]
    vacancies: tuple[dict[str, Any], ...]
    scenarios: tuple[dict[str, Any], ...]
    truth: tuple[dict[str, Any], ...]
    _truth_by_id: dict[int, dict[str, Any]] = field(default_factory=dict, repr=False, compare=False)
    _generator: _Generator | None = field(default=None, repr=False, compare=False)

    def posting_truth(self, posting_id: int) -> dict[str, Any]:
        """What the generator meant by a posting (occupation, SOC, level, annual midpoint, estimate...)."""
        return dict(self._truth_by_id[posting_id])

    def extra_postings(self, count: int, *, discovered_at: datetime, salt: int) -> list[dict[str, Any]]:
        """``count`` new postings discovered at ``discovered_at``, with ids no other call or the market uses.

        Deterministic: the same arguments give the same rows.
        """
        assert self._generator is not None
        rng = random.Random(f"{self.config.seed}-extra-{salt}")
        rows = []
        for i in range(count):
            row, _ = self._generator.posting(rng, discovered_at)
            row["id"] = 900_000_000 + salt * 10_000 + i
            rows.append(row)
        return rows

    def canonical_bytes(self) -> bytes:
        """Everything above as JSON with sorted keys: the determinism checks compare these bytes."""
        payload = {
            "postings": self.postings,
            "discovered_at": [d.isoformat() for d in self.discovered_at],
            "companies": self.companies,
            "own_company": self.own_company,
            "locations": self.locations,
            "job_roles": self.job_roles,
            "work_types": self.work_types,
            "vacancies": self.vacancies,
            "scenarios": self.scenarios,
            "truth": self.truth,
        }
        return json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")


@functools.lru_cache(maxsize=8)
def generate_market(config: MarketConfig | None = None) -> Market:
    """The market for ``config`` (memoized: callers must not mutate what they get)."""
    collecting = gc.isenabled()
    gc.disable()  # hundreds of thousands of small dicts: the cyclic GC would rescan them over and over
    try:
        return _Generator(config or MarketConfig()).market()
    finally:
        if collecting:
            gc.enable()


@functools.cache
def catalog() -> dict[str, Any]:
    """The seed catalogue (occupations, cities, companies, FX) shipped in ``matcher/sandbox/seed``."""
    text = resources.files("matcher.sandbox").joinpath("seed/catalog.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@functools.cache
def country_conventions() -> dict[str, dict[str, str]]:
    """``matcher/reference/countries.csv`` by country code."""
    text = resources.files("matcher").joinpath("reference/countries.csv").read_text(encoding="utf-8")
    return {row["country_code"]: row for row in csv.DictReader(text.splitlines())}


# -- number formatting --------------------------------------------------------------------------------------
def _group(n: int, sep: str) -> str:
    return f"{n:,}".replace(",", sep)


def _indian(n: int) -> str:
    """1200000 -> "12,00,000" (Indian digit grouping)."""
    text = str(n)
    if len(text) <= 3:
        return text
    head, tail = text[:-3], text[-3:]
    parts: list[str] = []
    while len(head) > 2:
        parts.insert(0, head[-2:])
        head = head[:-2]
    if head:
        parts.insert(0, head)
    return ",".join(parts) + "," + tail


def _nice(amount: float, period: str) -> float:
    """Round an advertised amount the way employers do."""
    if period == "hour":
        return round(amount * 2) / 2 if amount < 100 else float(round(amount))
    if period in ("day", "week"):
        return float(round(amount / 5) * 5)
    if period == "month":
        return float(round(amount / 50) * 50) if amount < 20_000 else float(round(amount / 500) * 500)
    return float(round(amount / 500) * 500) if amount < 100_000 else float(round(amount / 1000) * 1000)


def _shown(amount: float, style: str) -> float:
    """The value ``_num`` prints for ``amount``."""
    return amount if style == "us" and amount != round(amount) else float(round(amount))


def _num(amount: float, style: str) -> str:
    whole = round(amount)
    if style == "us" and amount != whole:
        return f"{amount:,.2f}"
    return {
        "us": _group(whole, ","),
        "eu": _group(whole, "."),
        "eu_dec": _group(whole, ".") + ",00",
        "ch": _group(whole, "'"),
        "in": _indian(whole),
        "plain": str(whole),
    }[style]


def _momentum(draw: float) -> str:
    """A company's hiring momentum from one uniform draw: rising 20%, falling 15%, steady the rest."""
    return "rising" if draw < 0.2 else "falling" if draw >= 0.85 else "steady"


def _future_day(draw: float, future_days: int, momentum: str) -> float:
    """A day in [0, ``future_days``) after the anchor from one uniform draw: even (``draw x future_days``),
    but over the last 90 days a rising or falling company's pace is scaled by ``MOMENTUM`` (90 to 30 days
    before the end, then the last 30), keeping the share of its postings those 90 days hold. The days before
    them, and a steady company's days, are what they were before momentum."""
    lately, last = MOMENTUM[momentum]
    if future_days <= 90 or momentum == "steady":
        return draw * future_days
    before = (future_days - 90) / future_days  # the share of the draws before the last 90 days
    if draw < before:
        return draw * future_days
    u = (draw - before) / (1 - before) * (60 * lately + 30 * last)  # mass over the last 90 days
    if u < 60 * lately:
        return future_days - 90 + u / lately
    return min(future_days - 30 + (u - 60 * lately) / last, future_days - 1e-9)


@dataclass
class _Company:
    name: str
    domain: str
    country: str
    industry: str
    industry_id: int
    employees: int
    weight: float
    momentum: str  # rising, steady or falling: its hiring pace lately (MOMENTUM)
    nested: bool
    agency: bool
    premium: float
    countries: list[str]
    attributes: dict[str, Any]


class _Generator:
    """Builds one market; every random draw comes from generators seeded by ``config.seed``."""

    def __init__(self, config: MarketConfig) -> None:
        self.config = config
        self.cat = catalog()
        self.conventions = country_conventions()
        self.rng = random.Random(f"market-{config.seed}")
        self.occupations = self.cat["occupations"]
        self.occ_keys = sorted(self.occupations)
        self.occ_weights = [self.occupations[k]["weight"] for k in self.occ_keys]
        self.countries = self.cat["countries"]
        self.country_keys = sorted(self.countries)
        self.cities: dict[str, list[list[Any]]] = {}
        for city in self.cat["cities"]:
            self.cities.setdefault(city[0], []).append(city)
        self.companies = self._companies()
        self.hirers = [c for c in self.companies if c.name != OWN_COMPANY["name"]]
        self.hirer_weights = [c.weight for c in self.hirers]
        self.truth_cells = self._truth_cells()

    # -- companies -----------------------------------------------------------------------------------------
    def _companies(self) -> list[_Company]:
        rng = random.Random(f"companies-{self.config.seed}")
        names = sorted(self.cat["company_names"])
        chosen = sorted(rng.sample(names, 48))
        companies = []
        for rank, name in enumerate(rng.sample(chosen, len(chosen))):
            companies.append(self._company(rng, name, rank=rank, agency=False))
        for name in self.cat["agency_names"]:
            companies.append(self._company(rng, name, rank=10, agency=True))
        own = self._company(rng, OWN_COMPANY["name"], rank=30, agency=False, country="US")
        own.domain = OWN_COMPANY["domain"]
        own.attributes["domain"] = own.domain
        own.countries = ["US", "GB", "DE", "IN", "CA"]
        companies.append(own)
        return companies

    def _company(
        self, rng: random.Random, name: str, *, rank: int, agency: bool, country: str | None = None
    ) -> _Company:
        home = (
            country
            or rng.choices(self.country_keys, [self.countries[c]["weight"] for c in self.country_keys])[0]
        )
        industry, industry_id = rng.choice(self.cat["industries"])
        if agency:
            industry, industry_id = "Staffing and Recruiting", 104
        employees = int(math.exp(rng.uniform(math.log(15), math.log(60_000))))
        slug = re.sub(r"[^a-z0-9]+", "", name.lower())
        domain = f"{slug}.{rng.choice(['com', 'com', 'io', 'co', 'ai'])}"
        others = rng.sample([c for c in self.country_keys if c != home], k=rng.choice([0, 1, 1, 2, 3]))
        public = employees > 5000 and rng.random() < 0.5
        funding = (
            None
            if public
            else rng.choice(["seed", "series_a", "series_b", "series_c", "series_d", "private_equity"])
        )
        revenue = int(employees * rng.uniform(80_000, 300_000))
        techs = sorted(
            rng.sample(
                [
                    "aws",
                    "gcp",
                    "azure",
                    "python",
                    "java",
                    "react",
                    "kubernetes",
                    "snowflake",
                    "salesforce",
                    "sap",
                    "datadog",
                    "github",
                    "jira",
                    "tableau",
                    "postgresql",
                    "kafka",
                ],
                k=6,
            )
        )
        size_ranges = [
            (10, "1-10"),
            (50, "11-50"),
            (200, "51-200"),
            (500, "201-500"),
            (1000, "501-1000"),
            (5000, "1001-5000"),
            (10000, "5001-10000"),
        ]
        size_range = next((label for top, label in size_ranges if employees <= top), "10001+")
        founded = rng.randint(1950 if employees > 5000 else 2005, 2023)
        round_date = date(2022, 1, 1) + timedelta(days=rng.randrange(1000))
        attributes = {
            "name": name,
            "domain": domain,
            "industry": industry,
            "industry_id": industry_id,
            "company_country": self.countries[home]["name"],
            "company_country_code": home,
            "employee_count": employees,
            "employee_count_range": size_range,
            "logo": f"https://logos.example-cdn.com/{domain}.png",
            "linkedin_url": f"https://www.linkedin.com/company/{slug}",
            "linkedin_id": str(rng.randint(1_000_000, 99_999_999)),
            "url_source": rng.choice(["linkedin", "indeed", "company_website", "glassdoor"]),
            "is_recruiting_agency": agency,
            "yc_batch": rng.choice(["W19", "S20", "W21", "S22"])
            if employees < 300 and rng.random() < 0.15
            else None,
            "num_jobs": 0,
            "num_jobs_last_30_days": 0,
            "num_technologies": len(techs),
            "founded_year": founded,
            "annual_revenue_usd": revenue,
            "annual_revenue_usd_readable": f"${revenue / 1e6:,.0f}M"
            if revenue < 1e9
            else f"${revenue / 1e9:,.1f}B",
            "total_funding_usd": None if public else int(employees * rng.uniform(20_000, 120_000)),
            "last_funding_round_date": None if public else round_date.isoformat(),
            "last_funding_round_amount_readable": None if public else f"${rng.randint(5, 200)}M",
            "funding_stage": funding,
            "investors": []
            if public
            else sorted(
                rng.sample(
                    [
                        "Sequoia-like Capital",
                        "Northgate Ventures",
                        "Blue Harbor Partners",
                        "Foundry Seed",
                        "Atlas Growth",
                    ],
                    k=2,
                )
            ),
            "publicly_traded_symbol": slug[:4].upper() if public else None,
            "publicly_traded_exchange": rng.choice(["NYSE", "NASDAQ", "LSE", "XETRA"]) if public else None,
            "company_keywords": sorted(
                rng.sample(
                    [
                        "b2b",
                        "saas",
                        "marketplace",
                        "fintech",
                        "healthtech",
                        "logistics",
                        "ai",
                        "enterprise",
                        "consumer",
                        "payments",
                    ],
                    k=3,
                )
            ),
            "company_tags": sorted(
                rng.sample(
                    ["remote-friendly", "fast-growing", "public", "unicorn", "bootstrapped", "nonprofit"], k=2
                )
            ),
            "technology_slugs": techs,
        }
        return _Company(
            name=name,
            domain=domain,
            country=home,
            industry=industry,
            industry_id=industry_id,
            employees=employees,
            weight=(8.0 if agency else 60.0 / (rank + 2) ** 0.9) * rng.uniform(0.7, 1.3),
            momentum=_momentum(rng.random()),
            nested=rng.random() < 0.4,
            agency=agency,
            premium=math.exp(rng.gauss(0, 0.03)),
            countries=[home, *others],
            attributes=attributes,
        )

    # -- truth cells -------------------------------------------------------------------------------------
    def _truth_cells(self) -> list[dict[str, Any]]:
        """Vacancy-aligned market cells with a healthy sample; the vacancies for them are built later."""
        return [
            {
                "vacancy_id": DOC_VACANCY["id"],
                "occupation": "backend_engineer",
                "level": "senior",
                "country": "US",
            },
            {
                "vacancy_id": "clxv1datasci0001",
                "occupation": "data_scientist",
                "level": "mid",
                "country": "GB",
            },
            {
                "vacancy_id": "clxv1dataeng0002",
                "occupation": "data_engineer",
                "level": "senior",
                "country": "DE",
            },
            {
                "vacancy_id": "clxv1frontend003",
                "occupation": "frontend_engineer",
                "level": "senior",
                "country": "IN",
            },
            {
                "vacancy_id": "clxv1designer004",
                "occupation": "product_designer",
                "level": "mid",
                "country": "CA",
            },
            {
                "vacancy_id": "clxv1nurse000005",
                "occupation": "registered_nurse",
                "level": "mid",
                "country": "US",
            },
        ]

    def cell_median(self, occupation: str, level: str, country: str) -> float:
        """The pay model's annual median for a cell, in the country's currency."""
        occ = self.occupations[occupation]
        return float(occ["base"]) * LEVEL_PAY[level] * float(self.countries[country]["pay_factor"])

    # -- postings ----------------------------------------------------------------------------------------
    def posting(
        self,
        rng: random.Random,
        discovered: datetime,
        *,
        company: _Company | None = None,
        occupation: str | None = None,
        level: str | None = None,
        country: str | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """One posting row and its ground truth."""
        company = company or rng.choices(self.hirers, self.hirer_weights)[0]
        occupation = occupation or rng.choices(self.occ_keys, self.occ_weights)[0]
        level = level or rng.choices(LEVELS, LEVEL_WEIGHTS)[0]
        country = country or (
            rng.choice(company.countries)
            if rng.random() < 0.85
            else rng.choices(self.country_keys, [self.countries[c]["weight"] for c in self.country_keys])[0]
        )
        occ = self.occupations[occupation]
        city = rng.choices(self.cities[country], [c[8] for c in self.cities[country]])[0]
        remote = rng.random() < (0.05 if occ["family"] in ("Clinical", "Trades") else 0.2)
        hybrid = not remote and rng.random() < 0.3
        title, normalized = self._title(rng, occ, level, country, city, remote, hybrid)
        seniority: str | None = FLOQER_SENIORITY[level]
        roll = rng.random()
        if roll < 0.1:
            seniority = None
        elif roll < 0.15:
            seniority = rng.choice(FLOQER_VALUES)
        statuses = ["full_time"]
        if level == "intern":
            statuses = ["internship"]
        elif rng.random() < 0.1:
            statuses = [rng.choice(["part_time", "contract", "temporary"])]
        elif rng.random() < 0.03:
            statuses = ["full_time", "contract"]
        contract = "contract" in statuses or "temporary" in statuses
        salary, truth = self._salary(rng, occupation, level, country, company, contract)
        posted = discovered.date() - timedelta(days=rng.choice([0, 0, 0, 1, 1, 2, 3, 6]))
        techs = (
            sorted(rng.sample(occ["tech"], k=min(len(occ["tech"]), rng.randint(2, 5)))) if occ["tech"] else []
        )
        row: dict[str, Any] = {"id": 0, "job_title": title, "normalized_title": normalized}
        row.update(self._urls(rng, company))
        row.update(
            {
                "date_posted": posted.isoformat(),
                "discovered_at": discovered.strftime("%Y-%m-%dT%H:%M:%S"),
                "description": self._description(rng, company, occ, title, techs, country, remote),
                "reposted": False,
                "date_reposted": None,
                "easy_apply": rng.random() < 0.3,
                "manager_roles": level in ("manager", "director", "vp", "c_level"),
                "matching_phrases": [],
                "matching_words": [],
                "job_technology_slugs": techs,
                "keyword_slugs": sorted({occ["family"].lower(), occupation.replace("_", "-")}),
                "seniority": seniority,
                "employment_statuses": statuses,
                "remote": remote,
                "hybrid": hybrid,
            }
        )
        row.update(self._location(rng, country, city, remote))
        row.update(salary)
        row["company"] = company.name
        row["company_domain"] = company.domain
        row["hiring_team"] = self._hiring_team(rng, company) if rng.random() < 0.4 else []
        if company.nested:
            row["company_object"] = dict(company.attributes)
            row["locations"] = [
                {
                    "name": row["long_location"],
                    "city": None if remote and rng.random() < 0.5 else city[1],
                    "state": city[2],
                    "state_code": city[3],
                    "country_code": country,
                    "latitude": city[5],
                    "longitude": city[6],
                    "admin1_code": city[3],
                }
            ]
        else:
            row.update(company.attributes)
        truth.update(
            {
                "occupation": occupation,
                "soc_code": occ["soc"],
                "level": level,
                "country_code": country,
                "company": company.name,
                "agency": company.agency,
                "canonical_title": occ["names"][0],
            }
        )
        return row, truth

    def _title(
        self,
        rng: random.Random,
        occ: dict[str, Any],
        level: str,
        country: str,
        city: list[Any],
        remote: bool,
        hybrid: bool,
    ) -> tuple[str, str]:
        lead = self.cat["leadership"][occ["family"]]
        if level in ("manager", "director", "vp", "c_level") and rng.random() < 0.75:
            base = rng.choice(lead[level])
            core = base
        else:
            base = rng.choice(occ["names"]) if rng.random() > 0.08 else rng.choice(occ["short"])
            if level in ("director", "vp", "c_level"):
                base = occ["family"] if level == "c_level" else base
            core = rng.choice(LEVEL_FORMS[level]).format(b=base, B=base.upper())
            if level == "c_level":
                core = rng.choice(lead["c_level"])
        if country in occ.get("foreign", {}) and rng.random() < 0.12:
            foreign = occ["foreign"][country]
            core = ("Senior " + foreign) if level == "senior" and rng.random() < 0.6 else foreign
        normalized = re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ]", " ", core.lower())).strip()
        title = core
        if rng.random() < 0.2 and occ["teams"]:
            title += rng.choice(TEAM_SEPARATORS).format(t=rng.choice(occ["teams"]))
            if rng.random() < 0.3:
                normalized = normalized + " " + title.rsplit(" ", 1)[-1].lower()  # Floqer keeps some noise
        if remote and rng.random() < 0.35:
            title += rng.choice(REMOTE_TAGS).format(cc=country)
        elif hybrid and rng.random() < 0.3:
            title += rng.choice(HYBRID_TAGS).format(short=city[7])
        elif rng.random() < 0.08:
            title += rng.choice(PLACE_TAGS).format(city=city[1], short=city[7])
        if country == "DE" and rng.random() < 0.4:
            title += rng.choice([" (m/w/d)", " (w/m/d)", " (m/f/d)"])
        if rng.random() < 0.05:
            title += rng.choice(REQ_TAGS).format(n=rng.randint(1000, 99999))
        if rng.random() < 0.02:
            title = rng.choice(EMOJIS) + title
        if rng.random() < 0.03:
            title = title.upper()
        return title, normalized

    def _urls(self, rng: random.Random, company: _Company) -> dict[str, str]:
        job = rng.randint(100000, 999999)
        board = rng.choice(
            ["boards.greenhouse.io", "jobs.lever.co", "www.linkedin.com/jobs/view", "www.indeed.com/viewjob"]
        )
        slug = company.domain.split(".")[0]
        return {
            "url": f"https://{board}/{slug}/{job}",
            "final_url": f"https://careers.{company.domain}/jobs/{job}",
            "source_url": f"https://{board}/{slug}/{job}?src=floqer",
        }

    def _location(self, rng: random.Random, country: str, city: list[Any], remote: bool) -> dict[str, Any]:
        cc, name, state, state_code, postal, lat, lon = (
            city[0],
            city[1],
            city[2],
            city[3],
            city[4],
            city[5],
            city[6],
        )
        country_name = self.countries[country]["name"]
        if remote and rng.random() < 0.5:
            location = rng.choice([f"Remote - {cc}", f"Remote, {country_name}", f"{country_name} (Remote)"])
            return {
                "location": location,
                "short_location": f"Remote, {cc}",
                "long_location": f"Remote, {country_name}",
                "city": None,
                "state_code": None,
                "postal_code": None,
                "country": country_name,
                "country_code": cc,
                "countries": [country_name],
                "country_codes": [cc],
                "cities": [],
                "continents": [self.countries[country]["continent"]],
                "latitude": None,
                "longitude": None,
            }
        shapes = [
            f"{name}, {state_code}",
            f"{name}, {state}, {country_name}",
            f"{name}, {country_name}",
            name,
        ]
        if cc == "US":
            shapes = [
                f"{name}, {state_code}",
                f"{name}, {state_code} {postal}",
                f"{name}, {state}, United States",
            ]
        return {
            "location": rng.choice(shapes),
            "short_location": f"{name}, {state_code}",
            "long_location": f"{name}, {state}, {country_name}",
            "city": name,
            "state_code": state_code,
            "postal_code": postal,
            "country": country_name,
            "country_code": cc,
            "countries": [country_name],
            "country_codes": [cc],
            "cities": [name],
            "continents": [self.countries[country]["continent"]],
            "latitude": lat,
            "longitude": lon,
        }

    def _description(
        self,
        rng: random.Random,
        company: _Company,
        occ: dict[str, Any],
        title: str,
        techs: list[str],
        country: str,
        remote: bool,
    ) -> str:
        who = "Our client, a fast-growing company," if company.agency else company.name
        tech_names = (
            ", ".join(t.replace("-", " ").title() if len(t) > 3 else t.upper() for t in techs)
            or "modern tools"
        )
        sentences = [
            f"{who} is hiring: {title.split(' (')[0]}, for the {rng.choice(occ['teams'] or ['core'])} team.",
            f"You will work with {tech_names} every day.",
            rng.choice(
                [
                    "You will own projects end to end, from discovery to delivery, and mentor others.",
                    "We value clear writing, thoughtful reviews and shipping small changes often.",
                    "You will partner with product, design and operations to solve real customer problems.",
                    "This role reports to the head of the department and works across time zones.",
                ]
            ),
            rng.choice(
                [
                    f"Experience with {techs[0] if techs else 'similar roles'} in production is a must.",
                    "We offer a competitive salary, equity, generous leave and a learning budget.",
                    "Benefits include private health insurance, pension matching and flexible hours.",
                ]
            ),
            "This position is fully remote." if remote else f"The role is based in our {country} office.",
            rng.choice(
                [
                    "We are an equal opportunity employer and welcome applicants from all backgrounds.",
                    "Please apply with your CV; we reply to every application within two weeks.",
                    "Visa sponsorship is available for exceptional candidates.",
                ]
            ),
        ]
        return " ".join(sentences)

    def _hiring_team(self, rng: random.Random, company: _Company) -> list[dict[str, Any]]:
        team = []
        for _ in range(rng.choice([1, 1, 2])):
            first, last = rng.choice(self.cat["first_names"]), rng.choice(self.cat["last_names"])
            handle = f"{first}-{last}-{rng.randint(100, 999)}".lower()
            team.append(
                {
                    "full_name": f"{first} {last}",
                    "first_name": first,
                    "linkedin_url": f"https://www.linkedin.com/in/{handle}",
                    "role": rng.choice(["Hiring Manager", "Recruiter", "Talent Partner"]),
                    "image_url": f"https://media.example-cdn.com/{handle}.jpg",
                }
            )
        return team

    # -- salaries ----------------------------------------------------------------------------------------
    def _salary(
        self, rng: random.Random, occupation: str, level: str, country: str, company: _Company, contract: bool
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        empty: dict[str, Any] = {
            "salary_string": None,
            "salary_currency": None,
            "min_annual_salary": None,
            "max_annual_salary": None,
            "min_annual_salary_usd": None,
            "max_annual_salary_usd": None,
            "avg_annual_salary_usd": None,
        }
        truth: dict[str, Any] = {
            "has_salary": False,
            "is_estimate": False,
            "is_outlier": False,
            "annual_mid": None,
        }
        if rng.random() < 0.3:
            return empty, truth
        occ = self.occupations[occupation]
        currency = self.conventions[country]["currency"]
        median = self.cell_median(occupation, level, country) * company.premium
        estimate = rng.random() < 0.1
        if estimate:
            mid = median * 0.85 * math.exp(rng.gauss(0, 0.3))
        else:
            mid = median * math.exp(rng.gauss(0, 0.14))
        width = rng.uniform(0.15, 0.4)
        low, high = mid * (1 - width / 2), mid * (1 + width / 2)
        outlier = None
        if not estimate and rng.random() < 0.006:
            outlier = rng.choice(["x10", "x0.1", "one_two", "hourly_as_annual"])
            if outlier == "x10":
                low, high = low * 10, high * 10
            elif outlier == "x0.1":
                low, high = low / 10, high / 10
        truth.update(has_salary=True, is_estimate=estimate, is_outlier=outlier is not None)
        hourly_role = occ["hourly"] or contract
        roll = rng.random()
        if hourly_role and roll < 0.6:
            period = "hour"
        elif contract and roll < 0.8:
            period = "day"
        elif roll < 0.05:
            period = "week"
        elif roll < (0.35 if country in ("DE", "ES", "CH", "SG", "FR") else 0.1):
            period = "month"
        else:
            period = "year"
        text, shown_low, shown_high = self._salary_text(
            rng, low, high, period, country, currency, occ, estimate, outlier
        )
        # the truth is what the posting states: its shown amounts, annualized with the reference conventions
        per_year = self._per_period(1.0, period, country) ** -1
        truth["annual_mid"] = round((shown_low + shown_high) / 2 * per_year, 2)
        structured = rng.random() < 0.5 and outlier not in ("one_two", "hourly_as_annual")
        result = dict(empty)
        result["salary_string"] = text
        if structured:
            fx = float(self.cat["fx_usd_per_unit"][currency])
            lo, hi = round(low / 100) * 100, round(high / 100) * 100
            if rng.random() < 0.15:  # some sources send floats with cents
                result["min_annual_salary"], result["max_annual_salary"] = float(lo) + 0.5, float(hi) + 0.5
            else:
                result["min_annual_salary"], result["max_annual_salary"] = lo, hi
            # structured numbers win over the text when both are there
            truth["annual_mid"] = round((result["min_annual_salary"] + result["max_annual_salary"]) / 2, 2)
            result["salary_currency"] = currency
            result["min_annual_salary_usd"] = round(lo * fx)
            result["max_annual_salary_usd"] = round(hi * fx)
            result["avg_annual_salary_usd"] = round((lo + hi) / 2 * fx)
            if not estimate and rng.random() < 0.5:
                result["salary_string"] = None  # numbers only
        truth["structured"] = structured
        truth["period"] = period
        return result, truth

    def _per_period(self, annual: float, period: str, country: str) -> float:
        conv = self.conventions[country]
        divisor = {
            "year": 1.0,
            "hour": float(conv["hours_per_year"]),
            "day": float(conv["days_per_year"]),
            "week": float(conv["weeks_per_year"]),
            "month": float(conv["payments_per_year"]),
        }[period]
        return annual / divisor

    def _salary_text(
        self,
        rng: random.Random,
        low: float,
        high: float,
        period: str,
        country: str,
        currency: str,
        occ: dict[str, Any],
        estimate: bool,
        outlier: str | None,
    ) -> tuple[str, float, float]:
        """The salary text and the per-period amounts it shows (single values show one amount)."""
        if outlier == "one_two":
            return ("$1 - $2" if currency == "USD" else f"{currency} 1 - 2"), 1.0, 2.0
        shown_period = period
        if outlier == "hourly_as_annual":
            period, shown_period = "hour", "year"
        lo = _nice(self._per_period(low, period, country), period)
        hi = _nice(self._per_period(high, period, country), period)
        if hi <= lo:
            hi = lo + (0.5 if period == "hour" else 100)
        single = rng.random() < 0.15
        words = rng.choice(YEAR_WORDS if shown_period == "year" else PERIOD_WORDS[shown_period])
        dash = rng.choice(DASHES)
        if currency == "INR" and shown_period == "year" and rng.random() < 0.6:
            lakh_lo, lakh_hi = round(lo / 50_000) / 2, round(hi / 50_000) / 2

            def fmt(value: float) -> str:
                return f"{value:g}"

            text = rng.choice(
                [
                    f"₹ {fmt(lakh_lo)}-{fmt(lakh_hi)} LPA",
                    f"{fmt(lakh_lo)} to {fmt(lakh_hi)} lakh per annum",
                    f"₹{fmt(lakh_lo)} - {fmt(lakh_hi)} Lakhs",
                    f"INR {fmt(lakh_lo)}-{fmt(lakh_hi)} LPA",
                ]
            )
            shown_lo, shown_hi = lakh_lo * 100_000, lakh_hi * 100_000
        else:
            text, shown_lo, shown_hi = self._money_range(
                rng, lo, hi, currency, country, shown_period, single, dash
            )
            text += words
        if estimate:
            text = rng.choice(
                [
                    f"{text} (Glassdoor est.)",
                    f"{text} (Employer est.)",
                    f"Estimated: {text}",
                    f"{text} Glassdoor est.",
                ]
            )
        else:
            roll = rng.random()
            if country == "US" and roll < 0.15:
                text = f"Employer Provided Salary: {text}"
            elif occ.get("ote") and roll < 0.6:
                text = f"{text} OTE"
            elif country == "AU" and roll < 0.5:
                text = f"{text} + super"
            elif country == "GB" and roll < 0.15:
                text = f"{text} {rng.choice(['DOE', 'pro rata', '+ bonus'])}"
            elif roll < 0.06:
                text = f"{text} + equity"
        return text, shown_lo, shown_hi

    def _money_range(
        self,
        rng: random.Random,
        lo: float,
        hi: float,
        currency: str,
        country: str,
        period: str,
        single: bool,
        dash: str,
    ) -> tuple[str, float, float]:
        use_k = period == "year" and hi >= 10_000 and rng.random() < 0.35
        if use_k:
            k = rng.choice(["K", "k"])
            a, b = f"{round(lo / 1000):d}{k}", f"{round(hi / 1000):d}{k}"
            shown = (round(lo / 1000) * 1000.0, round(hi / 1000) * 1000.0)
        else:
            style = "us"
            if currency == "EUR" and country != "IE":
                style = rng.choice(["eu", "eu", "eu_dec", "us"])
            elif currency == "CHF":
                style = rng.choice(["ch", "ch", "us"])
            elif currency == "INR":
                style = "in"
            a, b = _num(lo, style), _num(hi, style)
            shown = (_shown(lo, style), _shown(hi, style))
        if single:
            prefix = "Up to " if rng.random() < 0.5 else ""
            return f"{prefix}{self._sym(currency, country, b, rng)}", shown[1], shown[1]
        return self._range_text(rng, a, b, currency, country, dash), shown[0], shown[1]

    @staticmethod
    def _range_text(rng: random.Random, a: str, b: str, currency: str, country: str, dash: str) -> str:
        form = rng.random()
        if currency in ("USD", "CAD", "AUD", "SGD"):
            iso = currency
            if form < 0.7:
                return f"${a}{dash}${b}" if rng.random() < 0.7 else f"${a}{dash}{b}"
            if form < 0.85:
                return f"{iso} {a}{dash}{b}"
            return f"{a}{dash}{b} {iso}"
        if currency == "GBP":
            return f"£{a}{dash}£{b}" if form < 0.85 else f"GBP {a}{dash}{b}"
        if currency == "EUR":
            if country == "IE" or form < 0.25:
                return f"€{a}{dash}€{b}"
            if form < 0.6:
                return f"{a} €{dash}{b} €"
            if form < 0.8:
                return f"€ {a}{dash}€ {b}"
            return f"{a}{dash}{b} EUR" if form < 0.9 else f"EUR {a}{dash}{b}"
        if currency == "CHF":
            return f"CHF {a}{dash}{b}" if form < 0.8 else f"{a}{dash}{b} CHF"
        if currency == "INR":
            return f"₹{a}{dash}₹{b}" if form < 0.6 else f"INR {a}{dash}{b}"
        return f"{currency} {a}{dash}{b}"

    @staticmethod
    def _sym(currency: str, country: str, amount: str, rng: random.Random) -> str:
        return {
            "USD": f"${amount}",
            "CAD": f"${amount}",
            "AUD": f"${amount}",
            "SGD": f"${amount}",
            "GBP": f"£{amount}",
            "EUR": f"€{amount}" if country == "IE" else f"{amount} €",
            "CHF": f"CHF {amount}",
            "INR": f"₹{amount}",
        }.get(currency, f"{currency} {amount}")

    # -- the market --------------------------------------------------------------------------------------
    def _discovered(self, rng: random.Random, company: _Company) -> datetime:
        """When a posting of ``company`` is discovered: before the anchor (1 - FUTURE_SHARE of them; evenly,
        or more lately for a rising company), else after it at the company's momentum (``_future_day``). Two
        draws, whatever the company: the market up to the anchor is what it was before momentum."""
        cfg = self.config
        start = cfg.anchor - timedelta(days=cfg.history_days)
        total = cfg.history_days + cfg.future_days
        if rng.random() < 1 - FUTURE_SHARE:
            u = rng.random()
            day = (u**0.45 if company.momentum == "rising" else u) * cfg.history_days
        else:
            day = cfg.history_days + _future_day(rng.random(), cfg.future_days, company.momentum)
        seconds = int(min(day, total - 1e-6) * 86400)
        return start + timedelta(seconds=seconds)

    def market(self) -> Market:
        cfg = self.config
        rng = self.rng
        drafts: list[tuple[datetime, dict[str, Any], dict[str, Any]]] = []
        quota = max(0, min(130, int(cfg.n_postings * 0.022)))
        by_name = {c.name: c for c in self.companies}
        own = by_name[OWN_COMPANY["name"]]
        employers = [c for c in self.hirers if not c.agency]
        for cell in self.truth_cells:
            for i in range(quota):
                company = (
                    employers[(i * 7 + rng.randrange(len(employers))) % len(employers)]
                    if i >= 12
                    else employers[i % len(employers)]
                )
                when = self._discovered(rng, company)
                row, truth = self.posting(
                    rng,
                    when,
                    company=company,
                    occupation=cell["occupation"],
                    level=cell["level"],
                    country=cell["country"],
                )
                drafts.append((when, row, truth))
        # Data and engineering leaders at data-heavy companies (the vendor document's own example search,
        # "Head of Data" / "VP Engineering" + snowflake in the US, finds these).
        for i in range(max(1, cfg.n_postings // 60)):
            company = rng.choices(employers, [c.weight for c in employers])[0]
            when = self._discovered(rng, company)
            occupation = "data_engineer" if i % 2 == 0 else "backend_engineer"
            country = "US" if rng.random() < 0.7 else rng.choice(company.countries)
            row, truth = self.posting(
                rng,
                when,
                company=company,
                occupation=occupation,
                level=rng.choice(["director", "vp"]),
                country=country,
            )
            if rng.random() < 0.6:
                title = (
                    "Head of Data"
                    if occupation == "data_engineer"
                    else rng.choice(["VP Engineering", "VP of Engineering"])
                )
                row["job_title"] = title + rng.choice(["", "", " (Remote)", ", Platform", " - New York"])
                row["normalized_title"] = title.lower()
            if "snowflake" not in row["job_technology_slugs"]:
                row["job_technology_slugs"] = sorted([*row["job_technology_slugs"], "snowflake"])
                row["description"] += " Our warehouse runs on Snowflake."
            drafts.append((when, row, truth))
        own_count = max(1, cfg.n_postings // 150)
        for _ in range(own_count):
            when = self._discovered(rng, own)
            occupation = rng.choice(
                [
                    "backend_engineer",
                    "data_scientist",
                    "data_engineer",
                    "product_designer",
                    "account_executive",
                ]
            )
            row, truth = self.posting(
                rng, when, company=own, occupation=occupation, country=rng.choice(own.countries)
            )
            drafts.append((when, row, truth))
        n_reposts = int(cfg.n_postings * 0.05)
        while len(drafts) < cfg.n_postings - n_reposts:
            company = rng.choices(self.hirers, self.hirer_weights)[0]
            when = self._discovered(rng, company)
            row, truth = self.posting(rng, when, company=company)
            drafts.append((when, row, truth))
        drafts = drafts[: cfg.n_postings - n_reposts]
        drafts.sort(key=lambda d: d[0])
        end = cfg.anchor + timedelta(days=cfg.future_days)
        originals = list(drafts)
        for _ in range(min(n_reposts, len(originals))):
            when, row, truth = originals[rng.randrange(len(originals))]
            later = when + timedelta(days=rng.randint(10, 45), seconds=rng.randrange(86400))
            if later >= end:
                later = when + timedelta(seconds=rng.randrange(1, 3600))
            copy = dict(row)
            copy["reposted"] = True
            copy["date_reposted"] = later.date().isoformat()
            copy["date_posted"] = later.date().isoformat()
            copy["discovered_at"] = later.strftime("%Y-%m-%dT%H:%M:%S")
            drafts.append((later, copy, dict(truth, repost=True)))
        drafts.sort(key=lambda d: (d[0], d[1]["job_title"], d[1]["company"]))
        postings: list[dict[str, Any]] = []
        stamps: list[datetime] = []
        truths: dict[int, dict[str, Any]] = {}
        next_id = 100_000_000
        for when, row, truth in drafts:
            next_id += rng.randint(1, 40)
            row["id"] = next_id
            postings.append(row)
            stamps.append(when.replace(microsecond=0))
            truths[next_id] = truth
        self._company_counts(postings)
        locations, job_roles, work_types = self._flowstate_references()
        vacancies = self._vacancies(locations)
        truth_rows = self._truth(postings, truths)
        market = Market(
            config=cfg,
            postings=tuple(postings),
            discovered_at=tuple(stamps),
            companies=tuple(dict(c.attributes) for c in self.companies),
            own_company=dict(OWN_COMPANY),
            locations=tuple(locations),
            job_roles=tuple(job_roles),
            work_types=tuple(work_types),
            vacancies=tuple(vacancies),
            scenarios=tuple(self._scenarios(vacancies)),
            truth=tuple(truth_rows),
            _truth_by_id=truths,
            _generator=self,
        )
        return market

    def _company_counts(self, postings: list[dict[str, Any]]) -> None:
        """num_jobs and num_jobs_last_30_days as of the anchor, written into each company's attributes."""
        recent = (self.config.anchor - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S")
        now = self.config.anchor.strftime("%Y-%m-%dT%H:%M:%S")
        total: dict[str, int] = {}
        last30: dict[str, int] = {}
        for row in postings:
            if row["discovered_at"] <= now:
                total[row["company"]] = total.get(row["company"], 0) + 1
                if row["discovered_at"] >= recent:
                    last30[row["company"]] = last30.get(row["company"], 0) + 1
        for company in self.companies:
            company.attributes["num_jobs"] = total.get(company.name, 0)
            company.attributes["num_jobs_last_30_days"] = last30.get(company.name, 0)
        for row in postings:
            attrs = row.get("company_object", row)
            attrs["num_jobs"] = total.get(row["company"], 0)
            attrs["num_jobs_last_30_days"] = last30.get(row["company"], 0)

    # -- Flowstate ---------------------------------------------------------------------------------------
    def _flowstate_references(
        self,
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        stamp = {"createdAt": "2026-01-05T08:00:00Z", "updatedAt": "2026-01-05T08:00:00Z"}
        places = [
            (SEED_IDS["location"], "New York, NY", "US", "North America", "America/New_York", "USD", 1.25),
            ("clx4l5m6n7p8", "San Francisco, CA", "US", "North America", "America/Los_Angeles", "USD", 1.35),
            ("clx5a6u7s8t9", "Austin, TX", "US", "North America", "America/Chicago", "USD", 1.0),
            ("clx6r7e8m9u0", "Remote - US", "US", "North America", "America/New_York", "USD", 1.0),
            ("clx7l8o9n0d1", "London, UK", "GB", "Europe", "Europe/London", "GBP", 1.15),
            ("clx8b9e0r1l2", "Berlin, Germany", "DE", "Europe", "Europe/Berlin", "EUR", 1.0),
            ("clx9a0m1s2t3", "Amsterdam, Netherlands", "NL", "Europe", "Europe/Amsterdam", "EUR", 1.05),
            ("clx0b1l2r3u4", "Bengaluru, India", "IN", "APAC", "Asia/Kolkata", "INR", 0.35),
            ("clx1t2o3r4o5", "Toronto, Canada", "CA", "North America", "America/Toronto", "CAD", 0.95),
            ("clx2s3y4d5n6", "Sydney, Australia", "AU", "APAC", "Australia/Sydney", "AUD", 1.0),
        ]
        locations = [
            {
                "id": pid,
                "name": name,
                "countryCode": cc,
                "region": region,
                "timezone": tz,
                "defaultCurrencyCode": cur,
                "costMultiplier": mult,
                "isActive": True,
                "sortOrder": i + 1,
                **stamp,
            }
            for i, (pid, name, cc, region, tz, cur, mult) in enumerate(places)
        ]
        role_names = [
            (SEED_IDS["job_role"], "Software Engineering", "ENG"),
            ("clx1d2a3t4a5", "Data Science", "DS"),
            ("clx2d3e4n5g6", "Data Engineering", "DE"),
            ("clx3p4r5o6d7", "Product Management", "PM"),
            ("clx4d5e6s7g8", "Design", "DES"),
            ("clx5s6a7l8e9", "Sales", "SAL"),
            ("clx6m7k8t9g0", "Marketing", "MKT"),
            ("clx7f8i9n0a1", "Finance", "FIN"),
            ("clx8p9e0o1p2", "People", "PPL"),
            ("clx9o0p1s2x3", "Operations", "OPS"),
            ("clx0s1u2p3t4", "Customer Support", "SUP"),
            ("clx1c2l3i4n5", "Clinical", "CLN"),
        ]
        job_roles = [
            {
                "id": rid,
                "name": name,
                "description": f"{name} roles across all levels.",
                "isActive": True,
                "sortOrder": i + 1,
                "externalId": f"JR-{code}",
            }
            for i, (rid, name, code) in enumerate(role_names)
        ]
        work_types = [
            {"id": wid, "name": name, "appliesToType": applies, "isActive": True, "sortOrder": i + 1, **stamp}
            for i, (wid, name, applies) in enumerate(
                [
                    (SEED_IDS["work_type"], "Full-time", "employee"),
                    ("clx3p4t5i6m7", "Part-time", "employee"),
                    ("clx4f5t6e7r8", "Fixed-term", "employee"),
                    ("clx5c6o7n8t9", "Contractor", "contractor"),
                ]
            )
        ]
        return locations, job_roles, work_types

    def _vacancies(self, locations: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rng = random.Random(f"vacancies-{self.config.seed}")
        loc = {row["name"]: row["id"] for row in locations}
        role = {
            "Engineering": "clx9r8q7w6e5",
            "DataScience": "clx1d2a3t4a5",
            "DataEng": "clx2d3e4n5g6",
            "Product": "clx3p4r5o6d7",
            "Design": "clx4d5e6s7g8",
            "Sales": "clx5s6a7l8e9",
            "Marketing": "clx6m7k8t9g0",
            "Finance": "clx7f8i9n0a1",
            "People": "clx8p9e0o1p2",
            "Ops": "clx9o0p1s2x3",
            "Support": "clx0s1u2p3t4",
            "Clinical": "clx1c2l3i4n5",
        }
        full, part, fixed, contractor = "clx2w3x4y5z6", "clx3p4t5i6m7", "clx4f5t6e7r8", "clx5c6o7n8t9"
        # (id, role, description, status, job role, work type, location, band low, band high, currency)
        plan = [
            (
                "clxv1datasci0001",
                "Data Scientist",
                "Pricing and experimentation for the marketplace.",
                "open",
                "DataScience",
                full,
                "London, UK",
                60000,
                78000,
                "GBP",
            ),
            (
                "clxv1dataeng0002",
                "Senior Data Engineer",
                "Owns the ingestion platform (Spark, Airflow, Snowflake).",
                "open",
                "DataEng",
                full,
                "Berlin, Germany",
                70000,
                90000,
                "EUR",
            ),
            (
                "clxv1frontend003",
                "Senior Frontend Engineer",
                "React and TypeScript for the analyst workspace.",
                "open",
                "Engineering",
                full,
                "Bengaluru, India",
                2600000,
                3600000,
                "INR",
            ),
            (
                "clxv1designer004",
                "Product Designer",
                "End-to-end design for onboarding and billing.",
                "open",
                "Design",
                full,
                "Toronto, Canada",
                95000,
                120000,
                "CAD",
            ),
            (
                "clxv1nurse000005",
                "Registered Nurse",
                "Occupational health nurse for our New York office clinic.",
                "open",
                "Clinical",
                part,
                "New York, NY",
                80000,
                98000,
                "USD",
            ),
            (
                "clxv2staffplat06",
                "Staff Platform Engineer",
                "Kubernetes platform and developer experience.",
                "open",
                "Engineering",
                full,
                "San Francisco, CA",
                210000,
                260000,
                "USD",
            ),
            (
                "clxv2ae000000007",
                "Account Executive, Enterprise",
                "New business in regulated industries.",
                "open",
                "Sales",
                full,
                "London, UK",
                65000,
                85000,
                "GBP",
            ),
            (
                "clxv2mlengineer8",
                "Machine Learning Engineer",
                "Ranking and recommendations.",
                "open",
                "DataScience",
                full,
                "Amsterdam, Netherlands",
                75000,
                95000,
                "EUR",
            ),
            (
                "clxv2sre00000009",
                "Site Reliability Engineer",
                "On-call, observability and capacity planning.",
                "open",
                "Engineering",
                full,
                "Remote - US",
                150000,
                185000,
                "USD",
            ),
            (
                "clxv2pm000000010",
                "Senior Product Manager, Payments",
                "Payments and invoicing roadmap.",
                "open",
                "Product",
                full,
                "New York, NY",
                170000,
                205000,
                "USD",
            ),
            (
                "clxv2analyst0011",
                "Data Analyst",
                "Finance and operations reporting.",
                "open",
                "DataScience",
                full,
                "Austin, TX",
                75000,
                95000,
                "USD",
            ),
            (
                "clxv2support0012",
                "Customer Support Specialist",
                "Tier 1 support for EMEA customers.",
                "open",
                "Support",
                part,
                "Berlin, Germany",
                38000,
                46000,
                "EUR",
            ),
            (
                "clxv2recruit013",
                "Technical Recruiter",
                "Hiring engineers in North America.",
                "open",
                "People",
                fixed,
                "Toronto, Canada",
                80000,
                98000,
                "CAD",
            ),
            (
                "clxv2fpa0000014",
                "FP&A Analyst",
                "Planning and forecasting.",
                "open",
                "Finance",
                full,
                "London, UK",
                50000,
                62000,
                "GBP",
            ),
            (
                "clxv2mktg000015",
                "Growth Marketing Manager",
                "Paid acquisition and lifecycle.",
                "open",
                "Marketing",
                full,
                "Sydney, Australia",
                120000,
                145000,
                "AUD",
            ),
            (
                "clxv2ios0000016",
                "iOS Engineer II",
                "Consumer app.",
                "open",
                "Engineering",
                contractor,
                "Remote - US",
                140000,
                170000,
                "USD",
            ),
            (
                "clxv2ops0000017",
                "Operations Manager",
                "Fulfilment operations in Bengaluru.",
                "open",
                "Ops",
                full,
                "Bengaluru, India",
                1800000,
                2600000,
                "INR",
            ),
            (
                "clxv3hold000018",
                "Principal Security Engineer",
                "Application security program.",
                "on_hold",
                "Engineering",
                full,
                "San Francisco, CA",
                250000,
                310000,
                "USD",
            ),
            (
                "clxv3hold000019",
                "Head of Data",
                "Leads data science and engineering.",
                "on_hold",
                "DataScience",
                full,
                "London, UK",
                130000,
                160000,
                "GBP",
            ),
            (
                "clxv3hold000020",
                "Junior Backend Developer",
                "Graduate programme.",
                "on_hold",
                "Engineering",
                full,
                "Berlin, Germany",
                48000,
                58000,
                "EUR",
            ),
            (
                "clxv3cncl000021",
                "SDR",
                "Outbound prospecting.",
                "cancelled",
                "Sales",
                full,
                "Austin, TX",
                55000,
                70000,
                "USD",
            ),
            (
                "clxv3cncl000022",
                "HVAC Technician",
                "Facilities team.",
                "cancelled",
                "Ops",
                contractor,
                "New York, NY",
                60000,
                75000,
                "USD",
            ),
            (
                "clxv4fill000023",
                "Backend Engineer",
                "Billing platform.",
                "filled",
                "Engineering",
                full,
                "London, UK",
                70000,
                90000,
                "GBP",
            ),
            (
                "clxv4fill000024",
                "Data Scientist",
                "Risk models.",
                "filled",
                "DataScience",
                full,
                "New York, NY",
                140000,
                170000,
                "USD",
            ),
            (
                "clxv4fill000025",
                "Product Designer",
                "Design systems.",
                "filled",
                "Design",
                full,
                "Berlin, Germany",
                60000,
                75000,
                "EUR",
            ),
            (
                "clxv4fill000026",
                "Electrician",
                "Office facilities.",
                "filled",
                "Ops",
                part,
                "Austin, TX",
                55000,
                68000,
                "USD",
            ),
            (
                "clxv4fill000027",
                "Analytics Engineer",
                "dbt and Snowflake.",
                "filled",
                "DataEng",
                full,
                "Amsterdam, Netherlands",
                65000,
                80000,
                "EUR",
            ),
        ]
        vacancies = [dict(DOC_VACANCY)]
        for i, (vid, title, text, status, job_role, work_type, place, low, high, currency) in enumerate(plan):
            jitter = (
                1 + rng.uniform(-0.04, 0.04)
                if vid not in {c["vacancy_id"] for c in self.truth_cells}
                else 1.0
            )
            fte = 0.6 if work_type == part else 1.0
            # the band a part-time vacancy carries is what it pays at its fte (the plan's amounts are
            # full-time): Flowstate does not say which, and matcher reads both (``[normalize] band_basis``)
            low_amount = Decimal(round(low * fte * jitter / 1000) * 1000)
            high_amount = Decimal(round(high * fte * jitter / 1000) * 1000)
            created = datetime(2026, 1, 20, 9, 0, tzinfo=UTC) + timedelta(
                days=i * 5, minutes=rng.randrange(600)
            )
            updated = created + timedelta(days=rng.randrange(1, 60), minutes=rng.randrange(600))
            vacancy: dict[str, Any] = {
                "id": vid,
                "role": title,
                "description": text,
                "status": status,
                "fte": fte,
                "targetStartDate": (date(2026, 12, 1) + timedelta(days=rng.randrange(120))).isoformat(),
                "targetFillDate": (date(2026, 11, 15) + timedelta(days=rng.randrange(90))).isoformat(),
                "jobRoleId": role[job_role],
                "workTypeId": work_type,
                "geographyId": loc[place],
                "salaryMin": f"{low_amount:.2f}",
                "salaryMax": f"{high_amount:.2f}",
                "currencyCode": currency,
                "filledByLiveEmployeeId": f"clxe{rng.randrange(16**12):012x}" if status == "filled" else None,
                "hiringManagerId": f"clxm{rng.randrange(16**12):012x}",
                "metadata": {},
                "createdAt": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "updatedAt": updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            if i % 4 == 1:
                vacancy["metadata"] = {"costCenter": f"CC-{100 + i}", "requisition": f"R-{1000 + i}"}
            if i in (2, 9):
                vacancy["externalId"] = f"WD-{5000 + i}"
                vacancy["isFilled"] = status == "filled"
            vacancies.append(vacancy)
        return vacancies

    def _scenarios(self, vacancies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        live_open = [v for v in vacancies if v["status"] == "open" and v["id"] != DOC_VACANCY["id"]]
        freeze_ids = [v["id"] for v in live_open[5:8]]
        raise_ids = [v["id"] for v in live_open[:2]]

        def raised(v: dict[str, Any]) -> dict[str, str]:
            return {
                "salaryMin": f"{Decimal(v['salaryMin']) * Decimal('1.10'):.2f}",
                "salaryMax": f"{Decimal(v['salaryMax']) * Decimal('1.10'):.2f}",
            }

        template = dict(DOC_VACANCY)
        added = [
            dict(
                template,
                id="clxs1new0000001",
                role="Senior Backend Engineer",
                geographyId="clx7l8o9n0d1",
                salaryMin="85000.00",
                salaryMax="105000.00",
                currencyCode="GBP",
                description="Second payments team.",
            ),
            dict(
                template,
                id="clxs1new0000002",
                role="Data Engineer",
                jobRoleId="clx2d3e4n5g6",
                geographyId="clx0b1l2r3u4",
                salaryMin="2200000.00",
                salaryMax="3000000.00",
                currencyCode="INR",
                description="India data hub.",
            ),
        ]
        by_id = {v["id"]: v for v in vacancies}
        return [
            {
                "id": "scn_hiring_freeze",
                "name": "Hiring freeze in Q1",
                "overrides": {vid: {"status": "on_hold"} for vid in freeze_ids},
                "added": [],
                "removed": [live_open[-1]["id"]],
            },
            {
                "id": "scn_expansion",
                "name": "Expansion: London and Bengaluru",
                "overrides": {vid: raised(by_id[vid]) for vid in raise_ids},
                "added": added,
                "removed": [live_open[-2]["id"]],
            },
        ]

    def _truth(
        self, postings: list[dict[str, Any]], truths: dict[int, dict[str, Any]]
    ) -> list[dict[str, Any]]:
        rows = []
        for cell in self.truth_cells:
            sample = [
                t
                for p in postings
                if (t := truths[p["id"]])["occupation"] == cell["occupation"]
                and t["level"] == cell["level"]
                and t["country_code"] == cell["country"]
                and t["has_salary"]
                and not t["is_estimate"]
                and not t["is_outlier"]
                and not p["reposted"]
            ]
            occ = self.occupations[cell["occupation"]]
            model = self.cell_median(cell["occupation"], cell["level"], cell["country"])
            rows.append(
                {
                    "vacancy_id": cell["vacancy_id"],
                    "currency": self.conventions[cell["country"]]["currency"],
                    # the median of this market's employer-posted annual midpoints for the cell (no estimates,
                    # outliers or reposts): what a correct benchmark over these postings must find
                    "true_median_annual": f"{statistics.median(t['annual_mid'] for t in sample):.2f}",
                    "model_median_annual": f"{model:.2f}",
                    "occupation": cell["occupation"],
                    "soc_code": occ["soc"],
                    "seniority": cell["level"],
                    "country_code": cell["country"],
                    "n_postings": len(sample),
                    "n_companies": len({t["company"] for t in sample}),
                }
            )
        return rows
