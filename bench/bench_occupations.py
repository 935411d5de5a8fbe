"""The O*NET occupation coder (``matcher.normalize.occupations``) against a candidate (word pairs, head word,
three passes: measured, not adopted) and the alias coders it replaced.

1. held-out O*NET titles: ``GroupKFold`` (5 folds) over the distinct occupation texts (cleaned, levels
   removed), grouped by the text's words in order, punctuation aside ("end-touching machine operator" and
   "end touching machine operator" are one group), so no test title's words in order are a training title's;
   then one fold grouped by the set of words (stricter: not in any order either). A title counts as right
   when the code is one of the codes O*NET lists it under (15% of texts are listed under two codes or more:
   "assembler" under six); the last column counts only the code O*NET lists it under with the most weight.
   Models: the shipped linear + neighbour coder (at its threshold, and with every title coded, also on the
   held-out texts that are O*NET reported titles, what workers wrote), the opt-in reranking of its best codes
   (``OccupationCoder.reranked()``, at the threshold and all coded), the neighbour vote alone and the
   nearest centroid, the candidate (``candidate_coder``) fitted on the same folds, and the baselines (on
   every ``BASELINE_EVERY``-th test title, they are slow): the project taxonomy (``occupations.csv``, alias
   containment + rapidfuzz) and an O*NET alias lookup (``load_onet_taxonomy``'s method on the training
   titles).
2. calibration: the isotonic fit of the raw score against held-out accuracy (what ``CALIBRATION`` is read
   from), the shipped confidence's buckets against observed accuracy, and coverage/accuracy per threshold
   (what ``THRESHOLD`` is chosen from).
3. real titles: ``bench/data/occupation_labels.csv`` (325 hand-labelled H-1B, ai-jobs.net and everyday
   titles), coded% and right% at six and two digits, the shipped coder against the opt-in reranking, the
   candidate and both baselines, all fitted on all data.
4. speed: fit seconds (wall and CPU) of the shipped coder and the candidate on all training titles, the
   pickled model's size, distinct titles per second on H-1B titles.

About 15 minutes on two busy cores (every fold fits two coders); every line is printed as it comes.
Run: ``uv run python -m bench.bench_occupations`` (``--build-reference`` rebuilds the shipped O*NET files
from ``../shared/data/onet`` and the code prior ``onet_employment.csv`` from
``bench/data/oews_employment_2024.csv``; the real coded titles are measured by ``bench/bench_coder_real.py``).
"""

from __future__ import annotations

import copy
import csv
import gzip
import hashlib
import io
import itertools
import pickle
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import GroupKFold

