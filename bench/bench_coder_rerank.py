"""A reranker over the occupation coder's best candidates (issue 12): measured beside the shipped coder.

For each held-out fold of ``bench/bench_occupations.py`` (``onet_folds``: distinct O*NET texts grouped by
their words in order), nested so nothing the fold holds out teaches the reranker:

1. the shipped coder is fitted on the fold's training titles and lists, for each held-out text, its
   ``RERANK_K`` best codes by score with their features (``OccupationCoder.rerank_candidates``);
2. inside the training titles, one inner split (the same grouping) holds out a fifth: a coder fitted on the
   other four fifths lists the inner held-out texts' candidates; a candidate is right when O*NET lists the
   text under it. The rerankers learn from these inner lists only;
3. each variant picks one code per outer held-out text (every text coded): the shipped score's best; a
   blend of the score with head-word and word-cover terms (weights chosen on the inner lists, coordinate
   search); the same blend through the product's own ``OccupationCoder.scores`` (today's, the nested
   weights, and ``RERANK_WEIGHTS``: the median of the folds' nested choices, what ``reranked()`` uses); a
   logistic regression over the candidate features (pointwise) and a pairwise one (right minus wrong
   candidates of a text); gradient-boosted trees (``HistGradientBoostingClassifier``, pointwise).

Then: the calibration of ``RERANK_WEIGHTS``' raw score on the 5 folds (what ``RERANK_CALIBRATION`` is) and the
coverage per threshold; the 325 hand-labelled real titles (``bench/data/occupation_labels.csv``) through
``code_texts`` of a coder fitted on all training titles, as shipped and ``reranked()``, each changed code
listed, and, on the texts training does not name, the trees fitted on all 5 folds' lists.

Coders and candidate lists are cached in ``$TMPDIR/matcher-coder-rerank`` (31 fits of 10-40 CPU-s, 170 MB
each); 13 minutes on two busy cores with the coders cached and ``--fresh`` lists (most of it the pairwise
ranker and the trees). ``RERANK_INNER`` (default 5): the inner splits the
rerankers learn from (1 is quicker: fold 0, blend 56.7%, trees 57.1%).
Run: ``RERANK_INNER=5 OMP_NUM_THREADS=1 uv run python -m bench.bench_coder_rerank [--folds=N] [--fresh]``.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from bench.bench_occupations import FOLDS, SHARED, Fold, labelled_titles, onet_folds, score
from matcher.normalize import occupations as occ
from matcher.normalize.titles import GENERIC

CACHE = Path(os.environ.get("MATCHER_RERANK_CACHE", Path(tempfile.gettempdir()) / "matcher-coder-rerank"))
INNER = 5  # an inner split holds out one fifth of the outer training texts
INNER_RUN = int(os.environ.get("RERANK_INNER", "5"))  # inner splits the rerankers learn from


@dataclass
class Table:
    """Candidate lists: n x K code indexes, n x K x F features, n x K right (the code is one O*NET lists the
    text under), n x K same major group as a right code, and the codes."""

    top: np.ndarray
    features: np.ndarray
    right: np.ndarray
    major: np.ndarray
    codes: list[str]


def inner_fold(fold: Fold, number: int = 0) -> Fold:
    """One inner split of a fold's training titles, grouped as ``onet_folds`` groups (words in order)."""
    texts = occ._texts([t.title for t in fold.train])
    truth: dict[str, set[str]] = defaultdict(set)
    for text, t in zip(texts, fold.train, strict=True):
        if text:
            truth[text].add(t.soc_code)
    distinct = sorted(truth)
    groups = [" ".join(occ._WORD.findall(t)) for t in distinct]
    _, test = list(GroupKFold(n_splits=INNER).split(distinct, groups=groups))[number]
    tested = {distinct[i] for i in test}
    asked = sorted(tested)
    return Fold(
        train=[t for t, x in zip(fold.train, texts, strict=True) if x and x not in tested],
        asked=asked,
        truth=[truth[x] for x in asked],
        first=[""] * len(asked),
        names=fold.names,
        key=hashlib.sha256("\n".join(asked).encode()).hexdigest()[:12],
    )


