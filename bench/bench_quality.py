"""Issue 12's quality figures on real data, each beside today's baseline (59d3eb4) measured in the same run.

Matching: real postings (ai-jobs.net salaries in GB, DE, FR, ES, CA, IN; H-1B FY2013 Q3 in the US, both
read from ``../shared/data`` at run time) are written as Floqer rows into a temporary raw lake beside 15
Flowstate vacancies (``bench/data/quality_vacancies.csv``); the product's own stages (``normalize_lake``,
``match_lake``, ``benchmark_lake``) run on it. Hand-judged labels (``bench/data/quality_labels.csv``: per
vacancy and distinct title, is it the same job) give per vacancy::

    precision@20  share of the 20 best-ranked matches that are the same job (fewer when fewer matched)
    recall        share of the same-job postings that are matched at all (any score above the floor)
    p50 error     the benchmark's p50 against the median of the same-job postings' own salaries
    pool ok       share of the postings counted in that p50 that are the same job

and, for a verdict whose p50 misses the goal, where its pool and the truth part (``pool_gap``): the titles
counted that are not the same job, and the same-job titles left out and why, each with its median salary.

Also: salary strings (``tests/normalize/test_salary_formats.py``'s table), seniority (the 247 labelled titles
of ``tests/normalize/test_titles_eval.py``) and the country of text-only locations
(``tests/normalize/test_location_eval.py``'s 1,946 strings). The baseline runs the same in a subprocess on the
code of 59d3eb4 (``git archive``), ``bench/quality_baseline_driver.py``.

    uv run python -m bench.bench_quality
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DATA = Path(__file__).resolve().parent / "data"
BASELINE = "59d3eb4"
AS_OF = date(2024, 12, 31)
TOP = 20
POOL_SCORE = 75.0  # BenchmarkOptions.min_score: a match at or above it is the same job to the benchmark

# ai-jobs.net rows kept per country: the local currency only (the truth is then the row's own number)
LOCAL_CURRENCY = {"GB": "GBP", "DE": "EUR", "FR": "EUR", "ES": "EUR", "CA": "CAD", "IN": "INR"}
COUNTRY_NAME = {
    "GB": "United Kingdom",
    "DE": "Germany",
    "FR": "France",
    "ES": "Spain",
    "CA": "Canada",
    "IN": "India",
    "US": "United States",
}
# ai-jobs.net experience_level -> Floqer's seniority vocabulary
FLOQER_SENIORITY = {"EN": "junior", "MI": "mid_level", "SE": "senior", "EX": "c_level"}
GOALS = {"precision": 0.90, "recall": 0.85, "p50": 0.05, "salary": 0.98, "seniority": 0.95, "country": 0.99}


# -- the postings --------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Posting:
    """One real row as a Floqer posting, with the truth the bench compares against."""

    posting_id: str
    country: str
    title: str
    level: str | None  # ai-jobs.net experience_level (EN/MI/SE/EX); None for H-1B (the title says it)
    annual: Decimal  # the source's own yearly salary, in ``currency``
    currency: str
    row: dict[str, Any] = field(repr=False)


def _group(amount: int, sep: str = ",", indian: bool = False) -> str:
    digits = str(amount)
    if indian and len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        pairs = []
        while len(head) > 2:
            pairs.insert(0, head[-2:])
            head = head[:-2]
        return sep.join([head, *pairs, tail]) if head else sep.join([*pairs, tail])
    return f"{amount:,}".replace(",", sep)


def display_salary(amount: int, country: str, variant: int) -> str:
    """A yearly amount written the way that country's boards write it: 65000, GB -> '£65,000 per annum'."""
    formats = {
        "US": [f"${_group(amount)} a year", f"${_group(amount)}.00/yr"],
        "GB": [f"£{_group(amount)} per annum", f"£{_group(amount)}pa"],
        "DE": [f"{_group(amount, '.')} € pro Jahr", f"{_group(amount, '.')} € brutto jährlich"],
        "FR": [f"{_group(amount, chr(0xA0))} € par an", f"{_group(amount, ' ')} € brut par an"],
        "ES": [f"{_group(amount, '.')} € brutos al año", f"{_group(amount, '.')} €/año"],
        "CA": [f"${_group(amount)} a year", f"${_group(amount)}/yr"],
        "IN": [f"₹{_group(amount, indian=True)} a year", f"₹ {_group(amount, indian=True)} P.A."],
    }[country]
    return formats[variant % len(formats)]


