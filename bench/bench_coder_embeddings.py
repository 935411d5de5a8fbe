"""Can sentence embeddings lift the O*NET occupation coder? (issue 12; an experiment, nothing ships it)

The shipped coder (``matcher.normalize.occupations``: a linear model beside a neighbour vote over TF-IDF
character n-grams) against models on all-MiniLM-L6-v2 sentence vectors of the same occupation texts
(``matcher.match.semantic.TitleEmbedder``, the vectors the match stage already computes for ``_stext``),
and blends of the two, on the folds of ``bench/bench_occupations.py`` (``onet_folds``: 5 folds of distinct
O*NET texts grouped by their words in order) and on the 325 hand-labelled real titles.

Models, each a score per code for every asked text:

- ``tfidf``: the shipped coder's score (its linear decision + its neighbour vote's share);
- ``knn k=K p=P``: the K nearest training texts by cosine of their sentence vectors, each voting for its
  codes with its O*NET weight x cosine ** P; the score is a code's share of the vote;
- ``logreg``: a multinomial logistic regression on the sentence vectors (each distinct text labelled with
  its best-weighted code, as the shipped linear model is): a 384 x codes layer, 1.3 MB in float32;
- ``centroid``: the nearest code centroid (the mean of its texts' vectors);
- blends: ``tfidf + a x knn share + b x logreg probability``; ``a`` and ``b`` are chosen on fold 0 only and
  reported on folds 1-4 (and all 5); the shippable blend has ``a`` = 0 (no kNN: it needs 45,000 vectors);
- ``gated``: the blend only for titles whose shipped confidence is below a cut, the shipped code otherwise
  (what normalize could afford: only unsure titles embedded).

Coverage: each model's raw score (its winner's score, less ``UNKNOWN_PENALTY`` x the share of unknown words
for the TF-IDF-based ones) goes through an isotonic calibration fitted on the other folds' held-out texts
(cross-fitted, so no fold calibrates itself); a title is coded at confidence >= ``occ.THRESHOLD``.

Real titles: everything refitted on all training titles; a title training names exactly, or a generic one,
keeps the shipped coder's answer (its exact path); the others take each model's code, coded when its
calibration (fitted on all 5 folds) reaches ``occ.THRESHOLD``.

Sentence vectors of all texts are computed once (about 60 CPU-s for 45,000 texts) and cached in
``$TMPDIR/matcher-coder-embeddings/`` with the fold's fitted scores, so a rerun only analyses.
Run: ``OMP_NUM_THREADS=1 uv run python -m bench.bench_coder_embeddings`` (a fold fits the TF-IDF coder and
the logistic regression, about 5 CPU-minutes; 45 minutes cold for all on two busy cores, a minute warm;
``--folds=N`` only the first N folds; ``--fresh`` drops the cached folds, not the vectors;
``--build-layer`` writes ``matcher/reference/onet_sentence_layer.npz``).
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.isotonic import IsotonicRegression

from bench.bench_occupations import ROOT, SHARED, labelled_titles, onet_folds, score
from matcher.normalize import occupations as occ
from matcher.normalize.titles import GENERIC

CACHE = Path(os.environ.get("MATCHER_CODER_CACHE", Path(tempfile.gettempdir()) / "matcher-coder-embeddings"))
TOP = 50  # nearest neighbours kept per asked text (every k tried is at most this)
KNN_GRID = ((5, 1.0), (10, 1.0), (10, 4.0), (25, 4.0), (25, 8.0), (50, 8.0))
BLEND_A = (0.0, 0.5, 1.0, 2.0)
BLEND_B = (0.0, 1.0, 2.0, 4.0, 6.0, 8.0, 12.0)
GATES = (0.35, 0.5, 0.6, 0.7)
LOGREG_C = 10.0
LOGREG_ITER = 200


# -- sentence vectors ----------------------------------------------------------------------------------------
def vectors(texts: Sequence[str]) -> dict[str, np.ndarray]:
    """Sentence vectors of texts, embedding only those the cache under ``CACHE`` lacks (then saved)."""
    store, names = CACHE / "vectors.npy", CACHE / "vectors.txt"
    known: list[str] = names.read_text(encoding="utf-8").split("\n") if names.exists() else []
    matrix = np.load(store) if known else np.zeros((0, 384), dtype=np.float32)
    have = set(known)
    new = sorted(set(texts) - have - {""})
    if new:
        from matcher.match.semantic import TitleEmbedder

        started, cpu = time.perf_counter(), time.process_time()
        matrix = np.concatenate([matrix, TitleEmbedder().embed(new).astype(np.float32)])
        known += new
        print(
            f"embedded {len(new):,} texts: {time.perf_counter() - started:.0f} s wall, "
            f"{time.process_time() - cpu:.0f} CPU-s",
            flush=True,
        )
        CACHE.mkdir(parents=True, exist_ok=True)
        np.save(store, matrix)
        names.write_text("\n".join(known), encoding="utf-8")
    return dict(zip(known, matrix, strict=True))


# -- the models' scores --------------------------------------------------------------------------------------
def tfidf_scores(coder: occ.OccupationCoder, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The shipped coder's score of every code (``OccupationCoder.scores`` before its argmax) and each
    text's share of known words."""
    n = len(texts)
    candidates, tally, _ = coder._tallies(texts)
    total = tally.sum(axis=1, keepdims=True)
    share = np.divide(tally, total, out=np.zeros_like(tally), where=total > 0)
    assert coder.linear_weights is not None
    combined = (coder._linear_vectors(texts) @ coder.linear_weights).toarray() + coder.linear_bias
    np.add.at(combined, (np.arange(n)[:, None], candidates), occ.NEIGHBOUR_WEIGHT * share)
    return combined.astype(np.float32), coder.known_share(texts)


