"""Job titles -> O*NET-SOC occupations (SOC 2018 six digits), learned from O*NET's own titles.

>>> [(g.code, g.title) for g in code_titles(["Senior Registered Nurse - Nights", "Delivery Driver"])]
[('29-1141', 'Registered Nurses'), ('53-3033', 'Light Truck Drivers')]

Trained on O*NET 27.0's occupation titles, alternate titles and short titles
(``matcher/reference/onet_titles.tsv.gz``, 55,567 titles of 867 occupations), the project taxonomy's aliases
and a few titles O*NET lacks (``onet_extra_titles.csv``: "Care Assistant", "Veterinary Nurse"). Titles are
compared as TF-IDF vectors of character n-grams (2-4, within words) and words, after the project's own
cleaning (``clean_title``, then ``occupation_text``: levels such as "senior" or "II" removed,
"manager"/"director" kept since they change the occupation). Two models vote together:

- a linear model (one-vs-rest SGD, modified Huber loss, two passes) on those features, each code's
  decision;
- a similarity-weighted neighbour vote: the ``CANDIDATES`` codes whose centroid is nearest, then each of
  their titles votes for its code with its O*NET weight times its cosine similarity ** ``POWER``.

A code's score is its linear decision plus ``NEIGHBOUR_WEIGHT`` x its share of the neighbour vote. A title
the training data names exactly takes its own listings' vote instead (ties broken by its neighbours and,
among the codes listing it within one O*NET source of the top weight, a code prior: the code's US employment,
``onet_employment.csv``, BLS OEWS May 2024; ``PRIOR_MARGIN``, ``PRIOR_WEIGHT``): O*NET lists "project manager"
under 11-9041, 11-9199 and 13-1082 and real filings mean the common 13-1082. A plural head word is read as
its singular where that names a training title (``singular_head``: "Housekeepers", "Cooks"). Measured on real
titles that employers filed with their codes (``bench/bench_coder_real.py``: H-2B FY2011-13, 1,982 titles;
H-1B FY2025 Q2 healthcare, 2,146 titles): right at six digits for 62.7% of H-2B titles (74.8% of rows, 88.1%
coded) against 61.1% (73.4%, 86.6%) with neither, and 50.4% (63.3%) of H-1B healthcare titles against 46.1%
(59.7%); the 325 labelled real titles 82.5% against 81.8% (two digits 93.8% against 92.3%). The held-out
O*NET figures below take neither path (no held-out text is a training text, and the bench scores texts
directly); the scored path (a title training does not name) does not read the prior. Tried and not kept:
the prior added to every code's score on the scored path (x 0.02-0.2): held-out O*NET fold 0 53.3% -> 53.1%
at 0.05, 52.5% at 0.1, for +0.1-0.4 points on the real titles training does not name; the real H-2B titles
as training titles (filed under one code by 60% of 2 rows or more, weight 3; 5 folds over H-2B texts):
H-2B held-out texts 62.0% -> 66.0% right (74.8% -> 76.7% of rows), labels unchanged, but held-out O*NET
fold 0 53.3% -> 53.2% (at weight 2: 65.8%, 53.2%). The H-1B file is no training data: its publisher kept
only group 29 codes, so it would teach "assistant professor" -> 29-1229.
Held out (5 folds of O*NET texts grouped by their words in order, every title coded) the pair is right at six
digits for 53.0% of titles (two digits 75.3%) where the neighbour vote alone is 45.9% (71.4%).
A candidate measured in the same run and not adopted (``bench/bench_occupations.py`` fits it beside this one):
word features ``title_words`` (each word, each adjacent pair and the head word, the last) and a linear model
of three passes at 3e-5 without character 2-grams: 54.9% (76.7%) held out, 69.5% (83.6%) on the held-out
texts that are O*NET reported titles, but on real titles 82.5% right at six digits and 91.4% at two against
this coder's 81.8% and 92.3%; a generic head ("worker") pulls the linear model to labourers ("Night Care
Worker" loses its code); one more benchmark verdict out of 5% (Sales Manager p50 -5.5% against -3.1%) and
30% more fit time. Tried on fold 0 and not kept either: O*NET's occupation descriptions as extra training
text (+0.6 six digits, +25% fit time), complement naive Bayes beside the pair (no change; alone 41%), the
major group chosen first (-2.4 six digits).
Most misses are O*NET's fine grain, not unseen words: on fold 0, 35% of held-out texts have a training text
at cosine >= 0.8 and for 41% of those it is listed under other codes only ("cupola man" 51-9051 beside
"cupola operator"); the right code is among the best 3 for 73% of titles, 10 for 82%. Adding a MiniLM
sentence-embedding neighbour vote reached 57.6% (+4) but embeds O*NET's 55,000 titles in about 140 CPU-s
(more than all of ``make demo``), and normalize may not import ``matcher.match.semantic``. The
ceiling is near: most misses are O*NET's own fine grain, 15% of its texts are listed under two codes or more.
Measured again by ``bench/bench_coder_embeddings.py`` (the same 5 folds, this coder 53.0% / 75.3%): a
logistic layer over MiniLM vectors (384 x codes, shipped as ``onet_sentence_layer.npz``, 0.6 MB) is 55.1%
/ 77.3% alone and, added to this coder's score (``code_texts(embed=...)``, off by default), 58.7% / 79.2%;
a kNN vote over the 45,000 training vectors adds 0.4 more. On the 325 real titles
it changes 7 codes (2 now right, 1 now wrong, 3 wrong codes withdrawn, 1 uncoded title coded wrong;
outside the set it withdraws "Night Care Worker"'s right code): 82.2% right against 81.8%, 96.6% coded
against 96.9%. Not the default: no clear gain on real titles, and every unsure title would need its
sentence vector in normalize (about 400 titles a CPU-second).
An opt-in reranking, measured and not the default (``OccupationCoder.reranked()``): the ``RERANK_K`` (15)
codes of best score score again with four terms added (``RERANK_WEIGHTS``): the share of the code's title
weight whose head word (the last) is the title's, the idf-weighted share of the title's words some title of
the code uses, the head word in the code's O*NET name, the similarity of the code's nearest title. On the same
5 folds, its weights chosen on inner splits of each fold's training titles (``bench/bench_coder_rerank.py``),
it is right for 56.2% at six digits (78.1% at two) against this coder's 53.0% (75.3%); with ``RERANK_WEIGHTS``
(``bench/bench_occupations.py``, beside this coder) 56.3% (78.3%), 71.1% of the held-out O*NET reported titles
against 67.6%, and at the threshold 80% coded, 51% right against 75% and 47%; on the 325 real titles 82.5%
right at six digits and 93.2% at two, 97.5% coded, against 81.8%, 92.3% and 96.9%. Not the default: beside
this coder on real postings (``bench/bench_quality.py``) precision@20 stays >= 90% and recall >= 85% for all
15 vacancies, but two more p50 verdicts fall outside 5% (10 of 13 within against 12: Sales Manager -5.5%
against -3.1%, Nurse Manager -5.4% against -4.6%). It changes the codes of 12.8% of H-1B's rows (935 of 5,386
distinct titles), some where the head word comes first ("Manager - Sales & Operations" loses its code), and
codes in 1.3x the CPU time (fit time unchanged). Also measured there, nested the same way: gradient-boosted
trees over 30 candidate features 57.9% (79.0%) held out, but no more right of the real titles that training
does not name (31 of 49, as the four terms; this coder 30) and a fitted model to ship; logistic regression
over the same features 56.3%, a pairwise linear ranker 56.4%. The right code is among the best 15 for 81.3% of
held-out titles: the ceiling of any reranking of these candidates.

``confidence`` is the probability that the code is right, read off a calibration curve of the raw score
(the winner's score less a penalty for words no training title uses) measured on held-out O*NET titles
(``bench/bench_occupations.py``). Below ``THRESHOLD`` the code is None.

The default coder ships nothing fitted (only the optional sentence layer is): the model is fitted from the
shipped titles on first use (about 40 CPU-s, 20 s on two idle cores) and cached under ``cache_dir()`` keyed
by scikit-learn's version and a hash of the data and this code; a cache that cannot be written is no error
(the model stays in memory).

Built with scikit-learn; trained on O*NET 27.0 (CC BY 4.0), see ``matcher/reference/README.md``.
"""