def _posted(i: int) -> str:
    return (AS_OF - timedelta(days=1 + i % 150)).isoformat()


def _aijobs(shared: Path) -> list[Posting]:
    postings = []
    with (shared / "data" / "aijobs" / "salaries.csv").open(encoding="utf-8", newline="") as handle:
        for i, r in enumerate(csv.DictReader(handle), start=2):  # i: the file's line number
            country = r["company_location"]
            if LOCAL_CURRENCY.get(country) != r["salary_currency"] or r["employment_type"] != "FT":
                continue
            amount = int(r["salary"])
            remote, hybrid = r["remote_ratio"] == "100", r["remote_ratio"] == "50"
            place = COUNTRY_NAME[country]
            location = f"Remote, {place}" if remote else f"{place} (Hybrid)" if hybrid else place
            pid = f"aijobs-{i}"
            row = {
                "id": pid,
                "job_title": r["job_title"],
                "seniority": FLOQER_SENIORITY.get(r["experience_level"]),
                "date_posted": _posted(i),
                "location": location,
                "country": place,
                "country_code": country,
                "remote": remote,
                "hybrid": hybrid,
                "salary_string": display_salary(amount, country, i),
                "company": f"ai-jobs.net employer {i}",  # the source names no employer: one per row
                "employment_statuses": ["full_time"],
                "url": f"https://ai-jobs.net/salaries/#row-{i}",
            }
            postings.append(
                Posting(
                    posting_id=pid,
                    country=country,
                    title=r["job_title"],
                    level=r["experience_level"],
                    annual=Decimal(amount),
                    currency=r["salary_currency"],
                    row=row,
                )
            )
    return postings


def _h1b(shared: Path) -> list[Posting]:
    postings = []
    with (shared / "data" / "h1b" / "h1b_fy13_q3.csv").open(encoding="latin-1", newline="") as handle:
        for i, r in enumerate(csv.DictReader(handle), start=2):
            try:
                amount = int(Decimal(r["Wage"]))
            except ArithmeticError:
                continue
            if amount < 15000 or not r["JobTitle"].strip():
                continue  # an hourly or blank wage filed in the annual column
            city, state = r["City"].strip().title(), r["State"].strip()
            pid = f"h1b-{i}"
            row = {
                "id": pid,
                "job_title": r["JobTitle"],
                "seniority": None,
                "date_posted": _posted(i),
                "location": f"{city}, {state}",
                "city": city,
                "state_code": state,
                "country": "United States",
                "country_code": "US",
                "remote": False,
                "hybrid": False,
                "salary_string": display_salary(amount, "US", i),
                "company": r["Employer"],
                "employment_statuses": ["full_time"],
            }
            postings.append(
                Posting(
                    posting_id=pid,
                    country="US",
                    title=r["JobTitle"],
                    level=None,
                    annual=Decimal(amount),
                    currency="USD",
                    row=row,
                )
            )
    return postings


def real_postings(shared: Path = SHARED) -> list[Posting]:
    return _aijobs(shared) + _h1b(shared)


# -- vacancies and labels ------------------------------------------------------------------------------------


def load_vacancies(path: Path = DATA / "quality_vacancies.csv") -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True, kw_only=True)
class Label:
    same_job: bool
    levels: frozenset[str]  # ai-jobs.net experience levels that count (empty: the title decides, H-1B)
    note: str = ""


def load_labels(path: Path = DATA / "quality_labels.csv") -> dict[tuple[str, str], Label]:
    """(vacancy_id, title) -> the hand label."""
    labels = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle):
            levels = frozenset(x for x in r["levels"].split("|") if x)
            labels[(r["vacancy_id"], r["title"])] = Label(
                same_job=r["same_job"] == "yes", levels=levels, note=r["note"]
            )
    return labels


def same_job(vacancy: dict[str, str], posting: Posting, labels: dict[tuple[str, str], Label]) -> bool | None:
    """True/False by the hand label, None when the (vacancy, title) pair was never labelled.

    A posting in another country is never the same job (pay markets are national); an ai-jobs.net row counts
    only at the experience levels its label allows."""
    if posting.country != vacancy["country"]:
        return False
    label = labels.get((vacancy["vacancy_id"], posting.title))
    if label is None:
        return None
    if not label.same_job:
        return False
    return not label.levels or posting.level in label.levels


