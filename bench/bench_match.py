"""The match stage against the cheapest exhaustive baseline, side by side, and ``rank_titles`` on O*NET.

Sizes (vacancies x postings; synthetic, a Zipf-like title distribution over a few thousand core titles and
a long tail of tens of thousands):

- ``make bench`` / ``python -m bench.bench_match``: 1,000 x 300,000, 2 pairs of runs;
- ``MATCHER_BENCH_POSTINGS=1000000``: 1,000 x 1,000,000, 2 pairs (about 3 minutes);
  ``MATCHER_BENCH_VACANCIES`` sets the vacancies, ``MATCHER_BENCH_PAIRS`` the pairs of runs;
- ``MATCHER_BENCH_HUGE=1``: 10,000 x 10,000,000, 1 pair (tens of minutes, tens of GB while generating);
  ``MATCHER_BENCH_MATCH_KEEP=DIR`` keeps the generated inputs in ``DIR`` and reuses them the next time (the
  generation takes about 200 s at that size). The brute-force run is skipped at that size unless
  ``MATCHER_BENCH_HUGE_BASELINE=1``: over 4,736 x 865,645 distinct titles it expands batches past 20 GB and
  the kernel's out-of-memory killer ended it on this 24 GB machine (2026-12-02).

Each run's figures are printed as its child ends (a later run that fails loses nothing measured before it);
a failed brute-force run is reported and the stage's figures still printed.

What runs, paired A B A B in the same invocation, each run in a fresh child process (``python -m
bench.bench_match --child``) that loads the two Parquet inputs and scipy.sparse untimed, then reports wall
seconds, CPU seconds (``getrusage(RUSAGE_SELF)`` delta: every thread of the process) and peak RSS (its own
VmHWM, inputs included; the RSS after loading them is printed too):

- A, the match stage: the library's ``match_frames`` with its default options (title floor 50, match floor
  50, exact level, same country, work type), its matches streamed to Parquet parts batch by batch and copied
  into one table, as ``match_lake`` writes them. Candidate generation is exact: per shared word, the
  one-word pairs' token_set_ratio from their Indel distance (rapidfuzz cdist), the other pairs bounded, the
  same occupation, and the meaning product when postings carry ``title_clean`` (these synthetic ones do
  not: the semantic score is not exercised here, bench_semantic measures it);
- B, brute force: rapidfuzz ``cdist(fuzz.ratio, workers=-1, dtype=uint8, score_cutoff=50)`` over every
  (distinct vacancy title, distinct posting title) pair of the same eligible postings (no agencies), then
  every pair >= 50 expanded to its (vacancy, posting, score) rows batch by batch (numpy arrays built,
  counted, dropped: the cheapest exhaustive baseline holds nothing). Title only: no other component,
  country or level.

Exactness, at 200 x 50,000: the stage with title-only options (floor 0, any level, any country, no work
type) against an exhaustive reference that scores every (vacancy title, core) pair densely with the stage's
own formulas (``title_lexical``, ``occupation_fit``; as ``tests/match/test_exact.py``, without the meaning),
so every (vacancy, posting) pair whose title reaches 50 must be found: "lost L of N".

rank_titles on O*NET (``../shared/data/onet``): each alternate title against the occupation titles,
relevant = same O*NET-SOC code; recall@10 and MRR beside plain rapidfuzz token_set_ratio and WRatio.
"""

from __future__ import annotations

import csv
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

