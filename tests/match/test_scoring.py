"""The match stage on tiny inline tables: components and ranks worked out by hand, and properties."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from matcher.match.stage import MatchOptions, _token_list, explain_matches, match_frames
from matcher.match.titles import TitleIndex, rank_titles, title_similarity, tokens

AS_OF = date(2026, 6, 1)
POSTING_COLUMNS = {
    "posting_id": pl.String,
    "company": pl.String,
    "company_domain": pl.String,
    "is_recruiting_agency": pl.Boolean,
    "title_core": pl.String,
    "seniority": pl.String,
    "occupation_code": pl.String,
    "country_code": pl.String,
    "admin1": pl.String,
    "city": pl.String,
    "is_remote": pl.Boolean,
    "date_posted": pl.Date,
    "skills": pl.List(pl.String),
    "employment_statuses": pl.List(pl.String),
}
VACANCY_COLUMNS = {
    "scenario_id": pl.String,
    "vacancy_id": pl.String,
    "is_open": pl.Boolean,
    "title_core": pl.String,
    "seniority": pl.String,
    "occupation_code": pl.String,
    "country_code": pl.String,
    "admin1": pl.String,
    "city": pl.String,
    "skills": pl.List(pl.String),
    "work_type_name": pl.String,
}


def posting(posting_id: str, **fields: Any) -> dict[str, Any]:
    row = {
        "posting_id": posting_id,
        "company": f"Company {posting_id}",
        "company_domain": f"c{posting_id}.com",
        "is_recruiting_agency": False,
        "title_core": "backend engineer",
        "seniority": "senior",
        "occupation_code": "15-1252",
        "country_code": "US",
        "admin1": "TX",
        "city": "Austin",
        "is_remote": False,
        "date_posted": AS_OF,
        "skills": ["kafka", "python"],
        "employment_statuses": ["full_time"],
    }
    row.update(fields)
    return row


def vacancy(**fields: Any) -> dict[str, Any]:
    row = {
        "scenario_id": "",
        "vacancy_id": "v1",
        "is_open": True,
        "title_core": "backend engineer",
        "seniority": "senior",
        "occupation_code": "15-1252",
        "country_code": "US",
        "admin1": "TX",
        "city": "Austin",
        "skills": ["kafka", "python"],
        "work_type_name": "Full-time",
    }
    row.update(fields)
    return row


def run(vacancies: list[dict[str, Any]], postings: list[dict[str, Any]], **options: Any) -> pl.DataFrame:
    matches, _ = match_frames(
        pl.DataFrame(vacancies, schema=VACANCY_COLUMNS, orient="row"),
        pl.DataFrame(postings, schema=POSTING_COLUMNS, orient="row"),
        MatchOptions(as_of=AS_OF, own_companies=("Northwind", "northwind.com"), **options),
    )
    return matches


def test_components_and_ranks_worked_out_by_hand() -> None:
    postings = [
        posting("p1"),  # the vacancy's twin: every component 100, so the score is 100
        # mid vs senior: 25; same state, other city: 85; 73 days old: 100 x (1 - 73/365) = 80; 1 of 2 skills
        # 50: 0.45 x 100 + 0.20 x 25 + 0.20 x 85 + 0.05 x 80 + 0.10 x 50 = 45 + 5 + 17 + 4 + 5 = 76
        posting(
            "p2", seniority="mid", city="Dallas", date_posted=AS_OF - timedelta(days=73), skills=["python"]
        ),
        # another country: another market, no candidate (same_country_only=False: 45 + 20 + 0 + 5 + 10)
        posting("p3", country_code="DE", admin1="BE", city="Berlin"),
        # remote with no country: 40 -> 45 + 20 + 8 + 5 + 10 = 88
        posting("p4", country_code=None, admin1=None, city=None, is_remote=True),
        posting("p5", company="Northwind"),  # our own company: never a competitor
        posting("p6", company_domain="northwind.com"),
        posting("p7", is_recruiting_agency=True),  # agencies are left out by default
        posting("p8", employment_statuses=["contract"]),  # a contract does not fit a full-time vacancy
    ]
    # p2 is mid, the vacancy senior: another level, left out by the default level_policy "exact"
    assert run([vacancy()], postings)["posting_id"].to_list() == ["p1", "p4"]
    matches = run([vacancy()], postings, level_policy="adjacent")
    assert matches.select("posting_id", "rank", "score").rows() == [
        ("p1", 1, 100.0),
        ("p4", 2, 88.0),
        ("p2", 3, 76.0),
    ]
    abroad = run([vacancy()], postings, same_country_only=False, level_policy="any")
    assert abroad.filter(pl.col("posting_id") == "p3")["score"].to_list() == [80.0]
    explained = explain_matches(
        matches,
        pl.DataFrame([vacancy()], schema=VACANCY_COLUMNS, orient="row"),
        pl.DataFrame(postings, schema=POSTING_COLUMNS, orient="row"),
    )
    p2 = explained.filter(pl.col("posting_id") == "p2").row(0, named=True)
    assert (p2["title"], p2["seniority"], p2["geography"], p2["recency"], p2["skills"]) == (
        100.0,
        25.0,
        85.0,
        80.0,
        50.0,
    )
    assert p2["explanation"].startswith(
        "title 100.0 (backend engineer vs backend engineer; shared: backend engineer; "
        "same occupation 15-1252)"
    )
    assert (
        "seniority 25.0 (senior vs mid)" in p2["explanation"]
        and "recency 80.0 (73 days)" in p2["explanation"]
    )


def test_agencies_and_contracts_can_be_let_in() -> None:
    postings = [posting("p7", is_recruiting_agency=True), posting("p8", employment_statuses=["contract"])]
    assert run([vacancy()], postings).height == 0
    assert run([vacancy()], postings, include_agencies=True, require_work_type=False).height == 2


def test_a_vacancy_without_skills_is_scored_on_the_other_components() -> None:
    # skills cannot be judged: the other weights (0.9) are rescaled: (45 + 20 + 20 + 5) / 0.9 = 100
    matches = run([vacancy(skills=[])], [posting("p1", skills=[])])
    assert matches["score"].to_list() == [100.0] and matches["skills"].to_list() == [None]


def test_the_floor_drops_weak_matches() -> None:
    weak = posting("p9", title_core="registered nurse", occupation_code="29-1141", seniority="junior")
    assert run([vacancy()], [posting("p1"), weak], floor=50)["posting_id"].to_list() == ["p1"]


def test_title_similarity_by_hand() -> None:
    index = TitleIndex.build(["backend engineer", "frontend engineer"])
    # idf = ln((N + 1) / (df + 1)) + 1 with N = 2: backend and frontend ln(3/2) + 1, engineer ln(3/3) + 1 = 1
    rare = math.log(1.5) + 1
    dice = 2 * 1.0 / (2 * (rare + 1))  # only "engineer" is shared
    expected = round(
        0.6 * dice * 100 + 0.4 * fuzz.token_set_ratio("backend engineer", "frontend engineer"), 2
    )
    assert title_similarity("backend engineer", "frontend engineer", index) == expected
    assert title_similarity("backend engineer", "backend engineer", index) == 100.0
    assert title_similarity("backend engineers", "backend engineer", index) == 100.0  # plurals fold
    assert title_similarity("", "backend engineer", index) == 0.0


def test_rank_titles_normalizes_and_breaks_ties_by_index() -> None:
    candidates = ["Registered Nurse", "Backend Engineer", "Backend Engineer", "Frontend Engineer"]
    ranked = rank_titles(["Sr. Backend Engineer (Remote)", "RN"], candidates, 2)
    assert ranked[0] == [(1, 100.0), (2, 100.0)]  # equal scores: the lower index first
    assert ranked[1][0] == (0, 100.0)  # "RN" expands to registered nurse
    assert rank_titles(["x"], candidates, 0) == [[]]


TITLES = ["backend engineer", "frontend engineer", "data scientist", "registered nurse", "product manager"]
LEVELS = [None, "junior", "mid", "senior", "staff"]
PLACES = [("US", "TX", "Austin"), ("US", "NY", "New York City"), ("GB", "ENG", "London"), (None, None, None)]

random_posting = st.builds(
    lambda title, level, place, remote, age, skills: {
        "title_core": title,
        "seniority": level,
        "country_code": place[0],
        "admin1": place[1],
        "city": place[2],
        "is_remote": remote,
        "date_posted": AS_OF - timedelta(days=age),
        "skills": skills,
    },
    st.sampled_from(TITLES),
    st.sampled_from(LEVELS),
    st.sampled_from(PLACES),
    st.booleans(),
    st.integers(min_value=-10, max_value=800),
    st.lists(st.sampled_from(["python", "kafka", "react", "sql"]), unique=True, max_size=3),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(random_posting, min_size=1, max_size=25), st.randoms(use_true_random=False))
def test_scores_are_bounded_the_twin_ranks_first_and_row_order_does_not_matter(
    fields: list[dict[str, Any]], rng: random.Random
) -> None:
    postings = [posting(f"p{i:03d}", **f) for i, f in enumerate(fields)]
    postings.append(posting("twin"))
    matches = run([vacancy()], postings, floor=0)
    assert matches["score"].is_between(0, 100).all()
    for component in ("title", "seniority", "geography", "recency", "skills"):
        assert matches[component].drop_nulls().is_between(0, 100).all()
    first = matches.row(0, named=True)
    assert first["score"] == 100.0 and (first["posting_id"] == "twin" or first["posting_id"] < "twin")
    shuffled = postings[:]
    rng.shuffle(shuffled)
    assert run([vacancy()], shuffled, floor=0).equals(matches)


@pytest.mark.parametrize("k", [1, 3])
def test_rank_titles_returns_k_best_first(k: int) -> None:
    ranked = rank_titles(["data scientist"], TITLES, k)[0]
    assert len(ranked) == k and ranked[0][0] == 2
    assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["engineers", "sales", "of", "the", "analysis", "ios", "data", "&", "bus", "x"]),
        max_size=6,
    )
)
def test_the_stage_tokenizes_titles_like_title_similarity(words: list[str]) -> None:
    core = " ".join(words)
    stage_tokens = pl.DataFrame({"title_core": [core]}).select(_token_list("title_core"))["title_core"][0]
    assert list(dict.fromkeys(stage_tokens)) == tokens(core)  # the stage de-duplicates later, per core


def _assembly(**fields: Any) -> dict[str, Any]:
    return vacancy(title_core="assembly line worker", occupation_code="51-2092", skills=[], **fields)


def test_the_same_occupation_makes_a_candidate_without_a_shared_word() -> None:
    postings = [
        posting("p1", title_core="assembler", occupation_code="51-2092", seniority="senior", skills=[]),
        posting("p2", title_core="assembler", occupation_code=None, seniority="senior", skills=[]),
    ]
    matches = run([_assembly()], postings)
    assert matches["posting_id"].to_list() == ["p1"]  # without an occupation, "assembler" shares nothing
    row = matches.row(0, named=True)
    assert row["occupation_fit"] == "same" and row["title_lexical"] < 50 and row["title"] == 70.0
    explained = explain_matches(
        matches,
        pl.DataFrame([_assembly()], schema=VACANCY_COLUMNS, orient="row"),
        pl.DataFrame(postings, schema=POSTING_COLUMNS, orient="row"),
    )
    assert "same occupation 51-2092, words alone " in explained["explanation"][0]


def test_the_lift_scales_with_the_coders_confidence_and_skips_residual_codes() -> None:
    unsure = posting("p1", title_core="assembler", occupation_code="51-2092", skills=[])
    columns = {**POSTING_COLUMNS, "title_confidence": pl.Float64}
    frame = pl.DataFrame([{**unsure, "title_confidence": 0.5}], schema=columns, orient="row")
    vacancies = pl.DataFrame([_assembly()], schema=VACANCY_COLUMNS, orient="row")
    matches, _ = match_frames(vacancies, frame, MatchOptions(as_of=AS_OF))
    assert matches.is_empty()  # 70 x 0.5 = 35: under the title floor
    other = vacancy(title_core="chief of staff", occupation_code="11-9199", skills=[])
    residual = posting("p2", title_core="program coordinator", occupation_code="11-9199", skills=[])
    assert run([other], [residual]).is_empty()  # "Managers, All Other" says nothing about the job


def test_a_different_occupation_sharing_words_scores_low() -> None:
    nurse = vacancy(title_core="registered nurse", occupation_code="29-1141", skills=[])
    vet = {"title_core": "registered veterinary nurse", "skills": []}
    postings = [
        posting("p1", occupation_code="29-2056", **vet),
        posting("p2", occupation_code=None, **vet),
    ]
    scored = run([nurse], postings, floor=0.0, title_floor=0.0)
    rows = {r["posting_id"]: r for r in scored.iter_rows(named=True)}
    lexical = rows["p2"]["title"]
    assert rows["p2"]["occupation_fit"] == "unknown" and rows["p2"]["title_lexical"] == lexical
    assert rows["p1"]["occupation_fit"] == "different"
    assert rows["p1"]["title"] == pytest.approx(round(lexical * 0.5, 2))
    assert run([nurse], postings[:1]).is_empty()  # under the title floor by default
    # software developers (15-1252) and software testers (15-1253) share the broad group 15-1250: half of it
    developer = vacancy(title_core="software engineer", occupation_code="15-1252", skills=[])
    tester = {"title_core": "software test engineer", "skills": []}
    both = [posting("p1", occupation_code="15-1253", **tester), posting("p2", occupation_code=None, **tester)]
    scored = run([developer], both, floor=0.0, title_floor=0.0)
    rows = {r["posting_id"]: r for r in scored.iter_rows(named=True)}
    assert rows["p1"]["title"] == pytest.approx(round(rows["p2"]["title"] * 0.75, 2))


def test_the_meaning_of_the_titles_counts_beside_their_words() -> None:
    """ "Nursing Manager" shares only the common "manager" with "Nurse Manager" (cores "nursing" and "nurse":
    no word at all); all-MiniLM-L6-v2 reads them as one title (cosine 0.96), "Chef" not (0.43)."""
    v_cols = {**VACANCY_COLUMNS, "title_clean": pl.String}
    p_cols = {**POSTING_COLUMNS, "title_clean": pl.String}
    vac = vacancy(title_core="nurse", title_clean="nurse manager", occupation_code=None, skills=[])
    postings = [
        posting("p1", title_core="nursing", title_clean="nursing manager", occupation_code=None, skills=[]),
        posting("p2", title_core="chef", title_clean="chef", occupation_code=None, skills=[]),
    ]
    vacancies = pl.DataFrame([vac], schema=v_cols, orient="row")
    frame = pl.DataFrame(postings, schema=p_cols, orient="row")
    matches, _ = match_frames(vacancies, frame, MatchOptions(as_of=AS_OF))
    assert matches["posting_id"].to_list() == ["p1"]
    row = matches.row(0, named=True)
    assert row["title_lexical"] < 50 <= row["title_semantic"] == row["title"]
    explained = explain_matches(matches, vacancies, frame)["explanation"][0]
    assert f"meaning {row['title_semantic']}" in explained
    off, _ = match_frames(vacancies, frame, MatchOptions(as_of=AS_OF, semantic=False))
    assert off.is_empty()  # the words alone: under the title floor


def test_seniority_is_not_judged_when_neither_title_names_a_level() -> None:
    """A plain vacancy ("Marketing Manager": planned at mid, ``seniority_source`` default) and a plain
    posting: no evidence either way, so seniority is left out and the other weights rescaled, as skills
    are; a posting that names a level is still judged against mid; a stated vacancy level judges all."""
    plain = vacancy(seniority="mid", skills=[])
    postings = [posting("plain", seniority=None, skills=[]), posting("mid", seniority="mid", skills=[])]
    frame = pl.DataFrame([plain], schema=VACANCY_COLUMNS, orient="row")
    defaulted = frame.with_columns(pl.lit("default").alias("seniority_source"))
    matches, _ = match_frames(
        defaulted, pl.DataFrame(postings, schema=POSTING_COLUMNS, orient="row"), MatchOptions(as_of=AS_OF)
    )
    by_id = {r["posting_id"]: r for r in matches.iter_rows(named=True)}
    # (45 + 20 + 5) / 0.7 = 100 without seniority; the mid posting: (45 + 20 + 20 + 5) / 0.9 = 100
    assert (by_id["plain"]["seniority"], by_id["plain"]["score"]) == (None, 100.0)
    assert (by_id["mid"]["seniority"], by_id["mid"]["score"]) == (100.0, 100.0)
    explained = explain_matches(
        matches, defaulted, pl.DataFrame(postings, schema=POSTING_COLUMNS, orient="row")
    )
    assert (
        "seniority not judged (mid vs ?)"
        in explained.filter(pl.col("posting_id") == "plain")["explanation"][0]
    )
    stated = frame.with_columns(pl.lit("title").alias("seniority_source"))  # "Engineer II": mid, stated
    matches, _ = match_frames(
        stated, pl.DataFrame(postings, schema=POSTING_COLUMNS, orient="row"), MatchOptions(as_of=AS_OF)
    )
    plain_row = matches.filter(pl.col("posting_id") == "plain").row(0, named=True)
    assert (plain_row["seniority"], plain_row["score"]) == (50.0, round((45 + 10 + 20 + 5) / 0.9, 2))
    # seniority as the only weight but title's: never 0 / 0 (weights of title, geography, recency all 0)
    matches, _ = match_frames(
        defaulted,
        pl.DataFrame(postings, schema=POSTING_COLUMNS, orient="row"),
        MatchOptions(
            as_of=AS_OF, weights={"title": 0, "seniority": 1, "geography": 0, "recency": 0, "skills": 0}
        ),
    )
    assert matches.filter(pl.col("posting_id") == "plain")["score"].to_list() == [50.0]


def test_matches_keep_the_vacancys_level_and_count_what_they_leave_out() -> None:
    """level_policy: "exact" keeps the vacancy's level and postings naming none; "adjacent" one level apart
    too; "any" every level. What is left out is counted per vacancy, for the reports' n_other_level."""
    postings = [
        posting("same", seniority="senior"),
        posting("unknown", seniority=None),
        posting("below", seniority="mid"),
        posting("far", seniority="junior"),
    ]
    kept = {}
    for policy in ("exact", "adjacent", "any"):
        matches, summary = match_frames(
            pl.DataFrame([vacancy()], schema=VACANCY_COLUMNS, orient="row"),
            pl.DataFrame(postings, schema=POSTING_COLUMNS, orient="row"),
            MatchOptions(as_of=AS_OF, level_policy=policy),
        )
        kept[policy] = sorted(matches["posting_id"])
        left = summary.left_out["n"].sum() if summary.left_out.height else 0
        assert left + matches.height == 4 and summary.excluded.get("another level", 0) == left
    assert kept == {
        "exact": ["same", "unknown"],
        "adjacent": ["below", "same", "unknown"],
        "any": ["below", "far", "same", "unknown"],
    }
    with pytest.raises(ValueError, match="level_policy"):
        run([vacancy()], postings, level_policy="near")


def test_a_title_of_one_generic_word_is_not_a_specific_job() -> None:
    """A title of "Engineer" is a subset of "Data Engineer" (token_set_ratio 100) but names no engineer."""
    data = vacancy(title_core="data engineer", occupation_code=None, skills=[])
    postings = [
        posting("p1", title_core="engineer", occupation_code=None, skills=[]),
        posting("p2", title_core="data engineer", occupation_code=None, skills=[]),
        # a market of nurses makes "engineer" a rare word, so "Engineer" is a candidate
        *(posting(f"n{i}", title_core="nurse", occupation_code=None, skills=[]) for i in range(60)),
    ]
    scored = run([data], postings, floor=0.0, title_floor=0.0)
    rows = {r["posting_id"]: r for r in scored.iter_rows(named=True)}
    assert rows["p1"]["title_lexical"] == 40.0 and rows["p2"]["title_lexical"] == 100.0
    assert run([data], postings)["posting_id"].to_list() == ["p2"]
    same = run([vacancy(title_core="engineer", occupation_code=None, skills=[])], postings[:1])
    assert same["title"].to_list() == [100.0]  # the same one word is the same title
