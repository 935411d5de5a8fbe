"""Each setting's default, declared once: the stages' option dataclasses and the configuration read them here.

>>> from matcher.match.stage import MatchOptions
>>> MatchOptions().floor == MATCH_FLOOR == 50.0
True

A constant in ``common`` (not the stages' dataclasses) because the configuration is in ``common``, which
imports no stage.
"""

from __future__ import annotations

from typing import Final

# [lake], [report]
LAKE_ROOT: Final = "data/lake"
REPORTS_DIR: Final = "reports"
# [ingest]
PAGE_SIZE: Final = 200  # Floqer's maximum
MAX_PAGES: Final = 10_000  # pages read per source or list and run, at most (a server that never ends)
MAX_RESPONSE_MB: Final = 64  # a response body larger than this is refused (never held in memory)
# [http]
HTTP_TIMEOUT_SECONDS: Final = 30.0
HTTP_MAX_ATTEMPTS: Final = 6
HTTP_MAX_WAIT_SECONDS: Final = 120.0
# [normalize]: NormalizeOptions
REPORTING_CURRENCY: Final = "USD"
BAND_BASIS: Final = "paid"  # a part-time vacancy's band: what it pays at its fte ("paid") or "full_time"
# [match]: MatchOptions
MATCH_FLOOR: Final = 50.0
TITLE_FLOOR: Final = 50.0  # below this title score a posting is not the same job, whatever else agrees
INCLUDE_AGENCIES: Final = False
REQUIRE_WORK_TYPE: Final = True
# [benchmark]: BenchmarkOptions
BENCHMARK_MIN_SCORE: Final = 75.0
COMPANY_CAP: Final = 3
LEVEL_POLICY: Final = "exact"  # which postings' levels count: exact, adjacent or any
# the market a vacancy is benchmarked against: "national" (every city of its country), "metro" (its city) or
# "region" (its admin1); a local pool is used when it holds LOCAL_MIN_SALARIES salaries from 3 companies
# (what a verdict needs: medium confidence), else the national one
POOLS: Final = ("national", "metro", "region")
POOL_BY: Final = "national"
LOCAL_MIN_SALARIES: Final = 15
# peer companies by Floqer's employee_count, in Floqer's employee_count_range bands (inclusive bounds)
SIZE_BANDS: Final = {
    "1-10": (1, 10),
    "11-50": (11, 50),
    "51-200": (51, 200),
    "201-500": (201, 500),
    "501-1000": (501, 1000),
    "1001-5000": (1001, 5000),
    "5001-10000": (5001, 10000),
    "10001+": (10001, None),
}
# [report]: BenchmarkOptions.top_k
TOP_K: Final = 50