# -- the metrics ---------------------------------------------------------------------------------------------


def precision_at(ranked: list[bool | None], k: int = TOP) -> float | None:
    """Share of the first ``k`` that are the same job; an unlabelled posting counts as not (None: no match).

    >>> precision_at([True, False, True, None], k=20)
    0.5
    """
    top = ranked[:k]
    return sum(x is True for x in top) / len(top) if top else None


def recall(matched: Iterable[str], relevant: set[str]) -> float | None:
    """Share of ``relevant`` posting ids that are among ``matched`` (None when nothing is relevant)."""
    if not relevant:
        return None
    return len(relevant & set(matched)) / len(relevant)


def median(values: list[Decimal]) -> Decimal | None:
    return statistics.median(values) if values else None


def relative_error(found: Decimal | float | None, truth: Decimal | None) -> float | None:
    if found is None or truth is None or truth == 0:
        return None
    return float((Decimal(str(found)) - truth) / truth)


@dataclass(kw_only=True)
class VacancyQuality:
    vacancy_id: str
    role: str
    n_same: int  # labelled same-job postings in the pool
    n_matched: int
    precision: float | None
    recall: float | None
    unlabelled_top: int  # postings in the top 20 whose title was never labelled for this vacancy
    truth_p50: Decimal | None
    p50: float | None
    p50_error: float | None
    precision_all: float | None = None  # over every match, related postings included
    recall_pool: float | None = None  # share of the same-job postings matched at the pool's score (75)
    verdict: str | None
    confidence: str | None
    n_pool: int | None
    pool_precision: float | None = None  # share of the postings counted in the p50 that are the same job
    wrong_top: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)


def evaluate_matches(
    vacancies: list[dict[str, str]],
    postings: list[Posting],
    labels: dict[tuple[str, str], Label],
    matches: list[dict[str, Any]],
    benchmarks: dict[str, dict[str, Any]],
    pool: list[dict[str, Any]] | None = None,
    same: list[dict[str, Any]] | None = None,
) -> list[VacancyQuality]:
    """Per vacancy figures from the product's matches (vacancy_id, posting_id, rank) and benchmarks.

    ``same``: the matches the product calls the same job (``vacancy_matches.same_job``; None for a version
    without that notion): precision@20 is measured on them, the related postings listed after them are
    not; ``precision_all`` counts every match."""
    by_id = {p.posting_id: p for p in postings}
    results = []
    for v in vacancies:
        vid = v["vacancy_id"]
        mine = sorted((m for m in matches if m["vacancy_id"] == vid), key=lambda m: m["rank"])
        ranked = [by_id[m["posting_id"]] for m in mine if m["posting_id"] in by_id]
        judged_all = [same_job(v, p, labels) for p in ranked]
        called = {r["posting_id"] for r in same or [] if r["vacancy_id"] == vid}
        shown = ranked if same is None else [p for p in ranked if p.posting_id in called]
        judged = [same_job(v, p, labels) for p in shown]
        relevant = {p.posting_id for p in postings if same_job(v, p, labels)}
        truth = median([by_id[pid].annual for pid in relevant])
        bench = benchmarks.get(vid, {})
        p50 = bench.get("p50")
        wrong = [
            f"{p.title} [{p.level or '-'}, {p.country}]"
            for p, j in zip(shown[:TOP], judged, strict=False)
            if j is not True
        ]
        matched_ids = {p.posting_id for p in ranked}
        counted = [by_id[r["posting_id"]] for r in pool or [] if r["vacancy_id"] == vid]
        missed = sorted({f"{by_id[pid].title} [{by_id[pid].level or '-'}]" for pid in relevant - matched_ids})
        results.append(
            VacancyQuality(
                vacancy_id=vid,
                role=v["role"],
                n_same=len(relevant),
                n_matched=len(ranked),
                precision=precision_at(judged),
                precision_all=precision_at(judged_all),
                recall_pool=recall({m["posting_id"] for m in mine if m["score"] >= POOL_SCORE}, relevant),
                recall=recall(matched_ids, relevant),
                unlabelled_top=sum(j is None for j in judged[:TOP]),
                truth_p50=truth,
                p50=p50,
                p50_error=relative_error(p50, truth),
                verdict=bench.get("verdict"),
                confidence=bench.get("confidence"),
                n_pool=bench.get("n"),
                pool_precision=(
                    sum(same_job(v, p, labels) is True for p in counted) / len(counted) if counted else None
                ),
                wrong_top=wrong,
                missed=missed,
            )
        )
    return results