from bench._harness import report
from bench.exhaustive import exhaustive_matches
from matcher.match.stage import MatchOptions, match_frames
from matcher.match.titles import rank_titles

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
HUGE = os.environ.get("MATCHER_BENCH_HUGE", "") not in ("", "0")
N_POSTINGS = 10_000_000 if HUGE else int(os.environ.get("MATCHER_BENCH_POSTINGS", "300000"))
N_VACANCIES = 10_000 if HUGE else int(os.environ.get("MATCHER_BENCH_VACANCIES", "1000"))
PAIRS = 1 if HUGE else int(os.environ.get("MATCHER_BENCH_PAIRS", "2"))
BASELINE = not HUGE or os.environ.get("MATCHER_BENCH_HUGE_BASELINE", "") not in ("", "0")
EXACT_VACANCIES, EXACT_POSTINGS = 200, 50_000
CUTOFF = 50  # the baseline's score cutoff: the stage's match floor
CELLS_PER_BATCH = 20_000_000  # (vacancy, posting) cells a baseline batch expands at most
AS_OF = date(2026, 11, 1)
HEADS = (
    "engineer developer scientist analyst manager designer nurse accountant recruiter architect consultant "
    "specialist technician electrician pharmacist administrator coordinator director representative"
).split()
QUALIFIERS = (
    "backend frontend data software platform security cloud mobile ios android machine learning product "
    "marketing sales account financial people operations support clinical registered network systems "
    "database devops site reliability quality test embedded payments growth brand content hr talent field "
    "solutions infrastructure web ux ui research business revenue customer supply chain tax audit"
).split()
COUNTRIES = {
    "US": ["New York City", "Austin", "Seattle", "Chicago", "Boston"],
    "GB": ["London", "Manchester"],
    "DE": ["Berlin", "Munich"],
    "FR": ["Paris"],
    "IN": ["Bengaluru", "Pune"],
    "CA": ["Toronto"],
    "AU": ["Sydney"],
    "NL": ["Amsterdam"],
    "ES": ["Madrid"],
    "SG": ["Singapore"],
}
SKILLS = (
    "python java go kubernetes aws postgresql react typescript kafka snowflake spark airflow terraform "
    "docker salesforce figma tableau sql excel epic"
).split()
LEVELS = ["junior", "mid", "mid", "senior", "senior", "staff", None]


def _titles(rng: random.Random, n: int) -> list[str]:
    """Core titles: 70% from a head of a few thousand drawn Zipf-like (one or two qualifiers and a head
    word), 30% from a long tail of two or three qualifiers (tens of thousands of distinct titles)."""
    pool = sorted(
        {f"{q} {h}" for q in QUALIFIERS for h in HEADS}
        | {f"{q1} {q2} {h}" for q1 in QUALIFIERS[:20] for q2 in QUALIFIERS[20:40] for h in HEADS[:5]}
    )
    rng.shuffle(pool)
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(pool))]
    head = rng.choices(pool, weights=weights, k=n)
    for i in range(n):
        if rng.random() < 0.3:
            words = rng.sample(QUALIFIERS, rng.choice((2, 2, 3)))
            head[i] = " ".join([*words, rng.choice(HEADS)])
    return head


def synthetic_clean(n_postings: int, n_vacancies: int, seed: int = 11) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = random.Random(seed)
    countries = list(COUNTRIES)

    def places(n: int) -> tuple[list[str], list[str]]:
        cs = rng.choices(countries, weights=[40, 12, 10, 6, 10, 6, 4, 4, 4, 4], k=n)
        return cs, [rng.choice(COUNTRIES[c]) for c in cs]

    p_country, p_city = places(n_postings)
    postings = pl.DataFrame(
        {
            "posting_id": [str(10_000_000 + i) for i in range(n_postings)],
            "company": [f"Company {int(rng.paretovariate(1.2)) % 20_000}" for _ in range(n_postings)],
            "company_domain": None,
            "is_recruiting_agency": [rng.random() < 0.05 for _ in range(n_postings)],
            "title_core": _titles(rng, n_postings),
            "seniority": rng.choices(LEVELS, k=n_postings),
            "occupation_code": None,
            "country_code": p_country,
            "admin1": None,
            "city": p_city,
            "is_remote": [rng.random() < 0.1 for _ in range(n_postings)],
            "date_posted": [AS_OF - timedelta(days=rng.randrange(365)) for _ in range(n_postings)],
            "skills": [rng.sample(SKILLS, rng.randint(0, 5)) for _ in range(n_postings)],
            "employment_statuses": [
                ["full_time"] if rng.random() < 0.9 else ["contract"] for _ in range(n_postings)
            ],
        },
        schema_overrides={"company_domain": pl.String, "admin1": pl.String, "occupation_code": pl.String},
    ).with_columns(_occupation_of("title_core"))
    v_country, v_city = places(n_vacancies)
    vacancies = pl.DataFrame(
        {
            "scenario_id": [""] * n_vacancies,
            "vacancy_id": [f"v{i:04d}" for i in range(n_vacancies)],
            "is_open": [True] * n_vacancies,
            "title_core": _titles(rng, n_vacancies),
            "seniority": rng.choices(LEVELS[:-1], k=n_vacancies),
            "occupation_code": None,
            "country_code": v_country,
            "admin1": None,
            "city": v_city,
            "skills": [rng.sample(SKILLS, rng.randint(0, 4)) for _ in range(n_vacancies)],
            "work_type_name": ["Full-time"] * n_vacancies,
        },
        schema_overrides={"admin1": pl.String, "occupation_code": pl.String},
    ).with_columns(_occupation_of("title_core"))
    return vacancies, postings


