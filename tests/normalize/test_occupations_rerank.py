"""The occupation coder's reranking of its best codes (``RERANK_WEIGHTS``, ``_rerank_terms``,
``CodeStats``)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import scipy.sparse as sp

from matcher.normalize import occupations as occ

NURSE, DRIVER, CARPENTER = "29-1141", "53-3033", "47-2031"
NAMES = {NURSE: "Registered Nurses", DRIVER: "Light Truck Drivers", CARPENTER: "Carpenters"}


@pytest.fixture(scope="module")
def coder() -> occ.OccupationCoder:
    titles = [
        *(occ.TrainingTitle(title=t, soc_code=NURSE, weight=3) for t in ["registered nurse", "staff nurse"]),
        *(occ.TrainingTitle(title=t, soc_code=NURSE, weight=2) for t in ["charge nurse", "nurse clinician"]),
        *(occ.TrainingTitle(title=t, soc_code=DRIVER, weight=3) for t in ["delivery driver", "route driver"]),
        *(occ.TrainingTitle(title=t, soc_code=DRIVER, weight=2) for t in ["van driver", "courier driver"]),
        *(occ.TrainingTitle(title=t, soc_code=CARPENTER, weight=3) for t in ["carpenter", "joiner"]),
    ]
    fitted = occ.OccupationCoder.fit(titles, NAMES)
    # ten titles are too few for the linear model: zeroed, the score is the neighbour vote's share
    assert fitted.linear_weights is not None
    fitted.linear_weights = fitted.linear_weights * 0.0
    fitted.linear_bias = np.zeros_like(fitted.linear_bias)
    return fitted


def with_weights(coder: occ.OccupationCoder, **weights: float) -> occ.OccupationCoder:
    """A copy of ``coder`` reranking with ``weights`` only (the others 0)."""
    other = copy.copy(coder)
    other.rerank_weights = {**dict.fromkeys(occ.RERANK_WEIGHTS, 0.0), **weights}
    return other


def test_code_stats_share_of_weight_per_head_word(coder: occ.OccupationCoder) -> None:
    stats = coder._code_stats()
    nurse, carpenter = coder.codes.index(NURSE), coder.codes.index(CARPENTER)
    # nurse titles weigh 3 + 3 + 2 + 2; "nurse clinician" (2) is the one whose head is not "nurse"
    assert stats.head_share[stats.heads["nurse"], nurse] == pytest.approx(0.8)
    assert stats.head_share[stats.heads["clinician"], nurse] == pytest.approx(0.2)
    assert stats.head_share[stats.heads["joiner"], carpenter] == pytest.approx(0.5)
    assert stats.head_share[stats.heads["nurse"], carpenter] == 0.0


def test_rerank_terms_of_a_title_whose_words_point_two_ways(coder: occ.OccupationCoder) -> None:
    # "delivery nurse": "delivery" is a driver's word, the head "nurse" a nurse's
    top = np.array([[coder.codes.index(DRIVER), coder.codes.index(NURSE), coder.codes.index(CARPENTER)]])
    terms = coder._rerank_terms(["delivery nurse"], coder._vectors(["delivery nurse"]), top)
    assert terms["head_share"][0].tolist() == pytest.approx([0.0, 0.8, 0.0])
    assert terms["head_in_name"][0].tolist() == [0.0, 1.0, 0.0]  # "Registered Nurses": plural aside
    cover = terms["cover"][0]
    assert cover[0] > cover[1] > 0.0 == cover[2]  # "delivery" (one title) weighs more than "nurse" (four)
    assert cover[0] + cover[1] == pytest.approx(1.0)  # each word is used by exactly one of the codes
    assert terms["nearest"][0, 0] > terms["nearest"][0, 1] > terms["nearest"][0, 2]


def test_an_unknown_word_lowers_the_cover(coder: occ.OccupationCoder) -> None:
    top = np.array([[coder.codes.index(NURSE)]] * 2)
    texts = ["staff nurse", "staff nurse zorblax"]
    cover = coder._rerank_terms(texts, coder._vectors(texts), top)["cover"][:, 0]
    assert cover[0] == pytest.approx(1.0)
    # idf = ln(11 / (1 + texts using the word)) + 1 over the ten texts: "staff" (1 text), "nurse" (4); the
    # unknown word counts at the highest idf, "staff"'s
    staff, nurse = np.log(11 / 2) + 1, np.log(11 / 5) + 1
    assert cover[1] == pytest.approx((staff + nurse) / (2 * staff + nurse), rel=1e-5)


def test_no_weights_take_the_scores_best_and_a_head_word_weight_reorders(coder: occ.OccupationCoder) -> None:
    texts = ["delivery nurse", "night nurse", "van driver man"]
    plain = with_weights(coder).scores(texts)[0]
    assert [coder.codes[i] for i in plain] == [DRIVER, NURSE, DRIVER]
    top, _ = coder.rerank_candidates(texts)
    assert top[:, 0].tolist() == plain.tolist()  # candidates come best score first
    reranked = with_weights(coder, head_share=3.0).scores(texts)[0]
    # only "delivery nurse" changes: its head word is the nurses' ("van driver man"'s head "man" is nobody's)
    assert [coder.codes[i] for i in reranked] == [NURSE, NURSE, DRIVER]


def test_the_sentence_layers_extra_scores_are_not_reranked(coder: occ.OccupationCoder) -> None:
    extra = np.zeros((1, len(coder.codes)), dtype=np.float32)
    best, _ = with_weights(coder, head_share=3.0).scores(["delivery nurse"], extra)
    assert coder.codes[best[0]] == DRIVER  # the sum decides, as SENTENCE_CALIBRATION was measured


def test_best_columns_come_best_first_ties_to_the_lower_column() -> None:
    scores = np.array([[0.1, 0.9, 0.5, 0.9], [3.0, 1.0, 2.0, 0.0]], dtype=np.float32)
    assert occ.OccupationCoder._best(scores, 3).tolist() == [[1, 3, 2], [0, 2, 1]]
    assert occ.OccupationCoder._best(scores, 9).shape == (2, 4)


def test_rerank_features_are_named_and_finite(coder: occ.OccupationCoder) -> None:
    top, features = coder.rerank_candidates(["delivery nurse", "carpenter", "zorblax"])
    assert features.shape == (3, len(coder.codes), len(occ.RERANK_FEATURES))
    assert np.isfinite(features).all()
    rank = features[:, :, occ.RERANK_FEATURES.index("rank")]
    assert rank[0].tolist() == list(range(len(coder.codes)))
    assert sorted(top[0].tolist()) == list(range(len(coder.codes)))  # every code once


def test_a_stemmed_name_word() -> None:
    assert [occ._stem(w) for w in ["nurses", "business", "bus", "drivers"]] == [
        "nurse", "business", "bus", "driver",
    ]  # fmt: skip


def test_code_stats_present_has_a_row_for_unseen_words(coder: occ.OccupationCoder) -> None:
    stats = coder._code_stats()
    assert isinstance(stats.present, sp.csr_matrix)
    assert stats.present.shape == (len(stats.words) + 1, len(coder.codes))
    assert stats.present[len(stats.words)].nnz == 0


def test_reranking_is_an_opt_in_copy(coder: occ.OccupationCoder) -> None:
    assert not any(coder.rerank_weights.values())  # a fitted coder does not rerank
    assert coder.calibration == occ.CALIBRATION
    reranked = coder.reranked()
    assert reranked.rerank_weights == occ.RERANK_WEIGHTS
    assert reranked.calibration == occ.RERANK_CALIBRATION
    assert not any(coder.rerank_weights.values())  # the original is unchanged
    assert reranked.codes is coder.codes  # a shallow copy: nothing is refitted


def test_rerank_calibration_is_monotone() -> None:
    xs, ys = zip(*occ.RERANK_CALIBRATION, strict=True)
    assert list(xs) == sorted(xs)
    assert list(ys) == sorted(ys)
    assert 0.0 <= min(ys) <= max(ys) <= 1.0
