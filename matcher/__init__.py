"""matcher: join Flowstate vacancies with Floqer job postings and benchmark salary bands against the market.

The public facade: what notebooks and scripts import. ``__all__`` is kept sorted and a test guards it.
"""

from __future__ import annotations

from matcher.benchmark.exclusions import load_exclusions
from matcher.benchmark.stage import BenchmarkOptions, benchmark_frames, benchmark_lake
from matcher.common.config import Config, load_config
from matcher.common.errors import (
    ConfigError,
    DataError,
    MatcherError,
    NotReadyError,
    PermanentError,
    RemoteError,
    SandboxError,
    TransientError,
)
from matcher.common.version import VERSION as __version__
from matcher.lake.sql import connect
from matcher.match.titles import rank_titles
from matcher.normalize.currency import Conversion, convert_currency
from matcher.normalize.location import LocationInfo, normalize_location
from matcher.normalize.salary import SalaryInfo, annualize, parse_salary
from matcher.normalize.titles import TitleInfo, load_onet_taxonomy, normalize_title
from matcher.pipeline import (
    BenchmarkResult,
    IngestResult,
    MatchResult,
    NormalizeResult,
    Pipeline,
    PublishResult,
    RunResult,
)
from matcher.report.charts import salary_chart
from matcher.report.html import write_html_report
from matcher.report.writer import load_reports

__all__ = [
    "BenchmarkOptions",
    "BenchmarkResult",
    "Config",
    "ConfigError",
    "Conversion",
    "DataError",
    "IngestResult",
    "LocationInfo",
    "MatchResult",
    "MatcherError",
    "NormalizeResult",
    "NotReadyError",
    "PermanentError",
    "Pipeline",
    "PublishResult",
    "RemoteError",
    "RunResult",
    "SalaryInfo",
    "SandboxError",
    "TitleInfo",
    "TransientError",
    "__version__",
    "annualize",
    "benchmark_frames",
    "benchmark_lake",
    "connect",
    "convert_currency",
    "load_config",
    "load_exclusions",
    "load_onet_taxonomy",
    "load_reports",
    "normalize_location",
    "normalize_title",
    "parse_salary",
    "rank_titles",
    "salary_chart",
    "write_html_report",
]