def pool_gap(
    vacancy: dict[str, str],
    postings: list[Posting],
    labels: dict[tuple[str, str], Label],
    matches: list[dict[str, Any]],
    pool_reasons: list[dict[str, Any]],
) -> tuple[list[str], list[str]]:
    """Where the benchmark's pool and the truth part, per title (the titles that move a p50 most first):
    (the postings counted that are not the same job; the same-job postings not counted and why: the reason
    the benchmark's pool gives (``outlier``, ``other_level``, ``no_salary``...), "below the pool's score",
    "dropped: repost or company cap" (matched at the pool's score, in no pool row) or "not matched").

    Each entry: "Data Specialist [SE] x6, median 37,112, score 75.1-77.3"."""
    vid = vacancy["vacancy_id"]
    by_id = {p.posting_id: p for p in postings}
    scores = {m["posting_id"]: float(m["score"]) for m in matches if m["vacancy_id"] == vid}
    reasons = {r["posting_id"]: r["reason"] for r in pool_reasons if r["vacancy_id"] == vid}
    counted = {pid for pid, reason in reasons.items() if reason == "counted"}
    relevant = {p.posting_id for p in postings if same_job(vacancy, p, labels)}

    def why(pid: str) -> str:
        if pid in reasons:
            return reasons[pid]
        if pid not in scores:
            return "not matched"
        return "below the pool's score" if scores[pid] < POOL_SCORE else "dropped: repost or company cap"

    def describe(ids: set[str], reason: Any) -> list[str]:
        groups: dict[tuple[str, str, str], list[Posting]] = {}
        for pid in ids:
            p = by_id[pid]
            groups.setdefault((p.title, p.level or "-", reason(pid)), []).append(p)
        lines = []
        for (title, level, because), items in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            found = [scores[p.posting_id] for p in items if p.posting_id in scores]
            score = f", score {min(found):.1f}-{max(found):.1f}" if found else ""
            salary = _money(median([p.annual for p in items]))
            lines.append(
                f"{title} [{level}] x{len(items)}, median {salary}{score}"
                + (f", {because}" if because else "")
            )
        return lines

    return describe(counted - relevant, lambda _: ""), describe(relevant - counted, why)


# -- the product, in-process ---------------------------------------------------------------------------------

META = {"run_id": "bench-quality", "ingest_at": None}


