"""The real-data quality bench's metric code (bench/bench_quality.py) on hand-made rankings and a slice."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bench import bench_quality as bq

V = {"vacancy_id": "V1", "role": "Data Engineer", "country": "GB", "currency": "GBP"}


def _posting(pid: str, title: str, level: str | None, country: str = "GB", annual: int = 50000) -> bq.Posting:
    return bq.Posting(
        posting_id=pid,
        country=country,
        title=title,
        level=level,
        annual=Decimal(annual),
        currency="GBP",
        row={},
    )


LABELS = {
    ("V1", "Data Engineer"): bq.Label(same_job=True, levels=frozenset({"MI"})),
    ("V1", "Lead Data Engineer"): bq.Label(same_job=True, levels=frozenset()),
    ("V1", "Data Analyst"): bq.Label(same_job=False, levels=frozenset()),
}


def test_precision_counts_unlabelled_as_wrong_and_stops_at_k() -> None:
    # 3 right of the first 4 (the unlabelled one counts as wrong): 0.75; past k nothing counts
    assert bq.precision_at([True, True, None, True, False], k=4) == 0.75
    assert bq.precision_at([True] * 20 + [False] * 5) == 1.0
    assert bq.precision_at([]) is None


def test_recall_is_the_share_of_relevant_ids_matched() -> None:
    assert bq.recall(["a", "b", "x"], {"a", "b", "c", "d"}) == 0.5
    assert bq.recall(["a"], set()) is None


def test_same_job_needs_the_country_the_label_and_the_level() -> None:
    assert bq.same_job(V, _posting("1", "Data Engineer", "MI"), LABELS) is True
    assert bq.same_job(V, _posting("2", "Data Engineer", "SE"), LABELS) is False  # another level
    assert bq.same_job(V, _posting("3", "Data Engineer", "MI", country="FR"), LABELS) is False
    assert bq.same_job(V, _posting("4", "Lead Data Engineer", "EN"), LABELS) is True  # the title decides
    assert bq.same_job(V, _posting("5", "Data Analyst", "MI"), LABELS) is False
    assert bq.same_job(V, _posting("6", "Cook", "MI"), LABELS) is None


def test_evaluate_matches_on_a_hand_made_ranking() -> None:
    postings = [
        _posting("1", "Data Engineer", "MI", annual=40000),
        _posting("2", "Data Engineer", "MI", annual=50000),
        _posting("3", "Data Engineer", "MI", annual=60000),
        _posting("4", "Data Analyst", "MI"),
        _posting("5", "Data Engineer", "SE", annual=90000),
    ]
    matches = [
        {"vacancy_id": "V1", "posting_id": "4", "rank": 2, "score": 80.0},
        {"vacancy_id": "V1", "posting_id": "1", "rank": 1, "score": 90.0},
        {"vacancy_id": "V1", "posting_id": "5", "rank": 3, "score": 76.0},
        {"vacancy_id": "V1", "posting_id": "2", "rank": 4, "score": 60.0},
    ]
    benchmarks = {"V1": {"p50": 55000.0, "n": 3, "confidence": "low", "verdict": "insufficient data"}}
    (q,) = bq.evaluate_matches([V], postings, LABELS, matches, benchmarks)
    # ranked 1 (yes), 4 (no: analyst), 5 (no: senior), 2 (yes) -> 2/4; same job 1, 2, 3 of which 1, 2 matched
    assert (q.precision, q.recall, q.n_same, q.n_matched) == (0.5, 2 / 3, 3, 4)
    # truth: median of 40k, 50k, 60k = 50k; the benchmark's 55k is 10% above
    assert q.truth_p50 == Decimal(50000)
    assert q.p50_error == pytest.approx(0.10)
    assert q.missed == ["Data Engineer [MI]"]
    # the product calls 1, 5 and 2 the same job (the analyst a related posting): precision on those, 2/3;
    # every match still counts in precision_all and recall
    same = [{"vacancy_id": "V1", "posting_id": pid} for pid in ("1", "5", "2")]
    (q,) = bq.evaluate_matches([V], postings, LABELS, matches, benchmarks, same=same)
    assert (q.precision, q.precision_all, q.recall) == (2 / 3, 0.5, 2 / 3)
    assert q.recall_pool == 1 / 3  # of 1, 2, 3 only 1 scores 75 or more
    assert q.wrong_top == ["Data Engineer [SE, GB]"]


def test_display_salary_writes_each_country_style() -> None:
    assert bq.display_salary(65000, "GB", 0) == "£65,000 per annum"
    assert bq.display_salary(65000, "DE", 0) == "65.000 € pro Jahr"
    assert bq.display_salary(1200000, "IN", 0) == "₹12,00,000 a year"
    assert bq.display_salary(45000, "FR", 1) == "45 000 € brut par an"


def test_normalizer_figures_by_country() -> None:
    cases = {
        "salary": [{"text": "£30,000pa", "country": "GB", "expected": ["30000", "30000", "GBP", "year"]}],
        "seniority": [{"title": "Senior X", "expected": "senior"}, {"title": "X", "expected": None}],
        "country": [
            {"text": "a", "expected": "IN"},
            {"text": "b", "expected": "IN"},
            {"text": "c", "expected": "US"},
        ],
    }
    found = {
        "salary": [["30000.00", "3E+4", "GBP", "year"]],
        "seniority": ["senior", "mid"],
        "country": ["US", "IN", "US"],
    }
    figures = bq.normalizer_figures(cases, found)
    assert figures["salary"] == (1.0, 1)
    assert figures["seniority"] == (0.5, 2)
    assert figures["country"] == {"IN": (0.5, 2), "US": (1.0, 1)}


def test_the_labels_and_vacancies_agree() -> None:
    vacancies = {v["vacancy_id"]: v for v in bq.load_vacancies()}
    labels = bq.load_labels()
    assert len(vacancies) >= 10 and len({v["country"] for v in vacancies.values()}) >= 4
    assert {vid for vid, _ in labels} == set(vacancies)
    for vid in vacancies:
        assert any(label.same_job for (v, _), label in labels.items() if v == vid), vid


@pytest.mark.shared_data
def test_a_slice_of_the_real_postings_is_labelled(shared_dir: Path) -> None:
    postings = bq.real_postings(shared_dir)
    assert {p.country for p in postings} >= {"GB", "DE", "FR", "ES", "CA", "IN", "US"}
    labels = bq.load_labels()
    for v in bq.load_vacancies():
        same = [p for p in postings if bq.same_job(v, p, labels)]
        assert len(same) >= 8, v["vacancy_id"]  # enough same-job postings for a median
        assert all(p.country == v["country"] for p in same)


def test_pool_gap_names_the_titles_counted_wrongly_and_the_same_job_left_out() -> None:
    labels = {**LABELS, ("V1", "Data Specialist"): bq.Label(same_job=False, levels=frozenset())}
    postings = [
        _posting("1", "Data Engineer", "MI", annual=50000),  # counted, the same job
        _posting("2", "Data Specialist", "MI", annual=30000),  # counted, not the same job
        _posting("3", "Data Specialist", "MI", annual=34000),
        _posting("4", "Data Engineer", "MI", annual=90000),  # the same job, trimmed
        _posting("5", "Lead Data Engineer", "SE", annual=80000),  # the same job, under the pool's score
        _posting("6", "Lead Data Engineer", "SE", annual=70000),  # the same job, never matched
        _posting("7", "Data Engineer", "MI", annual=60000),  # the same job, matched high, in no pool row
        _posting("8", "Data Analyst", "MI", annual=10000),  # not the same job, not counted: not listed
    ]
    scores = {"1": 90.0, "2": 77.0, "3": 75.5, "4": 88.0, "5": 70.0, "7": 91.0, "8": 80.0}
    matches = [{"vacancy_id": "V1", "posting_id": pid, "score": s} for pid, s in scores.items()]
    matches.append({"vacancy_id": "V2", "posting_id": "6", "score": 99.0})  # another vacancy's match
    reasons = {"1": "counted", "2": "counted", "3": "counted", "4": "outlier", "8": "other_level"}
    pool = [{"vacancy_id": "V1", "posting_id": pid, "reason": r} for pid, r in reasons.items()]
    wrong, missed = bq.pool_gap(V, postings, labels, matches, pool)
    assert wrong == ["Data Specialist [MI] x2, median 32,000, score 75.5-77.0"]
    assert sorted(missed) == sorted(
        [
            "Data Engineer [MI] x1, median 90,000, score 88.0-88.0, outlier",
            "Data Engineer [MI] x1, median 60,000, score 91.0-91.0, dropped: repost or company cap",
            "Lead Data Engineer [SE] x1, median 80,000, score 70.0-70.0, below the pool's score",
            "Lead Data Engineer [SE] x1, median 70,000, not matched",
        ]
    )