def nearest(queries: np.ndarray, train: np.ndarray, top: int = TOP) -> tuple[np.ndarray, np.ndarray]:
    """(indexes, cosines) of each query's ``top`` nearest training vectors, best first."""
    idx = np.zeros((len(queries), top), dtype=np.int32)
    sims = np.zeros((len(queries), top), dtype=np.float32)
    for start in range(0, len(queries), 2048):
        block = queries[start : start + 2048] @ train.T
        part = np.argpartition(-block, top - 1, axis=1)[:, :top]
        got = np.take_along_axis(block, part, axis=1)
        order = np.argsort(-got, axis=1)
        idx[start : start + 2048] = np.take_along_axis(part, order, axis=1)
        sims[start : start + 2048] = np.take_along_axis(got, order, axis=1)
    return idx, sims


def knn_share(idx: np.ndarray, sims: np.ndarray, votes: sp.csr_matrix, k: int, power: float) -> np.ndarray:
    """Each code's share of the vote of the ``k`` nearest training texts (O*NET weight x cosine ** power)."""
    n = len(idx)
    weight = np.clip(sims[:, :k], 0.0, None) ** power
    picks = sp.csr_matrix(
        (weight.ravel(), idx[:, :k].ravel(), np.arange(0, n * k + 1, k)), shape=(n, votes.shape[0])
    )
    tally = (picks @ votes).toarray()
    total = tally.sum(axis=1, keepdims=True)
    return np.divide(tally, total, out=np.zeros_like(tally), where=total > 0).astype(np.float32)


def fit_logreg(train: np.ndarray, labels: np.ndarray, n_codes: int) -> tuple[np.ndarray, np.ndarray]:
    """A multinomial logistic regression on sentence vectors -> (384 x codes weights, bias); codes no
    training text names get a bias that never wins."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=LOGREG_C, max_iter=LOGREG_ITER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(train, labels)
    weights = np.zeros((train.shape[1], n_codes), dtype=np.float32)
    bias = np.full(n_codes, -50.0, dtype=np.float32)
    weights[:, model.classes_] = model.coef_.T
    bias[model.classes_] = model.intercept_
    return weights, bias


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (shifted / shifted.sum(axis=1, keepdims=True)).astype(np.float32)


def centroid_scores(train: np.ndarray, votes: sp.csr_matrix, queries: np.ndarray) -> np.ndarray:
    centroids = np.asarray(votes.T @ train, dtype=np.float32)
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-9)
    return queries @ centroids.T


@dataclass
class Scored:
    """One fold's (or the real titles') scores, every model's matrix over ``codes``."""

    codes: list[str]
    tfidf: np.ndarray
    known: np.ndarray
    idx: np.ndarray
    sims: np.ndarray
    votes: sp.csr_matrix
    logreg: np.ndarray
    centroid: np.ndarray
    seconds: dict[str, float]


