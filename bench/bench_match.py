"""The match stage at scale, against brute force, and ``rank_titles`` on O*NET.

- match: 1,000 vacancies x 1,000,000 clean postings (``MATCHER_BENCH_POSTINGS`` for another size), synthetic
  with a Zipf-like title distribution over a few thousand core titles and skill lists; wall time, peak memory
  (VmHWM of a fresh process) and candidate pairs scored; the fresh process (``python -c``) calls the
  library's ``match_frames``, not the CLI, so that its peak memory is the stage's own;
- brute force: the same title scorer (IDF-weighted Dice + rapidfuzz ``token_set_ratio`` via ``cdist``) of
  sampled vacancies against every posting, timed and extrapolated to all vacancies (labelled as such);
- recall of candidate generation: on the sample, the share of brute force's title-only top 50 per vacancy
  that candidate generation keeps;
- rank_titles on O*NET (``../shared/data/onet``): each alternate title against the occupation titles,
  relevant = same O*NET-SOC code; recall@10 and MRR beside plain rapidfuzz token_set_ratio and WRatio.
"""

from __future__ import annotations

import csv
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

from bench._harness import report
from matcher.match.stage import MatchOptions, _token_list, match_frames
from matcher.match.titles import rank_titles

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
N_POSTINGS = int(os.environ.get("MATCHER_BENCH_POSTINGS", "1000000"))
N_VACANCIES = 1000
SAMPLE = 20
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


_CHILD = """
import json, resource, sys, time
import polars as pl
from datetime import date
from matcher.match.stage import MatchOptions, match_frames
vacancies, postings = pl.read_parquet(sys.argv[1]), pl.read_parquet(sys.argv[2])
started = time.perf_counter()
matches, summary = match_frames(vacancies, postings, MatchOptions(as_of=date(2026, 11, 1)))
seconds = time.perf_counter() - started
# VmHWM: this process's own peak (ru_maxrss would include the parent's, kept across exec)
rss = next(int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM")) / 1024
print(json.dumps({"seconds": seconds, "pairs": summary.candidate_pairs, "core_pairs": summary.core_pairs,
                  "scored": summary.scored_pairs, "matches": summary.matches, "rss": rss}))
"""


def _brute_force(vacancies: pl.DataFrame, postings: pl.DataFrame) -> tuple[float, dict[str, list[int]]]:
    """Title-only scores of every posting for each sampled vacancy; (seconds, top 50 posting indices)."""
    eligible = postings.filter(~pl.col("is_recruiting_agency")).with_row_index("_p")
    started = time.perf_counter()
    p_tok = eligible.select("_p", _token_list("title_core").alias("token")).explode("token").drop_nulls()
    n = eligible.height
    idf = (
        p_tok.unique()
        .group_by("token")
        .len()
        .select("token", ((pl.lit(n + 1) / (pl.col("len") + 1)).log() + 1.0).alias("w"))
    )
    p_tok = p_tok.unique().join(idf, on="token")
    p_weight = p_tok.group_by("_p").agg(pl.col("w").sum().alias("_wp")).sort("_p")
    p_text = eligible.select(_token_list("title_core").list.join(" "))["title_core"].to_list()
    weights = dict(idf.iter_rows())
    unseen = math.log(n + 1) + 1.0
    tops: dict[str, list[int]] = {}
    wp = p_weight["_wp"].to_numpy()
    v_tokens = vacancies.select("vacancy_id", _token_list("title_core").alias("tokens"))
    for vid, tokens in v_tokens.iter_rows():
        w = {t: weights.get(t, unseen) for t in tokens}
        shared = (
            p_tok.filter(pl.col("token").is_in(tokens))
            .group_by("_p")
            .agg(pl.col("token").replace_strict(w, return_dtype=pl.Float64).sum().alias("s"))
        )
        dice = np.zeros(n)
        index = shared["_p"].to_numpy()
        dice[index] = 2 * shared["s"].to_numpy() / (sum(w.values()) + wp[index])
        fuzzy = process.cdist([" ".join(tokens)], p_text, scorer=fuzz.token_set_ratio, workers=-1)[0]
        scores = np.round(0.6 * dice * 100 + 0.4 * fuzzy, 2)
        order = np.lexsort((np.arange(n), -scores))  # best first, ties by index
        tops[vid] = order[:50].tolist()
    return time.perf_counter() - started, tops