def _occupation_of(column: str) -> pl.Expr:
    """An occupation code that depends on the title, as a coder's does: its first qualifier and its head word
    ("backend engineer" and "backend cloud engineer" share one; 300 codes in all)."""
    words = pl.col(column).str.split(" ")
    key = pl.concat_str(words.list.first(), words.list.last(), separator=" ")
    return pl.format("15-{}", (key.hash(seed=7) % 300 + 1000).cast(pl.String)).alias("occupation_code")


def _read_mib(field: str) -> float:
    """A ``/proc/self/status`` figure in MiB: VmHWM (this process's own peak; ru_maxrss would include the
    parent's, kept across exec) or VmRSS."""
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(x for x in status if x.startswith(field))
    return int(line.split()[1]) / 1024


def _stage(vacancies: pl.DataFrame, postings: pl.DataFrame) -> dict[str, Any]:
    """The stage as ``match_lake`` runs it: matches streamed to parts batch by batch, then copied into one
    Parquet table (in a temporary folder)."""
    with tempfile.TemporaryDirectory(prefix="bench-match-") as folder:
        parts: list[Path] = []

        def write_part(batch: pl.DataFrame) -> None:
            parts.append(Path(folder) / f"part-{len(parts):06d}.parquet")
            batch.write_parquet(parts[-1])

        _, summary = match_frames(vacancies, postings, MatchOptions(as_of=AS_OF), sink=write_part)
        if parts:
            pl.scan_parquet(parts).sink_parquet(Path(folder) / "matches.parquet")
    return {
        "pairs_scored": summary.core_pairs,
        "pairs_compared": summary.compared_pairs,
        "candidate_pairs": summary.candidate_pairs,
        "scored_pairs": summary.scored_pairs,
        "matches": summary.matches,
    }