def score_texts(
    coder: occ.OccupationCoder,
    vecs: dict[str, np.ndarray],
    asked: Sequence[str],
    layer: tuple[np.ndarray, np.ndarray] | None = None,
) -> Scored:
    """Every model's scores of ``asked``, trained on ``coder``'s training texts (its rows and votes);
    ``layer``: the logistic regression's (weights, bias) when fitted already."""
    seconds = {}
    train_texts = sorted(coder.lookup, key=coder.lookup.__getitem__)
    train = np.stack([vecs[t] for t in train_texts])
    queries = np.stack([vecs[t] for t in asked])
    started = time.process_time()
    tfidf, known = tfidf_scores(coder, asked)
    seconds["tfidf score"] = time.process_time() - started
    started = time.process_time()
    idx, sims = nearest(queries, train)
    seconds["knn search"] = time.process_time() - started
    started = time.process_time()
    labels = np.asarray(coder.votes.argmax(axis=1)).ravel()
    weights, bias = layer or fit_logreg(train, labels, len(coder.codes))
    seconds["logreg fit"] = time.process_time() - started
    return Scored(
        codes=coder.codes,
        tfidf=tfidf,
        known=known,
        idx=idx,
        sims=sims,
        votes=coder.votes.tocsr(),
        logreg=softmax(queries @ weights + bias),
        centroid=centroid_scores(train, coder.votes.tocsr(), queries),
        seconds=seconds,
    )


