"""The exhaustive reference of the match stage's title scoring: every (vacancy title, distinct posting core)
pair scored densely with the stage's own formulas, no candidate generation, no bound.

``tests/match/test_exact.py`` checks the stage against it (0 pairs lost, the same scores) and ``bench_match``
measures how far the stage is from it at a larger size. Slow by design (Python over every title pair): for
a few hundred vacancy titles and a few tens of thousands of cores.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

from matcher.match.stage import SEMANTIC_FLOOR, SEMANTIC_FULL, MatchOptions, occupation_fit, title_lexical
from matcher.match.titles import tokens
from matcher.normalize.titles import GENERIC, occupation_text


def exhaustive_matches(
    vacancies: pl.DataFrame, postings: pl.DataFrame, options: MatchOptions | dict[str, Any]
) -> pl.DataFrame:
    """Every (vacancy, posting) pair whose title reaches ``options.title_floor``: vacancy_id, posting_id,
    title, title_lexical, title_semantic, sorted by vacancy_id, posting_id.

    Words: IDF over the postings the stage matches (recruiting agencies out unless ``include_agencies``),
    weighted Dice and rapidfuzz ``token_set_ratio`` (``title_lexical``). Meaning: all-MiniLM-L6-v2 cosines of
    every pair, when both frames have ``title_clean``. Occupation: ``occupation_fit`` with each side's code
    and confidence (1.0 when the frame has no ``title_confidence``).
    """
    opts = options if isinstance(options, MatchOptions) else MatchOptions(**options)
    if not opts.include_agencies and "is_recruiting_agency" in postings.columns:
        postings = postings.filter(~pl.col("is_recruiting_agency").fill_null(False))
    n = postings.height
    df: dict[str, int] = {}
    for core in postings["title_core"].to_list():
        for word in tokens(core):
            df[word] = df.get(word, 0) + 1
    idf = {w: math.log((n + 1) / (c + 1)) + 1.0 for w, c in df.items()}
    unseen = math.log(n + 1) + 1.0
    meaning = "title_clean" in vacancies.columns and "title_clean" in postings.columns

    def side(frame: pl.DataFrame, prefix: str) -> pl.DataFrame:
        confidence = (
            pl.col("title_confidence").fill_null(0.0).clip(0.0, 1.0)
            if "title_confidence" in frame.columns
            else pl.lit(1.0)
        )
        stext = (
            pl.col("title_clean").map_elements(occupation_text, return_dtype=pl.String).fill_null("")
            if meaning
            else pl.lit("")
        )
        return frame.select(
            pl.col("title_core")
            .map_elements(lambda c: " ".join(tokens(c)), return_dtype=pl.String)
            .alias(f"{prefix}text"),
            pl.col("occupation_code").str.slice(0, 7).alias(f"_{prefix}occ"),
            pl.when(pl.col("occupation_code").is_not_null()).then(confidence).alias(f"_{prefix}occ_conf"),
            stext.alias(f"{prefix}stext"),
        )

    v_side = side(vacancies, "v").with_columns(vacancies["vacancy_id"])
    p_side = side(postings, "p").with_columns(postings["posting_id"])
    v_titles = v_side.drop("vacancy_id").unique(maintain_order=True)
    # a core's occupation confidence is the highest of its postings' (as the stage keeps it)
    p_titles = p_side.group_by("ptext", "_pocc", "pstext").agg(pl.col("_pocc_conf").max())
    vt, pt = v_titles["vtext"].to_list(), p_titles["ptext"].to_list()

    vocabulary = {w: i for i, w in enumerate(sorted(idf))}
    v_weights = np.zeros((len(vt), len(vocabulary)))
    for i, text in enumerate(vt):
        for word in set(text.split()) & idf.keys():
            v_weights[i, vocabulary[word]] = idf[word]
    c_has = np.zeros((len(vocabulary), len(pt)))
    for j, text in enumerate(pt):
        for word in set(text.split()):
            c_has[vocabulary[word], j] = 1.0
    shared = v_weights @ c_has
    wv = np.array([sum(idf.get(w, unseen) for w in text.split(" ") if w) for text in vt])
    wc = np.array([sum(idf.get(w, 0.0) for w in text.split(" ") if w) for text in pt])
    fuzzy = process.cdist(vt, pt, scorer=fuzz.token_set_ratio, workers=-1, dtype=np.float64)
    generic_v = np.array([t if t in GENERIC else "" for t in vt], dtype=object)
    generic_c = np.array([t if t in GENERIC else "" for t in pt], dtype=object)
    semantic = np.full((len(vt), len(pt)), np.nan)
    if meaning:
        from matcher.match.semantic import SemanticTitles

        v_known = [i for i, t in enumerate(v_titles["vstext"].to_list()) if t]
        c_known = [j for j, t in enumerate(p_titles["pstext"].to_list()) if t]
        titles = SemanticTitles.build(
            [v_titles["vstext"][i] for i in v_known], [p_titles["pstext"][j] for j in c_known]
        )
        vi, ci = np.meshgrid(np.arange(len(v_known)), np.arange(len(c_known)), indexing="ij")
        cosine = titles.pair_scores(vi.ravel(), ci.ravel()).astype(np.float64) / 100
        mapped = np.clip((cosine - SEMANTIC_FLOOR) / (SEMANTIC_FULL - SEMANTIC_FLOOR), 0.0, 1.0) * 100
        semantic[np.ix_(v_known, c_known)] = np.round(mapped, 2).reshape(len(v_known), len(c_known))

    ii, jj = np.meshgrid(np.arange(len(vt)), np.arange(len(pt)), indexing="ij")
    ii, jj = ii.ravel(), jj.ravel()
    pairs = pl.DataFrame(
        {
            "_shared": shared.ravel(),
            "_wv": wv[ii],
            "_wc": wc[jj],
            "_fuzz": fuzzy.ravel(),
            "_capped": generic_v[ii] != generic_c[jj],
            "title_semantic": semantic.ravel(),
        }
    ).with_columns(pl.col("title_semantic").fill_nan(None))
    pairs = pairs.with_columns(
        title_lexical(),
        *(v_titles.select(pl.all().gather(pl.Series(ii))).get_columns()),
        *(p_titles.select(pl.all().gather(pl.Series(jj))).get_columns()),
    ).with_columns(*occupation_fit(opts))
    return (
        pairs.filter(pl.col("title") >= opts.title_floor)
        .join(v_side, on=["vtext", "_vocc", "_vocc_conf", "vstext"], nulls_equal=True)
        .join(p_side.drop("_pocc_conf"), on=["ptext", "_pocc", "pstext"], nulls_equal=True)
        .select("vacancy_id", "posting_id", "title", "title_lexical", "title_semantic")
        .sort("vacancy_id", "posting_id")
    )