def coder_for(fold: Fold) -> occ.OccupationCoder:
    path = CACHE / f"coder-{fold.key}-{len(fold.train)}.pickle"
    if path.exists():
        with path.open("rb") as handle:
            coder: occ.OccupationCoder = pickle.load(handle)
        coder.rerank_weights = dict.fromkeys(
            occ.RERANK_WEIGHTS, 0.0
        )  # as fitted today (pickled by older code)
        coder.calibration = occ.CALIBRATION
        return coder
    started, cpu = time.perf_counter(), time.process_time()
    coder = occ.OccupationCoder.fit(fold.train, fold.names)
    print(
        f"    fitted: {time.perf_counter() - started:.0f} s, {time.process_time() - cpu:.0f} CPU-s",
        flush=True,
    )
    CACHE.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        pickle.dump(coder, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return coder


def table_for(fold: Fold, fresh: bool) -> Table:
    feature_key = hashlib.sha256(Path(occ.__file__).read_bytes()).hexdigest()[:8]
    path = CACHE / f"table-{fold.key}-{feature_key}.npz"
    if path.exists() and not fresh:
        z = np.load(path)
        return Table(z["top"], z["features"], z["right"], z["major"], z["codes"].tolist())
    coder = coder_for(fold)
    cpu = time.process_time()
    top, features = coder.rerank_candidates(fold.asked)
    print(f"    candidates of {len(fold.asked):,} texts: {time.process_time() - cpu:.0f} CPU-s", flush=True)
    codes = coder.codes
    right = np.array([[codes[j] in t for j in row] for row, t in zip(top, fold.truth, strict=True)])
    major = np.array(
        [[codes[j][:2] in {c[:2] for c in t} for j in row] for row, t in zip(top, fold.truth, strict=True)]
    )
    np.savez(path, top=top, features=features, right=right, major=major, codes=np.array(codes))
    return Table(top, features, right, major, codes)


# -- the variants --------------------------------------------------------------------------------------------
def column(name: str) -> int:
    return occ.RERANK_FEATURES.index(name)


BLEND_TERMS = ("head_share", "cover", "head_in_name", "nearest")
BLEND_GRID = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0)


def blend_score(features: np.ndarray, weights: tuple[float, ...]) -> np.ndarray:
    out = features[:, :, column("score")].copy()
    for term, w in zip(BLEND_TERMS, weights, strict=True):
        out += w * features[:, :, column(term)]
    return out


def fit_blend(train: Table) -> tuple[float, ...]:
    """The blend's weights: coordinate search over ``BLEND_GRID`` for the best inner six-digit accuracy."""
    weights = [0.0] * len(BLEND_TERMS)

    def accuracy(w: list[float]) -> float:
        best = blend_score(train.features, tuple(w)).argmax(axis=1)
        return float(train.right[np.arange(len(best)), best].mean())

    for _ in range(2):
        for i in range(len(weights)):
            weights[i] = max(BLEND_GRID, key=lambda v: accuracy([*weights[:i], v, *weights[i + 1 :]]))
    return tuple(weights)


def flat(table: Table) -> tuple[np.ndarray, np.ndarray]:
    n, k, f = table.features.shape
    return table.features.reshape(n * k, f), table.right.reshape(n * k)


def fit_logistic(train: Table) -> tuple[np.ndarray, np.ndarray, LogisticRegression]:
    x, y = flat(train)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    model = LogisticRegression(C=1.0, max_iter=1000).fit((x - mean) / scale, y)
    return mean, scale, model


