"""Every file of the lake and of the reports folder, named once: path (or glob), natural key, purpose.

>>> TABLES["raw_postings"].path
'raw/floqer/postings/part-*.parquet'
>>> TABLES["clean_postings"].key
('posting_id',)
>>> path("data/lake", "clean_postings").as_posix()
'data/lake/clean/postings.parquet'
>>> TABLES["manifests"].file("data/lake", "20261102T090000Z-3f9a1c").as_posix()
'data/lake/state/runs/20261102T090000Z-3f9a1c.json'

Every stage takes its paths from here (``path``, ``folder``, ``Table.file``, ``Table.files``) and writes
through ``matcher.lake.files``; no other module joins a lake folder's name by hand.

``root`` says which folder a path is under: ``"lake"`` (``data/lake``, ``[lake] root``) or ``"reports"``
(``reports/``, ``[report] dir``). ``view`` marks what ``matcher.connect`` shows as a SQL view; the other
entries (cursors, the lock, the title-vector cache) are files the lake holds that are not tables to query.
A raw table is many small ``part-*.parquet`` files (one per ingested page): readers de-duplicate it on its
natural key, the first landed row winning (``ingested_at``, then part order), which is what makes
``matcher lake compact`` safe to kill at any point.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

Root = Literal["lake", "reports"]
Format = Literal["parquet", "json", "text"]
PART_GLOB = "part-*.parquet"


@dataclass(frozen=True, kw_only=True)
class Table:
    """One lake (or reports) table or file.

    Args:
        name: the SQL view's name (``raw_postings``).
        path: relative to ``root``'s folder; a glob when the table is several files.
        key: the natural key columns (one row per key; raw tables: the first landed row counts).
        description: one line for ``matcher sql --tables`` and the docs.
        root: ``"lake"`` or ``"reports"``.
        format: how the files are read.
        view: whether ``matcher.connect`` shows it as a view.
        raw: many append-only part files, de-duplicated on ``key`` when read and compacted by
            ``matcher lake compact``.
        also: other files written with the same rows (the reports' spreadsheet-safe CSV copies).
        parts: ``path`` is a folder of ``part-*.parquet`` files (the clean postings: one part per landing
            day, so a run rewrites only the parts that changed); a single file there (as matcher wrote it
            before) is read as the whole table. Polars and Spark read the folder by its path.
    """

    name: str
    path: str
    key: tuple[str, ...]
    description: str
    root: Root = "lake"
    format: Format = "parquet"
    view: bool = True
    raw: bool = False
    also: tuple[str, ...] = ()
    parts: bool = False

    @property
    def directory(self) -> str:
        """The folder the table's files are in, relative to its root (``raw/floqer/postings``)."""
        parent = Path(self.path).parent
        return "" if parent == Path(".") else parent.as_posix()

    def file(self, folder: Path | str, fill: str) -> Path:
        """The file of this table whose name puts ``fill`` in the glob's ``*`` (a new raw part, a run's
        manifest, a benchmark run): ``TABLES["benchmark_history"].file(lake, "20261102T090000000000Z")`` ->
        ``lake/benchmark/history/run_at=20261102T090000000000Z.parquet``."""
        if self.path.count("*") != 1 or "*" in self.directory:
            raise ValueError(f"{self.name} is one file ({self.path}): use path()")
        return Path(folder) / self.path.replace("*", fill)

    def files(self, folder: Path | str) -> list[Path]:
        """The table's files under ``folder`` (the lake or the reports folder), in name order (for raw
        tables: landing order). Temp files (``*.tmp``) never match."""
        found = []
        for match in Path(folder).glob(self.path):
            if match.is_file():
                found.append(match)
            elif self.parts and match.is_dir():
                found.extend(p for p in match.glob(PART_GLOB) if p.is_file())
        return sorted(found)

    def matches(self, relative: str) -> bool:
        """Whether ``relative`` (a path under the table's root, ``/``-separated) is one of its files."""
        path = PurePosixPath(relative)
        patterns = (self.path, *self.also, *((f"{self.path}/{PART_GLOB}",) if self.parts else ()))
        return any(
            len(path.parts) == len(PurePosixPath(pattern).parts) and path.match(pattern)
            for pattern in patterns
        )


def _raw(name: str, directory: str, key: tuple[str, ...], description: str) -> Table:
    return Table(name=name, path=f"{directory}/{PART_GLOB}", key=key, description=description, raw=True)


def _report(name: str, key: tuple[str, ...], description: str) -> Table:
    return Table(
        name=name,
        path=f"{name}.parquet",
        key=key,
        description=description,
        root="reports",
        also=(f"{name}.csv",),
    )


_ENTRIES = (
    # -- raw: written by matcher/ingest/lake.py, one part per page and table ------------------------------
    _raw(
        "raw_postings",
        "raw/floqer/postings",
        ("posting_id",),
        "Floqer postings as received (raw_json), one per posting id, + run_id, ingested_at, page_no",
    ),
    _raw(
        "raw_posting_sources",
        "raw/floqer/posting_sources",
        ("posting_id", "source_instance_id"),
        "every Floqer source that found a posting",
    ),
    _raw(
        "raw_vacancies",
        "raw/flowstate/vacancies",
        ("scenario_id", "vacancy_id", "updated_at"),
        "Flowstate vacancies as received, every version (scenario_id '' = live)",
    ),
    _raw(
        "raw_vacancy_events",
        "raw/flowstate/vacancy_events",
        ("scenario_id", "vacancy_id", "event", "last_updated_at"),
        "a vacancy disappearing from (or reappearing in) its list",
    ),
    _raw(
        "raw_locations",
        "raw/flowstate/locations",
        ("entity_id", "content_sha"),
        "Flowstate locations, one row per content version",
    ),
    _raw(
        "raw_job_roles",
        "raw/flowstate/job_roles",
        ("entity_id", "content_sha"),
        "Flowstate job roles, one row per content version",
    ),
    _raw(
        "raw_work_types",
        "raw/flowstate/work_types",
        ("entity_id", "content_sha"),
        "Flowstate work types, one row per content version",
    ),
    _raw(
        "quarantine",
        "quarantine",
        ("source", "entity", "raw_sha"),
        "rows that failed validation, as received, with the reason",
    ),
    # -- clean, matches, benchmark history ----------------------------------------------------------------
    Table(
        name="clean_postings",
        path="clean/postings.parquet",
        key=("posting_id",),
        description="one row per posting: title, level, occupation, salary, location (normalize)",
        parts=True,
    ),
    Table(
        name="clean_vacancies",
        path="clean/vacancies.parquet",
        key=("scenario_id", "vacancy_id"),
        description="one row per (scenario, vacancy), its newest version (normalize)",
    ),
    Table(
        name="matches",
        path="matches/matches.parquet",
        key=("scenario_id", "vacancy_id", "posting_id"),
        description="every (vacancy, posting) pair above the floor: rank, score, components (match)",
    ),
    Table(
        name="left_out",
        path="matches/left_out.parquet",
        key=("scenario_id", "vacancy_id", "reason"),
        description="per vacancy, the matches left out and why (match)",
    ),
    Table(
        name="word_weights",
        path="matches/word_weights.parquet",
        key=("token",),
        description="the title words' document frequencies, kept so incremental runs score alike (match)",
        view=False,
    ),
    Table(
        name="scored_pairs",
        path="matches/scored/*/part-*.parquet",
        key=("scenario_id", "vacancy_id", "posting_id"),
        description="the pairs each match run scored, one folder per run (incremental match's state)",
        view=False,
    ),
    Table(
        name="scored_other_levels",
        path="matches/scored/*/other-*.parquet",
        key=("scenario_id", "vacancy_id", "posting_id"),
        description="the scored pairs of a level the level policy does not admit: only counted (match)",
        view=False,
    ),
    Table(
        name="scored_postings",
        path="matches/scored/postings-*.parquet",
        key=("posting_id",),
        description="the eligible postings the scored pairs cover, with their hash (match)",
        view=False,
    ),
    Table(
        name="scored_vacancies",
        path="matches/scored/vacancies-*.parquet",
        key=("scenario_id", "vacancy_id"),
        description="the open vacancies the scored pairs cover, with their hash (match)",
        view=False,
    ),
    Table(
        name="stale_postings",
        path="matches/scored/stale-postings-*.parquet",
        key=("posting_id", "_pv"),
        description="posting versions no longer current: their scored pairs are dropped (match)",
        view=False,
    ),
    Table(
        name="stale_vacancies",
        path="matches/scored/stale-vacancies-*.parquet",
        key=("scenario_id", "vacancy_id", "_vv"),
        description="vacancy versions no longer current (changed, closed): their pairs are dropped (match)",
        view=False,
    ),
    Table(
        name="match_state",
        path="matches/scored/state.json",
        key=(),
        description="which scored folders are current, and the postings and vacancies they cover (match)",
        format="json",
        view=False,
    ),
    Table(
        name="normalize_state",
        path="clean/state.json",
        key=(),
        description="the raw parts the clean tables were built from (incremental normalize)",
        format="json",
        view=False,
    ),
    Table(
        name="benchmark_history",
        path="benchmark/history/run_at=*.parquet",
        key=("run_at", "scenario_id", "vacancy_id"),
        description="each benchmark run's vacancy_benchmarks, stamped with run_at",
    ),
    Table(
        name="title_vectors",
        path="cache/title_vectors.parquet",
        key=("model", "title"),
        description="cached title embeddings (match): rebuilt when removed",
        view=False,
    ),
    # -- state ----------------------------------------------------------------------------------------------
    Table(
        name="manifests",
        path="state/runs/*.json",
        key=("run_id",),
        description="one JSON manifest per run: status, counts, timings, per-entity outcomes",
        format="json",
    ),
    Table(
        name="run_records",
        path="state/records/*.json",
        key=("stage", "run_id"),
        description="one JSON record per stage run: what it read, wrote and counted, timings, warnings",
        format="json",
    ),
    Table(
        name="demo_marker",
        path="state/demo.json",
        key=(),
        description="marks a lake `matcher demo` made (the demo refuses any other lake)",
        format="json",
        view=False,
    ),
    Table(
        name="cursors",
        path="state/cursors.json",
        key=(),
        description="per Floqer source and Flowstate scenario: where the next ingest resumes",
        format="json",
        view=False,
    ),
    Table(
        name="floqer_sources",
        path="state/floqer_sources.json",
        key=(),
        description="the Floqer sources `matcher ingest` polls",
        format="json",
        view=False,
    ),
    Table(
        name="floqer_plan",
        path="state/floqer_plan.json",
        key=(),
        description="the last `matcher floqer plan` (what `create --confirm` creates)",
        format="json",
        view=False,
    ),
    Table(
        name="lock",
        path="state/lock",
        key=(),
        description="flock held by the run writing the lake (names the holder)",
        format="text",
        view=False,
    ),
    # -- reports: matcher/report/writer.py (Parquet, plus a spreadsheet-safe CSV copy) ----------------------
    _report(
        "vacancy_benchmarks",
        ("scenario_id", "vacancy_id"),
        "per open vacancy: band vs market percentiles, compa-ratio, verdict",
    ),
    _report(
        "vacancy_matches",
        ("scenario_id", "vacancy_id", "posting_id"),
        "per vacancy, its ranked matching postings with the posting's details",
    ),
    _report(
        "competitor_hiring",
        ("scope", "vacancy_id", "company"),
        "companies hiring for the same roles: postings in 30 and 90 days, trend",
    ),
    _report(
        "benchmark_pool",
        ("scenario_id", "vacancy_id", "posting_id"),
        "the postings each benchmark counted (or not, with the reason)",
    ),
    _report(
        "excluded_matches",
        ("vacancy_id", "posting_id"),
        "matches struck by the exclusions file",
    ),
    Table(
        name="report_html",
        path="report.html",
        key=(),
        description="the HTML report with charts",
        root="reports",
        format="text",
        view=False,
    ),
)

TABLES: dict[str, Table] = {table.name: table for table in _ENTRIES}
RAW_TABLES: tuple[Table, ...] = tuple(t for t in _ENTRIES if t.raw)
# a folder is a lake when it holds one of these (a fresh ``matcher ingest`` makes ``state/`` first)
LAKE_MARKERS = ("raw", "clean", "matches", "benchmark", "state", "quarantine")


def path(root: Path | str, name: str) -> Path:
    """The file of the one-file table ``name`` under ``root`` (the lake, or the reports folder for a report):
    ``path("data/lake", "matches")`` -> ``data/lake/matches/matches.parquet``.

    Raises:
        KeyError: no table is called ``name``.
        ValueError: the table is several files (a glob): use ``folder`` or ``Table.file``/``Table.files``.
    """
    table = TABLES[name]
    if "*" in table.path:
        raise ValueError(
            f"{name} is several files ({table.path}): use folder(), Table.file() or Table.files()"
        )
    return Path(root) / table.path


def folder(root: Path | str, name: str) -> Path:
    """The folder the table ``name``'s files are in: ``folder("data/lake", "manifests")`` ->
    ``data/lake/state/runs``; ``folder(lake, "cursors")`` is the lake's ``state`` folder."""
    return Path(root) / TABLES[name].directory


def table_for(relative: str, *, root: Root = "lake") -> Table | None:
    """The table a file belongs to (``"raw/floqer/postings/part-x-000001.parquet"`` -> ``raw_postings``)."""
    for table in _ENTRIES:
        if table.root == root and table.matches(relative):
            return table
    return None


def is_demo_lake(folder: Path | str) -> bool:
    """Whether ``folder`` is a lake ``matcher demo`` made (it holds ``state/demo.json``): synthetic data."""
    return path(folder, "demo_marker").is_file()


def is_lake(folder: Path | str) -> bool:
    """Whether ``folder`` looks like a lake (holds ``raw/``, ``clean/``, ``state/``, ...)."""
    path = Path(folder)
    return path.is_dir() and any((path / marker).is_dir() for marker in LAKE_MARKERS)