def write_raw_lake(root: Path, postings: list[Posting], vacancies: list[dict[str, str]]) -> None:
    """The raw lake the ingest stage would land for these rows (``docs/architecture.md``, The lake)."""
    from matcher.ingest.lake import Lake, dumps_exact
    from matcher.ingest.runner import SCHEMAS

    lake = Lake(root)
    at = datetime(2024, 12, 31, 8, 0, tzinfo=UTC)
    meta = {"run_id": "bench-quality", "ingested_at": at, "page_no": 1}
    lake.append(
        "floqer_postings",
        [
            {
                "posting_id": p.posting_id,
                "source_instance_id": "bench-quality",
                "date_posted": date.fromisoformat(p.row["date_posted"]),
                "discovered_at": at.replace(tzinfo=None),
                "job_title": p.title,
                "company": p.row["company"],
                "raw_json": dumps_exact(p.row),
                **meta,
            }
            for p in postings
        ],
        SCHEMAS["floqer_postings"],
        run_id="bench-quality",
    )
    countries = {v["country"]: v for v in vacancies}
    locations = [
        {
            "id": f"loc-{v['vacancy_id']}",
            "name": v["location_name"],
            "countryCode": v["country"],
            "defaultCurrencyCode": v["currency"],
        }
        for v in vacancies
    ]
    del countries
    records = {
        "locations": locations,
        "work_types": [{"id": "wt-full-time", "name": "Full-time", "appliesToType": "employee"}],
        "job_roles": [{"id": f"role-{v['vacancy_id']}", "name": v["role"]} for v in vacancies],
    }
    for table, rows in records.items():
        lake.append(
            f"flowstate_{table}",
            [
                {"entity_id": r["id"], "content_sha": r["id"], "raw_json": dumps_exact(r), **meta}
                for r in rows
            ],
            SCHEMAS[f"flowstate_{table}"],
            run_id="bench-quality",
        )
    updated = "2024-12-01T00:00:00Z"
    lake.append(
        "flowstate_vacancies",
        [
            {
                "scenario_id": "",
                "vacancy_id": v["vacancy_id"],
                "updated_at": updated,
                "status": "open",
                "raw_json": dumps_exact(
                    {
                        "id": v["vacancy_id"],
                        "role": v["role"],
                        "status": "open",
                        "updatedAt": updated,
                        "jobRoleId": f"role-{v['vacancy_id']}",
                        "workTypeId": "wt-full-time",
                        "geographyId": f"loc-{v['vacancy_id']}",
                        "salaryMin": Decimal(v["salary_min"]),
                        "salaryMax": Decimal(v["salary_max"]),
                        "currencyCode": v["currency"],
                        "fte": Decimal(1),
                        "isFilled": False,
                    }
                ),
                **meta,
            }
            for v in vacancies
        ],
        SCHEMAS["flowstate_vacancies"],
        run_id="bench-quality",
    )


def run_stages(root: Path, as_of: date = AS_OF) -> dict[str, Any]:
    """normalize -> match -> benchmark on ``root`` with the code on ``sys.path``; JSON-ready outputs.

    Kept free of anything newer than the baseline's APIs: ``quality_baseline_driver.py`` calls it too."""
    import polars as pl

    from matcher.benchmark.stage import BenchmarkOptions, benchmark_lake
    from matcher.match.stage import MatchOptions, match_lake
    from matcher.normalize.stage import NormalizeOptions, normalize_lake

    started = time.perf_counter()
    normalize_lake(root, NormalizeOptions(as_of=as_of, workers=1))
    match_lake(root, MatchOptions(as_of=as_of))
    frames = benchmark_lake(root, BenchmarkOptions(as_of=as_of))
    matches = pl.read_parquet(root / "matches" / "matches.parquet")
    bench = frames["vacancy_benchmarks"]
    pool = frames["benchmark_pool"].filter(pl.col("counted"))
    listed = frames["vacancy_matches"]
    return {
        "same": (
            listed.filter(pl.col("same_job")).select("vacancy_id", "posting_id").to_dicts()
            if "same_job" in listed.columns
            else None
        ),
        "pool": pool.select("vacancy_id", "posting_id").to_dicts(),
        # every posting of the pool with why it is (not) counted: counted, outlier, other_level, no_salary...
        "pool_reasons": (
            frames["benchmark_pool"].select("vacancy_id", "posting_id", "reason").to_dicts()
            if "reason" in frames["benchmark_pool"].columns
            else None
        ),
        "seconds": time.perf_counter() - started,
        "matches": matches.select("vacancy_id", "posting_id", "rank", "score").to_dicts(),
        "benchmarks": {
            r["vacancy_id"]: {
                "p50": None if r.get("p50") is None else float(r["p50"]),
                "n": r.get("n_postings"),
                "confidence": r.get("confidence"),
                "verdict": r.get("verdict"),
            }
            for r in bench.to_dicts()
        },
    }


# -- the normalizers' labelled sets --------------------------------------------------------------------------


