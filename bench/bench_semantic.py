"""Semantic title similarity: does all-MiniLM-L6-v2 find same-occupation titles that shared words miss, and
what does it cost?

- retrieval on O*NET (``../shared/data/onet``): a seeded sample of alternate titles are the queries; the
  candidates are the occupation titles plus other alternate titles (never a query's own text); a hit is a
  candidate with the query's O*NET-SOC code in the top 10. recall@10 and MRR@10, side by side in one run, for
  ``rank_titles`` (today's lexical scorer), the embeddings alone, and blends of the two over the union of
  each one's top 50: ``max(lexical, semantic)`` and ``w x lexical + (1 - w) x semantic`` (semantic = 100 x
  cosine); embedding the normalized core titles (what the match stage has) and the raw titles; and the same
  queries against the 1,016 occupation titles alone;
- speed: titles per second (wall and CPU) embedding every title of the task from cold, and the model's load
  plus a make-demo-sized batch (300 titles, the demo has about 270 distinct core titles), peak memory;
- the match stage's share: ``SemanticTitles.build`` for 1,000 vacancy x 10,000 posting titles with the lake's
  vector cache warm, and blocked top-50 for 1,000 x 100,000 (random unit vectors: the matmul, not the model).

Sizes: ``MATCHER_BENCH_SEMANTIC_QUERIES`` (1,000) and ``MATCHER_BENCH_SEMANTIC_CANDIDATES`` (alternate titles
added to the occupation titles; 9,000).
"""

from __future__ import annotations

import csv
import os
import random
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz

from matcher.match.semantic import (
    DIMENSIONS,
    SemanticTitles,
    TitleEmbedder,
    TitleVectorCache,
    cosine_to_score,
    top_k_cosine,
)
from matcher.match.titles import TitleIndex, combine, rank_titles, tokens, weighted_dice
from matcher.normalize.titles import normalize_title

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
N_QUERIES = int(os.environ.get("MATCHER_BENCH_SEMANTIC_QUERIES", "1000"))
N_CANDIDATES = int(os.environ.get("MATCHER_BENCH_SEMANTIC_CANDIDATES", "9000"))
K = 10
POOL = 50
WEIGHTS = (0.25, 0.5, 0.75)

Ranking = list[list[tuple[int, float]]]


def _read(path: Path, title_column: str) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        return [
            (row["O*NET-SOC Code"], row[title_column].strip())
            for row in csv.DictReader(handle, delimiter="\t")
            if row[title_column].strip()
        ]


def retrieval_task() -> tuple[list[tuple[str, str]], list[tuple[str, str]], int]:
    """(code, title) queries and candidates (the occupation titles first, then alternate titles), and how many
    occupation titles lead: seeded, reproducible, no query text among the candidates."""
    folder = SHARED / "onet"
    occupations = _read(folder / "occupation_data.tsv", "Title")
    alternates = _read(folder / "alternate_titles.tsv", "Alternate Title")
    rng = random.Random(12)
    rng.shuffle(alternates)
    queries = alternates[:N_QUERIES]
    asked = {title.lower() for _, title in queries}
    others = [(code, title) for code, title in alternates[N_QUERIES:] if title.lower() not in asked]
    candidates = occupations + others[:N_CANDIDATES]
    return queries, candidates, len(occupations)


def core(title: str) -> str:
    """What the match stage embeds: the normalized core title (the raw title when normalizing empties it)."""
    return normalize_title(title).core or title.lower()


class Lexical:
    """rank_titles' score for any (query, candidate) pair, so a blend can score semantic-only candidates."""

    def __init__(self, candidates: Sequence[str]) -> None:
        self.cores = [" ".join(tokens(normalize_title(c).core)) for c in candidates]
        self.tokens = [c.split() for c in self.cores]
        self.index = TitleIndex.build(self.cores)

    def scores(self, query: str, candidates: Sequence[int]) -> list[float]:
        q_tokens = tokens(normalize_title(query).core)
        q_text = " ".join(q_tokens)
        if not q_tokens:
            return [0.0] * len(candidates)
        return [
            combine(
                weighted_dice(q_tokens, self.tokens[i], self.index),
                fuzz.token_set_ratio(q_text, self.cores[i]),
            )
            for i in candidates
        ]


