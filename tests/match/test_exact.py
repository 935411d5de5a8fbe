"""Candidate generation is exact: ``match_frames`` finds every (vacancy, posting) pair whose title reaches the
floor, with the scores an exhaustive computation gives, and the bounds it prunes with hold.

The exhaustive reference scores every (vacancy, distinct core) pair densely with the stage's own formulas
(``title_lexical``, ``occupation_fit``, the semantic mapping) and no candidate generation at all.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from bench.exhaustive import exhaustive_matches
from matcher.match.stage import (
    GENERIC_TITLE,
    NO_SHARED_WORD_BOUND,
    SCORE_MARGIN,
    MatchOptions,
    _groups,
    lexical_upper_bound,
    match_frames,
    semantic_cosine_floor,
    title_lexical,
    token_set_parts,
)
from matcher.match.titles import DICE_WEIGHT, FUZZ_WEIGHT, tokens
from matcher.normalize.titles import normalize_title
from matcher.sandbox.market import MarketConfig, generate_market

AS_OF = date(2026, 11, 1)
# titles that share only a common word with others, one generic word, near-duplicates in meaning only
HAND_MADE = [
    "Engineer",
    "Software Engineer",
    "Zebra Logistics Engineer",
    "Manager",
    "Marketing Manager",
    "Quantum Snowboard Manager",
    "Data Analyst",
    "Data Analytics Specialist",
    "Analyst",
    "Registered Nurse",
    "Nurse",
    "Nursing Assistant",
    "Assembler",
    "Assembly Line Worker",
    "Software Developer",
    "Backend Developer",
    "Developer",
    "Programmer",
    "Accountant",
    "Bookkeeper",
    "Accounting Clerk",
    "Truck Driver",
    "Delivery Driver",
    "Chef",
    "Cook",
    "Line Cook",
    "Sous Chef",
    "Electrician",
    "Electrical Engineer",
    "Teacher",
    "Math Teacher",
    "Tutor",
]


def _posting(i: int, title: str, country: str) -> dict[str, Any]:
    info = normalize_title(title)
    return {
        "posting_id": f"p{i}",
        "company": f"Company {i % 97}",
        "company_domain": f"c{i % 97}.com",
        "is_recruiting_agency": False,
        "title_core": info.core,
        "title_clean": info.clean,
        "title_confidence": info.confidence,
        "seniority": info.seniority,
        "occupation_code": info.occupation_code,
        "country_code": country,
        "admin1": "A1",
        "city": f"City {i % 5}",
        "is_remote": False,
        "date_posted": AS_OF - timedelta(days=i % 300),
        "skills": ["python"] if i % 3 else [],
        "employment_statuses": ["full_time"],
    }


def _vacancy(i: int, title: str) -> dict[str, Any]:
    info = normalize_title(title)
    return {
        "scenario_id": "s1",
        "vacancy_id": f"v{i}",
        "is_open": True,
        "title_core": info.core,
        "title_clean": info.clean,
        "title_confidence": info.confidence,
        "seniority": info.seniority,
        "seniority_source": "title" if info.seniority else "default",
        "occupation_code": info.occupation_code,
        "country_code": "US",
        "admin1": "A1",
        "city": "City 1",
        "skills": ["python"],
        "work_type_name": None,
    }


@pytest.fixture(scope="module")
def market_frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    """A generated market of 3,000 postings plus the hand-made titles; vacancies: every hand-made title,
    the market's vacancy roles and a sample of its posting titles."""
    market = generate_market(MarketConfig(n_postings=3_000))
    titles = [p["job_title"] for p in market.postings]
    posting_titles = titles + HAND_MADE * 3
    postings = pl.DataFrame(
        [_posting(i, t, "US" if i % 4 else "GB") for i, t in enumerate(posting_titles)],
        infer_schema_length=None,
    )
    distinct = sorted(set(titles))
    vacancy_titles = HAND_MADE + [v["role"] for v in market.vacancies] + distinct[::3]
    vacancies = pl.DataFrame([_vacancy(i, t) for i, t in enumerate(vacancy_titles)], infer_schema_length=None)
    return vacancies, postings


