"""The occupation coder's optional sentence layer (``code_texts(embed=...)``, off by default)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from matcher.normalize import occupations as occ

NURSE, DRIVER, CARPENTER = "29-1141", "53-3033", "47-2031"


@pytest.fixture(scope="module")
def coder() -> occ.OccupationCoder:
    titles = [
        *(occ.TrainingTitle(title=t, soc_code=NURSE, weight=3) for t in ["registered nurse", "staff nurse"]),
        *(occ.TrainingTitle(title=t, soc_code=NURSE, weight=2) for t in ["charge nurse", "nurse clinician"]),
        *(occ.TrainingTitle(title=t, soc_code=DRIVER, weight=3) for t in ["delivery driver", "route driver"]),
        *(occ.TrainingTitle(title=t, soc_code=DRIVER, weight=2) for t in ["van driver", "courier driver"]),
        *(occ.TrainingTitle(title=t, soc_code=CARPENTER, weight=3) for t in ["carpenter", "joiner"]),
    ]
    fitted = occ.OccupationCoder.fit(titles, {NURSE: "Nurses", DRIVER: "Drivers", CARPENTER: "Carpenters"})
    fitted.threshold = 0.0  # these tests are about which code wins, not the shipped threshold
    # ten titles are too few for the linear model (pruned to its 3% largest weights, it keeps four, one of
    # -9.5 for the drivers): zeroed, so the TF-IDF half is its neighbour vote, a share in [0, 1] per code
    assert fitted.linear_weights is not None
    fitted.linear_weights = fitted.linear_weights * 0.0
    fitted.linear_bias = np.zeros_like(fitted.linear_bias)
    return fitted


def layer_towards(code: str, codes: Sequence[str]) -> occ.SentenceLayer:
    """A two-dimensional layer: a vector (1, 0) is ``code`` for sure, (0, 1) says nothing."""
    weights = np.zeros((2, len(codes)), dtype=np.float32)
    weights[0, list(codes).index(code)] = 12.0
    return occ.SentenceLayer(weights, np.zeros(len(codes), np.float32), tuple(codes), "test")


class CountingEmbed:
    def __init__(self, vector: tuple[float, float]) -> None:
        self.vector = np.array(vector, dtype=np.float32)
        self.asked: list[str] = []

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.asked += texts
        return np.tile(self.vector, (len(texts), 1))


def test_the_layer_decides_a_title_the_words_place_elsewhere(coder: occ.OccupationCoder) -> None:
    # "night nurse driver"'s words lean to the nurses (two nurse titles share "nurse"); a layer sure it is
    # a driver (probability ~1, times SENTENCE_WEIGHT 4) outweighs the TF-IDF margin
    layer = layer_towards(DRIVER, coder.codes)
    assert coder.code_texts(["night nurse"])[0].code == NURSE
    embed = CountingEmbed((1.0, 0.0))
    assert coder.code_texts(["night nurse"], embed=embed, layer=layer)[0].code == DRIVER
    assert embed.asked == ["night nurse"]


def test_a_layer_that_says_nothing_leaves_the_tfidf_code(coder: occ.OccupationCoder) -> None:
    flat = layer_towards(DRIVER, coder.codes)  # (0, 1): equal probabilities, the same lift for every code
    guess = coder.code_texts(["night nurse"], embed=CountingEmbed((0.0, 1.0)), layer=flat)[0]
    assert guess.code == NURSE


def test_titles_training_names_and_sure_titles_are_not_embedded(coder: occ.OccupationCoder) -> None:
    layer = layer_towards(DRIVER, coder.codes)
    embed = CountingEmbed((1.0, 0.0))
    guesses = coder.code_texts(["carpenter", "night nurse"], embed=embed, layer=layer, gate=0.0)
    assert [g.code for g in guesses] == [CARPENTER, NURSE]  # exact path; gate 0: no text is unsure
    assert embed.asked == []
    embed = CountingEmbed((1.0, 0.0))
    guesses = coder.code_texts(["carpenter", "night nurse"], embed=embed, layer=layer)
    assert [g.code for g in guesses] == [CARPENTER, DRIVER]
    assert embed.asked == ["night nurse"]  # "carpenter" is named by training: never embedded


def test_probabilities_follow_the_asked_codes() -> None:
    layer = occ.SentenceLayer(
        np.eye(2, 3, dtype=np.float32), np.zeros(3, np.float32), ("a", "b", "c"), "m"
    )  # vector dims 0 and 1 -> codes a and b
    probs = layer.probabilities(np.array([[2.0, 0.0]], np.float32), ["c", "zz", "a"])
    # softmax of (2, 0, 0): e^2 / (e^2 + 2) = 0.787, 1 / (e^2 + 2) = 0.107; "zz" is not the layer's: 0
    assert probs.shape == (1, 3)
    assert probs[0].tolist() == pytest.approx([0.1065, 0.0, 0.7870], abs=1e-3)


def test_a_saved_layer_loads_back(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    layer = occ.SentenceLayer(
        rng.normal(size=(4, 3)).astype(np.float32), rng.normal(size=3).astype(np.float32), tuple("abc"), "m"
    )
    layer.save(tmp_path / "layer.npz")
    back = occ.SentenceLayer.load(tmp_path / "layer.npz")
    assert back.codes == layer.codes and back.model == "m"
    assert np.allclose(back.weights, layer.weights, atol=2e-3)  # stored as float16
    assert np.array_equal(back.bias, layer.bias)


def test_the_shipped_layer_reads_minilm_vectors_of_the_coders_codes() -> None:
    layer = occ.sentence_layer()
    assert layer.weights.shape == (384, len(layer.codes))
    assert "all-MiniLM-L6-v2" in layer.model
    assert set(layer.codes) == set(occ.default_coder().codes)


def test_the_shipped_layer_with_minilm_places_a_title_the_words_misplace() -> None:
    # measured on the hand-labelled real titles (bench_coder_embeddings): the words alone file "Business
    # Intelligence Engineer" under military occupations (55-1019: "intelligence"); its sentence vector is a
    # data scientist's (15-2051, where O*NET lists business intelligence analysts)
    from matcher.match.semantic import TitleEmbedder  # the test, not the coder, brings the model

    coder = occ.default_coder()
    title = ["Business Intelligence Engineer"]
    assert coder.code_titles(title)[0].code == "55-1019"
    assert coder.code_titles(title, embed=TitleEmbedder().embed)[0].code == "15-2051"
