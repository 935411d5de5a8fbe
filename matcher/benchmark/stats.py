"""The statistics of a salary benchmark: percentiles, outlier trimming, compa-ratio, confidence and verdict.

Plain functions over lists of ``Decimal`` so every number in a report can be worked out by hand:

>>> percentile([Decimal(100), Decimal(200), Decimal(300), Decimal(400)], 50)
Decimal('250')
>>> confidence(n_postings=20, n_companies=6, p25=Decimal(90), p50=Decimal(100), p75=Decimal(120))
'medium'
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

PERCENTILES = (10, 25, 50, 75, 90)
MAD_SCALE = Decimal("1.4826")  # makes the median absolute deviation estimate a normal sigma
CONFIDENCE_LEVELS = ("none", "low", "medium", "high")
# Below this many salaries nothing is trimmed as an outlier: in a small pool the median absolute deviation is
# itself too noisy to call any salary an outlier (two of five were trimmed, a same-title posting among them)
MIN_TRIM_N = 10


def percentile(values: Sequence[Decimal], q: float) -> Decimal | None:
    """The q-th percentile with linear interpolation between closest ranks (numpy's default, "linear").

    The rank is ``(n - 1) * q / 100``; for [100, 200, 300, 400] and q = 50 it is 1.5: halfway between 200
    and 300, so 250.
    """
    if not values:
        return None
    ordered = sorted(values)
    low, high, fraction = percentile_ranks(len(ordered), q)
    return interpolate(ordered[low], ordered[high], fraction)


def percentile_ranks(n: int, q: float) -> tuple[int, int, Decimal]:
    """Where the q-th percentile of ``n`` sorted values lies: the closest ranks below and above it (0-based)
    and the fraction of the way from the one to the other (``percentile``'s rank ``(n - 1) * q / 100``).

    >>> percentile_ranks(4, 50)
    (1, 2, Decimal('0.5'))
    """
    if n < 1:
        raise ValueError(f"n: got {n}, expected 1 or more values")
    rank = (Decimal(n - 1) * Decimal(str(q))) / Decimal(100)
    low = int(rank)
    return low, min(low + 1, n - 1), rank - low


def interpolate(low: Decimal, high: Decimal, fraction: Decimal) -> Decimal:
    """The value ``fraction`` of the way from ``low`` to ``high`` (the values at ``percentile_ranks``)."""
    return low + (high - low) * fraction


def percentile_rank(values: Sequence[Decimal], x: Decimal) -> float | None:
    """Share of ``values`` at or below ``x``, in percent (the band edge's position in the market)."""
    if not values:
        return None
    return 100.0 * sum(1 for v in values if v <= x) / len(values)


def median(values: Sequence[Decimal]) -> Decimal | None:
    return percentile(values, 50)


def trim_outliers(
    values: Sequence[Decimal], *, k: Decimal = Decimal("3.5"), min_n: int = MIN_TRIM_N
) -> tuple[list[Decimal], int]:
    """Values within ``k`` robust sigmas of the median (MAD x 1.4826), and how many were dropped.

    Fewer than ``min_n`` values (``MIN_TRIM_N``, 10) are kept whole: too few to judge an outlier by. With a
    MAD of zero (half the values equal) nothing is dropped: there is no spread to judge by.
    """
    if len(values) < max(min_n, 3):
        return list(values), 0
    center = median(values)
    assert center is not None
    mad = median([abs(v - center) for v in values])
    assert mad is not None
    if mad == 0:
        return list(values), 0
    limit = outlier_limit(mad, k)
    kept = [v for v in values if abs(v - center) <= limit]
    return kept, len(values) - len(kept)


def outlier_limit(mad: Decimal, k: Decimal = Decimal("3.5")) -> Decimal:
    """How far from the median a value may lie and be kept: ``k`` robust sigmas (``mad`` x 1.4826)."""
    return k * MAD_SCALE * mad


def confidence(
    *, n_postings: int, n_companies: int, p25: Decimal | None, p50: Decimal | None, p75: Decimal | None
) -> str:
    """none (< 5 postings or < 3 companies), low (< 15), medium (< 50), high (>= 50 and a tight market:
    interquartile range <= 60% of the median), else medium."""
    if n_postings < 5 or n_companies < 3 or p50 is None or p25 is None or p75 is None:
        return "none"
    if n_postings < 15:
        return "low"
    if n_postings < 50:
        return "medium"
    return "high" if (p75 - p25) <= Decimal("0.6") * p50 else "medium"


def indicative(level: str, p50: Decimal | None) -> bool:
    """Whether a pool's percentiles are indicative only: there are some, but at ``none`` confidence
    (fewer than 5 salaries or 3 companies): its percentiles, compa-ratio and band ranks are no market
    figure."""
    return level == "none" and p50 is not None


def verdict(
    *,
    level: str,
    band_min: Decimal | None,
    band_max: Decimal | None,
    p25: Decimal | None,
    p75: Decimal | None,
) -> str:
    """below (band max < market p25), above (band min > market p75), within otherwise; at medium or high
    confidence only ("insufficient data" below that, or without a band)."""
    if level not in ("medium", "high") or None in (band_min, band_max, p25, p75):
        return "insufficient data"
    assert band_min is not None and band_max is not None and p25 is not None and p75 is not None
    if band_max < p25:
        return "below"
    if band_min > p75:
        return "above"
    return "within"


def compa_ratio(band_min: Decimal | None, band_max: Decimal | None, p50: Decimal | None) -> Decimal | None:
    """Band midpoint / market median (1.00 = the band is centred on the market)."""
    if band_min is None or band_max is None or not p50:
        return None
    return ((band_min + band_max) / 2) / p50
