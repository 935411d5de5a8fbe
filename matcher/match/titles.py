"""The title component of a match: how alike two core titles are, with rare words counting more.

    similarity = 0.6 x weighted Dice of the two token sets (each token weighted by its IDF in the postings)
               + 0.4 x rapidfuzz ``token_set_ratio`` of the two strings (catches spelling variants)

so "backend engineer" vs "frontend engineer" share only the common "engineer" and score low, while
"backend software engineer" vs "backend engineer" share the rare "backend" and score high. Scores are in
[0, 100]; identical titles score 100.

>>> index = TitleIndex.build(["backend engineer", "frontend engineer", "data engineer", "backend developer"])
>>> title_similarity("backend engineer", "backend engineer", index)
100.0
>>> title_similarity("backend engineer", "frontend engineer", index) < 60
True
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from matcher.normalize.titles import normalize_title

DICE_WEIGHT = 0.6
FUZZ_WEIGHT = 0.4
STOPWORDS = frozenset({"of", "and", "the", "&", "-", "/", "+", "for", "in", "a", "an"})


def tokens(core: str | None) -> list[str]:
    """Distinct tokens of a core title, plurals folded ("engineers" -> "engineer")."""
    if not core:
        return []
    out: list[str] = []
    for word in core.lower().split():
        if word in STOPWORDS:
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
        if word not in out:
            out.append(word)
    return out


@dataclass(frozen=True)
class TitleIndex:
    """Token weights (IDF) learnt from a corpus of core titles; unseen tokens weigh as the rarest."""

    idf: dict[str, float]
    unseen: float

    @classmethod
    def build(cls, cores: Iterable[str | None]) -> TitleIndex:
        df: Counter[str] = Counter()
        n = 0
        for core in cores:
            n += 1
            df.update(tokens(core))
        idf = {t: math.log((n + 1) / (c + 1)) + 1.0 for t, c in df.items()}
        return cls(idf, math.log(n + 1) + 1.0)

    def weight(self, token: str) -> float:
        return self.idf.get(token, self.unseen)


def weighted_dice(a: Sequence[str], b: Sequence[str], index: TitleIndex) -> float:
    """2 x (weight of shared tokens) / (weight of a + weight of b), in [0, 1]."""
    if not a or not b:
        return 0.0
    shared = set(a) & set(b)
    total = sum(index.weight(t) for t in a) + sum(index.weight(t) for t in b)
    return 2 * sum(index.weight(t) for t in shared) / total


def combine(dice: float, fuzz_score: float) -> float:
    return round(DICE_WEIGHT * dice * 100 + FUZZ_WEIGHT * fuzz_score, 2)


def title_similarity(a: str | None, b: str | None, index: TitleIndex) -> float:
    """The title component for two core titles, in [0, 100]."""
    ta, tb = tokens(a), tokens(b)
    if not ta or not tb:
        return 0.0
    return combine(weighted_dice(ta, tb, index), fuzz.token_set_ratio(" ".join(ta), " ".join(tb)))


def rank_titles(queries: Sequence[str], candidates: Sequence[str], k: int) -> list[list[tuple[int, float]]]:
    """For each query title, the indices of its ``k`` most similar candidate titles with their scores.

    Titles are normalized first (``normalize_title(...).core``: "Sr. SWE - Payments" -> "software engineer").
    Best first; ties broken by the lower candidate index, so results are deterministic. Candidates sharing a
    token with the query are scored, and so are the closest by ``token_set_ratio`` alone (spelling variants).
    """
    cand_cores = [" ".join(tokens(normalize_title(c).core)) for c in candidates]
    index = TitleIndex.build(cand_cores)
    postings: dict[str, list[int]] = {}
    cand_tokens = [c.split() for c in cand_cores]
    for i, toks in enumerate(cand_tokens):
        for t in toks:
            postings.setdefault(t, []).append(i)
    results: list[list[tuple[int, float]]] = []
    for query in queries:
        q_tokens = tokens(normalize_title(query).core)
        q_text = " ".join(q_tokens)
        if not q_tokens or k <= 0:
            results.append([])
            continue
        pool = {i for t in q_tokens for i in postings.get(t, ())}
        fuzzy = process.extract(q_text, cand_cores, scorer=fuzz.token_set_ratio, limit=max(k, 10))
        pool.update(i for _, _, i in fuzzy)
        scored = [
            (
                i,
                combine(
                    weighted_dice(q_tokens, cand_tokens[i], index),
                    fuzz.token_set_ratio(q_text, cand_cores[i]),
                ),
            )
            for i in pool
        ]
        scored.sort(key=lambda pair: (-pair[1], pair[0]))
        results.append(scored[:k])
    return results