# every pair whose title reaches the floor is a match: no other component, country or level decides
TITLE_ONLY = {"floor": 0.0, "same_country_only": False, "require_work_type": False, "level_policy": "any"}


@pytest.mark.parametrize("title_floor", [50.0, 75.0, 35.0])
def test_match_frames_equals_an_exhaustive_computation(
    market_frames: tuple[pl.DataFrame, pl.DataFrame], title_floor: float
) -> None:
    vacancies, postings = market_frames
    if title_floor < 50:  # every pair is a candidate: a smaller market keeps the test quick
        vacancies, postings = vacancies.head(40), postings.head(600)
    options = MatchOptions(as_of=AS_OF, title_floor=title_floor, **TITLE_ONLY)  # type: ignore[arg-type]
    matches, summary = match_frames(vacancies, postings, options)
    expected = exhaustive_matches(vacancies, postings, options)
    got = matches.select(*expected.columns).sort("vacancy_id", "posting_id")
    assert expected.height > 1_000
    lost = expected.join(got, on=["vacancy_id", "posting_id"], how="anti")
    extra = got.join(expected, on=["vacancy_id", "posting_id"], how="anti")
    assert lost.height == 0, lost.head(10)
    assert extra.height == 0, extra.head(10)
    assert_frame_equal(got, expected, check_exact=False, abs_tol=1e-9)
    assert summary.scored_pairs == expected.height