def evaluate(name: str, ranking: Ranking, query_codes: Sequence[str], cand_codes: Sequence[str]) -> str:
    hits = 0
    reciprocal = 0.0
    for code, row in zip(query_codes, ranking, strict=True):
        ranks = [r for r, (i, _) in enumerate(row[:K], start=1) if cand_codes[i] == code]
        if ranks:
            hits += 1
            reciprocal += 1 / ranks[0]
    n = len(query_codes)
    return f"  {name:<46} recall@{K} {hits / n:6.3f}   MRR@{K} {reciprocal / n:6.3f}"


def _blend(
    lexical_top: Ranking,
    semantic_top: Ranking,
    queries: Sequence[str],
    lexical: Lexical,
    cosines: Callable[[int, list[int]], np.ndarray],
    combine_scores: Callable[[float, float], float],
) -> Ranking:
    out: Ranking = []
    for q, (lex_row, sem_row) in enumerate(zip(lexical_top, semantic_top, strict=True)):
        pool = sorted({i for i, _ in lex_row} | {i for i, _ in sem_row})
        lex = lexical.scores(queries[q], pool)
        sem = cosine_to_score(cosines(q, pool))
        scored = [(i, combine_scores(a, float(b))) for i, a, b in zip(pool, lex, sem, strict=True)]
        scored.sort(key=lambda pair: (-pair[1], pair[0]))
        out.append(scored[:K])
    return out


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def compare(
    label: str,
    queries: Sequence[tuple[str, str]],
    candidates: Sequence[tuple[str, str]],
    embedded: dict[str, SemanticTitles],
) -> None:
    """recall@10 and MRR@10 of the lexical baseline, each embedding input alone, and the blends."""
    q_titles = [t for _, t in queries]
    c_titles = [t for _, t in candidates]
    q_codes = [c for c, _ in queries]
    c_codes = [c for c, _ in candidates]
    print(
        f"\n== title retrieval {label}: {len(queries):,} O*NET alternate titles vs {len(candidates):,} titles"
    )
    started = time.perf_counter()
    lexical_top = rank_titles(q_titles, c_titles, POOL)
    lexical_seconds = time.perf_counter() - started
    lexical = Lexical(c_titles)
    lines = [evaluate("lexical: rank_titles (baseline)", lexical_top, q_codes, c_codes)]
    for name, titles in embedded.items():
        semantic_top = titles.top_k(POOL)

        def cosines(q: int, pool: list[int], titles: SemanticTitles = titles) -> np.ndarray:
            return titles.posting_vectors[pool] @ titles.vacancy_vectors[q]

        def blend(combine_scores: Callable[[float, float], float], top: Ranking = semantic_top) -> Ranking:
            return _blend(lexical_top, top, q_titles, lexical, cosines, combine_scores)

        lines.append(evaluate(f"semantic, {name}", semantic_top, q_codes, c_codes))
        lines.append(evaluate("  blend max(lexical, semantic)", blend(max), q_codes, c_codes))
        for w in WEIGHTS:
            rows = blend(lambda a, b, w=w: w * a + (1 - w) * b)
            lines.append(
                evaluate(f"  blend {w:.2f} x lexical + {1 - w:.2f} x semantic", rows, q_codes, c_codes)
            )
    print("\n".join(lines))
    print(f"  (lexical ranking {lexical_seconds:.1f} s)")


