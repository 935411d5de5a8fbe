"""The normalize stage: ``lake/raw`` -> ``lake/clean/postings.parquet`` and ``lake/clean/vacancies.parquet``.

One row per posting and per vacancy (its newest version), every normalized field beside the source fields it
came from, and a ``*_status`` / ``*_reason`` pair per normalized group (title, salary, location):

- status ``ok``: normalized; ``partial``: some of it (a country but no city, a title without an occupation);
  ``missing``: the source had nothing; ``invalid``: the source had something that could not be read without
  guessing. The reason says which field, what value and what was expected. Rows are never dropped.

Vectorized: JSON fields are pulled out by Polars (Rust) for the whole column; each *distinct* title, salary
text and place is normalized once in Python (when there are many: in worker processes, or in one thread
beside the Polars steps) and joined back.
Money stays exact: structured amounts are read as the digits in ``raw_json`` (never through a float) into
``Decimal`` columns.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from matcher.common import defaults
from matcher.common.cache import no_cyclic_gc
from matcher.common.errors import ConfigError, NotReadyError
from matcher.common.reference import (
    CountryConventions,
    conventions_for,
    country_conventions,
    listed_country_conventions,
    monthly_below,
)
from matcher.lake.files import atomic_file, fsync_dir, read_parts, write_json
from matcher.lake.layout import PART_GLOB, TABLES, is_lake
from matcher.lake.layout import path as lake_path
from matcher.normalize.currency import rate_table, supported_currencies
from matcher.normalize.location import normalize_location
from matcher.normalize.salary import (
    DOLLAR_CURRENCIES,
    KRONE_CURRENCIES,
    PERIODS,
    full_time_equivalent,
    periods_per_year,
    read_fte,
    read_salary_text,
)
from matcher.normalize.skills import add_skills
from matcher.normalize.titles import (
    FLOQER_LEVELS,
    LEVEL_AS_FLOQER,
    normalize_title,
    occupation_text,
    title_key,
    title_keys,
    title_parts,
)

# the tables read and written, by their names in the lake's registry (matcher/lake/layout.py)
RAW_POSTINGS = "raw_postings"
RAW_POSTING_SOURCES = "raw_posting_sources"
RAW_VACANCIES = "raw_vacancies"
RAW_VACANCY_EVENTS = "raw_vacancy_events"
RAW_LOCATIONS = "raw_locations"
RAW_JOB_ROLES = "raw_job_roles"
RAW_WORK_TYPES = "raw_work_types"
CLEAN_POSTINGS = "clean_postings"
CLEAN_VACANCIES = "clean_vacancies"

AMOUNT = pl.Decimal(26, 6)  # source-currency amounts (the source digits are kept as text beside them)
AMOUNT_LIMIT = Decimal(10) ** 20  # the first amount AMOUNT cannot hold (26 digits, 6 after the point)
MONEY = pl.Decimal(26, 2)  # reporting-currency amounts
DECODE_SLICES = 8  # at least this many slices (Polars' threads decode them side by side)
DECODE_SLICE_ROWS = 25_000  # at most this many rows per slice
PARALLEL_FROM = 20_000  # distinct values above which the per-value work is split across processes
STATUSES = ("ok", "partial", "missing", "invalid")
VACANCY_DEFAULT_LEVEL = "mid"
VACANCY_DEFAULT_LEVEL_SOURCE = "default"
PLACEHOLDER_TITLES = frozenset(
    {"n/a", "n a", "na", "none", "null", "tbd", "tba", "unknown", "test", "-", "x"}
)


@dataclass
class NormalizeOptions:
    reporting_currency: str = defaults.REPORTING_CURRENCY
    as_of: date | None = None  # the FX date for vacancy bands (default: today)
    # what a vacancy's salaryMin/salaryMax mean for an fte below 1 (Flowstate does not document it):
    # "paid" (what the position pays at its fte: divided by fte) or "full_time" (already full-time pay)
    band_basis: str = defaults.BAND_BASIS
    # processes for per-value work (default 1: in one process the per-value maps run in one thread beside
    # the Polars steps; on 2 cores, 1,000,000 raw postings normalized in 25.7 s with 1 process and 28.2 s
    # with 2, median of 3 each, bench_normalize, before that thread: the workers' IPC costs more than they
    # save; more may pay on more cores)
    workers: int | None = None
    # with one process: the per-value maps in one thread beside the Polars steps (False: each computed when
    # its step asks for it; the same table either way)
    value_thread: bool = True


BAND_BASES = ("paid", "full_time")


@dataclass
class NormalizeSummary:
    postings: int = 0
    vacancies: int = 0
    seconds: float = 0.0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # "postings.title" -> status -> rows
    distinct: dict[str, int] = field(default_factory=dict)  # "titles" -> distinct values normalized
    # Floqer signals on postings: "postings.usd_check" -> value (agrees, differs) -> rows; nulls not counted
    signals: dict[str, dict[str, int]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # step -> seconds (postings)
    paths: list[Path] = field(default_factory=list)
    mode: str = "full"  # "incremental": only the raw posting parts landed since the last run were read
    new_postings: int = 0  # raw posting rows this run read (all of them when full)


class _StepClock:
    def __init__(self, into: dict[str, float]) -> None:
        self.into = into

    @contextlib.contextmanager
    def __call__(self, step: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.into[step] = self.into.get(step, 0.0) + time.perf_counter() - started


# -- per-value functions (top level, so worker processes can run them) ----------------------------------


def title_values(title: str | None) -> tuple[Any, ...]:
    """(clean, core, seniority, code, occupation, confidence, status, reason); a reason naming the title
    itself is a marker (``empty``, ``placeholder``, ``no_words``) the stage words with the source text."""
    if not isinstance(title, str) or not title.strip():
        return (None, None, None, None, None, 0.0, "missing", "empty")
    info = normalize_title(title)
    if info.core in PLACEHOLDER_TITLES:
        return (None, None, None, None, None, 0.0, "invalid", "placeholder")
    if not info.clean:
        return (None, None, None, None, None, 0.0, "invalid", "no_words")
    status, reason = "ok", None
    if info.occupation_code is None:
        status, reason = "partial", f"no occupation for core title {info.core[:60]!r}"
    return (
        info.clean,
        info.core,
        info.seniority,
        info.occupation_code,
        info.occupation_title,
        info.confidence,
        status,
        reason,
    )


def title_part_values(title: str | None) -> tuple[Any, ...]:
    """``title_values`` without the occupation (None, None, 0.0): the stage codes occupations afterwards, all
    distinct titles in one vectorized call (``_code_occupations``)."""
    if not isinstance(title, str) or not title.strip():
        return (None, None, None, None, None, 0.0, "missing", "empty")
    clean, core, seniority = title_parts(title)
    if core in PLACEHOLDER_TITLES:
        return (None, None, None, None, None, 0.0, "invalid", "placeholder")
    if not clean:
        return (None, None, None, None, None, 0.0, "invalid", "no_words")
    return (clean, core, seniority, None, None, 0.0, "ok", None)


def _code_occupations(frame: pl.DataFrame, prefix: str = "") -> pl.DataFrame:
    """Occupation code, title and confidence for every ``ok`` row, one coder call over the distinct clean
    titles; a row the coder is not sure of becomes ``partial``."""
    clean, core = f"{prefix}title_clean", f"{prefix}title_core"
    code, title = f"{prefix}occupation_code", f"{prefix}occupation_title"
    confidence = f"{prefix}title_confidence"
    status, reason = f"{prefix}title_status", f"{prefix}title_reason"
    asked = frame.filter(pl.col(status) == "ok").select(clean).unique().get_column(clean).to_list()
    from matcher.normalize.occupations import default_coder  # scikit-learn: imported when titles are coded

    guesses = default_coder().code_texts([occupation_text(text) for text in asked])
    coded = pl.DataFrame(
        {
            clean: asked,
            "_code": [g.code for g in guesses],
            "_occupation": [g.title for g in guesses],
            "_confidence": [g.confidence for g in guesses],
        },
        schema={clean: pl.String, "_code": pl.String, "_occupation": pl.String, "_confidence": pl.Float64},
    )
    frame = frame.join(coded, on=clean, how="left")
    ok = pl.col(status) == "ok"
    return frame.with_columns(
        pl.when(ok).then(pl.col("_code")).otherwise(pl.col(code)).alias(code),
        pl.when(ok).then(pl.col("_occupation")).otherwise(pl.col(title)).alias(title),
        pl.when(ok).then(pl.col("_confidence")).otherwise(pl.col(confidence)).alias(confidence),
        pl.when(ok & pl.col("_code").is_null())
        .then(pl.lit("partial"))
        .otherwise(pl.col(status))
        .alias(status),
        pl.when(ok & pl.col("_code").is_null())
        .then(pl.format("no occupation for core title '{}'", pl.col(core).str.slice(0, 60)))
        .otherwise(pl.col(reason))
        .alias(reason),
    ).drop("_code", "_occupation", "_confidence")


def salary_text_values(text: str | None) -> tuple[Any, ...]:
    """The country-free reading of one salary text (``read_salary_text``) as a row."""
    if not isinstance(text, str) or not text.strip():
        return (None,) * 9 + ("missing", "no salary given")
    read, reason = read_salary_text(text)
    if read is None:
        return (None,) * 9 + ("invalid", f"salary_string {text[:60]!r}: {reason}")
    if max(abs(read.low), abs(read.high)) >= AMOUNT_LIMIT:  # the amount columns could not hold it
        return (None,) * 9 + ("invalid", f"salary_string {text[:60]!r}: amount too large to be a salary")
    return (
        str(read.low),
        str(read.high),
        read.period,
        read.period_stated,
        read.code,
        read.dollar,
        read.is_estimate,
        read.krone,
        list(read.modifiers),
        "ok",
        None,
    )


def location_values(
    text: str | None, city: str | None, state: str | None, country: str | None
) -> tuple[Any, ...]:
    info = normalize_location(text, city=city, state=state, country=country)
    return (info.country_code, info.admin1, info.city, info.is_remote, info.arrangement, info.reason)


def _run_chunk(fn: Callable[..., tuple[Any, ...]], rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [fn(*row) for row in rows]


def _noop(_: int) -> None:
    return None


@contextlib.contextmanager
def worker_pool(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """Processes for per-value work, forked early (while this process is small) with the indexes built."""
    if workers <= 1:
        yield None
        return
    normalize_title("warm up")  # built once here (the occupation coder too), inherited by every worker
    normalize_location("warm up")
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        list(pool.map(_noop, range(workers * 2)))  # start the workers now
        yield pool


@dataclass
class PendingValues:
    """``fn`` over the distinct ``keys`` of a frame: started in worker processes (when many), so this process
    can do other work meanwhile; ``values()`` waits for them (or, without workers, computes them then)."""

    distinct: pl.DataFrame
    fn: Callable[..., tuple[Any, ...]]
    schema: dict[str, Any]
    rows: list[tuple[Any, ...]]
    chunks: list[Future[list[tuple[Any, ...]]]] | None = None

    def values(self) -> pl.DataFrame:
        """The distinct keys with ``fn``'s columns beside them."""
        if self.chunks is None:
            results = _run_chunk(self.fn, self.rows)
        else:
            results = [r for chunk in self.chunks for r in chunk.result()]
        values = pl.DataFrame(results, schema=self.schema, orient="row")
        return pl.concat([self.distinct, values], how="horizontal")