def _grouped(titles: pl.Series) -> tuple[list[str], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Distinct titles, and the rows of each as (rows sorted by title index, start offsets)."""
    codes = titles.rank("dense").to_numpy().astype(np.int64) - 1
    distinct = titles.unique().sort().to_list()
    order = np.argsort(codes, kind="stable").astype(np.int64)
    starts = np.zeros(len(distinct) + 1, dtype=np.int64)
    np.cumsum(np.bincount(codes, minlength=len(distinct)), out=starts[1:])
    return distinct, order, starts


def _ranges(starts: np.ndarray[Any, Any], ids: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The concatenated positions ``starts[i] .. starts[i + 1]`` of each i in ``ids``."""
    lengths = starts[ids + 1] - starts[ids]
    first = np.repeat(starts[ids] - np.cumsum(lengths) + lengths, lengths)
    return first + np.arange(int(lengths.sum()), dtype=np.int64)


def _brute_force(vacancies: pl.DataFrame, postings: pl.DataFrame) -> dict[str, Any]:
    """cdist(fuzz.ratio) of every distinct vacancy title against every distinct eligible posting title,
    batches of vacancy titles; each pair >= CUTOFF expanded to its (vacancy, posting, score) rows."""
    post = postings.filter(
        ~pl.col("is_recruiting_agency").fill_null(False) & pl.col("title_core").is_not_null()
    )
    vac = vacancies.filter(pl.col("is_open") & pl.col("title_core").is_not_null())
    p_titles, p_order, p_starts = _grouped(post["title_core"])
    v_titles, v_order, v_starts = _grouped(vac["title_core"])
    p_count = np.diff(p_starts)
    v_count = np.diff(v_starts)
    per_batch = max(1, CELLS_PER_BATCH // max(post.height, 1))
    scored = matches = 0
    for start in range(0, len(v_titles), per_batch):
        stop = min(start + per_batch, len(v_titles))
        scores = process.cdist(
            v_titles[start:stop], p_titles, scorer=fuzz.ratio, workers=-1, dtype=np.uint8, score_cutoff=CUTOFF
        )
        scored += scores.size
        ks, cs = np.nonzero(scores)
        # (distinct title pair) -> its postings, then -> its vacancies
        posting_rows = p_order[_ranges(p_starts, cs)]
        pair_of = np.repeat(np.arange(len(cs)), p_count[cs])
        k_of = ks[pair_of] + start
        vacancy_rows = v_order[_ranges(v_starts, k_of)]
        # the (vacancy, posting, score) rows, as arrays (a DataFrame would copy them once more)
        vacancy_of = vacancy_rows.astype(np.int32)
        posting_of = np.repeat(posting_rows, v_count[k_of]).astype(np.int32)
        score_of = np.repeat(scores[ks, cs][pair_of], v_count[k_of])
        assert len(vacancy_of) == len(posting_of) == len(score_of)
        matches += len(posting_of)
    return {
        "pairs_scored": scored,
        "candidate_pairs": scored,
        "scored_pairs": scored,
        "matches": matches,
        "distinct_vacancy_titles": len(v_titles),
        "distinct_posting_titles": len(p_titles),
        "eligible_postings": post.height,
    }


def _child(kind: str, v_path: str, p_path: str) -> None:
    """One measurement in this fresh process: load untimed, run ``kind``, print one JSON line."""
    vacancies, postings = pl.read_parquet(v_path), pl.read_parquet(p_path)
    # the libraries either run loads, untimed as the baseline's rapidfuzz is: scipy.sparse, which the stage
    # imports on first use, takes ~2 s when Python may not write bytecode (PYTHONDONTWRITEBYTECODE)
    import scipy.sparse  # type: ignore[import-untyped]  # noqa: F401

    loaded = _read_mib("VmRSS")
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    out = (_stage if kind == "stage" else _brute_force)(vacancies, postings)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    out.update(wall=wall, cpu=cpu, rss=_read_mib("VmHWM"), loaded=loaded)
    print(json.dumps(out))


def _measure(kind: str, v_path: Path, p_path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_match", "--child", kind, str(v_path), str(p_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(
            f"bench_match child {kind!r} failed (exit status {done.returncode}; a negative one is the signal "
            f"that ended it, -9 often the kernel's out-of-memory killer):\n{done.stderr[-3000:]}"
        )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    counts = {k: v for k, v in result.items() if k not in ("wall", "cpu", "rss")}
    print(
        f"  {kind} run: wall {result['wall']:.1f} s, CPU {result['cpu']:.1f} s, "
        f"peak RSS {result['rss']:,.0f} MiB ({json.dumps(counts)})",
        flush=True,
    )
    return result


def _inputs(folder: Path) -> tuple[Path, Path, dict[str, int]]:
    """The generated inputs as Parquet in ``folder`` (reused when ``MATCHER_BENCH_MATCH_KEEP`` has them)."""
    v_path, p_path, work_path = folder / "v.parquet", folder / "p.parquet", folder / "workload.json"
    if v_path.exists() and p_path.exists() and work_path.exists():
        print(f"\n  reusing the inputs in {folder}")
        work: dict[str, int] = json.loads(work_path.read_text())
        return v_path, p_path, work
    started = time.perf_counter()
    vacancies, postings = synthetic_clean(N_POSTINGS, N_VACANCIES)
    work = _workload(vacancies, postings)
    print(
        f"\n  generated {N_VACANCIES:,} vacancies x {N_POSTINGS:,} clean postings in "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )
    vacancies.write_parquet(v_path)
    postings.write_parquet(p_path)
    work_path.write_text(json.dumps(work))
    return v_path, p_path, work


def _workload(vacancies: pl.DataFrame, postings: pl.DataFrame) -> dict[str, int]:
    eligible = postings.filter(~pl.col("is_recruiting_agency"))
    return {
        "vacancies": vacancies.height,
        "postings": postings.height,
        "eligible": eligible.height,
        "v_titles": vacancies["title_core"].n_unique(),
        "p_titles": eligible["title_core"].n_unique(),
    }


def bench_match() -> None:
    runs: dict[str, list[dict[str, Any]]] = {"stage": [], "baseline": []}
    keep = os.environ.get("MATCHER_BENCH_MATCH_KEEP")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(keep) if keep else Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        # the parent holds nothing while the children run: the inputs are only files here
        v_path, p_path, work = _inputs(folder)
        for _ in range(PAIRS):  # A B A B
            runs["stage"].append(_measure("stage", v_path, p_path))
            if not BASELINE:
                continue
            try:
                runs["baseline"].append(_measure("baseline", v_path, p_path))
            except RuntimeError as error:
                print(f"  brute force not measured: {error}", flush=True)
    if not runs["baseline"]:
        print("  no brute-force run succeeded: the stage's runs above are the figures (no ratio)")
        return
    med = {kind: {key: statistics.median(r[key] for r in rs) for key in ("wall", "cpu", "rss")}
           for kind, rs in runs.items()}  # fmt: skip
    stage, base = runs["stage"][0], runs["baseline"][0]
    n = len(runs["stage"])
    print(
        f"\n== match: {work['vacancies']:,} vacancies x {work['postings']:,} postings "
        f"({work['eligible']:,} eligible, no agencies), runs A B x {n} in fresh processes, medians"
    )
    print(f"  {'run':<50} {'wall':>9} {'CPU':>11} {'peak RSS':>11}")
    for name, kind in (
        ("A: match stage (match_frames, exact candidates)", "stage"),
        (f"B: brute force cdist(fuzz.ratio) >= {CUTOFF}", "baseline"),
    ):
        m = med[kind]
        print(f"  {name:<50} {m['wall']:>7.1f} s {m['cpu']:>7.1f} CPU-s {m['rss']:>7,.0f} MiB")
    print("  (median wall, CPU seconds of every thread, peak RSS: VmHWM of a fresh child, inputs included)")
    for kind in ("stage", "baseline"):
        walls = ", ".join(f"{r['wall']:.1f}" for r in runs[kind])
        cpus = ", ".join(f"{r['cpu']:.1f}" for r in runs[kind])
        print(
            f"  {kind:>8} runs: wall {walls} s; CPU {cpus} s; "
            f"RSS after loading the inputs {runs[kind][0]['loaded']:,.0f} MiB"
        )
    print(
        f"  ratio stage / brute force: wall {med['stage']['wall'] / med['baseline']['wall']:.2f}x, "
        f"CPU {med['stage']['cpu'] / med['baseline']['cpu']:.2f}x, "
        f"peak RSS {med['stage']['rss'] / med['baseline']['rss']:.2f}x"
    )
    print(
        f"  workload: {work['vacancies']:,} vacancies ({base['distinct_vacancy_titles']:,} distinct titles), "
        f"{work['postings']:,} postings ({work['eligible']:,} eligible, "
        f"{base['distinct_posting_titles']:,} distinct titles)"
    )
    print(
        f"  A stage: {stage['pairs_scored']:,} (vacancy title, core) pairs title-scored (token_set_ratio + "
        f"IDF Dice), {stage['candidate_pairs']:,} candidate (vacancy, posting) pairs, "
        f"{stage['scored_pairs']:,} with title >= 50 fully scored, {stage['matches']:,} matches >= 50 "
        "(score, after country, level and work type)"
    )
    print(
        f"  B brute force: {base['pairs_scored']:,} (distinct vacancy title, distinct posting title) pairs "
        f"scored (fuzz.ratio), {base['matches']:,} (vacancy, posting) pairs >= {CUTOFF} (title only)"
    )


# every pair whose title reaches the floor is a match: no other component, country or level decides
TITLE_ONLY = MatchOptions(
    as_of=AS_OF, floor=0.0, same_country_only=False, require_work_type=False, level_policy="any"
)


def bench_exactness() -> None:
    vacancies, postings = synthetic_clean(EXACT_POSTINGS, EXACT_VACANCIES, seed=5)
    started = time.perf_counter()
    got, _ = match_frames(vacancies, postings, TITLE_ONLY)
    stage_s = time.perf_counter() - started
    started = time.perf_counter()
    expected = exhaustive_matches(vacancies, postings, TITLE_ONLY)
    exhaustive_s = time.perf_counter() - started
    lost = expected.join(got, on=["vacancy_id", "posting_id"], how="anti").height
    extra = got.join(expected, on=["vacancy_id", "posting_id"], how="anti").height
    both = expected.join(
        got.select("vacancy_id", "posting_id", pl.col("title").alias("_got")), on=["vacancy_id", "posting_id"]
    )
    worst = both.select((pl.col("title") - pl.col("_got")).abs().max()).item() or 0.0
    print(
        f"\n== exactness: {EXACT_VACANCIES} vacancies x {EXACT_POSTINGS:,} postings, title-only options "
        f"(title floor 50; stage {stage_s:.1f} s, exhaustive reference {exhaustive_s:.1f} s)"
    )
    print(
        f"  lost {lost:,} of {expected.height:,} (vacancy, posting) pairs with title >= 50; "
        f"{extra:,} found that the reference has not; largest title difference {worst:.2g}"
    )


def bench_rank_titles() -> None:
    folder = SHARED / "onet"
    if not folder.exists():
        print(f"\n== rank_titles on O*NET: skipped, {folder} is absent")
        return
    with (folder / "occupation_data.tsv").open(encoding="utf-8", errors="replace") as handle:
        occupations = [(r["O*NET-SOC Code"], r["Title"]) for r in csv.DictReader(handle, delimiter="\t")]
    with (folder / "alternate_titles.tsv").open(encoding="utf-8", errors="replace") as handle:
        alternates = [
            (r["O*NET-SOC Code"], r["Alternate Title"]) for r in csv.DictReader(handle, delimiter="\t")
        ]
    sample = random.Random(5).sample(alternates, 3000)
    codes = [c for c, _ in occupations]
    titles = [t for _, t in occupations]

    def score(ranked: list[list[int]]) -> tuple[float, float]:
        hits = mrr = 0.0
        for (code, _), top in zip(sample, ranked, strict=True):
            for position, index in enumerate(top[:10]):
                if codes[index] == code:
                    hits += 1
                    mrr += 1 / (position + 1)
                    break
        return hits / len(sample), mrr / len(sample)

    rows = []
    started = time.perf_counter()
    ours = [[i for i, _ in r] for r in rank_titles([t for _, t in sample], titles, 10)]
    rows.append(("rank_titles", time.perf_counter() - started, score(ours)))
    for name, scorer in (
        ("rapidfuzz token_set_ratio", fuzz.token_set_ratio),
        ("rapidfuzz WRatio", fuzz.WRatio),
    ):
        started = time.perf_counter()
        plain = [[i for _, _, i in process.extract(t, titles, scorer=scorer, limit=10)] for _, t in sample]
        rows.append((name, time.perf_counter() - started, score(plain)))
    report(
        f"rank_titles: {len(sample):,} O*NET alternate titles vs {len(titles):,} occupation titles",
        [(n, f"{s:.1f} s", f"recall@10 {r:.1%}, MRR {m:.3f}", "") for n, s, (r, m) in rows],
    )


def main() -> None:
    bench_rank_titles()
    bench_exactness()
    bench_match()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(*sys.argv[2:5])
    else:
        main()