from __future__ import annotations

import copy
import csv
import functools
import gzip
import hashlib
import io
import itertools
import os
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.preprocessing import normalize  # type: ignore[import-untyped]

from matcher.common.cache import cached_pickle
from matcher.common.reference import reference_rows
from matcher.normalize.titles import GENERIC, clean_title, occupation_text

ONET_VERSION = "27.0"
_WORD = re.compile(r"[a-z0-9&+]+")
POWER = 8.0  # similarity**POWER: a neighbour at 0.9 counts 2.3x one at 0.8, 17x one at 0.6
WORD_WEIGHT = 0.5  # the word vector's weight beside the character n-gram vector
MAX_DF = 1.0  # n-grams in more than this share of titles are left out of the neighbour search (speed)
# confidence below this: no code. The trade-off on held-out O*NET titles that training never names exactly
# (bench/bench_occupations.py): 0.35 codes 75% of them, 63% of those right; 0.5 codes 52%, 71% right; all
# coded, 53% right. 0.35 keeps real titles >= 95% coded; a title training names exactly scores >= 0.5.
THRESHOLD = 0.35
# raw score (the winning code's linear decision + neighbour share, less unknown words) -> P(code right):
# isotonic regression on the 5 held-out folds of O*NET titles grouped by exact text (the bench prints it)
CALIBRATION: tuple[tuple[float, float], ...] = (
    (-2.41, 0.13), (-0.76, 0.23), (-0.48, 0.26), (-0.31, 0.33), (-0.17, 0.37), (-0.03, 0.42), (0.1, 0.48),
    (0.23, 0.52), (0.37, 0.56), (0.52, 0.61), (0.69, 0.69), (0.87, 0.73), (1.11, 0.82), (1.43, 0.88),
    (2.21, 0.95),
)  # fmt: skip
# role nouns that alone say no more than "a job" (the old taxonomy's rule: one generic word places nothing)
PROJECT_WEIGHT = 2.5  # a project-taxonomy alias: just under a title O*NET lists in two sources (3)
EXACT_FLOOR = 0.5  # confidence of a title the training data names exactly, before its codes' agreement
# the code prior (``code_employment``): a title the training data names exactly under several codes takes,
# among the codes listing it with a weight within PRIOR_MARGIN of the top (one O*NET source), the best of its
# weight over the top weight + PRIOR_NEIGHBOURS x its neighbours' vote + PRIOR_WEIGHT x log(the code's US
# employment / the largest's). Chosen on the exact titles listed under two codes or more of the real coded
# titles (bench/bench_coder_real.py: H-2B 316, H-1B healthcare 377) and of the 325 labelled titles (119),
# margin 0-2, prior 0-0.5, neighbours 0.1-1 (so these sets are not held out from the choice): margin 1,
# 0.2, 0.5 is right for 160 H-2B (151 before), 170 H-1B (80) and 92 labelled titles (90); neighbours at 1
# moved "route driver" (53-3033 at weight 5) to 53-3031 (weight 4, its neighbours); margin 0 (exact ties
# only) gains at most 4 titles of a set; margin 1 without the prior gains nothing. Chosen on random halves
# and scored on the other halves (the bench's last section), 4 of 6 choices are margin 1 at 0.2 and the other
# halves gain 33-45 H-1B titles of 189, -1 to +6 H-2B of 158 and -3 to +1 labelled of 60.
PRIOR_MARGIN = 1.0
PRIOR_WEIGHT = 0.2
PRIOR_NEIGHBOURS = 0.5
NEIGHBOUR_WEIGHT = 1.0  # the neighbour vote's share beside the linear decision (chosen on held-out folds)
UNKNOWN_PENALTY = 2.0  # "widget wrangler": half its words unknown, its raw score 1.0 lower
LINEAR_KEEP = 0.03  # the share of the linear model's weights kept (the largest): 1M of 35M, same accuracy
CANDIDATES = 10  # codes whose centroid is nearest, among which the neighbour vote decides
# the linear model's passes over the data and its regularisation. Held-out fold 0 (six-digit, all coded,
# neighbour vote added, weights not pruned): 2 passes at 5e-5 53.7%, 3 at 2e-5 54.2%, 4 at 3e-5 55.5%, 5 at
# 2e-5 55.4%, 5 at 1e-5 54.0%. 4 at 3e-5 (5 folds: 55.2% / 76.7% against 53.3% / 75.3%; real titles 82.2%
# right at six digits against 81.8%) doubles the linear fit (a fold's fit 30 -> 55 CPU-s) and bench_quality
# lost a vacancy's precision@20 (Nurse Manager 90% -> 85%, two unlabelled postings in its top 20): kept at 2.
# With word pairs and the head word (fold 0, six / two digits, a fold's fit in CPU-s): 2 passes at 5e-5
# 53.6% / 75.1%, 31 s; 3 at 3e-5 55.0% / 76.6%, 39 s; the same without character 2-grams 55.0% / 76.8%, 37 s
# (the module docstring's candidate: not adopted).
LINEAR_EPOCHS = 2
# the sentence layer (``code_texts(embed=...)``, off by default): see bench/bench_coder_embeddings.py
SENTENCE_WEIGHT = 4.0  # its probability's weight beside the TF-IDF score (chosen on held-out fold 0)
SENTENCE_GATE = 1.01  # texts below this TF-IDF confidence are scored again with it (above 1: every text)
# raw score with the layer -> P(code right): isotonic on the 5 held-out folds (bench_coder_embeddings)
SENTENCE_CALIBRATION: tuple[tuple[float, float], ...] = (
    (-2.13, 0.16), (-0.3, 0.24), (0.11, 0.29), (0.4, 0.35), (0.69, 0.41), (0.97, 0.44), (1.27, 0.51),
    (1.6, 0.59), (1.96, 0.64), (2.36, 0.69), (2.82, 0.77), (3.32, 0.83), (3.89, 0.89), (4.58, 0.92),
    (5.87, 0.97),
)  # fmt: skip
RERANK_K = 15  # candidate codes the reranker orders (the best by score)
RERANK_FEATURES = (
    "score", "score_gap", "score_margin", "linear", "linear_gap", "share", "rank", "linear_rank",
    "share_rank", "centroid", "centroid_gap", "centroid_rank", "nearest", "nearest_gap", "nearest_rank",
    "vote", "head_share", "head_in_code", "head_in_name", "cover", "prior", "titles", "same_major",
    "same_broad", "known", "words", "cover_gap", "head_share_gap", "cover_rank", "head_rank",
)  # fmt: skip
# the opt-in reranking (``OccupationCoder.reranked()``, off by default): its terms' weights beside the score
# (each the median of the 5 held-out folds' choices, each chosen on inner splits of its training titles:
# bench/bench_coder_rerank.py) and its raw score -> P(code right), isotonic on the 5 held-out folds
RERANK_WEIGHTS = {"head_share": 1.0, "cover": 2.0, "head_in_name": 0.25, "nearest": 1.0}
RERANK_CALIBRATION: tuple[tuple[float, float], ...] = (
    (-1.96, 0.12), (1.03, 0.27), (1.68, 0.29), (2.01, 0.37), (2.26, 0.40), (2.49, 0.46), (2.7, 0.49),
    (2.91, 0.57), (3.12, 0.59), (3.34, 0.65), (3.59, 0.68), (3.86, 0.78), (4.19, 0.86), (4.63, 0.89),
    (5.66, 0.94),
)  # fmt: skip
LINEAR_ALPHA = 5e-5
LINEAR_MIN_NGRAM = 2  # the shortest character n-gram the linear model reads