def models(s: Scored, a_b: tuple[float, float] | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Model name -> (best code index, raw score) per asked text; ``a_b``: only the named blend (and the
    parts it needs), else every model and the whole blend grid."""
    penalty = occ.UNKNOWN_PENALTY * (1.0 - s.known)
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def add(name: str, matrix: np.ndarray, minus: np.ndarray | float = 0.0) -> None:
        best = matrix.argmax(axis=1)
        out[name] = (best, matrix[np.arange(len(best)), best] - minus)

    knn = knn_share(s.idx, s.sims, s.votes, 25, 4.0)
    if a_b is None:
        add("tfidf (shipped)", s.tfidf, penalty)
        for k, p in KNN_GRID:
            share = knn if (k, p) == (25, 4.0) else knn_share(s.idx, s.sims, s.votes, k, p)
            add(f"knn k={k} p={p:g}", share * s.sims[:, :1] if k else share)
        add("logreg", s.logreg)
        add("centroid", s.centroid)
        add("logreg + knn", s.logreg + knn)
        grid = [(a, b) for a in BLEND_A for b in BLEND_B if a or b]
    else:
        grid = [a_b]
    for a, b in grid:
        add(f"blend a={a:g} b={b:g}", s.tfidf + a * knn + b * s.logreg, penalty)
    return out


# -- evaluation ----------------------------------------------------------------------------------------------
def right(codes: Sequence[str], best: np.ndarray, truth: Sequence[set[str]]) -> tuple[np.ndarray, np.ndarray]:
    six = np.array([codes[b] in t for b, t in zip(best, truth, strict=True)])
    two = np.array([codes[b][:2] in {c[:2] for c in t} for b, t in zip(best, truth, strict=True)])
    return six, two


def isotonic(raw: np.ndarray, ok: np.ndarray) -> IsotonicRegression:
    return IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, ok.astype(float))


def fold_scores(fresh: bool, run: int) -> tuple[list[Scored], list[list[set[str]]], list[list[str]]]:
    folds = onet_folds()[:run]
    vecs = vectors([t for f in folds for t in f.asked])
    out, truths, askeds = [], [], []
    for number, fold in enumerate(folds):
        path = CACHE / f"fold-{number}-{fold.key}.npz"
        started = time.perf_counter()
        if path.exists() and not fresh:
            scored = load(path)
        else:
            coder = occ.OccupationCoder.fit(fold.train, fold.names)
            fit = time.perf_counter() - started
            scored = score_texts(coder, vecs, fold.asked)
            scored.seconds["tfidf fit (wall)"] = fit
            save(path, scored)
        print(
            f"  fold {number + 1}: {len(fold.asked):,} held-out texts, {time.perf_counter() - started:.0f} s "
            + ", ".join(f"{k} {v:.0f} s" for k, v in scored.seconds.items()),
            flush=True,
        )
        out.append(scored)
        truths.append(fold.truth)
        askeds.append(fold.asked)
    return out, truths, askeds


def save(path: Path, s: Scored) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    v = s.votes.tocsr()
    np.savez(
        path, codes=np.array(s.codes), tfidf=s.tfidf, known=s.known, idx=s.idx, sims=s.sims,
        logreg=s.logreg, centroid=s.centroid, v_data=v.data, v_indices=v.indices, v_indptr=v.indptr,
        v_shape=np.array(v.shape), seconds_k=np.array(list(s.seconds)),
        seconds_v=np.array(list(s.seconds.values())),
    )  # fmt: skip


def load(path: Path) -> Scored:
    z = np.load(path)
    return Scored(
        codes=z["codes"].tolist(),
        tfidf=z["tfidf"],
        known=z["known"],
        idx=z["idx"],
        sims=z["sims"],
        votes=sp.csr_matrix((z["v_data"], z["v_indices"], z["v_indptr"]), shape=tuple(z["v_shape"])),
        logreg=z["logreg"],
        centroid=z["centroid"],
        seconds=dict(zip(z["seconds_k"].tolist(), z["seconds_v"].tolist(), strict=True)),
    )


def held_out(fresh: bool, run: int = 5) -> tuple[dict[str, IsotonicRegression], tuple[float, float]]:
    print(
        f"\n== held-out O*NET texts: {run} of bench_occupations' 5 folds (grouped by words in order)",
        flush=True,
    )
    scored, truths, _ = fold_scores(fresh, run)
    per_model: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]] = {}
    for s, truth in zip(scored, truths, strict=True):
        for name, (best, raw) in models(s).items():
            six, two = right(s.codes, best, truth)
            per_model.setdefault(name, []).append((raw, six, two, best))
    # the blend's weights: the best six-digit accuracy (all coded) on fold 0 alone
    blends = [n for n in per_model if n.startswith("blend")]

    def best(names: list[str]) -> str:
        return max(names, key=lambda n: per_model[n][0][1].mean())

    chosen = best(blends)
    knn_only = best([n for n in blends if n.endswith(" b=0")])
    # the shippable blend: the TF-IDF coder and the 384 x codes layer, no kNN (it needs 45,000 vectors)
    layer_only = best([n for n in blends if n.startswith("blend a=0 ")])
    print(f"chosen on fold 0: best blend {chosen}; without the layer {knn_only}; without kNN {layer_only}")
    a, b = (float(x.split("=")[1]) for x in layer_only.split()[1:])
    shown = [n for n in per_model if not n.startswith("blend")] + sorted({chosen, knn_only, layer_only})
    header = (
        f"{'model':30} {'6-dig':>6} {'2-dig':>6} {'6 ex-f1':>7} {'2 ex-f1':>7} | at conf >= {occ.THRESHOLD}: "
        f"{'coded':>6} {'6 right':>8} {'of coded':>9}"
    )
    print(header)
    calibrations = {}
    for name in shown:
        rows = per_model[name]
        six = np.concatenate([r[1] for r in rows])
        two = np.concatenate([r[2] for r in rows])
        six14 = np.concatenate([r[1] for r in rows[1:]])
        two14 = np.concatenate([r[2] for r in rows[1:]])
        coded, ok = [], []
        for i, (raw, s6, _, _) in enumerate(rows):  # cross-fitted: fold i calibrated on the others
            others = [r for j, r in enumerate(rows) if j != i]
            fit = isotonic(np.concatenate([r[0] for r in others]), np.concatenate([r[1] for r in others]))
            sure = fit.predict(raw) >= occ.THRESHOLD
            coded.append(sure)
            ok.append(s6 & sure)
        cov, good = np.concatenate(coded).mean(), np.concatenate(ok).mean()
        print(
            f"{name:30} {six.mean():6.1%} {two.mean():6.1%} {six14.mean():7.1%} {two14.mean():7.1%} | "
            f"{'':>16}{cov:6.1%} {good:8.1%} {good / cov if cov else 0:9.1%}",
            flush=True,
        )
        calibrations[name] = isotonic(np.concatenate([r[0] for r in rows]), six)
    # gated: the blend only where the shipped coder is unsure (cross-fitted shipped calibration)
    rows = per_model[layer_only]
    raw = np.concatenate([r[0] for r in rows])
    grid = np.round(np.quantile(raw, np.linspace(0.01, 0.99, 15)), 2)
    fitted = calibrations[layer_only].predict(grid)
    print(
        f"calibration of {layer_only} ({len(rows)} folds): ("
        + ", ".join(f"({x}, {y:.2f})" for x, y in zip(grid, fitted, strict=True))
        + ")"
    )
    print(f"gated: {layer_only} only where the shipped coder's calibrated confidence < cut")
    ship = per_model["tfidf (shipped)"]
    blend = per_model[layer_only]
    for cut in GATES:
        six_all, two_all, share = [], [], []
        for i in range(len(ship)):
            others = [r for j, r in enumerate(ship) if j != i]
            fit = isotonic(np.concatenate([r[0] for r in others]), np.concatenate([r[1] for r in others]))
            unsure = fit.predict(ship[i][0]) < cut
            six_all.append(np.where(unsure, blend[i][1], ship[i][1]))
            two_all.append(np.where(unsure, blend[i][2], ship[i][2]))
            share.append(unsure)
        print(
            f"  cut {cut:.2f}: {np.concatenate(share).mean():6.1%} of titles embedded, "
            f"6-digit {np.concatenate(six_all).mean():6.1%}, 2-digit {np.concatenate(two_all).mean():6.1%}"
        )
    return calibrations, (a, b)


def build_layer() -> tuple[np.ndarray, np.ndarray]:
    """The logistic regression on sentence vectors fitted on all training titles (the shipped coder's
    texts and best codes): (384 x codes weights, bias) over ``default_coder().codes``, cached."""
    coder = occ.default_coder()
    train_texts = sorted(coder.lookup, key=coder.lookup.__getitem__)
    key = hashlib.sha256("\n".join([*train_texts, *coder.codes]).encode()).hexdigest()[:12]
    path = CACHE / f"layer-{key}.npz"
    if path.exists():
        z = np.load(path)
        return z["weights"], z["bias"]
    vecs = vectors(train_texts)
    started = time.process_time()
    labels = np.asarray(coder.votes.argmax(axis=1)).ravel()
    weights, bias = fit_logreg(np.stack([vecs[t] for t in train_texts]), labels, len(coder.codes))
    print(f"layer fitted on {len(train_texts):,} texts: {time.process_time() - started:.0f} CPU-s")
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(path, weights=weights, bias=bias, codes=np.array(coder.codes))
    return weights, bias


def real_titles(calibrations: dict[str, IsotonicRegression], a_b: tuple[float, float]) -> None:
    labelled = labelled_titles()
    if labelled is None:
        return
    rows, truth = labelled
    texts = occ._texts([r["title"] for r in rows])
    coder = occ.default_coder()
    shipped = coder.code_texts(texts)
    # the shipped exact path (a title training names, a generic word, an empty text) stays as it is
    asked = sorted({t for t in texts if t and t not in coder.lookup and t not in GENERIC})
    vecs = vectors(list(coder.lookup) + asked)
    path = CACHE / f"real-{hashlib.sha256(chr(10).join(asked).encode()).hexdigest()[:12]}.npz"
    if path.exists():
        scored = load(path)
    else:
        scored = score_texts(coder, vecs, asked, build_layer())
        save(path, scored)
    where = {t: i for i, t in enumerate(asked)}
    print(
        f"\n== real titles ({len(rows)} hand-labelled; {len(asked)} distinct texts not named by training "
        "take each model's code, the rest keep the shipped coder's exact path)"
    )
    print(f"{'model':30} {'coded':>6} {'6 right':>8} {'of coded':>9} {'2 right':>8} {'6 all coded':>12}")
    for name, (best, raw) in {**models(scored), **models(scored, a_b)}.items():
        if name not in calibrations:
            continue
        conf = calibrations[name].predict(raw)
        codes, all_codes = [], []
        for t, g in zip(texts, shipped, strict=True):
            if t in where:
                i = where[t]
                code = scored.codes[best[i]]
                all_codes.append(code)
                codes.append(code if conf[i] >= occ.THRESHOLD else None)
            else:
                codes.append(g.code)
                all_codes.append(g.code)
        coded = np.array([c is not None for c in codes])
        six = np.array([c in t for c, t in zip(codes, truth, strict=True)])
        two = np.array(
            [c is not None and c[:2] in {x[:2] for x in t} for c, t in zip(codes, truth, strict=True)]
        )
        six_all = np.array([c in t for c, t in zip(all_codes, truth, strict=True)])
        print(
            f"{name:30} {coded.mean():6.1%} {six.mean():8.1%} {six.mean() / coded.mean():9.1%} "
            f"{two.mean():8.1%} {six_all.mean():12.1%}",
            flush=True,
        )
    weights, bias = build_layer()
    api_check(texts, truth, occ.SentenceLayer(weights, bias, tuple(coder.codes), "bench"))


def api_check(texts: Sequence[str], truth: Sequence[set[str]], layer: occ.SentenceLayer) -> None:
    """The same real titles through the shipped API, ``code_texts(embed=..., layer=...)`` at its defaults
    (``SENTENCE_WEIGHT``, ``SENTENCE_GATE``, ``SENTENCE_CALIBRATION``), and without ``embed``."""
    coder = occ.default_coder()
    vecs = vectors(texts)

    def embed(asked: Sequence[str]) -> np.ndarray:
        return np.stack([vecs[t] for t in asked])

    for name, guesses in (
        ("code_texts() (shipped)", coder.code_texts(texts)),
        ("code_texts(embed=..., layer)", coder.code_texts(texts, embed=embed, layer=layer)),
    ):
        coded, six, two, _ = score([g.code for g in guesses], truth)
        print(f"{name:30} {coded:6.1%} {six:8.1%} {six / coded:9.1%} {two:8.1%}", flush=True)


def write_layer(target: Path = ROOT / "matcher" / "reference" / "onet_sentence_layer.npz") -> None:
    """``--build-layer``: fit (or read from the cache) the layer on all training texts and ship it."""
    from matcher.match.semantic import default_embedder

    weights, bias = build_layer()
    codes = tuple(occ.default_coder().codes)
    occ.SentenceLayer(weights, bias, codes, default_embedder().model_id).save(target)
    print(f"wrote {target} ({target.stat().st_size / 1e6:.2f} MB, {len(codes)} codes)")


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    if not (SHARED / "onet").exists():
        print(f"\n== coder embeddings: skipped, {SHARED / 'onet'} is absent")
        return
    started = time.perf_counter()
    run = next((int(a.split("=")[1]) for a in sys.argv if a.startswith("--folds=")), 5)
    calibrations, a_b = held_out(fresh="--fresh" in sys.argv, run=run)
    real_titles(calibrations, a_b)
    print(f"(coder embeddings bench: {time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    if "--build-layer" in sys.argv:
        write_layer()
    else:
        main()