def test_the_market_holds_pairs_the_old_word_blocking_dropped(
    market_frames: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    """The old blocking kept a pair when the titles shared a rare word (in <= 5% of postings, or the
    vacancy's rarest) or two words; a pair sharing one common word reaches the floor all the same
    ("zebra logistics engineer" vs "software engineer": lexical = 0.6 x dice x 100 + 0.4 x token_set_ratio).
    The exhaustive reference finds such pairs here, so the equality test above covers them."""
    vacancies, postings = market_frames
    options = MatchOptions(as_of=AS_OF, **TITLE_ONLY)  # type: ignore[arg-type]
    expected = exhaustive_matches(vacancies, postings, options).filter(pl.col("title_lexical") >= 50)
    n = postings.height
    df: dict[str, int] = {}
    for core in postings["title_core"].to_list():
        for word in tokens(core):
            df[word] = df.get(word, 0) + 1
    v_core = dict(vacancies.select("vacancy_id", "title_core").iter_rows())
    p_core = dict(postings.select("posting_id", "title_core").iter_rows())
    dropped = set()
    for vacancy_id, posting_id in expected.select("vacancy_id", "posting_id").iter_rows():
        v_words, p_words = tokens(v_core[vacancy_id]), tokens(p_core[posting_id])
        shared = set(v_words) & set(p_words)
        rarest = min(df.get(w, 0) for w in v_words)
        rare = any(df.get(w, 0) <= 0.05 * n or df.get(w, 0) == rarest for w in shared)
        if not rare and len(shared) < 2:
            dropped.add((v_core[vacancy_id], p_core[posting_id]))
    assert dropped, "no pair sharing only a common word reaches the floor: the market no longer tests that"


def test_a_vacancy_title_is_scored_once_however_many_vacancies_carry_it(
    market_frames: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    vacancies, postings = market_frames
    one = vacancies.head(1)
    many = pl.concat([one.with_columns(pl.lit(f"v{i}").alias("vacancy_id")) for i in range(5)])
    options = MatchOptions(as_of=AS_OF, **TITLE_ONLY)  # type: ignore[arg-type]
    single, s1 = match_frames(one, postings, options)
    repeated, s5 = match_frames(many, postings, options)
    assert s1.core_pairs == s5.core_pairs and s5.candidate_pairs == 5 * s1.candidate_pairs
    assert repeated.height == 5 * single.height


# -- the bounds ---------------------------------------------------------------------------------------------
VOCABULARY = [
    "data",
    "date",
    "engineer",
    "engineering",
    "manager",
    "nurse",
    "analyst",
    "analyse",
    "sales",
    "x",
]
token = st.sampled_from(VOCABULARY)


@settings(max_examples=300, deadline=None)
@given(
    a=st.lists(token, min_size=1, max_size=5, unique=True),
    b=st.lists(token, min_size=1, max_size=5, unique=True),
    weights=st.lists(st.floats(min_value=1.0, max_value=12.0), min_size=10, max_size=10),
    generic=st.booleans(),
)
def test_lexical_never_exceeds_its_upper_bound(
    a: list[str], b: list[str], weights: list[float], generic: bool
) -> None:
    """title_lexical <= lexical_upper_bound + 0.005 (the rounding): a score reaching the floor has a bound
    at floor - 0.005 or more, above the floor - SCORE_MARGIN the stage keeps."""
    w = dict(zip(VOCABULARY, weights, strict=True))
    shared = sum(w[t] for t in set(a) & set(b))
    frame = pl.DataFrame(
        {
            "_shared": [shared],
            "_wv": [sum(w[t] for t in a)],
            "_wc": [sum(w[t] for t in b)],
            "_fuzz": [fuzz.token_set_ratio(" ".join(a), " ".join(b))],
            "_capped": [generic],
        }
    )
    lexical = frame.select(title_lexical()).item()
    bound = lexical_upper_bound(
        np.array([shared]), frame["_wv"].to_numpy(), frame["_wc"].to_numpy(), np.array([generic])
    )[0]
    assert lexical <= bound + 0.005 + 1e-9
    assert SCORE_MARGIN > 0.005 + 1e-9
    if not set(a) & set(b):
        assert lexical <= NO_SHARED_WORD_BOUND == FUZZ_WEIGHT * 100
    if generic:
        assert lexical <= GENERIC_TITLE


word = st.text(alphabet="abcdeilnorstu019é-", min_size=1, max_size=9)


@settings(max_examples=400, deadline=None)
@given(a=st.lists(word, min_size=0, max_size=5), b=st.lists(word, min_size=0, max_size=5), data=st.data())
def test_token_set_parts_is_rapidfuzz_where_it_decides_and_bounds_it_elsewhere(
    a: list[str], b: list[str], data: st.DataObject
) -> None:
    """From token counts, characters and the characters in common alone: where ``token_set_parts`` gives a
    value it is rapidfuzz's token_set_ratio exactly (float32), and its upper bound is never below it. Titles
    share tokens on purpose (b takes some of a's)."""
    b = b + data.draw(st.lists(st.sampled_from(a), max_size=3)) if a else b
    left, right = " ".join(a), " ".join(b)
    ta, tb = set(left.split()), set(right.split())
    common = sum((Counter("".join(ta)) & Counter("".join(tb))).values())
    counts = (len(ta), sum(map(len, ta)), len(tb), sum(map(len, tb)), len(ta & tb), sum(map(len, ta & tb)))
    value, upper = token_set_parts(*(np.array([x], dtype=np.float64) for x in (*counts, common)))
    truth = float(np.float32(fuzz.token_set_ratio(left, right)))
    assert upper[0] >= truth
    if not math.isnan(value[0]):
        assert value[0] == truth
    # without the characters in common: a looser bound, still a bound, the same values where decided
    loose_value, loose_upper = token_set_parts(*(np.array([x], dtype=np.float64) for x in counts))
    assert loose_upper[0] >= upper[0]
    if not math.isnan(loose_value[0]):
        assert loose_value[0] == truth


@settings(max_examples=400, deadline=None)
@given(a=st.lists(word, min_size=0, max_size=5), b=st.lists(word, min_size=0, max_size=5), data=st.data())
def test_token_set_parts_with_the_indel_distance_is_rapidfuzz_exactly(
    a: list[str], b: list[str], data: st.DataObject
) -> None:
    """Given the Indel distance of the two unshared parts (each sorted and joined, as ``_groups`` builds
    them), ``token_set_parts`` is rapidfuzz's token_set_ratio everywhere (float32): what the stage uses for
    every pair sharing one word."""
    b = b + data.draw(st.lists(st.sampled_from(a), max_size=3)) if a else b
    left, right = " ".join(a), " ".join(b)
    ta, tb = set(left.split()), set(right.split())
    counts = (len(ta), sum(map(len, ta)), len(tb), sum(map(len, tb)), len(ta & tb), sum(map(len, ta & tb)))
    distance = Indel.distance(" ".join(sorted(ta - tb)), " ".join(sorted(tb - ta)))
    value, upper = token_set_parts(
        *(np.array([x], dtype=np.float64) for x in counts), indel=np.array([distance])
    )
    truth = float(np.float32(fuzz.token_set_ratio(left, right)))
    assert value[0] == truth == upper[0]


def test_groups_list_each_word_s_titles_with_their_other_tokens_sorted() -> None:
    """Per word: the titles that have it, and each one's other distinct tokens in sorted order, joined."""
    titles, rest, start = _groups(["b a", "a", "c b b", ""], {"a": 0, "b": 1}, 3)
    assert start.tolist() == [0, 2, 4, 4]
    assert titles.tolist() == [0, 1, 0, 2]
    assert rest.tolist() == ["b", "", "a", "c"]


def test_repeated_words_accents_and_several_shared_words_are_scored_exactly() -> None:
    """Repeated words, accents, one-word titles and pairs sharing two or more words (the general way: bounded,
    compared as strings) beside pairs sharing one word (the Indel way): both equal the exhaustive reference.
    (Core titles hold no whitespace but spaces: the reference splits at any, the stage at spaces.)"""
    cores = [
        "data engineer",
        "engineer engineer data",
        "über data engineer",
        "uber data engineer",
        "data platform engineer",
        "platform engineer",
        "engineer",
        "data",
        "data science engineer",
        "science data",
        "daten engineer",
        "dáta engineer",
        "senior data engineer lead",
    ]
    odd = {"occupation_code": None, "seniority": "mid", "title_clean": None}
    STRINGS = {"occupation_code": pl.String, "title_clean": pl.String}
    postings = pl.DataFrame(
        [{**_posting(i, "x", "US"), **odd, "title_core": core} for i, core in enumerate(cores * 3)],
        schema_overrides=STRINGS,
    )
    vacancies = pl.DataFrame(
        [{**_vacancy(i, "x"), **odd, "title_core": core} for i, core in enumerate(cores)],
        schema_overrides=STRINGS,
    )
    options = MatchOptions(as_of=AS_OF, **TITLE_ONLY)  # type: ignore[arg-type]
    matches, _ = match_frames(vacancies, postings, options)
    expected = exhaustive_matches(vacancies, postings, options)
    got = matches.select(*expected.columns).sort("vacancy_id", "posting_id")
    assert expected.height > 100
    assert_frame_equal(got, expected, check_exact=False, abs_tol=1e-9)


def test_disjoint_token_sets_still_score_but_never_reach_the_floor() -> None:
    """token_set_ratio with no common token compares the sorted token strings: not 0, but at most 100, so
    lexical (dice 0) is at most 40 < 50."""
    ratio = fuzz.token_set_ratio("data analyst", "date analyse")
    assert ratio > 25
    frame = pl.DataFrame({"_shared": [0.0], "_wv": [5.0], "_wc": [6.0], "_fuzz": [ratio], "_capped": [False]})
    assert 10 < frame.select(title_lexical()).item() <= NO_SHARED_WORD_BOUND < 50
    assert DICE_WEIGHT * 100 + FUZZ_WEIGHT * 100 == 100


def test_the_semantic_candidates_floor_follows_the_title_floor() -> None:
    # cosine 0.775 maps to 50 exactly: (0.775 - 0.60) / 0.35 x 100
    assert semantic_cosine_floor(50.0) == pytest.approx(0.775, abs=2e-4)
    assert semantic_cosine_floor(50.0) < 0.775
    assert semantic_cosine_floor(75.0) == pytest.approx(0.8625, abs=2e-4)