def retrieval() -> None:
    queries, candidates, n = retrieval_task()
    q_titles = [t for _, t in queries]
    c_titles = [t for _, t in candidates]
    inputs = {
        "core titles": (
            [core(t) for t in q_titles],
            [core(t) for t in c_titles],
        ),
        "raw titles": (q_titles, c_titles),
    }
    embedded: dict[str, SemanticTitles] = {}
    for name, (q_inputs, c_inputs) in inputs.items():
        # Cold: a fresh embedder (model load included), every distinct title embedded once.
        embedder = TitleEmbedder()
        distinct = len(set(q_inputs) | set(c_inputs))
        started, cpu = time.perf_counter(), time.process_time()
        embedded[name] = SemanticTitles.build(q_inputs, c_inputs, embedder=embedder)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"  embedded {distinct:,} distinct {name} from cold: {seconds:.1f} s wall, "
            f"{cpu:.1f} s CPU ({distinct / seconds:,.0f} titles/s, {distinct / cpu:,.0f} per CPU second, "
            "model load included)"
        )
    compare("among occupation and other alternate titles", queries, candidates, embedded)

    # The same queries against the occupation titles alone (the first rows of the candidates).
    occupations_only = {
        name: SemanticTitles(
            titles.vacancy_titles,
            titles.posting_titles[:n],
            titles.vacancy_vectors,
            titles.posting_vectors[:n],
        )
        for name, titles in embedded.items()
    }
    compare("against the occupation titles only", queries, candidates[:n], occupations_only)


def costs() -> None:
    print("\n== semantic title similarity: costs")
    rng = random.Random(3)
    alternates = [t for _, t in _read(SHARED / "onet" / "alternate_titles.tsv", "Alternate Title")]
    demo_sized = [core(t) for t in rng.sample(alternates, 300)]

    # Model load + a make-demo-sized batch, from a fresh embedder: what a fresh clone's first run pays.
    started, cpu = time.perf_counter(), time.process_time()
    TitleEmbedder().embed(demo_sized)
    print(
        f"  load + embed 300 titles (a make demo's worth)  {time.perf_counter() - started:6.2f} s wall, "
        f"{time.process_time() - cpu:.2f} s CPU"
    )
    tracemalloc.start()
    try:
        TitleEmbedder().embed(demo_sized)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"  peak heap for the same (weights included)      {peak / 2**20:6.0f} MiB")

    # The stage with the lake cache warm: vectors come from Parquet, nothing is embedded.
    vacancy_titles = [core(t) for t in alternates[:1000]]
    posting_titles = [core(t) for t in alternates[1000:11000]]
    embedder = TitleEmbedder()
    with tempfile.TemporaryDirectory() as lake:
        cache = TitleVectorCache.in_lake(lake)
        SemanticTitles.build(vacancy_titles, posting_titles, embedder=embedder, cache=cache)
        embedded = embedder.calls
        started = time.perf_counter()
        warm = SemanticTitles.build(
            vacancy_titles, posting_titles, embedder=embedder, cache=TitleVectorCache.in_lake(lake)
        )
        build_seconds = time.perf_counter() - started
        size = (Path(lake) / "cache" / "title_vectors.parquet").stat().st_size
        started = time.perf_counter()
        warm.top_k(50)
        topk = time.perf_counter() - started
    print(
        f"  1,000 x 10,000 titles, lake cache warm           {build_seconds:6.2f} s to load vectors "
        f"(embedded {embedder.calls - embedded} new; cache {size / 2**20:.1f} MiB for {embedded:,} titles), "
        f"top-50 {topk:.2f} s"
    )

    # 1,000 x 100,000: the dense blocked matmul alone, on random unit vectors.
    generator = np.random.default_rng(0)
    vac = generator.normal(size=(1000, DIMENSIONS)).astype(np.float32)
    post = generator.normal(size=(100_000, DIMENSIONS)).astype(np.float32)
    vac /= np.linalg.norm(vac, axis=1, keepdims=True)
    post /= np.linalg.norm(post, axis=1, keepdims=True)
    started = time.perf_counter()
    top_k_cosine(vac, post, 50)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    try:
        top_k_cosine(vac, post, 50)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(
        f"  top-50 of 1,000 x 100,000 (blocks of 4,096)    {seconds:6.2f} s, peak heap {peak / 2**20:.0f} MiB"
    )
    print(f"  process peak RSS                                {_peak_rss_mib():6.0f} MiB")


def main() -> None:
    if not (SHARED / "onet" / "alternate_titles.tsv").is_file():
        print("\n== semantic title similarity: skipped, ../shared/data/onet is not here")
        return
    retrieval()
    costs()


if __name__ == "__main__":
    main()