def normalizer_cases(shared: Path = SHARED) -> dict[str, list[dict[str, Any]]]:
    """The labelled inputs of the normalizer evaluations, JSON-ready (the baseline driver reads them).

    salary: the 72 display formats of ``tests/normalize/test_salary_formats.py`` plus
    ``bench/data/salary_strings.csv``; seniority: the 247 titles of ``tests/normalize/test_titles_eval.py``;
    country: the location strings ``tests/normalize/test_location_eval.py`` builds from ../shared/data."""
    from tests.normalize.test_location_eval import evaluation_table
    from tests.normalize.test_salary_formats import TABLE
    from tests.normalize.test_titles_eval import LABELLED

    salary = [
        {"text": text, "country": country, "expected": [str(lo), str(hi), cur, period]}
        for (text, country), (lo, hi, cur, period) in TABLE
    ]
    extra = DATA / "salary_strings.csv"
    if extra.exists():
        with extra.open(encoding="utf-8", newline="") as handle:
            for r in csv.DictReader(handle):
                expected = [r["min"], r["max"], r["currency"], r["period"]]
                salary.append({"text": r["text"], "country": r["country"] or None, "expected": expected})
    seniority = [{"title": t, "expected": level} for t, level in LABELLED.items()]
    country = [{"text": t, "expected": c} for t, c, _ in evaluation_table(shared)]
    return {"salary": salary, "seniority": seniority, "country": country}


def predict_normalizers(cases: dict[str, list[dict[str, Any]]]) -> dict[str, list[Any]]:
    """What the ``matcher`` on ``sys.path`` reads for each case (only APIs 59d3eb4 already had)."""
    from matcher.normalize.location import normalize_location
    from matcher.normalize.salary import parse_salary
    from matcher.normalize.titles import normalize_title

    salary = []
    for case in cases["salary"]:
        info = parse_salary(case["text"], country=case["country"])
        salary.append(
            None
            if info is None
            else [
                str(Decimal(info.min_amount).normalize()),
                str(Decimal(info.max_amount).normalize()),
                info.currency,
                info.period,
            ]
        )
    return {
        "salary": salary,
        "seniority": [normalize_title(c["title"]).seniority for c in cases["seniority"]],
        "country": [normalize_location(c["text"]).country_code for c in cases["country"]],
    }


def _same_amounts(found: list[str] | None, expected: list[str]) -> bool:
    if found is None:
        return False
    return [Decimal(found[0]), Decimal(found[1]), *found[2:]] == [
        Decimal(expected[0]),
        Decimal(expected[1]),
        *expected[2:],
    ]


def normalizer_figures(cases: dict[str, list[dict[str, Any]]], found: dict[str, list[Any]]) -> dict[str, Any]:
    """Accuracy per evaluation; country per country (its worst decides the goal)."""
    salary = [_same_amounts(f, c["expected"]) for c, f in zip(cases["salary"], found["salary"], strict=True)]
    seniority = [f == c["expected"] for c, f in zip(cases["seniority"], found["seniority"], strict=True)]
    by_country: dict[str, list[bool]] = {}
    for c, f in zip(cases["country"], found["country"], strict=True):
        by_country.setdefault(c["expected"], []).append(f == c["expected"])
    return {
        "salary": (sum(salary) / len(salary), len(salary)),
        "salary_currencies": len({c["expected"][2] for c in cases["salary"]}),
        "seniority": (sum(seniority) / len(seniority), len(seniority)),
        "country": {k: (sum(v) / len(v), len(v)) for k, v in by_country.items()},
        "salary_misses": [c["text"] for c, ok in zip(cases["salary"], salary, strict=True) if not ok],
    }


# -- the baseline --------------------------------------------------------------------------------------------