def bench_match() -> None:
    rng = random.Random(3)
    started = time.perf_counter()
    vacancies, postings = synthetic_clean(N_POSTINGS, N_VACANCIES)
    made = time.perf_counter() - started
    print(
        f"\n  generated {postings.height:,} clean postings "
        f"({postings['title_core'].n_unique():,} distinct core "
        f"titles) and {vacancies.height:,} vacancies in {made:.1f} s"
    )
    with tempfile.TemporaryDirectory() as folder:
        v_path, p_path = Path(folder) / "v.parquet", Path(folder) / "p.parquet"
        vacancies.write_parquet(v_path)
        postings.write_parquet(p_path)
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(v_path), str(p_path)],
            capture_output=True,
            text=True,
            check=True,
        )
        run = json.loads(done.stdout.strip().splitlines()[-1])
    sample = vacancies.sample(SAMPLE, seed=rng.randrange(1000))
    brute_s, tops = _brute_force(sample, postings)
    brute_all = brute_s * vacancies.height / sample.height
    # candidate generation on the same sample, title only: which brute-force top-50 postings it keeps
    eligible = postings.filter(~pl.col("is_recruiting_agency")).with_row_index("_p")
    kept_pairs = _candidate_pairs(sample, postings)
    ids = eligible["posting_id"].to_list()
    found = sum(len({ids[i] for i in top} & kept_pairs.get(vid, set())) for vid, top in tops.items())
    recall = found / sum(len(t) for t in tops.values())
    report(
        f"match: {N_VACANCIES:,} vacancies x {N_POSTINGS:,} postings "
        "(targets: < 60 s, < 4 GB, recall >= 0.99)",
        [
            (
                "matcher match stage (blocking)",
                f"{run['seconds']:.1f} s",
                f"{run['scored']:,} pairs scored",
                f"{run['rss']:,.0f} MiB",
            ),
            (
                f"brute force cdist, {SAMPLE} vacancies measured",
                f"{brute_s:.1f} s",
                f"{SAMPLE * postings.height:,} pairs",
                "",
            ),
            (
                f"brute force, extrapolated to {N_VACANCIES:,}",
                f"{brute_all:.0f} s (est.)",
                f"{N_VACANCIES * postings.height:,} pairs",
                "",
            ),
        ],
    )
    print(f"  ratio brute force (extrapolated) / match stage: {brute_all / run['seconds']:.1f}x")
    print(f"  recall of candidate generation vs brute-force title top 50 ({SAMPLE} vacancies): {recall:.3f}")
    print(
        f"  candidate generation: {run['pairs']:,} (vacancy, posting) pairs "
        "(sharing a rare title word or two words); "
        f"titles scored once per distinct (vacancy, core title): {run['core_pairs']:,}; "
        f"{run['scored']:,} pairs above the title floor get every component; "
        f"{run['matches']:,} matches kept (score >= 50)"
    )


def _candidate_pairs(vacancies: pl.DataFrame, postings: pl.DataFrame) -> dict[str, set[str]]:
    """The (vacancy, posting) pairs candidate generation produces (no title floor, no score floor)."""
    matches, _ = match_frames(
        vacancies,
        postings,
        MatchOptions(as_of=AS_OF, floor=0, title_floor=0, require_work_type=False),
    )
    pairs: dict[str, set[str]] = {}
    for vid, pid in matches.select("vacancy_id", "posting_id").iter_rows():
        pairs.setdefault(vid, set()).add(pid)
    return pairs


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
    bench_match()


if __name__ == "__main__":
    main()