@dataclass(frozen=True, kw_only=True)
class LinearOptions:
    """The linear model's settings: passes over the data, regularisation, shortest character n-gram read."""

    epochs: int = LINEAR_EPOCHS
    alpha: float = LINEAR_ALPHA
    min_ngram: int = LINEAR_MIN_NGRAM


@dataclass(frozen=True)
class OccupationGuess:
    """One title's occupation: ``code`` ("29-1141") and ``title`` ("Registered Nurses") or both None."""

    code: str | None
    title: str | None
    confidence: float


@dataclass(frozen=True, kw_only=True)
class TrainingTitle:
    title: str
    soc_code: str
    weight: float


class OccupationCoder:
    """A fitted title -> occupation model (see the module docstring). Build with ``OccupationCoder.fit``."""

    def __init__(
        self,
        *,
        char_vectorizer: TfidfVectorizer,
        word_vectorizer: TfidfVectorizer,
        matrix: sp.csr_matrix,
        votes: sp.csr_matrix,
        codes: list[str],
        occupation_titles: dict[str, str],
        lookup: dict[str, int],
        threshold: float = THRESHOLD,
        power: float = POWER,
        word_weight: float = WORD_WEIGHT,
    ) -> None:
        self.char_vectorizer = char_vectorizer
        self.word_vectorizer = word_vectorizer
        self.matrix = matrix  # one L2-normalized row per distinct training text
        self.votes = votes  # distinct training text x code: O*NET weight
        self.codes = codes
        self.occupation_titles = occupation_titles
        self.lookup = lookup  # training text -> row
        self.centroids = sp.csr_matrix((0, 0), dtype=np.float32)  # features x codes, columns L2-normalized
        self.members: list[tuple[sp.csr_matrix, np.ndarray]] = []  # per code: its titles' vectors, weights
        self.threshold = threshold
        self.calibration = CALIBRATION  # raw score -> P(code right), measured for this model's settings
        self.power = power
        self.word_weight = word_weight
        self.linear_columns = np.zeros(0, dtype=np.int64)  # the features the linear model reads
        self.linear_weights: sp.csr_matrix | None = None  # features x codes; None: the neighbour vote alone
        self.linear_bias = np.zeros(0, dtype=np.float32)
        self.rerank_weights = dict.fromkeys(RERANK_WEIGHTS, 0.0)  # all 0: the score's best code (default)
        self.prior = np.zeros(len(codes), dtype=np.float32)  # per code: log(employment / the largest), <= 0
        # 0, or an all-zero prior: O*NET's top weight decides (ties: neighbours)
        self.prior_weight = PRIOR_WEIGHT
        self.plurals = True  # read a plural head word as its singular (``singular_head``); False: as written
        self._stats: CodeStats | None = None  # built on the first reranking (``_code_stats``)

    @classmethod
    def fit(
        cls,
        titles: Sequence[TrainingTitle],
        occupation_titles: dict[str, str],
        *,
        ngram_range: tuple[int, int] = (2, 4),
        max_df: float = MAX_DF,
        linear: bool = True,
        word_features: Callable[[str], list[str]] | None = None,
        linear_options: LinearOptions | None = None,
        employment: dict[str, float] | None = None,
        **options: Any,
    ) -> OccupationCoder:
        """Fit on training titles (raw text; cleaned here as asked titles are). ``word_features``:
        the word features of a text (default: its words); ``linear_options``: the linear model's passes,
        regularisation and shortest character n-gram (default the module's ``LINEAR_*``; the bench fits
        a candidate with both); ``employment``: SOC code -> US employment, the code prior of titles the
        training data names under several codes (``code_prior``; default none)."""
        texts = _texts([t.title for t in titles])
        rows: dict[str, int] = {}
        r, c, v = [], [], []
        codes = sorted({t.soc_code for t in titles})
        column = {code: i for i, code in enumerate(codes)}
        for text, title in zip(texts, titles, strict=True):
            if not text:
                continue
            row = rows.setdefault(text, len(rows))
            r.append(row)
            c.append(column[title.soc_code])
            v.append(title.weight)
        votes = sp.csr_matrix((v, (r, c)), shape=(len(rows), len(codes)), dtype=np.float32)
        votes.sum_duplicates()
        distinct = list(rows)
        char_vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=ngram_range, sublinear_tf=True, dtype=np.float32, max_df=max_df
        )
        words_read: dict[str, Any] = (
            {"analyzer": word_features}
            if word_features
            else {"analyzer": "word", "token_pattern": _WORD.pattern}
        )
        word_vectorizer = TfidfVectorizer(**words_read, sublinear_tf=True, dtype=np.float32, max_df=max_df)
        chars = char_vectorizer.fit_transform(distinct)  # fitted and read in one pass
        words = word_vectorizer.fit_transform(distinct)
        coder = cls(
            char_vectorizer=char_vectorizer,
            word_vectorizer=word_vectorizer,
            matrix=sp.csr_matrix((0, 0), dtype=np.float32),
            votes=votes,
            codes=codes,
            occupation_titles=occupation_titles,
            lookup=rows,
            **options,
        )
        coder.matrix = coder._combine(chars, words).T.tocsc()  # stored transposed: features x titles
        coder.centroids = normalize(coder.matrix @ votes, axis=0).tocsr()  # features x codes
        by_code = votes.tocsc()
        coder.members = []
        for code in range(len(codes)):
            titles_of = by_code.indices[by_code.indptr[code] : by_code.indptr[code + 1]]
            weights_of = by_code.data[by_code.indptr[code] : by_code.indptr[code + 1]]
            coder.members.append((coder.matrix[:, titles_of].tocsr(), weights_of.astype(np.float32)))
        if linear:
            coder._fit_linear(distinct, linear_options or LinearOptions())
        if employment:
            coder.prior = code_prior(codes, employment)
        return coder

    def _fit_linear(self, distinct: list[str], options: LinearOptions) -> None:
        """The linear half: one-vs-rest linear classifiers (SGD, modified Huber loss) on the neighbour
        features that two titles or more use (character n-grams of ``min_ngram`` characters or more), each
        distinct text labelled with its best-weighted code. Two passes over the data (about 30 CPU-s);
        its smallest weights are dropped (``LINEAR_KEEP``)."""
        from sklearn.exceptions import ConvergenceWarning  # type: ignore[import-untyped]
        from sklearn.linear_model import SGDClassifier  # type: ignore[import-untyped]

        seen = np.diff(self.matrix.tocsr().indptr)  # features x titles: how many titles use each feature
        short = np.zeros(len(seen), dtype=bool)  # character n-grams shorter than LINEAR_MIN_NGRAM
        grams = self.char_vectorizer.get_feature_names_out()
        short[: len(grams)] = np.char.str_len(grams.astype(str)) < options.min_ngram
        # a feature of one title teaches no rule; short n-grams cost time and add nothing the longer say
        self.linear_columns = np.flatnonzero((seen >= 2) & ~short)
        labels = np.asarray(self.votes.argmax(axis=1)).ravel()
        model = SGDClassifier(
            loss="modified_huber", alpha=options.alpha, max_iter=options.epochs, tol=None,
            n_jobs=min(2, os.cpu_count() or 1), random_state=0,
        )  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # few passes on purpose: fit time
            model.fit(self._linear_vectors(distinct), labels)
        weights = model.coef_.astype(np.float32)
        keep = max(1, int(weights.size * LINEAR_KEEP))
        magnitudes = np.abs(weights[weights != 0])
        if magnitudes.size > keep:  # most weights are exactly 0 already
            cut = np.partition(magnitudes, magnitudes.size - keep)[magnitudes.size - keep]
            weights[np.abs(weights) < cut] = 0.0
        kept = sp.coo_matrix(weights).tocsr()
        full = sp.csr_matrix(
            (kept.data, (np.asarray(model.classes_)[kept.tocoo().row], kept.indices)),
            shape=(len(self.codes), weights.shape[1]),
        )
        bias = np.full(len(self.codes), -10.0, dtype=np.float32)  # a code no title names: never chosen
        bias[model.classes_] = model.intercept_
        self.linear_weights = full.T.tocsr()  # features x codes
        self.linear_bias = bias

    def reranked(self) -> OccupationCoder:
        """This coder with the opt-in reranking of its ``RERANK_K`` best codes (``RERANK_WEIGHTS``,
        ``RERANK_CALIBRATION``; see the module docstring): a shallow copy, this coder unchanged."""
        other = copy.copy(self)
        other.rerank_weights = dict(RERANK_WEIGHTS)
        other.calibration = RERANK_CALIBRATION
        return other

    def _linear_vectors(self, texts: Sequence[str], vectors: sp.csr_matrix | None = None) -> sp.csr_matrix:
        """The linear model's input: ``vectors`` (``_vectors(texts)``, made when not given) on its columns."""
        return normalize((self._vectors(texts) if vectors is None else vectors)[:, self.linear_columns])

    def _vectors(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self._combine(self.char_vectorizer.transform(texts), self.word_vectorizer.transform(texts))

    def _combine(self, chars: sp.csr_matrix, words: sp.csr_matrix) -> sp.csr_matrix:
        return normalize(sp.hstack([normalize(chars), normalize(words) * self.word_weight], format="csr"))

    def scores(self, texts: Sequence[str], extra: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """For occupation texts: (best code index, raw score). With the linear model: each code scores its
        linear decision plus ``NEIGHBOUR_WEIGHT`` x its share of the neighbour vote; the ``RERANK_K`` best
        codes then score again with the ``rerank_weights`` terms added (all 0 by default: no reranking;
        ``reranked()`` sets ``RERANK_WEIGHTS``)
        (``_rerank_terms``: the code's titles' head word, their cover of the text's words, its O*NET name,
        its nearest title). With
        ``extra``, a texts x codes matrix (the sentence layer's weighted probabilities), it is added and
        the sum decides, not reranked (as ``SENTENCE_CALIBRATION`` was measured). The raw score is the
        winner's, less ``UNKNOWN_PENALTY`` x the share of the text's words no training title uses.
        Without the linear model: the neighbour vote alone, raw = top similarity x known words x share."""
        n = len(texts)
        if self.linear_weights is None or not n:
            best, top, share = self._neighbour_scores(texts)
            return best, top * share
        queries = self._vectors(texts)
        combined = self._combined(texts, queries)
        rows = np.arange(n)
        penalty = UNKNOWN_PENALTY * (1.0 - self.known_share(texts))
        if extra is not None or not any(self.rerank_weights.values()):
            if extra is not None:
                combined += extra
            best = combined.argmax(axis=1)
            return best, combined[rows, best] - penalty
        top = self._best(combined, RERANK_K)
        blended = np.take_along_axis(combined, top, 1)
        for name, term in self._rerank_terms(texts, queries, top).items():
            blended += self.rerank_weights[name] * term
        won = blended.argmax(axis=1)
        return top[rows, won], blended[rows, won] - penalty

    def _combined(self, texts: Sequence[str], queries: sp.csr_matrix) -> np.ndarray:
        """texts x codes: the linear decision + ``NEIGHBOUR_WEIGHT`` x the neighbour share (one array held:
        a dense texts x codes array is 0.5 GB at 140,000 distinct titles)."""
        return self._parts(texts, queries, keep=False)[0]

    def _parts(
        self, texts: Sequence[str], queries: sp.csr_matrix, *, keep: bool = True
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, np.ndarray | None]:
        """texts x codes: (linear decision + ``NEIGHBOUR_WEIGHT`` x neighbour share, and with ``keep`` the
        linear decision, the neighbour share and the centroid similarity; else None for those three)."""
        n, codes = len(texts), len(self.codes)
        near: np.ndarray | None = (queries @ self.centroids).toarray()
        assert near is not None
        kc = min(CANDIDATES, codes)
        candidates = np.argpartition(-near, kc - 1, axis=1)[:, :kc]
        if not keep:
            near = None
        tally, _ = self._member_votes(queries, candidates)
        total = tally.sum(axis=1, keepdims=True)
        votes = np.divide(tally, total, out=np.zeros_like(tally), where=total > 0)
        assert self.linear_weights is not None
        linear = (self._linear_vectors(texts, queries) @ self.linear_weights).toarray() + self.linear_bias
        if not keep:  # in place: the candidates of a row are distinct columns
            linear[np.arange(n)[:, None], candidates] += NEIGHBOUR_WEIGHT * votes
            return linear, None, None, None
        share = np.zeros((n, codes), dtype=np.float32)
        share[np.arange(n)[:, None], candidates] = votes
        return linear + NEIGHBOUR_WEIGHT * share, linear, share, near

    @staticmethod
    def _best(scores: np.ndarray, k: int) -> np.ndarray:
        """Each row's ``k`` best columns, best first (ties: the lower column, as ``argmax`` picks)."""
        k = min(k, scores.shape[1])
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        order = np.lexsort((top, -np.take_along_axis(scores, top, 1)), axis=1)
        return np.take_along_axis(top, order, 1)

    def _rerank_terms(
        self, texts: Sequence[str], queries: sp.csr_matrix, top: np.ndarray
    ) -> dict[str, np.ndarray]:
        """For each text's candidate codes (n x k): the share of the code's title weight whose head word
        (the last) is the text's (``head_share``); the idf-weighted share of the text's words some title
        of the code uses (``cover``); 1 when the text's head word is a word of the code's O*NET name
        (``head_in_name``); the similarity of the code's nearest title (``nearest``)."""
        stats = self._code_stats()
        heads, _, words = stats.read(texts)
        rows = np.arange(len(texts))[:, None]
        head_share = _cells(stats.head_share, heads[:, None], top)
        idf_total = np.maximum(np.asarray(words.sum(axis=1)).ravel(), 1e-9)
        cover = _cells((words @ stats.present).tocsr(), rows, top) / idf_total[:, None]
        _, nearest = self._member_votes(queries, top)
        return {
            "head_share": head_share,
            "cover": cover,
            "head_in_name": stats.name_heads(texts, top),
            "nearest": nearest,
        }

    def _neighbour_scores(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Two steps, so the work grows with the candidates, not with all 45,000 titles: the ``CANDIDATES``
        codes whose centroid is nearest, then the similarity-weighted vote of those codes' own titles."""
        candidates, tally, nearest = self._tallies(texts)
        n = len(texts)
        if not n:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.float32)
        won = tally.argmax(axis=1)
        rows = np.arange(n)
        best = candidates[rows, won]
        top = nearest.max(axis=1)
        total = tally.sum(axis=1)
        share = np.divide(tally[rows, won], total, out=np.zeros(n, dtype=np.float32), where=total > 0)
        return best, top * self.known_share(texts), share

    def known_share(self, texts: Sequence[str]) -> np.ndarray:
        """The share of each text's words that some training title uses: "widget wrangler" 0.5 (a title
        that shares one real word with O*NET is only half about a known job), "registered nurse" 1.0."""
        vocabulary = self.word_vectorizer.vocabulary_
        known = np.ones(len(texts), dtype=np.float32)
        for i, text in enumerate(texts):
            words = _WORD.findall(text)
            if words:
                known[i] = sum(w in vocabulary for w in words) / len(words)
        return known

    def _tallies(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(n x k candidate code indexes, their similarity-weighted votes, their nearest title's sim)."""
        n = len(texts)
        k = min(CANDIDATES, len(self.codes))
        if not n:
            empty = np.zeros((0, k), dtype=np.float32)
            return np.zeros((0, k), dtype=np.int64), empty, empty
        queries = self._vectors(texts)
        near = (queries @ self.centroids).toarray()
        candidates = np.argpartition(-near, k - 1, axis=1)[:, :k]  # n x k code indexes
        tally, nearest = self._member_votes(queries, candidates)
        return candidates, tally, nearest

    def _member_votes(self, queries: sp.csr_matrix, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For n query vectors and n x k code indexes: each code's similarity-weighted vote of its own
        titles and its nearest title's similarity (both n x k)."""
        n, k = candidates.shape
        tally = np.zeros((n, k), dtype=np.float32)
        nearest = np.zeros((n, k), dtype=np.float32)
        flat = candidates.ravel()
        order = np.argsort(flat, kind="stable")
        bounds = np.searchsorted(flat[order], np.arange(len(self.codes) + 1))
        for code in np.flatnonzero(np.diff(bounds)):
            cells = order[bounds[code] : bounds[code + 1]]  # positions in the n x k grid
            asked, slot = np.divmod(cells, k)
            members, weights = self.members[code]
            sims = (queries[asked] @ members).toarray()
            nearest[asked, slot] = sims.max(axis=1)
            tally[asked, slot] = (sims**self.power) @ weights
        return tally, nearest

    def _code_stats(self) -> CodeStats:
        """Per-code facts the reranker reads (built once per coder, from its training texts)."""
        stats: CodeStats | None = getattr(self, "_stats", None)
        if stats is None:
            stats = CodeStats.build(self)
            self._stats = stats
        return stats

    def rerank_candidates(self, texts: Sequence[str], k: int = RERANK_K) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` codes of best score (linear + neighbour share, before reranking) for each text and
        their features, (n x k code indexes, n x k x ``len(RERANK_FEATURES)``), best score first (what
        ``bench/bench_coder_rerank.py`` learns rerankers from)."""
        n, codes = len(texts), len(self.codes)
        k = min(k, codes)
        f = len(RERANK_FEATURES)
        if not n or self.linear_weights is None:
            return np.zeros((n, k), dtype=np.int64), np.zeros((n, k, f), dtype=np.float32)
        stats = self._code_stats()
        queries = self._vectors(texts)
        combined, linear, share, near = self._parts(texts, queries)
        assert linear is not None and share is not None and near is not None
        top = self._best(combined, k)
        votes, _ = self._member_votes(queries, top)
        terms = self._rerank_terms(texts, queries, top)
        nearest, cover, head_share = terms["nearest"], terms["cover"], terms["head_share"]

        def pick(m: np.ndarray) -> np.ndarray:
            return np.take_along_axis(m, top, 1)

        comb, lin, shr, cen = pick(combined), pick(linear), pick(share), pick(near)
        _, head_words, _ = stats.read(texts)
        head_in = _cells(stats.present, head_words[:, None], top)
        soft = np.exp(4.0 * (comb - comb[:, :1]))
        soft /= soft.sum(axis=1, keepdims=True)
        major = stats.major[top]
        broad = stats.broad[top]
        same_major = (major[:, :, None] == major[:, None, :]) @ soft[:, :, None]
        same_broad = (broad[:, :, None] == broad[:, None, :]) @ soft[:, :, None]

        def rank(m: np.ndarray) -> np.ndarray:
            return np.argsort(np.argsort(-m, axis=1), axis=1).astype(np.float32)

        known = self.known_share(texts)[:, None] * np.ones((1, k), np.float32)
        margin = np.broadcast_to(comb[:, :1] - comb[:, 1:2] if k > 1 else comb[:, :1] * 0, (n, k))
        n_words = np.array([len(_WORD.findall(t)) for t in texts], np.float32)[:, None] * np.ones((1, k))
        columns = {
            "score": comb, "score_gap": comb - comb[:, :1], "score_margin": margin,
            "linear": lin, "linear_gap": lin - lin.max(axis=1, keepdims=True), "share": shr,
            "rank": np.broadcast_to(np.arange(k, dtype=np.float32), (n, k)), "linear_rank": rank(lin),
            "share_rank": rank(shr), "centroid": cen, "centroid_gap": cen - near.max(axis=1, keepdims=True),
            "centroid_rank": rank(cen), "nearest": nearest,
            "nearest_gap": nearest - nearest.max(axis=1, keepdims=True), "nearest_rank": rank(nearest),
            "vote": np.log1p(votes), "head_share": head_share, "head_in_code": head_in,
            "head_in_name": terms["head_in_name"], "cover": cover,
            "prior": stats.prior[top], "titles": stats.titles[top], "same_major": same_major[:, :, 0],
            "same_broad": same_broad[:, :, 0], "known": known, "words": n_words,
            "cover_gap": cover - cover.max(axis=1, keepdims=True),
            "head_share_gap": head_share - head_share.max(axis=1, keepdims=True),
            "cover_rank": rank(cover + 1e-3 * comb), "head_rank": rank(head_share + 1e-3 * comb),
        }  # fmt: skip
        assert list(columns) == list(RERANK_FEATURES)
        features = np.stack([np.asarray(columns[name], np.float32) for name in RERANK_FEATURES], axis=2)
        return top, features

    def _exact(self, texts: Sequence[str]) -> list[tuple[int, float]]:
        """Titles the training data names exactly: (code index, confidence). The title's own O*NET listings
        decide; when it is listed under several codes with the same weight ("assembler": six assembler
        occupations), its neighbours' vote without itself breaks the tie ("team assembler", "assembly
        line worker" -> 51-2092 Team Assemblers). With the code prior (``prior_weight`` and ``prior``), the
        codes listing it within ``PRIOR_MARGIN`` of the top weight compete (``exact_choice``): the common
        reading of a generic title ("project manager": 13-1082 Project Management Specialists, not 11-9041
        Architectural and Engineering Managers; "food service worker": 35-3023, not 35-3041 Food Servers,
        Nonrestaurant). The confidence is the chosen code's share of the title's weight, from
        ``EXACT_FLOOR``."""
        rows, others = self.exact_listings(texts)
        prior = self.prior_weight * self.prior
        best = exact_choice(rows, others, prior, margin=PRIOR_MARGIN if prior.any() else 0.0)
        totals = rows.sum(axis=1)
        return [
            (int(b), float(EXACT_FLOOR + (1 - EXACT_FLOOR) * row[b] / total) if total else 0.0)
            for b, row, total in zip(best, rows, totals, strict=True)
        ]

    def known_spelling(self, text: str) -> str:
        """``text`` with each word the training data does not know, in a British spelling whose American
        spelling it does know, written the American way (breame's 1,730 word pairs): "call centre agent" ->
        "call center agent", "programme manager", "haematology technician", "tyre fitter". O*NET's titles are
        American; a title from a UK, Irish, Indian or Australian board lost its code (2026-12-02: "Call Centre
        Agent", "Organisational Psychologist", "Anaesthetist", "Colour Technician", "Defence Analyst" were
        uncoded, their American spellings coded). Words the training data knows stay as written ("gauge",
        "disc jockey": breame would make them "gage", "disk"); a text the training data names exactly is
        kept whole. The training texts are not respelled, so the fitted model is the same."""
        if not text or text in self.lookup:
            return text
        vocabulary = self.word_vectorizer.vocabulary_
        spellings = american_spellings()
        words = text.split(" ")
        respelled = [
            american
            if (american := spellings.get(w)) and w not in vocabulary and american in vocabulary
            else w
            for w in words
        ]
        return " ".join(respelled) if respelled != words else text

    def singular_head(self, text: str) -> str:
        """``text`` with its last word made singular (``_stem``) when the text as written is no training
        text and either the singular text is one ("cooks" -> "cook", "oyster shuckers" -> "oyster
        shucker") or the plural word is no training word and the singular is ("housekeepers": the unknown
        word would cost the title its code); otherwise ``text``. Job boards post plurals ("Cooks",
        "Housekeepers"); O*NET lists singulars beside its plural occupation names. On the real coded titles
        (bench/bench_coder_real.py, with the code prior) H-2B 61.6% -> 62.7% right at six digits, coded
        86.6% -> 88.1%; H-1B healthcare 50.3% -> 50.4%, the labelled titles unchanged (82.5%); every plural
        head read as singular (unless the text is a training text): 62.9% on H-2B, but two labelled titles
        lose their code (82.2%)."""
        if not self.plurals or not text or text in self.lookup:
            return text
        *rest, head = text.split(" ")
        singular = _stem(head)
        if singular == head:
            return text
        candidate = " ".join([*rest, singular])
        vocabulary = self.word_vectorizer.vocabulary_
        if candidate in self.lookup or (head not in vocabulary and singular in vocabulary):
            return candidate
        return text

    def exact_listings(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """For texts the training data names exactly, texts x codes: the weight each code lists the text
        with, and its neighbours' vote share without itself (the text, at similarity 1, left out)."""
        rows = self.votes[[self.lookup[t] for t in texts]].toarray()
        candidates, tally, _ = self._tallies(texts)
        others = np.zeros_like(rows)
        np.add.at(others, (np.arange(len(texts))[:, None], candidates), tally)
        others = np.clip(others - rows, 0.0, None)
        total = others.sum(axis=1, keepdims=True)
        return rows, np.divide(others, total, out=np.zeros_like(others), where=total > 0)

    def code_texts(
        self,
        texts: Sequence[str],
        *,
        embed: Callable[[Sequence[str]], np.ndarray] | None = None,
        layer: SentenceLayer | None = None,
        gate: float = SENTENCE_GATE,
    ) -> list[OccupationGuess]:
        """Occupations of texts already reduced by ``occupation_text`` (one vectorized pass).

        ``embed`` (default None, off): the sentence vectors of texts (``TitleEmbedder.embed`` or the match
        stage's ``TitleVectorCache.vectors``; this module imports no model). With it, every text the
        training data does not name exactly and whose TF-IDF confidence is below ``gate`` is scored again
        with ``layer``'s probabilities added (``SENTENCE_WEIGHT`` x each code's; default layer: the shipped
        ``sentence_layer()``) and its confidence read off ``SENTENCE_CALIBRATION``. A plural head word is
        read as its singular where that names a training title (``singular_head``), and a British spelling
        as the American one the training data uses (``known_spelling``)."""
        read = {t: self.singular_head(self.known_spelling(t)) for t in dict.fromkeys(texts)}
        texts = [read[t] for t in texts]
        distinct = list(dict.fromkeys(texts))
        found: dict[str, OccupationGuess] = {"": OccupationGuess(None, None, 0.0)}
        # a title the training data names exactly: its own codes' vote (an ambiguous title, listed under
        # several occupations, is as sure as its winning code's share of the weight)
        exact = [t for t in distinct if t and t in self.lookup]
        for text, (index, conf) in zip(exact, self._exact(exact), strict=True):
            conf = round(conf, 3)
            if conf >= self.threshold:
                code = self.codes[index]
                found[text] = OccupationGuess(code, self.occupation_titles.get(code, code), conf)
        for text in distinct:  # one generic word ("engineer", "manager") names no occupation
            if text in GENERIC:
                found[text] = OccupationGuess(None, None, 0.0)
        asked = [t for t in distinct if t and t not in found]
        best, raw = self.scores(asked)
        confidence = calibrated(raw, self.calibration)
        if embed is not None and asked:
            unsure = np.flatnonzero(confidence < gate)
            if unsure.size:
                again = [asked[i] for i in unsure]
                layer = layer or sentence_layer()
                extra = SENTENCE_WEIGHT * layer.probabilities(np.asarray(embed(again)), self.codes)
                best[unsure], raw_again = self.scores(again, extra)
                confidence[unsure] = calibrated(raw_again, SENTENCE_CALIBRATION)
        for text, index, conf in zip(asked, best.tolist(), confidence.tolist(), strict=True):
            conf = round(min(max(conf, 0.0), 1.0), 3)
            if conf < self.threshold:
                found[text] = OccupationGuess(None, None, conf)
            else:
                code = self.codes[index]
                found[text] = OccupationGuess(code, self.occupation_titles.get(code, code), conf)
        return [found[t] for t in texts]

    def code_titles(
        self,
        titles: Sequence[str | None],
        *,
        embed: Callable[[Sequence[str]], np.ndarray] | None = None,
    ) -> list[OccupationGuess]:
        """Occupations of raw job titles: cleaned, levels removed, then coded in one vectorized pass
        (``embed``: see ``code_texts``)."""
        return self.code_texts(_texts(titles), embed=embed)


@dataclass(frozen=True)
class CodeStats:
    """Per-code facts of a fitted coder for the reranker: each code's share of title weight per head word
    (heads x codes; row 0: no head), which words any of its titles use (words x codes, 0/1), its prior
    (log total weight), log title count, major group and broad group, and its O*NET name's words."""

    heads: dict[str, int]
    head_share: sp.csr_matrix
    words: dict[str, int]
    idf: np.ndarray
    present: sp.csr_matrix
    prior: np.ndarray
    titles: np.ndarray
    major: np.ndarray
    broad: np.ndarray
    names: list[frozenset[str]]

    @classmethod
    def build(cls, coder: OccupationCoder) -> CodeStats:
        texts = sorted(coder.lookup, key=coder.lookup.__getitem__)
        votes = coder.votes.tocsr()
        tokens = [_WORD.findall(t) for t in texts]
        heads: dict[str, int] = {}
        headed = [i for i, w in enumerate(tokens) if w]
        head_rows = [heads.setdefault(tokens[i][-1], len(heads) + 1) for i in headed]
        by_head = sp.csr_matrix(
            (np.ones(len(headed), np.float32), (head_rows, headed)), shape=(len(heads) + 1, len(texts))
        )
        weight = np.asarray(votes.sum(axis=0)).ravel()
        head_share = (by_head @ votes).multiply(1.0 / np.maximum(weight, 1e-9)[None, :]).tocsr()
        words: dict[str, int] = {}
        r, c = [], []
        for i, w in enumerate(tokens):
            for word in set(w):
                r.append(words.setdefault(word, len(words)))
                c.append(i)
        uses = sp.csr_matrix((np.ones(len(r), np.float32), (r, c)), shape=(len(words), len(texts)))
        df = np.asarray(uses.sum(axis=1)).ravel()
        present = sp.vstack(
            [uses @ (votes > 0).astype(np.float32), sp.csr_matrix((1, votes.shape[1]))]
        ).tocsr()
        present.data[:] = 1.0  # words x codes, and a last row of zeros for an unseen word
        per_code = np.asarray((votes > 0).sum(axis=0)).ravel()
        majors = {m: i for i, m in enumerate(sorted({code[:2] for code in coder.codes}))}
        broads = {b: i for i, b in enumerate(sorted({code[:6] for code in coder.codes}))}
        return cls(
            heads=heads, head_share=head_share, words=words,
            idf=np.log((1 + len(texts)) / (1 + df)).astype(np.float32) + 1.0, present=present,
            prior=np.log1p(weight).astype(np.float32), titles=np.log1p(per_code).astype(np.float32),
            major=np.array([majors[code[:2]] for code in coder.codes]),
            broad=np.array([broads[code[:6]] for code in coder.codes]),
            names=[frozenset(_stem(w) for w in _WORD.findall(_text(coder.occupation_titles.get(code, ""))))
                   for code in coder.codes],
        )  # fmt: skip

    def read(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, sp.csr_matrix]:
        """Each text's head word row in ``head_share`` (0: none or unseen), in ``present`` (its last row,
        no code's, when unseen) and its idf-weighted words (texts x words; an unknown word counts in the
        row's total through a last column no code uses)."""
        unknown = len(self.words)
        heads = np.zeros(len(texts), dtype=np.int64)
        head_words = np.full(len(texts), unknown, dtype=np.int64)
        r, c, v = [], [], []
        for i, text in enumerate(texts):
            tokens = _WORD.findall(text)
            if tokens:
                heads[i] = self.heads.get(tokens[-1], 0)
                head_words[i] = self.words.get(tokens[-1], unknown)
            for word in set(tokens):
                j = self.words.get(word, unknown)
                r.append(i)
                c.append(j)
                v.append(self.idf[j] if j < unknown else float(self.idf.max()))
        matrix = sp.csr_matrix((v, (r, c)), shape=(len(texts), unknown + 1), dtype=np.float32)
        return heads, head_words, matrix

    def name_heads(self, texts: Sequence[str], top: np.ndarray) -> np.ndarray:
        """1 where the text's head word (plural aside) is a word of the candidate code's O*NET name."""
        out = np.zeros(top.shape, dtype=np.float32)
        for i, text in enumerate(texts):
            tokens = _WORD.findall(text)
            if tokens:
                head = _stem(tokens[-1])
                out[i] = [head in self.names[j] for j in top[i]]
        return out


def _cells(matrix: sp.csr_matrix, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """A sparse matrix's cells at (rows, columns), broadcast (n x 1 and n x k -> n x k), dense float32:
    only the cells asked are made dense, never n x every code."""
    picked = matrix[np.broadcast_to(rows, columns.shape), columns]
    return np.asarray(picked.toarray() if sp.issparse(picked) else picked, dtype=np.float32)


def _stem(word: str) -> str:
    """A crude singular: "nurses" -> "nurse", "technicians" -> "technician" ("business" stays)."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


@dataclass(frozen=True)
class SentenceLayer:
    """A multinomial logistic regression over the sentence vectors of occupation texts: a probability per
    code. ``weights`` dims x codes, ``bias`` per code, ``codes`` its columns' SOC codes, ``model`` the
    sentence model whose vectors it reads (``matcher.match.semantic``'s all-MiniLM-L6-v2, L2-normalized).

    >>> eye, zero = np.eye(2, dtype=np.float32), np.zeros(2, np.float32)
    >>> layer = SentenceLayer(eye, zero, ("11-1011", "29-1141"), "m")
    >>> probs = layer.probabilities(np.array([[0.0, 5.0]], np.float32), ["29-1141", "53-3033"])
    >>> [round(float(p), 3) for p in probs[0]]
    [0.993, 0.0]
    """

    weights: np.ndarray
    bias: np.ndarray
    codes: tuple[str, ...]
    model: str

    def probabilities(self, vectors: np.ndarray, codes: Sequence[str]) -> np.ndarray:
        """Each vector's probability of each of ``codes`` (a code the layer lacks: 0), vectors x codes."""
        logits = vectors.astype(np.float32) @ self.weights.astype(np.float32) + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        column = {code: i for i, code in enumerate(self.codes)}
        out = np.zeros((len(vectors), len(codes)), dtype=np.float32)
        pairs = [(j, column[c]) for j, c in enumerate(codes) if c in column]
        if pairs:
            to, source = map(list, zip(*pairs, strict=True))
            out[:, to] = probs[:, source]
        return out

    def save(self, path: Path) -> None:
        """Write the layer as a compressed ``.npz`` (weights stored as float16: 0.7 MB for 867 codes)."""
        np.savez_compressed(
            path, weights=self.weights.astype(np.float16), bias=self.bias.astype(np.float32),
            codes=np.array(self.codes), model=np.array(self.model),
        )  # fmt: skip

    @classmethod
    def load(cls, source: Path | bytes) -> SentenceLayer:
        z = np.load(io.BytesIO(source) if isinstance(source, bytes) else source)
        return cls(
            weights=z["weights"].astype(np.float32),
            bias=z["bias"].astype(np.float32),
            codes=tuple(z["codes"].tolist()),
            model=str(z["model"]),
        )


@functools.cache
def sentence_layer() -> SentenceLayer:
    """The shipped layer (``onet_sentence_layer.npz``), fitted by ``bench/bench_coder_embeddings.py
    --build-layer`` on the sentence vectors of every training text (labelled with its best-weighted code)."""
    return SentenceLayer.load(_reference_bytes("onet_sentence_layer.npz"))


def title_words(text: str) -> list[str]:
    """Word features of an occupation text for the candidate coder (see the module docstring): its words,
    its adjacent pairs and its head word (the last, which names the job in an English title: "driver" in
    "delivery truck driver").

    >>> title_words("delivery truck driver")
    ['delivery', 'truck', 'driver', 'delivery truck', 'truck driver', '>driver']
    """
    words = _WORD.findall(text)
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(words)]
    return [*words, *pairs, *([f">{words[-1]}"] if words else [])]


def calibrated(raw: np.ndarray, table: tuple[tuple[float, float], ...] = CALIBRATION) -> np.ndarray:
    """Raw scores -> P(code right) along ``table`` (piecewise linear; default ``CALIBRATION``)."""
    xs, ys = zip(*table, strict=True)
    return np.asarray(np.interp(raw, xs, ys), dtype=np.float64)


def _texts(titles: Sequence[str | None]) -> list[str]:
    return [_text(t) if isinstance(t, str) else "" for t in titles]


@functools.lru_cache(maxsize=200_000)
def _text(title: str) -> str:
    return occupation_text(clean_title(title[:300]))


def code_titles(titles: Sequence[str | None]) -> list[OccupationGuess]:
    """Occupations of job titles with the default coder: one guess per title, in order.

    >>> code_titles(["Business Analyst"])[0].code
    '13-1111'
    """
    return default_coder().code_titles(titles)


def code_title(title: str | None) -> OccupationGuess:
    return code_titles([title])[0]


# -- the shipped O*NET data -----------------------------------------------------------------------------


def _reference_bytes(name: str) -> bytes:
    return resources.files("matcher").joinpath(f"reference/{name}").read_bytes()


def onet_titles() -> list[TrainingTitle]:
    """The shipped O*NET titles (``onet_titles.tsv.gz``: title, soc_code, onet_code, source, weight)."""
    text = gzip.decompress(_reference_bytes("onet_titles.tsv.gz")).decode("utf-8")
    reader = csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_MINIMAL)
    return [
        TrainingTitle(title=r["title"], soc_code=r["soc_code"], weight=float(r["weight"])) for r in reader
    ]


def project_titles() -> list[TrainingTitle]:
    """The project taxonomy's names and aliases (``occupations.csv``): the tech titles O*NET lacks
    ("backend engineer", "sre"), each weighing a little less than a title O*NET lists in two sources, so a
    title O*NET lists as often under another code stays O*NET's ("business analyst": 13-1111)."""
    known = onet_occupations()
    return [
        TrainingTitle(title=alias, soc_code=row["soc_code"], weight=PROJECT_WEIGHT)
        for row in reference_rows("occupations.csv")
        if row["soc_code"] in known
        for alias in [row["canonical"], *row["aliases"].split("|")]
        if alias.strip()
    ]


def extra_titles() -> list[TrainingTitle]:
    """Titles job boards outside the US use and O*NET lacks or files elsewhere (``onet_extra_titles.csv``:
    "Care Assistant", "Carer" -> 31-1122 Personal Care Aides, "Veterinary Nurse" -> 29-2056), each with
    the weight of a title O*NET lists in two sources."""
    text = _reference_bytes("onet_extra_titles.csv").decode("utf-8")
    known = onet_occupations()
    return [
        TrainingTitle(title=r["title"], soc_code=r["soc_code"], weight=3.0)
        for r in csv.DictReader(io.StringIO(text))
        if r["soc_code"] in known
    ]


def training_titles() -> list[TrainingTitle]:
    """Everything the default coder learns from: O*NET's titles, the project taxonomy's, the extra titles."""
    return [*onet_titles(), *project_titles(), *extra_titles()]


@functools.cache
def onet_occupations() -> dict[str, str]:
    """SOC six-digit code -> O*NET title (``onet_occupations.csv``)."""
    text = _reference_bytes("onet_occupations.csv").decode("utf-8")
    return {r["soc_code"]: r["title"] for r in csv.DictReader(io.StringIO(text))}


def exact_choice(
    rows: np.ndarray,
    others: np.ndarray,
    prior: np.ndarray,
    *,
    margin: float,
    neighbours: float = PRIOR_NEIGHBOURS,
) -> np.ndarray:
    """Each exactly named title's code index: among the codes listing it within ``margin`` of its top weight,
    the best of weight / top weight + ``neighbours`` x the neighbours' share + ``prior`` (per code, already
    weighted). With margin 0 and no prior: the top weight, ties to the neighbours' vote.

    >>> rows = np.array([[4.0, 3.0, 4.0]]); others = np.array([[0.0, 0.2, 0.8]])
    >>> int(exact_choice(rows, others, np.zeros(3), margin=0.0)[0])
    2
    >>> int(exact_choice(rows, others, np.array([0.0, -1.0, -1.0]), margin=1.0)[0])
    0
    """
    top = rows.max(axis=1, keepdims=True)
    near = (rows >= top - margin - 1e-6) & (rows > 0)
    score = rows / np.maximum(top, 1e-9) + neighbours * others + prior[None, :]
    return np.asarray(np.where(near, score, -np.inf).argmax(axis=1))


def code_employment() -> dict[str, float]:
    """SOC code -> US employment (``onet_employment.csv``: BLS OEWS May 2024, an aggregate OEWS publishes
    shared among the O*NET codes it covers; built by ``bench/bench_occupations.py --build-reference``)."""
    text = _reference_bytes("onet_employment.csv").decode("utf-8")
    return {r["soc_code"]: float(r["employment"]) for r in csv.DictReader(io.StringIO(text))}


def code_prior(codes: Sequence[str], employment: dict[str, float]) -> np.ndarray:
    """Per code: log(employment / the largest code's), float32; a code without a figure (military, some
    self-employed occupations) takes the 5th percentile of the known figures (interpolated: 14.5 of 10 and
    100 below).

    >>> [round(float(p), 2) for p in code_prior(["a", "b", "c"], {"a": 100.0, "b": 10.0})]
    [0.0, -2.3, -1.93]
    """
    known = np.array([employment[c] for c in codes if employment.get(c, 0) > 0], dtype=np.float64)
    if not known.size:
        return np.zeros(len(codes), dtype=np.float32)
    floor = float(np.percentile(known, 5))
    values = np.array([employment.get(c) or floor for c in codes], dtype=np.float64)
    prior: np.ndarray = np.log(values / values.max()).astype(np.float32)
    return prior


@functools.cache
def american_spellings() -> dict[str, str]:
    """British word -> its American spelling, lower case (breame's pairs: "centre" -> "center", "programme" ->
    "program", "haematology" -> "hematology", "labourer" -> "laborer")."""
    from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS  # type: ignore[import-untyped]

    return {k.lower(): v.lower() for k, v in BRITISH_ENGLISH_SPELLINGS.items() if k.lower() != v.lower()}


@functools.cache
def default_coder() -> OccupationCoder:
    """The coder fitted on all shipped O*NET titles, from the on-disk cache when it is current."""
    digest = hashlib.sha256()
    names = (
        "onet_titles.tsv.gz",
        "onet_occupations.csv",
        "onet_extra_titles.csv",
        "occupations.csv",
        "title_abbreviations.csv",
        "onet_employment.csv",
    )
    for name in (*names, "seniority_lexicon.csv"):
        digest.update(_reference_bytes(name))
    digest.update(Path(__file__).read_bytes())
    digest.update(Path(clean_title.__code__.co_filename).read_bytes())
    sklearn = metadata.version("scikit-learn")
    return cached_pickle(
        f"occupations-{digest.hexdigest()[:12]}-sklearn{sklearn}.pickle",
        OccupationCoder,
        lambda: OccupationCoder.fit(training_titles(), onet_occupations(), employment=code_employment()),
    )