def run_baseline(raw_lake: Path, cases_path: Path, work: Path) -> dict[str, Any] | str:
    """The same measurements on the code of ``BASELINE``, in a subprocess; a reason string when impossible."""
    if not (ROOT / ".git").exists():
        return "baseline unavailable (no git history)"
    code = work / "baseline_code"
    code.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", BASELINE, "matcher"], capture_output=True, check=False
    )
    if archive.returncode != 0:
        why = archive.stderr.decode(errors="replace").strip() or "git archive failed"
        return f"baseline unavailable ({why})"
    subprocess.run(["tar", "-x", "-C", str(code)], input=archive.stdout, check=True)
    lake = work / "baseline_lake"
    shutil.copytree(raw_lake / "raw", lake / "raw")
    out = work / "baseline.json"
    env = dict(os.environ, PYTHONPATH=str(code), MATCHER_CACHE_DIR=str(work / "baseline_cache"))
    driver = Path(__file__).resolve().parent / "quality_baseline_driver.py"
    done = subprocess.run(
        [sys.executable, str(driver), str(lake), str(cases_path), str(out), AS_OF.isoformat()],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return "baseline failed: " + (done.stderr.strip().splitlines() or ["no output"])[-1]
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


# -- the report ----------------------------------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def _err(x: float | None) -> str:
    return "-" if x is None else f"{x:+.1%}"


def _money(x: float | Decimal | None) -> str:
    return "-" if x is None else f"{float(x):,.0f}"


def print_matching(
    now: list[VacancyQuality], before: list[VacancyQuality] | None, currency: dict[str, str]
) -> None:
    print(f"  {'vacancy':<16} {'role':<24} {'same':>5} {'P@20 now':>9} {'all':>5} {'base':>5} "
          f"{'recall':>7} {'base':>5} "
          f"{'truth p50':>11} {'p50 now':>10} {'err':>7} {'base err':>8} {'pool ok':>7} {'base':>5} "
          f"{'verdict':<18}")  # fmt: skip
    base = {q.vacancy_id: q for q in before or []}
    for q in now:
        b = base.get(q.vacancy_id)
        print(
            f"  {q.vacancy_id:<16} {q.role[:24]:<24} {q.n_same:>5} {_pct(q.precision):>9} "
            f"{_pct(q.precision_all):>5} "
            f"{_pct(b.precision) if b else 'n/a':>5} {_pct(q.recall):>7} {_pct(b.recall) if b else 'n/a':>5} "
            f"{_money(q.truth_p50):>7} {currency[q.vacancy_id]} {_money(q.p50):>10} {_err(q.p50_error):>7} "
            f"{_err(b.p50_error) if b else 'n/a':>8} {_pct(q.pool_precision):>7} "
            f"{_pct(b.pool_precision) if b else 'n/a':>5} {(q.verdict or '-')[:10]} ({q.confidence or '-'})"
            + (f" [{q.unlabelled_top} unlabelled in top 20]" if q.unlabelled_top else "")
        )


def _summary(results: list[VacancyQuality]) -> dict[str, Any]:
    precisions = [q.precision for q in results if q.precision is not None]
    every = [q.precision_all for q in results if q.precision_all is not None]
    recalls = [q.recall for q in results if q.recall is not None]
    pooled = [q.recall_pool for q in results if q.recall_pool is not None]
    verdicts = [q for q in results if q.confidence in ("medium", "high") and q.p50_error is not None]
    return {
        "precision_min": min(precisions) if precisions else None,
        "precision_mean": statistics.mean(precisions) if precisions else None,
        "precision_ok": sum(p >= GOALS["precision"] for p in precisions),
        "precision_all_ok": sum(p >= GOALS["precision"] for p in every),
        "recall_min": min(recalls) if recalls else None,
        "recall_mean": statistics.mean(recalls) if recalls else None,
        "recall_ok": sum(r >= GOALS["recall"] for r in recalls),
        "recall_pool_ok": sum(r >= GOALS["recall"] for r in pooled),
        "recall_pool_min": min(pooled) if pooled else None,
        "verdicts": len(verdicts),
        "verdicts_ok": sum(abs(q.p50_error or 0) <= GOALS["p50"] for q in verdicts),
        "n": len(results),
    }


def main() -> None:
    print("\n== quality on real data (issue 12): now vs baseline " + BASELINE + " measured in this run")
    if not SHARED.is_dir():
        print(f"  skipped: {SHARED} is absent (it is present on CI)")
        return
    started = time.perf_counter()
    postings = real_postings()
    vacancies = load_vacancies()
    labels = load_labels()
    cases = normalizer_cases()
    with tempfile.TemporaryDirectory(prefix="bench-quality-") as tmp:
        work = Path(tmp)
        os.environ.setdefault("MATCHER_CACHE_DIR", str(work / "cache"))
        lake = work / "lake"
        write_raw_lake(lake, postings, vacancies)
        cases_path = work / "cases.json"
        cases_path.write_text(json.dumps(cases), encoding="utf-8")
        baseline = run_baseline(lake, cases_path, work)
        outputs = run_stages(lake)
        found = predict_normalizers(cases)
    now = evaluate_matches(
        vacancies,
        postings,
        labels,
        outputs["matches"],
        outputs["benchmarks"],
        outputs["pool"],
        outputs["same"],
    )
    before = (
        evaluate_matches(
            vacancies,
            postings,
            labels,
            baseline["matches"],
            baseline["benchmarks"],
            baseline["pool"],
            baseline.get("same"),
        )
        if isinstance(baseline, dict)
        else None
    )
    countries = sorted({v["country"] for v in vacancies})
    print(
        f"  {len(postings):,} real postings (ai-jobs.net GB/DE/FR/ES/CA/IN, H-1B US), "
        f"{len(vacancies)} vacancies in {len(countries)} countries ({', '.join(countries)}), "
        f"{len(labels)} hand labels"
    )
    if isinstance(baseline, str):
        print(f"  {baseline}")
    print_matching(now, before, {v["vacancy_id"]: v["currency"] for v in vacancies})
    s_now = _summary(now)
    s_base = _summary(before) if before else None

    def both(key: str, fmt: Any = _pct) -> str:
        return f"{fmt(s_now[key])} (baseline {fmt(s_base[key]) if s_base else 'n/a'})"

    print(
        f"  precision@20 >= 90% of the matches called the same job: {s_now['precision_ok']}/{s_now['n']} "
        f"vacancies (baseline {s_base['precision_ok'] if s_base else 'n/a'}, which called every match the "
        f"same job); min {both('precision_min')}, mean {both('precision_mean')}; of every match, related "
        f"postings included: {s_now['precision_all_ok']}/{s_now['n']}"
    )
    print(
        f"  recall >= 85%: {s_now['recall_ok']}/{s_now['n']} vacancies (baseline "
        f"{s_base['recall_ok'] if s_base else 'n/a'}); min {both('recall_min')}, mean {both('recall_mean')}; "
        f"at the pool's score {POOL_SCORE:g}: {s_now['recall_pool_ok']}/{s_now['n']} (baseline "
        f"{s_base['recall_pool_ok'] if s_base else 'n/a'}), min {both('recall_pool_min')}"
    )
    print(
        f"  verdict p50 within 5% of the truth: {s_now['verdicts_ok']}/{s_now['verdicts']} verdicts "
        "(baseline "
        f"{s_base['verdicts_ok'] if s_base else 'n/a'}/{s_base['verdicts'] if s_base else 'n/a'})"
    )
    fig_now = normalizer_figures(cases, found)
    fig_base = normalizer_figures(cases, baseline["normalizers"]) if isinstance(baseline, dict) else None
    for key, goal in (("salary", "salary"), ("seniority", "seniority")):
        acc, n = fig_now[key]
        extra = f" in {fig_now['salary_currencies']} currencies" if key == "salary" else ""
        base = _pct(fig_base[key][0]) if fig_base else "n/a"
        print(f"  {key}: {acc:.1%} of {n} labelled strings{extra} (goal {GOALS[goal]:.0%}; baseline {base})")
    line = ", ".join(
        f"{c} {acc:.1%}" + (f" (base {fig_base['country'][c][0]:.0%})" if fig_base else "")
        for c, (acc, _) in fig_now["country"].items()
    )
    print(f"  country of text-only locations (goal 99% each): {line}")
    if fig_now["salary_misses"]:
        print(f"  salary strings missed now: {fig_now['salary_misses'][:8]}")
    for q in now:
        if (q.precision or 0) < GOALS["precision"] and q.wrong_top:
            print(f"  {q.vacancy_id} top-20 not the same job: {q.wrong_top[:6]}")
        if (q.recall or 0) < GOALS["recall"] and q.missed:
            print(f"  {q.vacancy_id} same job, never matched: {q.missed[:6]}")
    for q in now:
        verdict = q.confidence in ("medium", "high") and q.p50_error is not None
        if verdict and abs(q.p50_error or 0) > GOALS["p50"] and outputs.get("pool_reasons") is not None:
            v = next(v for v in vacancies if v["vacancy_id"] == q.vacancy_id)
            wrong, missed = pool_gap(v, postings, labels, outputs["matches"], outputs["pool_reasons"])
            print(
                f"  {q.vacancy_id} p50 {_err(q.p50_error)}: counted, not the same job: {wrong[:6] or 'none'}"
            )
            print(f"  {q.vacancy_id} same job, not counted: {missed[:6] or 'none'}")
    seconds = outputs["seconds"]
    print(f"  ({time.perf_counter() - started:.0f} s in all; the product's stages {seconds:.0f} s now)")


if __name__ == "__main__":
    main()