def start_distinct(
    frame: pl.DataFrame,
    keys: list[str],
    fn: Callable[..., tuple[Any, ...]],
    schema: dict[str, Any],
    *,
    pool: Executor | None = None,
) -> PendingValues:
    """``fn`` once per distinct ``keys`` of ``frame``, submitted to ``pool`` now when the values are many."""
    distinct = frame.select(keys).unique(maintain_order=True)
    rows = list(distinct.iter_rows())
    pending = PendingValues(distinct, fn, schema, rows)
    if pool is not None and len(rows) >= PARALLEL_FROM:
        # a thread shares this process's memory: one chunk, nothing pickled; processes get 16 chunks
        size = len(rows) if isinstance(pool, ThreadPoolExecutor) else -(-len(rows) // 16)
        pending.chunks = [pool.submit(_run_chunk, fn, rows[i : i + size]) for i in range(0, len(rows), size)]
    return pending


def map_distinct(
    frame: pl.DataFrame,
    keys: list[str],
    fn: Callable[..., tuple[Any, ...]],
    schema: dict[str, Any],
    *,
    pool: Executor | None = None,
    pending: PendingValues | None = None,
) -> tuple[pl.DataFrame, int]:
    """``frame`` with ``fn(*keys)`` joined on, computed once per distinct key (across processes when many);
    ``pending``: the same work started earlier by ``start_distinct`` on these keys."""
    pending = pending or start_distinct(frame, keys, fn, schema, pool=pool)
    joined = frame.join(pending.values(), on=keys, how="left", nulls_equal=True)
    return joined, pending.distinct.height


# -- reading the raw lake --------------------------------------------------------------------------------


def _read(lake: Path, table: str) -> pl.DataFrame:
    """The raw table ``table`` (a registry name: ``raw_postings``), every part in landing order."""
    return read_parts(TABLES[table].files(lake))


def _first_landed(raw: pl.DataFrame) -> pl.DataFrame:
    """Each posting's first landed raw row (the earliest ``ingested_at``; among equal ones, the first in
    landing order), the rows kept in their order in ``raw``: a sort and ``unique`` of the whole table would
    leave the JSON texts in hash order, and the decode then reads them from all over memory (1M rows: the
    decode 8.0 -> 5.6 CPU-s). Only the row numbers are sorted."""
    if not raw.height:
        return raw
    keep = (
        raw.select("posting_id", "ingested_at", pl.int_range(raw.height, dtype=pl.UInt32).alias("_i"))
        .sort("ingested_at", maintain_order=True)
        .unique("posting_id", keep="first", maintain_order=True)
        .get_column("_i")
        .sort()
    )
    return raw if keep.len() == raw.height else raw[keep]


def _json(path: str) -> pl.Expr:
    return pl.col("raw_json").str.json_path_match(f"$.{path}")


def _exact(field_name: str) -> pl.Expr:
    """A top-level JSON number or string as its exact text (a float would round the digits)."""
    token = pl.col("raw_json").str.extract(rf'"{field_name}"\s*:\s*("(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*)', 1)
    return token.str.strip_chars('"')


GROUPED_AMOUNT = r"^-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$"  # "120,000.00": commas group thousands
DOTTED_THOUSANDS = r"^-?[0-9]{1,3}(\.[0-9]{3})+$"  # "120.000": 120 or 120 thousand? not read
EXPECTED_AMOUNT = "expected a decimal amount such as 120000.00 or 120,000.00"


def amount_text(column: str) -> pl.Expr:
    """A source amount's text made readable as a Decimal, or null when it is not an unambiguous amount.

    Surrounding whitespace is dropped; commas are read as thousands separators only in 3-digit groups with an
    optional decimal point after them ("120,000.00"); any other comma ("120.000,00", "120,00", "1,20,000")
    and a dot before exactly three digits with no other mark ("120.000") are ambiguous and give null.
    """
    text = pl.col(column).str.strip_chars()
    return (
        pl.when(text.str.contains(GROUPED_AMOUNT))
        .then(text.str.replace_all(",", "", literal=True))
        .when(text.str.contains(",", literal=True) | text.str.contains(DOTTED_THOUSANDS))
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(text)
    )


def read_amount(column: str) -> pl.Expr:
    """A source amount (see ``amount_text``) as a ``Decimal(26, 6)``; null when unreadable."""
    return amount_text(column).cast(AMOUNT, strict=False)


# -- postings --------------------------------------------------------------------------------------------


POSTING_PATHS: dict[str, Any] = {
    **dict.fromkeys(
        "id job_title normalized_title seniority url reposted date_reposted company company_domain domain "
        "is_recruiting_agency location city state_code country_code remote hybrid salary_string "
        "salary_currency description "
        "company_object.name company_object.domain company_object.is_recruiting_agency "
        "employee_count industry funding_stage "  # a number may arrive as a string: read as text, cast below
        "company_object.employee_count company_object.industry company_object.funding_stage".split(),
        pl.String,
    ),
    "employment_statuses": pl.List(pl.String),  # a single string decodes as a one-element list
    "job_technology_slugs": pl.List(pl.String),
    "country_codes": pl.List(pl.String),
    # the job API's nested places (several for a multi-location posting); read when the flat fields are absent
    "locations": pl.List(
        pl.Struct({"name": pl.String, "city": pl.String, "state_code": pl.String, "country_code": pl.String})
    ),
}
FLAT_PLACE = ("location", "city", "state_code", "country_code")
FLOQER_USD = ("min_annual_salary_usd", "max_annual_salary_usd", "avg_annual_salary_usd")
FLOQER_SIGNALS = ("seniority_source", "seniority_check", "occupation_source", "usd_check")  # counted
USD_TOLERANCE = 0.10  # matcher's USD amount within 10% of Floqer's: "agrees"


def _struct_of(paths: dict[str, Any]) -> pl.Struct:
    tree: dict[str, Any] = {}
    for path, dtype in paths.items():
        head, _, rest = path.partition(".")
        if rest:
            tree.setdefault(head, {})[rest] = dtype
        else:
            tree[head] = dtype
    return pl.Struct({k: _struct_of(v) if isinstance(v, dict) else v for k, v in tree.items()})


def _field(path: str) -> pl.Expr:
    expr = pl.col("_j")
    for part in path.split("."):
        expr = expr.struct.field(part)
    return expr.alias(path)


def _decode(raw: pl.DataFrame, paths: dict[str, Any], also: Sequence[pl.Expr] = ()) -> pl.DataFrame:
    """The JSON fields at ``paths`` as columns named by their path: one parse per row when every row fits the
    expected shape, else field by field (slower, but a malformed row then only loses its own values);
    ``also``: expressions over ``raw``'s columns computed beside them (in the same slices, while the text is
    in cache)."""
    struct = _struct_of(paths)
    size = min(DECODE_SLICE_ROWS, max(1, -(-raw.height // DECODE_SLICES)))
    # each slice's struct is taken apart in the same query, so no whole-column struct (with every
    # description) is built: 1M rows, 8 whole-column slices 8.8 CPU-s (3.5 of them system time, page
    # faults of the large buffers) vs 25,000-row slices 6.0 CPU-s
    slices = [
        raw.lazy()
        .slice(start, size)
        .select(pl.col("raw_json").str.json_decode(struct).alias("_j"), *also)
        .select(*(_field(path) for path in paths), *(pl.col(e.meta.output_name()) for e in also))
        for start in range(0, raw.height, size)
    ]
    try:  # slices decode in parallel on Polars' thread pool
        if slices:
            return pl.concat(pl.collect_all(slices), rechunk=False)
        empty = raw.select(pl.lit(None, dtype=struct).alias("_j"), *also)
        return empty.select(*(_field(path) for path in paths), *(pl.col(e.meta.output_name()) for e in also))
    except pl.exceptions.PolarsError:
        pass
    columns: list[pl.Expr | pl.Series] = []
    for path, dtype in paths.items():
        text = _json(path)
        if dtype == pl.String:
            columns.append(text.alias(path))
            continue
        try:
            lists = raw.select(
                pl.when(text.str.starts_with("[")).then(text).str.json_decode(dtype).alias(path)
            ).to_series()
        except pl.exceptions.PolarsError:
            lists = pl.Series(path, [None] * raw.height, dtype=dtype)
        if dtype == pl.List(pl.String):  # a single string where a list belongs: a one-element list
            single = raw.select(
                pl.when(text.is_not_null() & ~text.str.starts_with("[")).then(pl.concat_list(text))
            ).to_series()
            lists = single.fill_null(lists).alias(path)
        columns.append(lists)
    return raw.select(*columns, *also)


BOOLEANS = {
    "true": True,
    "false": False,
    "1": True,
    "0": False,
}  # JSON true/false, 1/0, "true"/"false", "1"/"0"


def _bool(path: str) -> pl.Expr:
    return (
        pl.col(path)
        .str.strip_chars()
        .str.to_lowercase()
        .replace_strict(BOOLEANS, default=None, return_dtype=pl.Boolean)
    )


def _place_fields() -> list[pl.Expr]:
    """The flat place fields; when all four are absent, the first entry of ``locations[]``. Also how many
    places the posting names and all their country codes (a multi-location posting)."""
    flat = pl.any_horizontal(pl.col(name).is_not_null() for name in FLAT_PLACE)
    first = pl.col("locations").list.first()
    nested = {
        "location": first.struct.field("name"),
        "city": first.struct.field("city"),
        "state_code": first.struct.field("state_code"),
        "country_code": first.struct.field("country_code"),
    }
    n_nested = pl.col("locations").list.len().fill_null(0)
    nested_codes = pl.col("locations").list.eval(pl.element().struct.field("country_code"))
    codes = (
        pl.when(n_nested > 0)
        .then(nested_codes)
        .when(pl.col("country_codes").list.len() > 0)
        .then(pl.col("country_codes"))
        .otherwise(pl.concat_list(pl.coalesce("country_code", nested["country_code"])))
    )
    codes = codes.list.eval(pl.element().str.strip_chars().str.to_uppercase()).list.eval(
        pl.element().filter(pl.element().is_not_null() & (pl.element() != ""))
    )
    names = {"location": "location", "city": "city_source", "state_code": "state_code"}
    names["country_code"] = "country_code_source"
    return [
        *(pl.when(flat).then(pl.col(key)).otherwise(nested[key]).alias(names[key]) for key in FLAT_PLACE),
        pl.when(n_nested > 0)
        .then(n_nested)
        .when(flat)
        .then(pl.lit(1, dtype=pl.UInt32))
        .otherwise(pl.lit(0, dtype=pl.UInt32))
        .cast(pl.Int32)
        .alias("n_locations"),
        codes.list.unique(maintain_order=True).alias("country_codes"),
    ]


def _posting_fields(raw: pl.DataFrame) -> pl.DataFrame:
    exact = [_exact(name).alias(name) for name in ("min_annual_salary", "max_annual_salary", *FLOQER_USD)]
    fields = pl.concat(
        [
            raw.select("posting_id", "date_posted", "discovered_at", "source_instance_id"),
            _decode(raw, POSTING_PATHS, also=exact),
        ],
        how="horizontal",
    )
    return fields.select(
        "posting_id",
        "date_posted",
        "discovered_at",
        "source_instance_id",
        pl.col("job_title"),
        pl.col("normalized_title").alias("floqer_normalized_title"),
        pl.col("seniority").alias("floqer_seniority"),
        pl.col("url"),
        _bool("reposted").alias("reposted"),
        pl.col("date_reposted"),
        pl.col("employment_statuses"),
        pl.coalesce("company", "company_object.name").alias("company"),
        pl.coalesce("company_domain", "company_object.domain", "domain").alias("company_domain"),
        pl.coalesce(_bool("is_recruiting_agency"), _bool("company_object.is_recruiting_agency")).alias(
            "is_recruiting_agency"
        ),
        # the peer-group attributes the benchmark can pool by (matcher.benchmark.stage, BenchmarkOptions)
        pl.coalesce("employee_count", "company_object.employee_count")
        .str.strip_chars()
        .cast(pl.Int64, strict=False)
        .alias("employee_count"),
        pl.coalesce("industry", "company_object.industry").alias("industry"),
        pl.coalesce("funding_stage", "company_object.funding_stage").alias("funding_stage"),
        *_place_fields(),
        _bool("remote").alias("remote"),
        _bool("hybrid").alias("hybrid"),
        pl.col("salary_string"),
        pl.col("salary_currency"),
        pl.col("min_annual_salary"),
        pl.col("max_annual_salary"),
        *(pl.col(name) for name in FLOQER_USD),
        pl.col("job_technology_slugs"),
        pl.col("description"),
        pl.col("id").is_null().alias("_unreadable"),
    )


TITLE_SCHEMA = {
    "title_clean": pl.String,
    "title_core": pl.String,
    "_title_seniority": pl.String,
    "occupation_code": pl.String,
    "occupation_title": pl.String,
    "title_confidence": pl.Float64,
    "title_status": pl.String,
    "title_reason": pl.String,
}


def _with_title_keys(frame: pl.DataFrame, source: str) -> pl.DataFrame:
    """``frame`` with ``_title_key``: ``title_key`` of each distinct ``source`` title, joined back."""
    distinct = frame.select(source).unique()
    keys = distinct.with_columns(title_keys(distinct.get_column(source)).alias("_title_key"))
    return frame.join(keys, on=source, how="left", nulls_equal=True)


def _titles(
    frame: pl.DataFrame,
    pool: Executor | None,
    *,
    source: str = "job_title",
    pending: PendingValues | None = None,
) -> tuple[pl.DataFrame, int]:
    """Title columns from ``source``, normalized once per distinct ``title_key`` (``pending``: started by
    ``start_distinct`` on the ``_title_key`` of ``_with_title_keys``)."""
    if "_title_key" not in frame.columns:
        frame = _with_title_keys(frame, source)
    frame, n = map_distinct(
        frame, ["_title_key"], title_part_values, TITLE_SCHEMA, pool=pool, pending=pending
    )
    frame = _code_occupations(frame)
    shown = pl.col(source).str.slice(0, 60)
    reason = (
        pl.when(pl.col("title_reason") == "empty")
        .then(pl.lit(f"{source} is empty"))
        .when(pl.col("title_reason") == "placeholder")
        .then(pl.format(f"{source} '{{}}': a placeholder, not a title", shown))
        .when(pl.col("title_reason") == "no_words")
        .then(pl.format(f"{source} '{{}}': no words left", shown))
        .otherwise(pl.col("title_reason"))
    )
    floqer_column = "floqer_seniority" if "floqer_seniority" in frame.columns else None
    floqer = (
        pl.col(floqer_column).replace_strict(FLOQER_LEVELS, default=None, return_dtype=pl.String)
        if floqer_column
        else pl.lit(None, dtype=pl.String)
    )
    return (
        frame.with_columns(
            reason.alias("title_reason"),
            pl.coalesce("_title_seniority", floqer).alias("seniority"),
            pl.when(pl.col("_title_seniority").is_not_null())
            .then(pl.lit("title"))
            .when(floqer.is_not_null())
            .then(pl.lit("floqer"))
            .alias("seniority_source"),
        ).drop("_title_seniority", "_title_key"),
        n,
    )


def _floqer_titles(frame: pl.DataFrame, pool: Executor | None) -> tuple[pl.DataFrame, int]:
    """Floqer's own title signals on postings. ``seniority_check``: whether a level read from the title agrees
    with Floqer's ``seniority`` (the title wins either way). ``occupation_source``: a title that names no
    occupation (``partial``) is coded from Floqer's ``normalized_title`` when that one names one (once per
    distinct ``normalized_title``)."""
    floqer_level = pl.when(pl.col("floqer_seniority").is_in(list(FLOQER_LEVELS))).then("floqer_seniority")
    ours = pl.col("seniority").replace_strict(LEVEL_AS_FLOQER, default=None, return_dtype=pl.String)
    frame = frame.with_columns(
        pl.when((pl.col("seniority_source") == "title") & floqer_level.is_not_null() & ours.is_not_null())
        .then(pl.when(ours == floqer_level).then(pl.lit("agrees")).otherwise(pl.lit("differs")))
        .alias("seniority_check")
    )
    need = (
        (pl.col("title_status") == "partial")
        & pl.col("occupation_code").is_null()
        & (pl.col("floqer_normalized_title").str.strip_chars().str.len_chars() > 0)
    )
    schema = {f"_nt{name}": dtype for name, dtype in TITLE_SCHEMA.items()}
    asked = (
        frame.filter(need)
        .select("floqer_normalized_title")
        .unique()
        .with_columns(title_key(pl.col("floqer_normalized_title")).alias("_nt_key"))
    )
    coded, n = map_distinct(asked, ["_nt_key"], title_part_values, schema, pool=pool)
    coded = _code_occupations(coded, prefix="_nt")
    coded = coded.filter(pl.col("_ntoccupation_code").is_not_null()).select(
        "floqer_normalized_title", "_ntoccupation_code", "_ntoccupation_title", "_nttitle_confidence"
    )
    frame = frame.join(coded, on="floqer_normalized_title", how="left")
    from_floqer = need & pl.col("_ntoccupation_code").is_not_null()
    frame = frame.with_columns(
        pl.when(from_floqer)
        .then(pl.lit("floqer_normalized_title"))
        .when(pl.col("occupation_code").is_not_null())
        .then(pl.lit("title"))
        .alias("occupation_source"),
        pl.when(from_floqer)
        .then(pl.col("_ntoccupation_code"))
        .otherwise("occupation_code")
        .alias("occupation_code"),
        pl.when(from_floqer)
        .then(pl.col("_ntoccupation_title"))
        .otherwise("occupation_title")
        .alias("occupation_title"),
        pl.when(from_floqer)
        .then(pl.col("_nttitle_confidence"))
        .otherwise("title_confidence")
        .alias("title_confidence"),
        pl.when(from_floqer).then(pl.lit("ok")).otherwise("title_status").alias("title_status"),
        pl.when(from_floqer)
        .then(pl.lit(None, dtype=pl.String))
        .otherwise("title_reason")
        .alias("title_reason"),
    )
    return frame.drop("_ntoccupation_code", "_ntoccupation_title", "_nttitle_confidence"), n


def _usd_check(frame: pl.DataFrame, reporting: str) -> pl.DataFrame:
    """Matcher's annual amount in USD against Floqer's ``*_usd`` amounts: ``usd_ratio`` is matcher's midpoint
    over Floqer's (``avg_annual_salary_usd``, else the mean of its min and max); ``usd_check`` is ``agrees``
    within 10%, else ``differs``; null when either side has no amount. Amounts in another reporting currency
    are converted to USD at the ECB rate as of ``date_posted`` (per distinct pair)."""
    floqer = {name: amount_text(name).cast(pl.Float64, strict=False) for name in FLOQER_USD}
    floqer_mid = pl.coalesce(
        floqer["avg_annual_salary_usd"],
        pl.mean_horizontal(floqer["min_annual_salary_usd"], floqer["max_annual_salary_usd"]),
    )
    frame = frame.with_columns(floqer_mid.alias("_f_mid"))
    usable = (
        pl.col("salary_status").is_in(["ok", "partial"])
        & (pl.col("_f_mid") > 0)
        & pl.any_horizontal(pl.col("annual_min").is_not_null(), pl.col("annual_max").is_not_null())
    )
    if reporting == "USD":
        to_usd = pl.col("fx_rate").cast(pl.Float64)
        added: list[str] = []
    else:
        pairs = frame.filter(usable).select(
            pl.col("currency").alias("from_currency"),
            pl.lit("USD").alias("to_currency"),
            pl.col("date_posted").alias("on"),
        )
        rates = rate_table(pairs).select(
            pl.col("from_currency").alias("currency"),
            pl.col("on").alias("date_posted"),
            pl.col("rate").cast(pl.Float64).alias("_usd_rate"),
        )
        frame = frame.join(rates, on=["currency", "date_posted"], how="left", nulls_equal=True)
        to_usd, added = pl.col("_usd_rate"), ["_usd_rate"]
    matcher_mid = pl.mean_horizontal(
        pl.col("annual_min").cast(pl.Float64) * to_usd, pl.col("annual_max").cast(pl.Float64) * to_usd
    )
    ratio = pl.when(usable & (matcher_mid > 0)).then((matcher_mid / pl.col("_f_mid")).round(4))
    frame = frame.with_columns(ratio.alias("usd_ratio"))
    return frame.with_columns(
        pl.when(pl.col("usd_ratio").is_not_null())
        .then(
            pl.when((pl.col("usd_ratio") - 1).abs() <= USD_TOLERANCE)
            .then(pl.lit("agrees"))
            .otherwise(pl.lit("differs"))
        )
        .alias("usd_check")
    ).drop("_f_mid", *added)


PLACE_SCHEMA = {
    "country_code": pl.String,
    "admin1": pl.String,
    "city": pl.String,
    "_text_remote": pl.Boolean,
    "_arrangement": pl.String,
    "location_reason": pl.String,
}
POSTING_PLACE_KEYS = ["location", "city_source", "state_code", "country_code_source"]


def _locations(
    frame: pl.DataFrame,
    pool: Executor | None,
    *,
    keys: list[str],
    pending: PendingValues | None = None,
) -> tuple[pl.DataFrame, int]:
    frame, n = map_distinct(frame, keys, location_values, PLACE_SCHEMA, pool=pool, pending=pending)
    remote = pl.col("_text_remote") | pl.col("remote").fill_null(False)
    arrangement = (
        pl.when(remote)
        .then(pl.lit("remote"))
        .when(pl.col("hybrid").fill_null(False))
        .then(pl.lit("hybrid"))
        .otherwise(pl.col("_arrangement"))
    )
    status = (
        pl.when(pl.col("country_code").is_null() & pl.all_horizontal(pl.col(keys).is_null()))
        .then(pl.lit("missing"))
        .when(pl.col("country_code").is_null())
        .then(pl.lit("invalid"))
        .when(pl.col("city").is_not_null() | remote)
        .then(pl.lit("ok"))
        .otherwise(pl.lit("partial"))
    )
    return (
        frame.with_columns(
            remote.alias("is_remote"), arrangement.alias("arrangement"), status.alias("location_status")
        )
        .with_columns(
            pl.when(pl.col("location_status") == "ok")
            .then(None)
            .otherwise(
                pl.col("location_reason").fill_null(
                    pl.when(pl.col("location_status") == "partial")
                    .then(pl.lit("a country but no city (none given)"))
                    .otherwise(pl.lit("no place given"))
                )
            )
            .alias("location_reason")
        )
        .drop("_text_remote", "_arrangement"),
        n,
    )


def _default_currency() -> pl.Expr:
    mapping = {code: c.currency for code, c in country_conventions().items()}
    return pl.col("country_code").replace_strict(mapping, default=None, return_dtype=pl.String)


def _structured_salaries(frame: pl.DataFrame) -> pl.DataFrame:
    """Floqer's structured annual amounts, validated; they win over ``salary_string`` when present."""
    frame = frame.with_columns(  # read once, then referred to
        read_amount("min_annual_salary").alias("_s_min"), read_amount("max_annual_salary").alias("_s_max")
    )
    low, high = pl.col("_s_min"), pl.col("_s_max")
    low, high = pl.coalesce(low, high), pl.coalesce(high, low)  # a single value is a point, min = max
    currency = pl.coalesce(pl.col("salary_currency").str.to_uppercase(), _default_currency())
    present = pl.col("min_annual_salary").is_not_null() | pl.col("max_annual_salary").is_not_null()
    unreadable = (pl.col("min_annual_salary").is_not_null() & pl.col("_s_min").is_null()) | (
        pl.col("max_annual_salary").is_not_null() & pl.col("_s_max").is_null()
    )
    reason = (
        pl.when(unreadable)
        .then(
            pl.format(
                "min_annual_salary/max_annual_salary {}/{}: expected decimal amounts",
                pl.col("min_annual_salary").fill_null("null"),
                pl.col("max_annual_salary").fill_null("null"),
            )
        )
        .when(low <= 0)
        .then(pl.format("min_annual_salary {}: expected a positive amount", low.cast(pl.String)))
        .when(low > high)
        .then(
            pl.format(
                "min_annual_salary {} > max_annual_salary {}", low.cast(pl.String), high.cast(pl.String)
            )
        )
        .when(currency.is_null())
        .then(
            pl.format(
                "salary_currency {}: no currency and none known for the country", pl.col("salary_currency")
            )
        )
    )
    return frame.with_columns(
        present.alias("_structured"),
        low.alias("_s_low"),
        high.alias("_s_high"),
        currency.alias("_s_currency"),
        reason.alias("_s_reason"),
    )


def _conventions_frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per country: its currency and what its bare "$" means; per country and period: periods per year."""
    by_country: dict[str | None, CountryConventions] = {None: conventions_for(None)}
    by_country.update(country_conventions())
    currencies = pl.DataFrame(
        [(code, conv.currency or None, conv.dollar_currency) for code, conv in by_country.items()],
        schema={"_country": pl.String, "_cc": pl.String, "_cd": pl.String},
        orient="row",
    )
    factors = pl.DataFrame(
        [(code, period, str(periods_per_year(period, code))) for code in by_country for period in PERIODS],
        schema={"_country": pl.String, "_t_period": pl.String, "_factor": pl.String},
        orient="row",
    ).with_columns(pl.col("_factor").cast(pl.Decimal(20, 4)))
    return currencies, factors


def _monthly_below_frame() -> pl.DataFrame:
    """``unstated_period``'s table as a frame: per currency, below what a period-less amount is monthly."""
    return pl.DataFrame(
        {"_currency": list(monthly_below()), "_mb": [str(v) for v in monthly_below().values()]},
        schema={"_currency": pl.String, "_mb": pl.String},
    ).with_columns(pl.col("_mb").cast(AMOUNT))


SALARY_TEXT_SCHEMA = {
    "_t_low": pl.String,
    "_t_high": pl.String,
    "_t_period": pl.String,
    "_t_stated": pl.Boolean,
    "_t_code": pl.String,
    "_t_dollar": pl.Boolean,
    "_t_estimate": pl.Boolean,
    "_t_krone": pl.Boolean,
    "salary_modifiers": pl.List(pl.String),
    "_t_status": pl.String,
    "_t_reason": pl.String,
}


def _salary_texts(frame: pl.DataFrame) -> pl.DataFrame:
    """The distinct ``salary_string`` of rows without structured amounts (the texts ``_salaries`` reads)."""
    structured = pl.col("min_annual_salary").is_not_null() | pl.col("max_annual_salary").is_not_null()
    return frame.filter(~structured).select("salary_string").unique()


def _salaries(
    frame: pl.DataFrame,
    pool: Executor | None,
    reporting: str,
    *,
    pending: PendingValues | None = None,
) -> tuple[pl.DataFrame, int, int]:
    """Structured amounts when present; else the text, read once per distinct string, then finished by
    country as columns (the rules of ``finish_salary``: a bare "$", the default currency, annualization).
    ``pending``: the texts' reading started by ``start_distinct`` on ``_salary_texts``."""
    texts = _salary_texts(frame) if pending is None else pending.distinct
    frame = _structured_salaries(frame)
    parsed, n = map_distinct(
        texts, ["salary_string"], salary_text_values, SALARY_TEXT_SCHEMA, pool=pool, pending=pending
    )
    known = set(country_conventions())
    frame = frame.join(parsed, on="salary_string", how="left", nulls_equal=True).with_columns(
        pl.when(pl.col("country_code").is_in(known)).then(pl.col("country_code")).alias("_country"),
        pl.col("salary_currency").str.to_uppercase().alias("_fallback"),
    )
    currencies, factors = _conventions_frames()
    frame = frame.join(currencies, on="_country", how="left", nulls_equal=True)
    fallback = pl.col("_fallback")
    krones = sorted(KRONE_CURRENCIES)
    # "kr": the posting's own krone (its currency field, else its country's) before the language's guess
    krone = (
        pl.when(~pl.col("_t_krone").fill_null(False))
        .then(None)
        .when(fallback.is_in(krones))
        .then(fallback)
        .when(pl.col("_cc").is_in(krones))
        .then(pl.col("_cc"))
    )
    text_currency = pl.coalesce(
        krone,
        pl.col("_t_code"),
        pl.when(pl.col("_t_dollar"))
        .then(
            pl.when(fallback.is_in(DOLLAR_CURRENCIES))
            .then(fallback)
            .otherwise(pl.coalesce("_cd", pl.lit("USD")))
        )
        .otherwise(pl.coalesce(fallback, pl.col("_cc"))),
    )
    # a text that names no period: monthly when below a full-time annual salary in its currency
    # (``unstated_period``)
    frame = frame.with_columns(text_currency.alias("_currency")).join(
        _monthly_below_frame(), on="_currency", how="left"
    )
    monthly = (
        ~pl.col("_t_stated").fill_null(True)
        & (pl.col("_t_high").cast(AMOUNT) < pl.col("_mb"))
        & ~pl.col("salary_modifiers").list.contains("pro_rata").fill_null(False)
    )
    frame = frame.with_columns(
        pl.when(monthly).then(pl.lit("month")).otherwise(pl.col("_t_period")).alias("_t_period")
    ).join(factors, on=["_country", "_t_period"], how="left", nulls_equal=True)
    text_currency = pl.col("_currency")
    text_ok = (pl.col("_t_status") == "ok") & text_currency.is_not_null()
    no_currency = (pl.col("_t_status") == "ok") & text_currency.is_null()
    structured = pl.col("_structured")
    ok_structured = structured & pl.col("_s_reason").is_null()
    low, high = pl.col("_t_low").cast(AMOUNT), pl.col("_t_high").cast(AMOUNT)
    frame = frame.with_columns(
        pl.when(structured)
        .then(pl.lit("structured"))
        .when(pl.col("_t_status") != "missing")
        .then(pl.lit("text"))
        .alias("salary_source"),
        pl.when(ok_structured).then(pl.col("_s_low")).when(text_ok).then(low).alias("salary_min"),
        pl.when(ok_structured).then(pl.col("_s_high")).when(text_ok).then(high).alias("salary_max"),
        pl.when(ok_structured)
        .then(pl.col("_s_currency"))
        .when(text_ok)
        .then(text_currency)
        .alias("currency"),
        pl.when(ok_structured)
        .then(pl.lit("year"))
        .when(text_ok)
        .then(pl.col("_t_period"))
        .alias("salary_period"),
        pl.when(ok_structured)
        .then(pl.col("_s_low"))
        .when(text_ok)
        .then((low * pl.col("_factor")).cast(AMOUNT))
        .alias("annual_min"),
        pl.when(ok_structured)
        .then(pl.col("_s_high"))
        .when(text_ok)
        .then((high * pl.col("_factor")).cast(AMOUNT))
        .alias("annual_max"),
        pl.when(ok_structured).then(False).when(text_ok).then(pl.col("_t_estimate")).alias("is_estimate"),
        pl.when(structured)
        .then(pl.lit(None, dtype=pl.List(pl.String)))
        .otherwise(pl.col("salary_modifiers"))
        .alias("salary_modifiers"),
        pl.when(ok_structured)
        .then(pl.lit("ok"))
        .when(structured)
        .then(pl.lit("invalid"))
        .when(no_currency)
        .then(pl.lit("invalid"))
        .otherwise(pl.col("_t_status"))
        .alias("salary_status"),
        pl.when(structured)
        .then(pl.col("_s_reason"))
        .when(no_currency)
        .then(
            pl.format(
                "salary_string '{}': no currency in the salary text and none known for country {}",
                pl.col("salary_string").str.slice(0, 60),
                pl.col("country_code").fill_null("None"),
            )
        )
        .otherwise(pl.col("_t_reason"))
        .alias("salary_reason"),
    )
    frame, n_rates = _to_reporting(frame, reporting, date_column="date_posted")
    drop = [c for c in frame.columns if c.startswith(("_s_", "_t_"))]
    extra = ["_structured", "_country", "_fallback", "_factor", "_cc", "_cd", "_currency", "_mb"]
    return frame.drop([*drop, *extra]), n, n_rates


def _to_reporting(frame: pl.DataFrame, reporting: str, *, date_column: str) -> tuple[pl.DataFrame, int]:
    """Annual amounts in the reporting currency, at the ECB rate as of each row's date (per distinct pair)."""
    pairs = frame.select(
        pl.col("currency").alias("from_currency"),
        pl.lit(reporting).alias("to_currency"),
        pl.col(date_column).alias("on"),
    )
    rates = rate_table(pairs).select(
        pl.col("from_currency").alias("currency"),
        pl.col("on").alias("_on"),
        pl.col("rate").alias("fx_rate"),
        pl.col("rate_date").alias("fx_rate_date"),
        pl.col("rate_reason").alias("_fx_reason"),
    )
    frame = frame.with_columns(pl.col(date_column).alias("_on")).join(
        rates, on=["currency", "_on"], how="left", nulls_equal=True
    )
    converted = frame.with_columns(
        pl.lit(reporting).alias("reporting_currency"),
        (pl.col("annual_min") * pl.col("fx_rate")).round(2).cast(MONEY).alias("annual_min_reporting"),
        (pl.col("annual_max") * pl.col("fx_rate")).round(2).cast(MONEY).alias("annual_max_reporting"),
    )
    lost = (
        pl.col("salary_status").is_in(["ok", "partial"])
        & pl.col("annual_min").is_not_null()
        & pl.col("fx_rate").is_null()
        & pl.col("currency").is_not_null()
    )
    no_rate = pl.format("no {} rate: {}", pl.lit(reporting), pl.col("_fx_reason"))
    converted = converted.with_columns(
        pl.when(lost).then(pl.lit("partial")).otherwise(pl.col("salary_status")).alias("salary_status"),
        pl.when(lost)
        .then(pl.concat_str([pl.col("salary_reason"), no_rate], separator="; ", ignore_nulls=True))
        .otherwise(pl.col("salary_reason"))
        .alias("salary_reason"),
    )
    return converted.drop("_on", "_fx_reason"), rates.height


POSTING_COLUMNS = [
    "posting_id", "date_posted", "discovered_at", "company", "company_domain", "is_recruiting_agency", "url",
    "employee_count", "industry", "funding_stage",
    "reposted", "date_reposted", "employment_statuses", "source_instance_ids",
    "job_title", "floqer_normalized_title", "floqer_seniority", "title_clean", "title_core", "seniority",
    "seniority_source", "seniority_check", "occupation_code", "occupation_title", "occupation_source",
    "title_confidence", "title_status", "title_reason",
    "salary_string", "salary_currency", "min_annual_salary", "max_annual_salary", "salary_source",
    "salary_min", "salary_max", "currency", "salary_period", "annual_min", "annual_max", "is_estimate",
    "salary_modifiers", "reporting_currency", "fx_rate", "fx_rate_date", "annual_min_reporting",
    "annual_max_reporting", "salary_status", "salary_reason",
    "min_annual_salary_usd", "max_annual_salary_usd", "avg_annual_salary_usd", "usd_ratio", "usd_check",
    "location", "city_source", "state_code", "country_code_source", "n_locations", "country_codes",
    "remote", "hybrid", "country_code", "admin1", "city", "is_remote", "arrangement", "location_status",
    "location_reason",
    "job_technology_slugs", "skills",
]  # fmt: skip


def _sorted_by_id(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` sorted by ``posting_id``; as it is when it already is (the stage keeps the raw rows' order,
    so a lake landed in id order needs no sort): a sort of 1M sorted clean rows costs 1 CPU-s, the check
    0.01."""
    if frame.get_column("posting_id").is_sorted():
        return frame
    return frame.sort("posting_id")


def normalize_postings(
    raw: pl.DataFrame,
    sources: pl.DataFrame,
    options: NormalizeOptions,
    summary: NormalizeSummary,
    pool: Executor | None = None,
) -> pl.DataFrame:
    with contextlib.ExitStack() as stack:
        if pool is None and options.value_thread and raw.height >= PARALLEL_FROM:
            pool = stack.enter_context(ThreadPoolExecutor(1, thread_name_prefix="normalize-values"))
        return _normalize_postings(raw, sources, options, summary, pool)


def _normalize_postings(
    raw: pl.DataFrame,
    sources: pl.DataFrame,
    options: NormalizeOptions,
    summary: NormalizeSummary,
    pool: Executor | None,
) -> pl.DataFrame:
    clock = _StepClock(summary.timings)
    with clock("decode JSON"):
        frame = _posting_fields(raw)
    # The per-value Python work (salary texts, places, then titles) goes to the worker processes (or, in one
    # process, to one thread: Polars releases the GIL while it runs) as soon as its keys are known; this
    # thread meanwhile computes the title keys and the skills (Polars, Rust). With fewer distinct values
    # than PARALLEL_FROM, each is computed when its step asks for it.
    with clock("titles"):
        texts = start_distinct(
            _salary_texts(frame), ["salary_string"], salary_text_values, SALARY_TEXT_SCHEMA, pool=pool
        )
        places = start_distinct(frame, POSTING_PLACE_KEYS, location_values, PLACE_SCHEMA, pool=pool)
        frame = _with_title_keys(frame, "job_title")
        titles = start_distinct(frame, ["_title_key"], title_part_values, TITLE_SCHEMA, pool=pool)
    with clock("skills"):  # the description is not in the clean table: not carried through the joins
        frame = add_skills(frame, "description", "job_technology_slugs").drop("description")
    with clock("titles"):
        frame, summary.distinct["titles"] = _titles(frame, pool, pending=titles)
        frame, summary.distinct["floqer normalized titles"] = _floqer_titles(frame, pool)
    with clock("places"):
        frame, summary.distinct["places"] = _locations(frame, pool, keys=POSTING_PLACE_KEYS, pending=places)
    with clock("salaries"):
        frame, summary.distinct["salary texts"], summary.distinct["fx pairs"] = _salaries(
            frame, pool, options.reporting_currency, pending=texts
        )
        frame = _usd_check(frame, options.reporting_currency)
    if sources.height:
        found = sources.group_by("posting_id").agg(
            pl.col("source_instance_id").unique().sort().alias("source_instance_ids")
        )
        frame = frame.join(found, on="posting_id", how="left")
    else:
        frame = frame.with_columns(pl.concat_list(pl.col("source_instance_id")).alias("source_instance_ids"))
    unreadable = pl.col("_unreadable")
    frame = frame.with_columns(
        *(
            pl.when(unreadable)
            .then(pl.lit("invalid"))
            .otherwise(pl.col(f"{group}_status"))
            .alias(f"{group}_status")
            for group in ("title", "salary", "location")
        ),
        *(
            pl.when(unreadable)
            .then(pl.lit("raw_json is not a JSON object with an id"))
            .otherwise(pl.col(f"{group}_reason"))
            .alias(f"{group}_reason")
            for group in ("title", "salary", "location")
        ),
    )
    return _sorted_by_id(frame.select(POSTING_COLUMNS))


# -- vacancies -------------------------------------------------------------------------------------------


def _latest_entities(lake: Path, table: str, fields: dict[str, str]) -> tuple[pl.DataFrame, bool]:
    """The newest version of each referenced Flowstate record, with the named JSON fields, and whether the
    list was read at all (a key without the scope for it leaves no table in the raw lake)."""
    available = bool(TABLES[table].files(lake))
    raw = _read(lake, table)
    if not raw.height:
        empty = pl.DataFrame(schema={"entity_id": pl.String, **dict.fromkeys(fields, pl.String)})
        return empty, available
    newest = raw.sort("ingested_at").unique("entity_id", keep="last")
    return newest.select("entity_id", *(_json(path).alias(name) for name, path in fields.items())), available


VACANCY_COLUMNS = [
    "scenario_id", "vacancy_id", "updated_at", "status", "is_listed", "is_filled", "filled_by_employee_id",
    "filled_by_contractor_id", "is_open", "closed_reason", "role", "description",
    "fte", "target_fill_date", "job_role_id", "job_role_name", "work_type_id", "work_type_name",
    "work_type_applies_to", "geography_id", "location_name", "location_country_code", "location_region",
    "location_currency", "title_clean", "title_core", "seniority", "seniority_source", "occupation_code",
    "occupation_title",
    "title_confidence", "title_status", "title_reason",
    "salary_min_source", "salary_max_source", "currency_code", "currency", "salary_min", "salary_max",
    "fte_factor", "annual_min", "annual_max",
    "reporting_currency", "fx_rate", "fx_rate_date", "annual_min_reporting", "annual_max_reporting",
    "salary_status", "salary_reason",
    "country_code", "admin1", "city", "is_remote", "arrangement", "location_status", "location_reason",
    "skills",
]  # fmt: skip


def _present(path: str) -> pl.Expr:
    """A JSON string field, null when absent, null or blank."""
    text = _json(path).str.strip_chars()
    return pl.when(text != "").then(text)


def _openness(frame: pl.DataFrame) -> pl.DataFrame:
    """``is_filled``, ``is_open`` and ``closed_reason`` (every reason that applies, "; "-joined)."""
    status = pl.col("status").str.strip_chars().str.to_lowercase()
    filled_flag = pl.col("_is_filled_flag").fill_null(False)
    employee, contractor = pl.col("filled_by_employee_id"), pl.col("filled_by_contractor_id")
    is_filled = (status == "filled").fill_null(False) | filled_flag | employee.is_not_null()
    is_filled = is_filled | contractor.is_not_null()
    is_open = (status == "open").fill_null(False) & pl.col("is_listed") & ~is_filled
    reasons = pl.concat_str(
        [
            pl.when(status.is_null())
            .then(pl.lit("no status"))
            .when(status != "open")
            .then(pl.format("status {}", pl.col("status"))),
            pl.when(filled_flag).then(pl.lit("isFilled true")),
            pl.when(employee.is_not_null()).then(pl.format("filled by employee {}", employee)),
            pl.when(contractor.is_not_null()).then(pl.format("filled by contractor {}", contractor)),
            pl.when(~pl.col("is_listed")).then(pl.lit("disappeared from the list")),
        ],
        separator="; ",
        ignore_nulls=True,
    )
    return frame.with_columns(is_filled.alias("is_filled"), is_open.alias("is_open")).with_columns(
        pl.when(pl.col("is_open")).then(None).otherwise(reasons).alias("closed_reason")
    )


def _currency_countries() -> dict[str, str]:
    """Currencies that belong to exactly one country in ``countries.csv`` (not EUR: several use it)."""
    by_currency: dict[str, list[str]] = {}
    for code, conventions in listed_country_conventions().items():
        if conventions.currency:
            by_currency.setdefault(conventions.currency, []).append(code)
    return {currency: codes[0] for currency, codes in by_currency.items() if len(codes) == 1}


def _without_location_record(frame: pl.DataFrame, locations_read: bool) -> pl.DataFrame:
    """Vacancies whose location record is not at hand: ``missing`` and why, or ``partial`` with a country
    inferred from a ``currencyCode`` that only one country in ``countries.csv`` uses (a weak hint)."""
    absent = pl.col("_location_found").is_null()
    why = (
        pl.when(pl.col("geography_id").is_null())
        .then(pl.lit("no geographyId given"))
        .otherwise(
            pl.format(
                "location record {} not available (the locations list could not be read)"
                if not locations_read
                else "location record {} not in the locations list",
                pl.col("geography_id"),
            )
        )
    )
    code = pl.col("currency_code").str.strip_chars().str.to_uppercase()
    inferred = code.replace_strict(_currency_countries(), default=None, return_dtype=pl.String)
    hint = pl.format(
        "; country {} inferred from currencyCode {} (the only country using it in countries.csv)",
        inferred,
        code,
    )
    return frame.with_columns(
        pl.when(absent).then(inferred).otherwise(pl.col("country_code")).alias("country_code"),
        pl.when(absent)
        .then(pl.when(inferred.is_not_null()).then(pl.lit("partial")).otherwise(pl.lit("missing")))
        .otherwise(pl.col("location_status"))
        .alias("location_status"),
        pl.when(absent)
        .then(pl.when(inferred.is_not_null()).then(pl.concat_str([why, hint])).otherwise(why))
        .otherwise(pl.col("location_reason"))
        .alias("location_reason"),
    )


def fte_band_values(low: str | None, high: str | None, fte: str | None) -> tuple[Any, ...]:
    """(annual_min, annual_max, fte_factor, note): a band paid at ``fte`` as full-time amounts (see
    ``read_fte`` and ``full_time_equivalent``); the note says why the band was kept as stated."""
    factor, note = read_fte(fte)
    if low is None or high is None:
        return (None, None, str(factor), note)
    if factor == 1:
        return (low, high, str(factor), note)
    ft_low = full_time_equivalent(Decimal(low), factor)
    ft_high = full_time_equivalent(Decimal(high), factor)
    if ft_low is None or ft_high is None:
        kept = (
            f"fte {fte!r}: the full-time equivalent of the band is too large; the band is compared as stated"
        )
        return (low, high, "1", kept)
    return (str(ft_low), str(ft_high), str(factor), None)


def _vacancy_salaries(frame: pl.DataFrame, band_basis: str = "paid") -> pl.DataFrame:
    """The band as written (``salary_min``/``salary_max``), validated, and as full-time equivalents
    (``annual_min``/``annual_max`` = the band / ``fte_factor``; with ``band_basis="full_time"`` the band is
    full-time pay already and ``fte_factor`` is 1)."""
    low, high = read_amount("salary_min_source"), read_amount("salary_max_source")
    currency = pl.coalesce(
        pl.col("currency_code").str.strip_chars().str.to_uppercase(), pl.col("location_currency")
    )
    min_bad = pl.col("salary_min_source").is_not_null() & low.is_null()
    max_bad = pl.col("salary_max_source").is_not_null() & high.is_null()
    unreadable = pl.concat_str(
        [
            pl.when(min_bad).then(pl.format("salaryMin '{}'", pl.col("salary_min_source").str.slice(0, 40))),
            pl.when(max_bad).then(pl.format("salaryMax '{}'", pl.col("salary_max_source").str.slice(0, 40))),
        ],
        separator=", ",
        ignore_nulls=True,
    )
    reason = (
        pl.when(pl.col("salary_min_source").is_null() & pl.col("salary_max_source").is_null())
        .then(pl.lit("no salaryMin or salaryMax"))
        .when(min_bad | max_bad)
        .then(pl.format("{}: {}", unreadable, pl.lit(EXPECTED_AMOUNT)))
        .when(pl.coalesce(low, high) <= 0)
        .then(pl.format("salaryMin {}: expected a positive amount", pl.col("salary_min_source")))
        .when(low > high)
        .then(
            pl.format("salaryMin {} > salaryMax {}", pl.col("salary_min_source"), pl.col("salary_max_source"))
        )
        .when(currency.is_null() & pl.col("_location_found").is_null())
        .then(pl.lit("currencyCode missing and no location record to take a defaultCurrencyCode from"))
        .when(currency.is_null())
        .then(pl.lit("currencyCode missing and the location has no defaultCurrencyCode"))
    )
    frame = frame.with_columns(reason.alias("salary_reason"), currency.alias("currency"))
    good = pl.col("salary_reason").is_null()
    frame = frame.with_columns(
        pl.when(good).then(pl.coalesce(low, high)).alias("salary_min"),
        pl.when(good).then(pl.coalesce(high, low)).alias("salary_max"),
    )
    schema = {"_ft_min": pl.String, "_ft_max": pl.String, "_fte_factor": pl.String, "_fte_note": pl.String}
    frame = frame.with_columns(
        pl.col("salary_min").cast(pl.String).alias("_band_min"),
        pl.col("salary_max").cast(pl.String).alias("_band_max"),
        (pl.col("fte") if band_basis == "paid" else pl.lit(None, dtype=pl.String)).alias("_fte"),
    )
    frame, _ = map_distinct(frame, ["_band_min", "_band_max", "_fte"], fte_band_values, schema)
    kept_as_stated = good & pl.col("_fte_note").is_not_null()
    return frame.with_columns(
        pl.col("_fte_factor").cast(AMOUNT).alias("fte_factor"),
        pl.col("_ft_min").cast(AMOUNT).alias("annual_min"),
        pl.col("_ft_max").cast(AMOUNT).alias("annual_max"),
        pl.when(kept_as_stated)
        .then(pl.lit("partial"))
        .when(good)
        .then(pl.lit("ok"))
        .when(pl.col("salary_min_source").is_null() & pl.col("salary_max_source").is_null())
        .then(pl.lit("missing"))
        .otherwise(pl.lit("invalid"))
        .alias("salary_status"),
        pl.when(kept_as_stated)
        .then(pl.col("_fte_note"))
        .otherwise(pl.col("salary_reason"))
        .alias("salary_reason"),
    ).drop("_band_min", "_band_max", "_fte", "_ft_min", "_ft_max", "_fte_factor", "_fte_note")


def normalize_vacancies(lake: Path, options: NormalizeOptions, summary: NormalizeSummary) -> pl.DataFrame:
    raw = _read(lake, RAW_VACANCIES)
    if not raw.height:
        return pl.DataFrame(schema=dict.fromkeys(VACANCY_COLUMNS, pl.String))
    newest = raw.sort("updated_at", "ingested_at").unique(["scenario_id", "vacancy_id"], keep="last")
    events = _read(lake, RAW_VACANCY_EVENTS)
    if events.height:
        last = events.sort("ingested_at").unique(["scenario_id", "vacancy_id"], keep="last")
        newest = newest.join(
            last.select("scenario_id", "vacancy_id", "event"), on=["scenario_id", "vacancy_id"], how="left"
        )
    else:
        newest = newest.with_columns(pl.lit(None, dtype=pl.String).alias("event"))
    frame = newest.select(
        "scenario_id",
        "vacancy_id",
        "updated_at",
        "status",
        (pl.col("event").fill_null("") != "disappeared").alias("is_listed"),
        _json("isFilled")
        .str.strip_chars()
        .str.to_lowercase()
        .replace_strict(BOOLEANS, default=None, return_dtype=pl.Boolean)
        .alias("_is_filled_flag"),
        _present("filledByLiveEmployeeId").alias("filled_by_employee_id"),
        _present("filledByLiveContractorId").alias("filled_by_contractor_id"),
        _json("role").alias("role"),
        _json("description").alias("description"),
        _exact("fte").alias("fte"),
        _json("targetFillDate").alias("target_fill_date"),
        _json("jobRoleId").alias("job_role_id"),
        _json("workTypeId").alias("work_type_id"),
        _json("geographyId").alias("geography_id"),
        _exact("salaryMin").alias("salary_min_source"),
        _exact("salaryMax").alias("salary_max_source"),
        _json("currencyCode").alias("currency_code"),
    )
    frame = _openness(frame)
    roles, _ = _latest_entities(lake, RAW_JOB_ROLES, {"job_role_name": "name"})
    work_types, _ = _latest_entities(
        lake, RAW_WORK_TYPES, {"work_type_name": "name", "work_type_applies_to": "appliesToType"}
    )
    places, locations_read = _latest_entities(
        lake,
        RAW_LOCATIONS,
        {
            "location_name": "name",
            "location_country_code": "countryCode",
            "location_region": "region",
            "location_currency": "defaultCurrencyCode",
        },
    )
    places = places.with_columns(pl.lit(True).alias("_location_found"))
    frame = (
        frame.join(roles, left_on="job_role_id", right_on="entity_id", how="left")
        .join(work_types, left_on="work_type_id", right_on="entity_id", how="left")
        .join(places, left_on="geography_id", right_on="entity_id", how="left")
    )
    frame, _ = _titles(frame, None, source="role")  # a company's vacancies are few: in-process
    # a role that names no level ("Data Scientist") is planned at the middle level
    frame = frame.with_columns(
        pl.col("seniority_source").fill_null(pl.lit(VACANCY_DEFAULT_LEVEL_SOURCE)).alias("seniority_source"),
        pl.col("seniority").fill_null(pl.lit(VACANCY_DEFAULT_LEVEL)).alias("seniority"),
    )
    frame = frame.with_columns(
        pl.lit(None, dtype=pl.String).alias("_city"),
        pl.lit(None, dtype=pl.String).alias("_state"),
        pl.lit(None, dtype=pl.Boolean).alias("remote"),
        pl.lit(None, dtype=pl.Boolean).alias("hybrid"),
    )
    frame, _ = _locations(frame, None, keys=["location_name", "_city", "_state", "location_country_code"])
    frame = _without_location_record(frame, locations_read)
    frame = _vacancy_salaries(frame, options.band_basis)
    frame = frame.with_columns(pl.lit(options.as_of or date.today()).alias("_as_of"))
    frame, _ = _to_reporting(frame, options.reporting_currency, date_column="_as_of")
    frame = add_skills(frame, "description")
    return frame.select(VACANCY_COLUMNS).sort("scenario_id", "vacancy_id")


# -- the stage ---------------------------------------------------------------------------------------------


def _write(frame: pl.DataFrame, path: Path, *, temp: Path | None = None) -> Path:
    # zstd level 1: 12% less CPU than the default level 3 on 1M clean postings, a file of the same size
    with atomic_file(path, temp=temp) as written:
        frame.write_parquet(written, compression="zstd", compression_level=1)
    return path


def _landing_day() -> pl.Expr:
    """The day a raw posting landed (its part of the clean postings): ``2026-11-02``."""
    return pl.col("ingested_at").dt.strftime("%Y-%m-%d").fill_null("0000-00-00").alias("_day")


def _with_days(postings: pl.DataFrame, days: pl.DataFrame) -> pl.DataFrame:
    """``postings`` with ``_day`` from ``days`` (``posting_id``, ``_day``): set beside them when both list the
    same ids in the same order (the stage keeps the raw rows' order), else joined."""
    if postings.get_column("posting_id").equals(days.get_column("posting_id")):
        return postings.with_columns(days.get_column("_day"))
    return postings.join(days, on="posting_id", how="left", maintain_order="left")


def _by_day(postings: pl.DataFrame) -> list[tuple[str, pl.DataFrame]]:
    """``postings`` split by ``_day``, in order of first appearance; a table of one day as it is (splitting
    copies every column: 0.5 CPU-s for 1M clean postings)."""
    days = postings.get_column("_day")
    if postings.height and days.null_count() == 0 and (days == days[0]).all():
        return [(str(days[0]), postings)]
    parts = postings.partition_by("_day", as_dict=True, maintain_order=True)
    return [(str(day), part) for (day,), part in parts.items()]


def _write_postings(lake: Path, postings: pl.DataFrame, *, every_part: bool) -> Path:
    """The clean postings (with ``_day``, the day each landed) as one part per day, ``clean/postings.parquet/
    part-2026-11-02.parquet``, each sorted by posting_id and written atomically; ``every_part``: they are the
    whole table (a full run), and parts of other days (and the one-file table of earlier versions) go.

    A daily run lands one day's postings: it writes that day's part (and the parts whose postings another
    source found since), not the whole table. Temp files are beside the folder, so readers of the folder
    never see one."""
    folder = lake_path(lake, CLEAN_POSTINGS)
    if folder.is_file():  # the one-file table of earlier versions (only a full run gets here with one)
        folder.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    written = set()
    for day, part in _by_day(postings):
        name = f"part-{day}.parquet"
        rows = _sorted_by_id(part.drop("_day"))
        _write(rows, folder / name, temp=folder.parent / f".postings-{name}.tmp")
        written.add(name)
    if every_part:
        for stale in folder.glob("part-*.parquet"):
            if stale.name not in written:
                stale.unlink()
        fsync_dir(folder)
    return folder


COUNTED_COLUMNS = ["title_status", "salary_status", "location_status", *FLOQER_SIGNALS]


def _set_counts(summary: NormalizeSummary, postings: pl.DataFrame) -> None:
    summary.postings = postings.height
    for group in ("title", "salary", "location"):
        summary.counts[f"postings.{group}"] = _count(postings, f"{group}_status")
    for column in FLOQER_SIGNALS:  # the one column, not the whole table, filtered
        summary.signals[f"postings.{column}"] = _count(postings.select(column).drop_nulls(), column)


def _count(frame: pl.DataFrame, column: str) -> dict[str, int]:
    if not frame.height:
        return {}
    counts = frame.group_by(column).len()
    return {str(k): int(v) for k, v in counts.iter_rows()}


def _fingerprint(options: NormalizeOptions) -> str:
    """What a clean posting depends on besides its raw row: the options, this package's code, Polars."""
    digest = hashlib.sha256()
    settings = [options.reporting_currency.upper(), options.band_basis, pl.__version__]
    digest.update(json.dumps(settings).encode())
    package = Path(__file__).parents[1]
    for source in sorted(
        [*package.joinpath("normalize").glob("*.py"), *package.joinpath("reference").glob("*")]
    ):
        if source.is_file():
            digest.update(source.read_bytes())
    return digest.hexdigest()


def _new_parts(lake: Path, options: NormalizeOptions) -> list[Path] | None:
    """The raw posting parts landed since the clean postings were written (``clean/state.json``); None when
    they must be rebuilt: no state, other options or code, or a part they were built from is gone (``matcher
    lake compact`` rewrote them)."""
    try:
        state = json.loads(lake_path(lake, "normalize_state").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or state.get("fingerprint") != _fingerprint(options):
        return None
    if not lake_path(lake, CLEAN_POSTINGS).is_dir():  # none yet, or the one file of earlier versions
        return None
    current = {p.name: p for p in TABLES[RAW_POSTINGS].files(lake)}
    seen = set(state.get("postings_parts", []))
    if not seen <= current.keys():
        return None
    sources = {p.name for p in TABLES[RAW_POSTING_SOURCES].files(lake)}
    if not set(state.get("sources_parts", [])) <= sources:
        return None
    return [p for name, p in current.items() if name not in seen]


def _sources_changed(lake: Path) -> bool:
    """Whether raw posting-source parts landed since ``clean/state.json`` was written."""
    try:
        state = json.loads(lake_path(lake, "normalize_state").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True
    seen = set(state.get("sources_parts", [])) if isinstance(state, dict) else set()
    return any(p.name not in seen for p in TABLES[RAW_POSTING_SOURCES].files(lake))


def _append_postings(
    lake: Path,
    new_parts: list[Path],
    options: NormalizeOptions,
    summary: NormalizeSummary,
    pool: Executor | None,
) -> Path:
    """Normalize the postings of ``new_parts`` into the parts of their landing days, and read every
    posting's ``source_instance_ids`` again (a posting another source found since is a changed posting):
    only the parts that gain postings or whose postings' sources moved are written."""
    folder = lake_path(lake, CLEAN_POSTINGS)
    kept = (
        pl.scan_parquet(folder / PART_GLOB, include_file_paths="_file")
        .select("posting_id", "source_instance_ids", "_file")
        .collect()
    )
    sources = _read(lake, RAW_POSTING_SOURCES)
    found = None
    parts: set[str] = set()
    if sources.height:
        found = sources.group_by("posting_id").agg(
            pl.col("source_instance_id").unique().sort().alias("source_instance_ids")
        )
        moved = kept.join(found, on="posting_id", how="left", suffix="_now").filter(
            pl.col("source_instance_ids").ne_missing(pl.col("source_instance_ids_now"))
        )
        parts |= {Path(f).name for f in moved["_file"].unique()}
    raw = read_parts(new_parts)
    added = pl.DataFrame(schema={"_day": pl.String})
    if raw.height:
        raw = _first_landed(raw)
        raw = raw.join(kept.select("posting_id"), on="posting_id", how="anti")
    if raw.height:
        days = raw.select("posting_id", _landing_day())
        added = normalize_postings(raw, sources, options, summary, pool)
        added = added.join(days, on="posting_id", how="left")
        parts |= {f"part-{day}.parquet" for day in added["_day"].unique()}
    del kept, raw
    for name in sorted(parts):
        day = name.removeprefix("part-").removesuffix(".parquet")
        frames = [added.filter(pl.col("_day") == day).drop("_day")] if added.height else []
        if (folder / name).is_file():
            rows = pl.read_parquet(folder / name)
            if found is not None:
                rows = rows.drop("source_instance_ids").join(found, on="posting_id", how="left")
            frames.insert(0, rows.select(POSTING_COLUMNS))
        postings = pl.concat(frames, how="vertical_relaxed").with_columns(pl.lit(day).alias("_day"))
        _write_postings(lake, postings, every_part=False)
    return folder


def normalize_lake(
    lake: Path | str, options: NormalizeOptions | None = None, *, full: bool = False
) -> NormalizeSummary:
    """Read the raw lake, write ``clean/postings.parquet`` and ``clean/vacancies.parquet`` (atomically).

    Postings are normalized once: a run normalizes only the raw parts landed since the last
    (``clean/state.json`` names the parts read), adds them to the clean postings and reads every posting's
    sources again; ``full`` (or other options or code, or compacted raw parts) normalizes every posting.
    Vacancies (a company's few) are normalized in full every run. Both give the same clean tables."""
    options = options or NormalizeOptions()
    if options.band_basis not in BAND_BASES:
        raise ConfigError(
            [f"band_basis: got {options.band_basis!r}, expected one of {', '.join(BAND_BASES)}"]
        )
    currency = options.reporting_currency.upper() if isinstance(options.reporting_currency, str) else ""
    if currency not in supported_currencies():
        raise ConfigError(
            [f"reporting_currency: got {options.reporting_currency!r}, expected a currency with ECB rates"]
        )
    lake = Path(lake)
    if not is_lake(lake):  # a lake whose rows were all quarantined is still a lake: empty clean tables
        raise NotReadyError(f"lake {lake}: no raw data yet: run `matcher ingest` first")
    started = time.perf_counter()
    summary = NormalizeSummary()
    clock = _StepClock(summary.timings)
    parts = TABLES[RAW_POSTINGS].files(lake)
    new_parts = None if full else _new_parts(lake, options)
    summary.mode = "full" if new_parts is None else "incremental"
    to_read = parts if new_parts is None else new_parts
    rows = pl.scan_parquet(to_read).select(pl.len()).collect().item() if to_read else 0
    workers = options.workers or 1
    state_path = lake_path(lake, "normalize_state")
    with contextlib.ExitStack() as stack:
        stack.enter_context(no_cyclic_gc())  # the per-value steps' objects are not garbage
        with clock("start workers"):
            pool = stack.enter_context(worker_pool(workers if rows >= PARALLEL_FROM else 1))
        summary.new_postings = rows
        raw = pl.DataFrame()
        if new_parts is not None and not new_parts and not _sources_changed(lake):
            # nothing landed: the clean postings stand; only their counts are read
            postings = pl.read_parquet(lake_path(lake, CLEAN_POSTINGS), columns=COUNTED_COLUMNS)
            _set_counts(summary, postings)
        elif new_parts is not None:
            summary.paths.append(_append_postings(lake, new_parts, options, summary, pool))
            postings = pl.read_parquet(lake_path(lake, CLEAN_POSTINGS), columns=COUNTED_COLUMNS)
            _set_counts(summary, postings)
        else:
            state_path.unlink(missing_ok=True)  # rebuilt: the parts named there are no longer the record
            with clock("read Parquet"):
                raw = _read(lake, RAW_POSTINGS)
        if raw.height:
            with clock("drop repeated ids"):
                raw = _first_landed(raw)
            days = raw.select("posting_id", _landing_day())
            postings = normalize_postings(raw, _read(lake, RAW_POSTING_SOURCES), options, summary, pool)
            del raw
            with clock("write Parquet"):
                postings = _with_days(postings, days)
                summary.paths.append(_write_postings(lake, postings, every_part=True))
            _set_counts(summary, postings)
    if lake_path(lake, CLEAN_POSTINGS).exists():
        state = {
            "fingerprint": _fingerprint(options),
            "postings_parts": [p.name for p in parts],
            "sources_parts": [p.name for p in TABLES[RAW_POSTING_SOURCES].files(lake)],
        }
        write_json(state_path, state)
    vacancies = normalize_vacancies(lake, options, summary)
    if vacancies.height:
        summary.paths.append(_write(vacancies, lake_path(lake, CLEAN_VACANCIES)))
        summary.vacancies = vacancies.height
        for group in ("title", "salary", "location"):
            summary.counts[f"vacancies.{group}"] = _count(vacancies, f"{group}_status")
    summary.seconds = time.perf_counter() - started
    return summary