from matcher.normalize import occupations as occ
from matcher.normalize.titles import (
    Occupation,
    Taxonomy,
    _expand,
    _fold,
    _key,
    _taxonomy,
    normalize_title,
    project_taxonomy,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
LABELS = ROOT / "bench" / "data" / "occupation_labels.csv"
EMPLOYMENT = ROOT / "bench" / "data" / "oews_employment_2024.csv"
BASELINE_EVERY = 20  # the alias baselines are slow (rapidfuzz per title): every 10th test title of a fold
FOLDS = 5


def build_reference(onet: Path = SHARED / "onet", target: Path = ROOT / "matcher" / "reference") -> None:
    """Write ``onet_occupations.csv`` and ``onet_titles.tsv.gz`` from O*NET's text files."""

    def rows(name: str) -> list[dict[str, str]]:
        with (onet / name).open(encoding="utf-8", errors="replace", newline="") as handle:
            return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))

    occupations = rows("occupation_data.tsv")
    titles: dict[str, str] = {}
    for r in occupations:
        code = r["O*NET-SOC Code"]
        if code.endswith(".00") or code[:7] not in titles:
            titles[code[:7]] = r["Title"]
    with (target / "onet_occupations.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["soc_code", "title"])
        writer.writerows(sorted(titles.items()))
    seen: dict[tuple[str, str], list[object]] = {}

    def add(title: str, onet_code: str, source: str, weight: int) -> None:
        title = " ".join(title.split())
        if not title or title == "n/a":
            return
        key = (title.lower(), onet_code[:7])
        if key in seen:
            seen[key][4] = max(int(str(seen[key][4])), weight)
        else:
            seen[key] = [title, onet_code[:7], onet_code, source, weight]

    for r in occupations:
        add(r["Title"], r["O*NET-SOC Code"], "occupation", 4)
    for r in rows("alternate_titles.tsv"):
        sources = len([s for s in r["Source(s)"].split(",") if s.strip()])
        add(r["Alternate Title"], r["O*NET-SOC Code"], "alternate", 1 + sources)
        add(r["Short Title"], r["O*NET-SOC Code"], "short", 1 + sources)
    for r in rows("sample_of_reported_titles.tsv"):
        add(
            r["Reported Job Title"],
            r["O*NET-SOC Code"],
            "reported",
            3 if r["Shown in My Next Move"] == "Y" else 2,
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(["title", "soc_code", "onet_code", "source", "weight"])
    writer.writerows(sorted(seen.values(), key=lambda r: (r[1], r[2], str(r[0]).lower())))
    with gzip.GzipFile(target / "onet_titles.tsv.gz", "wb", mtime=0) as handle:
        handle.write(buffer.getvalue().encode("utf-8"))
    build_employment(titles, target=target)


def build_employment(
    names: dict[str, str], source: Path = EMPLOYMENT, target: Path = ROOT / "matcher" / "reference"
) -> None:
    """Write ``onet_employment.csv`` (soc_code, employment: the code prior of ``occupations``) from the BLS
    OEWS May 2024 national figures in ``bench/data/oews_employment_2024.csv``: a code of ``names`` that OEWS
    publishes takes its figure; an OEWS aggregate that is no O*NET code ("13-1020" Buyers and Purchasing
    Agents) is shared equally among the O*NET codes of its broad group (its first five digits) that OEWS
    lacks (13-1021, 13-1022, 13-1023); codes left without a figure (military, fishers) are not written."""
    with source.open(encoding="utf-8", newline="") as handle:
        published = {r["soc_code"]: float(r["employment"]) for r in csv.DictReader(handle)}
    employment = {code: published[code] for code in names if code in published}
    for code, value in published.items():
        if code in names:
            continue
        lacking = [c for c in names if c[:6] == code[:6] and c not in published]
        for c in lacking:
            employment[c] = employment.get(c, 0.0) + value / len(lacking)
    with (target / "onet_employment.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["soc_code", "employment"])
        writer.writerows((code, round(employment[code])) for code in sorted(employment))


def alias_taxonomy(titles: Sequence[occ.TrainingTitle], names: dict[str, str]) -> Taxonomy:
    """``load_onet_taxonomy``'s alias lookup from training titles (the best-weighted code per alias)."""
    by_alias: dict[str, Occupation] = {}
    for t in sorted(titles, key=lambda t: -t.weight):
        name = names.get(t.soc_code, t.soc_code)
        by_alias.setdefault(_key(_expand(_fold(t.title))), Occupation(t.soc_code, name, name.lower()))
    return _taxonomy(by_alias)


def taxonomy_coder(taxonomy: Taxonomy) -> Callable[[Sequence[str]], list[str | None]]:
    return lambda titles: [normalize_title(t, taxonomy=taxonomy).occupation_code for t in titles]


CANDIDATE = occ.LinearOptions(epochs=3, alpha=3e-5, min_ngram=3)
# the candidate's calibration: this bench's isotonic fit on its 5 held-out folds (grouped by words in order)
CANDIDATE_CALIBRATION = (
    (-2.59, 0.16), (-0.83, 0.24), (-0.51, 0.28), (-0.3, 0.33), (-0.13, 0.37), (0.03, 0.43), (0.18, 0.49),
    (0.34, 0.53), (0.51, 0.60), (0.68, 0.65), (0.88, 0.70), (1.1, 0.78), (1.37, 0.83), (1.74, 0.90),
    (2.67, 0.95),
)  # fmt: skip


def candidate_coder(titles: Sequence[occ.TrainingTitle], names: dict[str, str]) -> occ.OccupationCoder:
    """The candidate (module docstring of ``occupations``): words, adjacent pairs and the head word
    (``title_words``), three passes at 3e-5 without character 2-grams, its own calibration."""
    coder = occ.OccupationCoder.fit(titles, names, word_features=occ.title_words, linear_options=CANDIDATE)
    coder.calibration = CANDIDATE_CALIBRATION
    return coder


def model_coders(
    coder: occ.OccupationCoder, candidate: occ.OccupationCoder | None = None
) -> dict[str, Callable[[Sequence[str]], list[str | None]]]:
    """The shipped model (at its threshold and with every title coded) and two alternatives fitted inside it:
    the neighbour vote alone (the coder before the linear half) and the nearest centroid."""
    neighbours = copy.copy(coder)
    neighbours.linear_weights = None

    def at_threshold(model: occ.OccupationCoder) -> Callable[[Sequence[str]], list[str | None]]:
        def code(texts: Sequence[str]) -> list[str | None]:
            best, raw = model.scores(list(texts))  # no held-out text is a training text: no exact path
            sure = occ.calibrated(raw, model.calibration) >= occ.THRESHOLD
            return [model.codes[i] if ok else None for i, ok in zip(best, sure, strict=True)]

        return code

    def every(model: occ.OccupationCoder) -> Callable[[Sequence[str]], list[str | None]]:
        def code(texts: Sequence[str]) -> list[str | None]:
            best, _ = model.scores(list(texts))
            return [model.codes[i] for i in best]

        return code

    def centroid(texts: Sequence[str]) -> list[str | None]:
        asked = list(texts)
        near = (coder._vectors(asked) @ coder.centroids).toarray()
        return [coder.codes[i] if s > 0 else None for i, s in zip(near.argmax(1), near.max(1), strict=True)]

    reranked = coder.reranked()
    models = {
        f"linear+neighbours (shipped, >={occ.THRESHOLD})": at_threshold(coder),
        "linear+neighbours, all coded": every(coder),
        f"reranked (opt-in, >={occ.THRESHOLD})": at_threshold(reranked),
        "reranked (opt-in), all coded": every(reranked),
        "neighbour vote alone, all coded": every(neighbours),
        "nearest centroid, all coded": centroid,
    }
    if candidate is not None:
        models["candidate, all coded"] = every(candidate)
    return models


def score(
    predicted: Sequence[str | None], truth: Sequence[set[str]], first: Sequence[str] | None = None
) -> tuple[float, float, float, float]:
    """(coverage, six-digit right among all, two-digit right among all, six-digit right against the code
    O*NET lists the title under with the most weight, ``first``: the strict reading of a title listed under
    several codes; without ``first``, NaN)."""
    coded = [p is not None for p in predicted]
    six = [p in t for p, t in zip(predicted, truth, strict=True)]
    two = [p is not None and p[:2] in {c[:2] for c in t} for p, t in zip(predicted, truth, strict=True)]
    top = [p == f for p, f in zip(predicted, first, strict=True)] if first is not None else [np.nan]
    return float(np.mean(coded)), float(np.mean(six)), float(np.mean(two)), float(np.mean(top))


def reported_texts() -> set[str]:
    """Occupation texts of O*NET's sample of reported titles (what workers wrote on O*NET's surveys: the
    nearest O*NET has to a posting's title; most are also alternate titles)."""
    path = SHARED / "onet" / "sample_of_reported_titles.tsv"
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return set(occ._texts([r["Reported Job Title"] for r in reader])) - {""}


@dataclass(frozen=True)
class Fold:
    """One held-out fold: the training titles, the held-out texts (sorted), the codes O*NET lists each under
    (``truth``) and the best-weighted one (``first``)."""

    train: list[occ.TrainingTitle]
    asked: list[str]
    truth: list[set[str]]
    first: list[str]
    names: dict[str, str]
    key: str  # a digest of the fold's held-out texts (what ``bench_coder_embeddings`` caches by)


def onet_folds(grouping: str = "text") -> list[Fold]:
    """The ``FOLDS`` folds of distinct O*NET occupation texts, grouped by ``grouping``: "text" (the words in
    order, punctuation aside: "end-touching machine operator" and "end touching machine operator" are one
    group) or "words" (the set of words in any order: stricter)."""
    titles = occ.onet_titles()
    names = occ.onet_occupations()
    texts = occ._texts([t.title for t in titles])
    truth: dict[str, set[str]] = defaultdict(set)
    weights: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for text, t in zip(texts, titles, strict=True):
        if text:
            truth[text].add(t.soc_code)
            weights[text][t.soc_code] += t.weight
    first = {x: max(sorted(w), key=lambda c: w[c]) for x, w in weights.items()}
    distinct = sorted(truth)
    tokens = [occ._WORD.findall(t) for t in distinct]
    groups = [" ".join(sorted(set(w))) if grouping == "words" else " ".join(w) for w in tokens]
    folds = []
    for _, test in GroupKFold(n_splits=FOLDS).split(distinct, groups=groups):
        tested = {distinct[i] for i in test}
        asked = sorted(tested)
        folds.append(
            Fold(
                train=[t for t, x in zip(titles, texts, strict=True) if x and x not in tested],
                asked=asked,
                truth=[truth[x] for x in asked],
                first=[first[x] for x in asked],
                names=names,
                key=hashlib.sha256("\n".join(asked).encode()).hexdigest()[:12],
            )
        )
    return folds


def held_out(
    *, grouping: str = "text", folds_run: int = FOLDS, baselines: bool = True
) -> list[tuple[float, bool]]:
    """Held-out accuracy; ``grouping`` "text" (no test text is a training text) or "words" (no test title's
    set of words is a training title's, in any order: stricter). Returns (raw score, right) per test title
    of the shipped model at threshold 0 (what the calibration is read from)."""
    started = time.perf_counter()
    titles = occ.onet_titles()
    names = occ.onet_occupations()
    raw: dict[str, str] = {}
    for text, t in zip(occ._texts([t.title for t in titles]), titles, strict=True):
        if text:
            raw.setdefault(text, t.title)
    reported = reported_texts()
    results: dict[str, list[tuple[float, float, float, float]]] = defaultdict(list)
    calibration: list[tuple[float, bool]] = []
    label = "the words in order" if grouping == "text" else "the set of words (any order)"
    folds = onet_folds(grouping)
    print(
        f"\n== held-out O*NET titles: {folds_run} of {FOLDS} folds by {label}, "
        f"{sum(len(f.asked) for f in folds):,} texts",
        flush=True,
    )
    for fold, held in enumerate(folds):
        if fold >= folds_run:
            break
        train, asked, expected = held.train, held.asked, held.truth
        first = dict(zip(asked, held.first, strict=True))
        coder = occ.OccupationCoder.fit(train, names)
        timing = [f"fit {time.perf_counter() - started:.0f} s"]
        candidate = candidate_coder(train, names) if baselines else None
        timing.append(f"candidate's fit {time.perf_counter() - started:.0f} s")
        for name, code in model_coders(coder, candidate).items():
            predicted = code(asked)
            results[name].append(score(predicted, expected, [first[x] for x in asked]))
            if name in (
                "linear+neighbours, all coded",
                "reranked (opt-in), all coded",
                "candidate, all coded",
            ):
                inside = [i for i, x in enumerate(asked) if x in reported]
                results[f"  {name.split(',')[0]} on reported titles"].append(
                    score(
                        [predicted[i] for i in inside],
                        [expected[i] for i in inside],
                        [first[asked[i]] for i in inside],
                    )
                )
            timing.append(f"{name.split(',')[0]} {time.perf_counter() - started:.0f} s")
        best, raw_scores = coder.scores(asked)
        calibration += [
            (float(r), coder.codes[b] in t) for r, b, t in zip(raw_scores, best, expected, strict=True)
        ]
        if not baselines:
            print(f"  fold {fold + 1} done at {time.perf_counter() - started:.0f} s", flush=True)
            continue
        originals = [raw[x] for x in asked[::BASELINE_EVERY]]
        expected = expected[::BASELINE_EVERY]
        firsts = [first[x] for x in asked[::BASELINE_EVERY]]
        results["baseline: project taxonomy"].append(
            score(taxonomy_coder(project_taxonomy())(originals), expected, firsts)
        )
        onet_aliases = alias_taxonomy(train, names)
        results["baseline: O*NET alias lookup"].append(
            score(taxonomy_coder(onet_aliases)(originals), expected, firsts)
        )
        print(
            f"  fold {fold + 1} done at {time.perf_counter() - started:.0f} s ({', '.join(timing)})",
            flush=True,
        )
    print(f"{'model':36} {'coverage':>9} {'6-digit':>8} {'2-digit':>8} {'6-digit, top code':>18}", flush=True)
    for name, rows in results.items():
        cov, six, two, strict = np.mean(rows, axis=0)
        print(f"{name:36} {cov:9.1%} {six:8.1%} {two:8.1%} {strict:18.1%}", flush=True)
    return calibration


def calibrate(points: list[tuple[float, bool]]) -> None:
    raw = np.array([p[0] for p in points])
    right = np.array([p[1] for p in points], dtype=float)
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, right)
    grid = np.round(np.quantile(raw, np.linspace(0.01, 0.99, 15)), 2)
    print("\n== calibration: raw score (best code's score less unknown words) -> held-out 6-digit right")
    print(
        "fitted: CALIBRATION = ("
        + ", ".join(f"({x}, {y:.2f})" for x, y in zip(grid, iso.predict(grid), strict=True))
        + ")",
        flush=True,
    )
    prob = occ.calibrated(raw)
    print(f"{'confidence':>12} {'titles':>7} {'observed':>9}  (shipped CALIBRATION)")
    edges = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01]
    for lo, hi in itertools.pairwise(edges):
        inside = (prob >= lo) & (prob < hi)
        if inside.any():
            print(f"{lo:5.1f}-{min(hi, 1.0):<5.1f} {inside.sum():8,} {right[inside].mean():9.1%}")
    print(f"{'threshold':>9} {'coverage':>9} {'right|coded':>12} {'right of all':>13}")
    for threshold in (0.0, 0.1, 0.2, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7):
        coded = prob >= threshold
        print(
            f"{threshold:9.2f} {coded.mean():9.1%} {right[coded].mean() if coded.any() else 0:12.1%}"
            f" {(right * coded).mean():13.1%}",
            flush=True,
        )


def labelled_titles() -> tuple[list[dict[str, str]], list[set[str]]] | None:
    """``LABELS``' rows (the hand-labelled real titles) and each one's right code as a set; None (and a line
    saying so) when the file is absent."""
    if not LABELS.exists():
        print(f"\n== real titles: skipped, {LABELS} is absent")
        return None
    with LABELS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    return rows, [{r["soc_code"]} for r in rows]


def real_titles() -> None:
    labelled = labelled_titles()
    if labelled is None:
        return
    rows, truth = labelled
    titles = [r["title"] for r in rows]
    names = occ.onet_occupations()
    candidate = candidate_coder(occ.training_titles(), names)
    coders = {
        "O*NET coder (shipped)": lambda ts: [g.code for g in occ.code_titles(ts)],
        "reranked (opt-in)": lambda ts: [g.code for g in occ.default_coder().reranked().code_titles(ts)],
        "candidate": lambda ts: [g.code for g in candidate.code_titles(ts)],
        "baseline: project taxonomy": taxonomy_coder(project_taxonomy()),
        "baseline: O*NET alias lookup": taxonomy_coder(alias_taxonomy(occ.onet_titles(), names)),
    }
    sources = sorted({r["source"] for r in rows})
    print(
        f"\n== real titles ({len(rows)} hand-labelled: "
        + ", ".join(f"{sum(r['source'] == s for r in rows)} {s}" for s in sources)
        + ")"
    )
    print(f"{'coder':32} {'coded':>7} {'6-digit right':>14} {'of coded':>9} {'2-digit right':>14}")
    for name, code in coders.items():
        predicted = code(titles)
        cov, six, two, _ = score(predicted, truth)
        print(f"{name:32} {cov:7.1%} {six:14.1%} {six / cov if cov else 0:9.1%} {two:14.1%}")


def speed() -> None:
    titles = occ.training_titles()
    names = occ.onet_occupations()
    fits = {}
    for name, fit in (("shipped", occ.OccupationCoder.fit), ("candidate", candidate_coder)):
        started, cpu = time.perf_counter(), time.process_time()
        coder = fit(titles, names)
        fits[name] = (time.perf_counter() - started, time.process_time() - cpu)
        if name == "shipped":
            shipped = coder
    path = SHARED / "h1b" / "h1b_fy13_q3.csv"
    with path.open(encoding="latin-1") as handle:
        asked = sorted({r["JobTitle"] for r in csv.DictReader(handle)})
    started = time.perf_counter()
    texts = occ._texts(asked)
    cleaned = time.perf_counter() - started
    distinct = list(dict.fromkeys(texts))
    started, cpu = time.perf_counter(), time.process_time()
    shipped.code_texts(distinct)
    coded, coded_cpu = time.perf_counter() - started, time.process_time() - cpu
    reranked = shipped.reranked()
    cpu = time.process_time()
    reranked._code_stats()  # built once per coder, on its first reranking
    stats_cpu = time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    reranked.code_texts(distinct)
    reranked_wall, reranked_cpu = time.perf_counter() - started, time.process_time() - cpu
    print("\n== speed")
    for name, (wall, cpu) in fits.items():
        print(f"fit {name} on {len(titles):,} titles: {wall:.1f} s wall, {cpu:.1f} CPU-s")
    print(f"pickled size: {len(pickle.dumps(shipped)) / 1e6:.1f} MB")
    print(f"clean {len(asked):,} distinct H-1B titles: {len(asked) / cleaned:,.0f}/s")
    print(
        f"code {len(distinct):,} distinct occupation texts: {len(distinct) / coded:,.0f}/s "
        f"({coded_cpu:.2f} CPU-s)"
    )
    print(
        f"  reranked (opt-in): {len(distinct) / reranked_wall:,.0f}/s ({reranked_cpu:.2f} CPU-s, "
        f"{reranked_cpu / coded_cpu:.2f}x), its per-code facts built once in {stats_cpu:.2f} CPU-s"
    )


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # each line as it is printed
    if not (SHARED / "onet").exists():
        print(f"\n== occupations: skipped, {SHARED / 'onet'} is absent")
        return
    started = time.perf_counter()
    calibrate(held_out(grouping="text", folds_run=FOLDS))
    held_out(grouping="words", folds_run=1, baselines=False)
    real_titles()
    speed()
    print(f"(occupations bench: {time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    if "--build-reference" in sys.argv:
        build_reference()
    else:
        main()
