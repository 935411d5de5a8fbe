"""The word weights of the title score (IDF over posting core titles), kept per lake so incremental runs
and ``--full`` rebuilds score with the same weights.

The title's lexical part weighs each word by ``log((n + 1) / (df + 1)) + 1`` over the postings (``n``
postings, ``df`` of them with the word). Computed afresh on every run, one new posting would move every
pair's score a little, and an incremental run could never equal a rebuild. So the lake keeps the document
frequencies it last computed (``matches/word_weights.parquet``: token, df; ``n`` in its Parquet metadata)
and both kinds of run read them; they are computed again, from the postings eligible then, only when the
number of eligible postings has moved more than ``DRIFT`` (10%) from the ``n`` they were computed from, or
when the file is absent. That run then rescores everything (``WordWeights.refreshed``).

>>> frame = pl.DataFrame({"title_core": ["backend engineer", "data engineer", None]})
>>> weights = WordWeights.from_postings(frame)
>>> weights.postings, dict(weights.frequencies.iter_rows())
(3, {'backend': 1, 'data': 1, 'engineer': 2})

Both match engines (``match_lake`` here, a distributed engine around ``match_frames``) obtain them with
``lake_word_weights(lake, eligible_postings)`` and hand them to ``match_frames(..., word_weights=...)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from matcher.lake.files import atomic_file
from matcher.lake.layout import path as lake_path

DRIFT = 0.10  # the share by which the eligible postings may move from the weights' n before they are refit
POSTINGS_KEY = "matcher.word_weights.postings"  # the Parquet metadata key holding n


@dataclass(frozen=True)
class WordWeights:
    """Document frequencies of core-title words over ``postings`` postings (``frequencies``: token, df)."""

    postings: int
    frequencies: pl.DataFrame
    refreshed: bool = False  # computed by this run (not read from the lake)

    @classmethod
    def from_postings(cls, postings: pl.DataFrame) -> WordWeights:
        """Each word's number of postings (``title_core`` tokens as the match stage reads them)."""
        from matcher.match.stage import _token_list  # the one tokenizer of core titles

        frequencies = (
            postings.select(_token_list("title_core").list.unique().alias("token"))
            .explode("token")
            .drop_nulls("token")
            .group_by("token")
            .agg(pl.len().alias("df"))
            .sort("token")
        )
        return cls(postings=postings.height, frequencies=frequencies, refreshed=True)

    def stale_for(self, postings: int) -> bool:
        """Whether ``postings`` eligible postings are more than ``DRIFT`` away from the weights' ``n``."""
        return abs(postings - self.postings) > DRIFT * max(self.postings, 1)


def read_word_weights(lake: Path | str) -> WordWeights | None:
    """The lake's word weights; None when absent or unreadable (they are then computed again)."""
    path = lake_path(lake, "word_weights")
    try:
        n = pl.read_parquet_metadata(path).get(POSTINGS_KEY)
        frame = pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError):
        return None
    if n is None or not n.isdigit() or frame.columns != ["token", "df"]:
        return None
    return WordWeights(postings=int(n), frequencies=frame.with_columns(pl.col("df").cast(pl.UInt32)))


def write_word_weights(lake: Path | str, weights: WordWeights) -> None:
    path = lake_path(lake, "word_weights")
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as temp:
        weights.frequencies.write_parquet(temp, metadata={POSTINGS_KEY: str(weights.postings)})


def lake_word_weights(lake: Path | str, eligible: pl.DataFrame | WordWeights) -> WordWeights:
    """The word weights a match of ``eligible`` postings (after the stage's filters) uses: the lake's, or
    computed from ``eligible`` (and written) when absent or more than ``DRIFT`` away from its count.
    ``eligible`` may be those postings' own weights already counted (the Spark engine sums them over its
    partitions).

    Call under the lake's lock. ``refreshed`` on the result says they were computed now (every match is
    then scored again)."""
    count = eligible.postings if isinstance(eligible, WordWeights) else eligible.height
    kept = read_word_weights(lake)
    if kept is not None and not kept.stale_for(count):
        return kept
    weights = eligible if isinstance(eligible, WordWeights) else WordWeights.from_postings(eligible)
    write_word_weights(lake, weights)
    return weights