def fit_pairwise(train: Table) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A linear ranker: logistic regression on feature differences, each right candidate against each
    wrong one of the same text (and the reverse), standardized. Returns (mean, scale, weights)."""
    x, _ = flat(train)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (train.features - mean) / scale
    diffs = []
    for i in np.flatnonzero(train.right.any(axis=1) & ~train.right.all(axis=1)):
        good, bad = z[i][train.right[i]], z[i][~train.right[i]]
        diffs.append((good[:, None, :] - bad[None, :, :]).reshape(-1, z.shape[2]))
    d = np.concatenate(diffs)
    model = LogisticRegression(C=1.0, max_iter=1000, fit_intercept=False)
    model.fit(np.concatenate([d, -d]), np.r_[np.ones(len(d)), np.zeros(len(d))])
    return mean, scale, model.coef_[0]


def fit_trees(train: Table, **options: float) -> HistGradientBoostingClassifier:
    x, y = flat(train)
    settings = {
        "max_iter": 300,
        "learning_rate": 0.1,
        "max_leaf_nodes": 31,
        "min_samples_leaf": 40,
        **options,
    }
    return HistGradientBoostingClassifier(**settings, random_state=0).fit(x, y)  # type: ignore[arg-type]


def picks(table: Table, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(six-digit right, two-digit right) per text when each text takes its best-scored candidate."""
    best = scores.argmax(axis=1)
    rows = np.arange(len(best))
    return table.right[rows, best], table.major[rows, best]


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    if not (SHARED / "onet").exists():
        print(f"\n== coder rerank: skipped, {SHARED / 'onet'} is absent")
        return
    started = time.perf_counter()
    run = next((int(a.split("=")[1]) for a in sys.argv if a.startswith("--folds=")), FOLDS)
    fresh = "--fresh" in sys.argv
    results: dict[str, list[tuple[np.ndarray, np.ndarray]]] = defaultdict(list)
    tables: list[Table] = []
    calibration: list[tuple[np.ndarray, np.ndarray]] = []
    tree_scores: list[tuple[np.ndarray, Table]] = []
    chosen: list[tuple[float, ...]] = []
    print(f"\n== reranking the coder's best {occ.RERANK_K} codes: {run} of {FOLDS} folds (words in order)")
    for number, fold in enumerate(onet_folds()[:run]):
        print(f"  fold {number + 1}: {len(fold.asked):,} held-out texts", flush=True)
        test = table_for(fold, fresh)
        splits = [table_for(inner_fold(fold, i), fresh) for i in range(INNER_RUN)]
        train = Table(
            *(np.concatenate([getattr(t, f) for t in splits]) for f in ("top", "features", "right", "major")),
            test.codes,
        )
        print(f"  fold {number + 1}, {INNER_RUN} inner splits: {len(train.top):,} texts", flush=True)
        n, k, _ = test.features.shape
        tables.append(test)
        results["shipped score (today)"].append(picks(test, test.features[:, :, column("score")]))
        for at in (1, 3, 5, 10, k):
            hit = test.right[:, :at].any(axis=1)
            results[f"  oracle: right code among best {at}"].append((hit, hit))
        weights = fit_blend(train)
        chosen.append(weights)
        print(f"    blend weights {dict(zip(BLEND_TERMS, weights, strict=True))}", flush=True)
        results["blend (score + head/cover terms)"].append(picks(test, blend_score(test.features, weights)))
        # the same blend through the product's own path, ``OccupationCoder.scores`` (before / after)
        coder = coder_for(fold)
        variants = {
            "today": dict.fromkeys(BLEND_TERMS, 0.0),
            "reranked (nested weights)": dict(zip(BLEND_TERMS, weights, strict=True)),
            "RERANK_WEIGHTS (opt-in)": dict(occ.RERANK_WEIGHTS),
        }
        for name, used in variants.items():
            coder.rerank_weights = used
            best, raw = coder.scores(fold.asked)
            six = np.array([coder.codes[b] in t for b, t in zip(best, fold.truth, strict=True)])
            two = np.array(
                [coder.codes[b][:2] in {c[:2] for c in t} for b, t in zip(best, fold.truth, strict=True)]
            )
            results[f"OccupationCoder.scores, {name}"].append((six, two))
            if name == "RERANK_WEIGHTS (opt-in)":
                calibration.append((raw, six))
        probability = trees_probability(trees := fit_trees(train), test)
        tree_scores.append((probability, test))
        mean, scale, logistic = fit_logistic(train)
        x, _ = flat(test)
        logit = logistic.decision_function((x - mean) / scale).reshape(n, k)
        results["logistic reranker"].append(picks(test, logit))
        mean_p, scale_p, pairwise = fit_pairwise(train)
        results["pairwise linear ranker"].append(picks(test, ((test.features - mean_p) / scale_p) @ pairwise))
        results["gradient-boosted reranker"].append(picks(test, probability))
        print(
            f"    trees' max leaves {trees.max_leaf_nodes}, at {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        coefs = dict(zip(occ.RERANK_FEATURES, np.round(logistic.coef_[0], 2).tolist(), strict=True))
        print(f"    logistic (standardized) {coefs}", flush=True)
    print(f"{'variant':40} {'6-digit':>8} {'2-digit':>8}   per fold (6-digit)")
    for name, rows in results.items():
        six = np.concatenate([r[0] for r in rows])
        two = np.concatenate([r[1] for r in rows])
        per = " ".join(f"{r[0].mean():.1%}" for r in rows)
        print(f"{name:40} {six.mean():8.1%} {two.mean():8.1%}   {per}")
    pooled = Table(
        *(np.concatenate([getattr(t, f) for t in tables]) for f in ("top", "features", "right", "major")),
        tables[0].codes,
    )
    medians = dict(zip(BLEND_TERMS, np.median(chosen, axis=0).tolist(), strict=True))
    pooled_fit = dict(zip(BLEND_TERMS, fit_blend(pooled), strict=True))
    print(f"blend weights: the median of the folds' nested choices {medians} (what RERANK_WEIGHTS is)")
    print(f"  (fitted on the {len(tables)} folds' held-out lists together: {pooled_fit})")
    print(f"  RERANK_WEIGHTS {occ.RERANK_WEIGHTS}")
    raw = np.concatenate([c[0] for c in calibration])
    right = np.concatenate([c[1] for c in calibration])
    table = calibrate(raw, right)
    pooled_trees = fit_trees(pooled)
    real_titles(table, pooled_trees)
    print(f"(coder rerank bench: {time.perf_counter() - started:.0f} s)")


def real_titles(table: tuple[tuple[float, float], ...], trees: HistGradientBoostingClassifier) -> None:
    """The 325 hand-labelled real titles through ``code_texts`` of a coder fitted on all training titles,
    as shipped (no reranking), ``reranked()`` and reranked with ``table`` (the calibration measured
    above); then, on the texts training does not name, the trees fitted on all folds' lists, all coded."""
    labelled = labelled_titles()
    if labelled is None:
        return
    rows, truth = labelled
    texts = occ._texts([r["title"] for r in rows])
    everything = occ.training_titles()
    key = hashlib.sha256("\n".join(f"{t.title}|{t.soc_code}|{t.weight}" for t in everything).encode())
    coder = coder_for(Fold(everything, [], [], [], occ.onet_occupations(), key.hexdigest()[:12]))
    print(f"\n== real titles ({len(rows)} hand-labelled)")
    print(f"{'coder':36} {'coded':>7} {'6-digit right':>14} {'of coded':>9} {'2-digit right':>14}")
    coded_by: dict[str, list[str | None]] = {}
    measured = coder.reranked()
    measured.calibration = table
    for name, variant in (
        ("shipped (no reranking)", coder),
        ("reranked() (opt-in)", coder.reranked()),
        ("reranked, calibration measured above", measured),
    ):
        coded_by[name] = [g.code for g in variant.code_texts(texts)]
        cov, six, two, _ = score(coded_by[name], truth)
        print(f"{name:36} {cov:7.1%} {six:14.1%} {six / cov if cov else 0:9.1%} {two:14.1%}", flush=True)
    before, after = coded_by["shipped (no reranking)"], coded_by["reranked() (opt-in)"]
    for r, b, a in zip(rows, before, after, strict=True):
        if a != b:
            print(f"  {r['title']!r} (labelled {r['soc_code']}): {b} -> {a}")
    asked = sorted({t for t in texts if t and t not in coder.lookup and t not in GENERIC})
    top, features = coder.rerank_candidates(asked)
    n, k, f = features.shape
    probability = trees.predict_proba(features.reshape(n * k, f))[:, 1].reshape(n, k)
    where = dict(zip(asked, range(n), strict=True))
    blended, _ = coder.reranked().scores(asked)
    picked = {
        "score (today)": top[:, 0],
        "RERANK_WEIGHTS": blended,
        "trees": top[np.arange(n), probability.argmax(axis=1)],
    }
    inside = [i for i, t in enumerate(texts) if t in where]
    print(f"  {len(inside)} of the titles are texts training does not name; right at six digits, all coded:")
    for name, best in picked.items():
        right = sum(coder.codes[best[where[texts[i]]]] in truth[i] for i in inside)
        print(f"  {name:34} {right:4} of {len(inside)}")


def trees_probability(trees: HistGradientBoostingClassifier, table: Table) -> np.ndarray:
    x, _ = flat(table)
    n, k, _ = table.features.shape
    return np.asarray(trees.predict_proba(x)[:, 1].reshape(n, k))


def calibrate(raw: np.ndarray, right: np.ndarray) -> tuple[tuple[float, float], ...]:
    """The isotonic fit of the reranked raw score against held-out six-digit accuracy (each fold reranked
    with its own nested weights), read as ``bench_occupations.calibrate`` reads it; the threshold table."""
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, right.astype(float))
    grid = np.round(np.quantile(raw, np.linspace(0.01, 0.99, 15)), 2)
    print(
        "reranked: RERANK_CALIBRATION = ("
        + ", ".join(f"({x}, {y:.2f})" for x, y in zip(grid, iso.predict(grid), strict=True))
        + ")"
    )
    prob = iso.predict(raw)
    table = tuple((float(x), round(float(y), 2)) for x, y in zip(grid, iso.predict(grid), strict=True))
    print(f"{'threshold':>9} {'coverage':>9} {'right|coded':>12} {'right of all':>13}")
    for threshold in (0.0, 0.2, 0.3, 0.35, 0.4, 0.5):
        coded = prob >= threshold
        print(
            f"{threshold:9.2f} {coded.mean():9.1%} {right[coded].mean() if coded.any() else 0:12.1%}"
            f" {(right * coded).mean():13.1%}",
            flush=True,
        )
    return table


if __name__ == "__main__":
    main()
