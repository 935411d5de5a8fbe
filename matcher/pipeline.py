"""matcher as a library: one ``Pipeline`` whose stages return typed results.

>>> from matcher import Pipeline, load_config                     # doctest: +SKIP
>>> pipeline = Pipeline(load_config("matcher.toml"))              # doctest: +SKIP
>>> result = pipeline.run(as_of=date(2026, 12, 1))                # doctest: +SKIP
>>> result.benchmark.frames["vacancy_benchmarks"]                 # doctest: +SKIP

Each stage (``ingest``, ``normalize``, ``match``, ``benchmark``, ``publish``) checks its preconditions
and raises a ``MatcherError`` subclass with one line when one is unmet ("no clean tables yet: run normalize
first"); each stage that writes the lake holds the lake's lock while it does (``wait=True`` queues behind
another run); each writes a run record (``state/records/``: what it read, wrote and counted, how long it
took, its warnings) that ``matcher.connect`` shows as the ``run_records`` view. ``run()`` chains them the
way ``matcher run`` does. The CLI only parses arguments and draws these results.

Modelled on dlt's ``Pipeline.run`` (one object per destination, typed load info) and splink's ``Linker``
(one object, components as methods).
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from matcher.benchmark.exclusions import DEFAULT_EXCLUSIONS, load_exclusions
from matcher.benchmark.publish import (
    DEMO,
    FUTURE,
    OTHER_ORG,
    STALE,
    Change,
    PublishRefusedError,
    PublishRules,
    plan_publication,
)
from matcher.benchmark.stage import BenchmarkOptions, benchmark_lake, record_benchmarks
from matcher.common.config import (
    Config,
    lake_path_problem,
    lake_url,
    lake_working_copy,
    load_config,
    local_path_problem,
)
from matcher.common.errors import ConfigError, MatcherError, NotReadyError, PublishInterruptedError
from matcher.ingest.floqer import FloqerClient, is_source_id
from matcher.ingest.flowstate import FlowstateClient
from matcher.ingest.http import ApiClient, RetryPolicy
from matcher.ingest.lake import Lake, LakeBusyError, new_run_id
from matcher.ingest.runner import IngestOptions, IngestRun
from matcher.lake import layout
from matcher.lake.damage import damaged_file_error, is_engine_error
from matcher.lake.files import write_text_atomic
from matcher.lake.remote import RemoteLake, RemoteLakeError
from matcher.match.stage import (
    DEFAULT_WEIGHTS,
    MATCHES,
    MatchOptions,
    MatchSummary,
    match_lake,
    matches_as_of,
)
from matcher.normalize.currency import supported_currencies
from matcher.normalize.stage import NormalizeOptions, NormalizeSummary, normalize_lake
from matcher.report.history import load_history
from matcher.report.html import render_report
from matcher.report.writer import load_reports, write_reports

log = logging.getLogger("matcher.pipeline")

SOURCES_STATE = layout.path("", "floqer_sources").name  # the file's name in the lake's state folder
EXIT_PARTIAL = 3  # some source or list failed, the others landed
EXIT_INCOMPLETE = 4  # nothing failed, but a source holds rows that could not be accounted for
PageCallback = Callable[[str, int, int | None], None]
R = TypeVar("R", bound="StageResult")


class DemoLakeError(MatcherError):
    """A stage that writes the lake was pointed at a lake ``matcher demo`` made (``state/demo.json``): its
    postings are synthetic, so real data never lands beside them and no benchmark is computed from them."""


def exit_code(status: str) -> int:
    """An ingest status as the CLI's exit code: 0 ok, 3 partial, 4 incomplete, 1 failed."""
    return {"ok": 0, "partial": EXIT_PARTIAL, "incomplete": EXIT_INCOMPLETE}.get(status, 1)


# -- results ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class StageResult:
    """What every stage returns: its run id, timing, warnings and the path of its run record."""

    stage: str
    run_id: str
    started_at: datetime
    seconds: float
    cpu_seconds: float
    warnings: tuple[str, ...] = ()
    record_path: Path | None = None

    def counts(self) -> dict[str, Any]:
        """The stage's figures, JSON-ready (what its run record and ``--json`` show)."""
        return {}

    def record(self) -> dict[str, Any]:
        """The run record: stage, run id, times, counts, warnings (JSON-ready)."""
        return {
            "stage": self.stage,
            "run_id": self.run_id,
            "started_at": self.started_at.isoformat(),
            "finished_at": datetime.now(UTC).isoformat(),
            "seconds": round(self.seconds, 3),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "status": getattr(self, "status", "ok"),
            "counts": _jsonable(self.counts()),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True, kw_only=True)
class IngestResult(StageResult):
    status: str  # ok, partial, incomplete or failed (the manifest's)
    manifest: dict[str, Any]
    recovered: tuple[dict[str, Any], ...] = ()  # manifests recovered for runs that were killed

    @property
    def exit_code(self) -> int:
        """0 ok, 3 partial, 4 incomplete, 1 failed (the CLI's exit code)."""
        return exit_code(self.status)

    @property
    def landed(self) -> int:
        return int(self.manifest.get("totals", {}).get("landed", 0))

    def counts(self) -> dict[str, Any]:
        manifest = layout.TABLES["manifests"].file("", self.run_id).as_posix()
        return {"manifest": manifest, **self.manifest.get("totals", {})}


@dataclass(frozen=True, kw_only=True)
class NormalizeResult(StageResult):
    summary: NormalizeSummary

    def counts(self) -> dict[str, Any]:
        s = self.summary
        return {
            "postings": s.postings,
            "vacancies": s.vacancies,
            "statuses": s.counts,
            "distinct": s.distinct,
            "signals": s.signals,
            "step_seconds": {k: round(v, 3) for k, v in s.timings.items()},
            "outputs": [str(p) for p in s.paths],
        }


@dataclass(frozen=True, kw_only=True)
class MatchResult(StageResult):
    summary: MatchSummary
    options: MatchOptions

    @property
    def as_of(self) -> date | None:
        return self.summary.as_of

    def counts(self) -> dict[str, Any]:
        s = self.summary
        return {
            "as_of": s.as_of,
            "open_vacancies": s.vacancies,
            "postings": s.postings,
            "candidate_pairs": s.candidate_pairs,
            "scored_pairs": s.scored_pairs,
            "matches": s.matches,
            "floor": self.options.floor,
            "level_policy": self.options.level_policy,
            "left_out": {k: v for k, v in s.excluded.items() if v},
            # an incremental run scores only new or changed rows: its candidate and scored pairs and the
            # reasons it left pairs out count those ("this run"); "another level" counts every match, as
            # ``matches`` does (a full run: every count covers everything)
            "mode": s.mode,
            "pairs_scope": "this run" if s.mode == "incremental" else "all",
            "rescored_postings": s.rescored_postings,
            "rescored_vacancies": s.rescored_vacancies,
            "outputs": [str(s.path)] if s.path else [],
        }


@dataclass(frozen=True, kw_only=True)
class BenchmarkResult(StageResult):
    as_of: date
    frames: dict[str, pl.DataFrame] = field(repr=False)
    reports_dir: Path
    html: Path
    exclusions_file: Path | None = None

    @property
    def benchmarks(self) -> pl.DataFrame:
        return self.frames["vacancy_benchmarks"]

    def counts(self) -> dict[str, Any]:
        b = self.benchmarks
        excluded = self.frames.get("excluded_matches", pl.DataFrame())
        verdicts = dict(b.group_by("verdict").len().iter_rows()) if b.height else {}
        return {
            "as_of": self.as_of,
            "vacancies": b.height,
            "verdicts": verdicts,
            "struck_by_analysts": int(excluded.filter(pl.col("matched")).height) if excluded.height else 0,
            "exclusions_naming_no_match": (
                int(excluded.filter(~pl.col("matched")).height) if excluded.height else 0
            ),
            "exclusions_file": str(self.exclusions_file) if self.exclusions_file else None,
            "reports": str(self.reports_dir),
            "outputs": [str(self.reports_dir / f"{name}.parquet") for name in self.frames] + [str(self.html)],
        }


@dataclass(frozen=True, kw_only=True)
class PublishResult(StageResult):
    changes: tuple[Change, ...]
    applied: bool

    def counts(self) -> dict[str, Any]:
        actions: dict[str, int] = {}
        for change in self.changes:
            actions[change.action] = actions.get(change.action, 0) + 1
        return {"applied": self.applied, "actions": actions}


@dataclass(frozen=True, kw_only=True)
class RunResult(StageResult):
    as_of: date
    ingest: IngestResult | None
    normalize: NormalizeResult
    match: MatchResult | None
    benchmark: BenchmarkResult | None
    skipped: str | None = None  # why match and benchmark did not run

    @property
    def exit_code(self) -> int:
        """1 when match and benchmark were skipped (no fresh reports), else the ingest's exit code (0 when it
        was skipped): the later stages run on what landed."""
        if self.skipped:
            return 1
        return self.ingest.exit_code if self.ingest else 0

    @property
    def status(self) -> str:
        return self.ingest.status if self.ingest else "ok"

    def counts(self) -> dict[str, Any]:
        stages = [self.ingest, self.normalize, self.match, self.benchmark]
        return {
            "as_of": self.as_of,
            "skipped": self.skipped,
            "exit_code": self.exit_code,
            "stages": {s.stage: {"seconds": round(s.seconds, 3), **s.counts()} for s in stages if s},
        }


# -- the pipeline ----------------------------------------------------------------------------------------


class Pipeline:
    """The stages over one configuration's lake and reports.

    Args:
        config: a ``Config`` (``load_config()``), a path to a settings file, or None for ``load_config()``.
        lake: overrides ``config.lake``.
        reports: overrides ``config.reports_dir``.
        on_page: called as pages land during ingest (entity, rows so far, total or None): a progress bar.
        clients: factories for the two API clients (tests and the demo pass their own); default: built from
            the configuration.
        demo: the demo's own pipeline (``matcher.demo``): only it may ingest, normalize, match and benchmark
            a lake marked as the demo's (``state/demo.json``); every other pipeline refuses one
            (``DemoLakeError``).
    """

    def __init__(
        self,
        config: Config | Path | str | None = None,
        *,
        lake: Path | str | None = None,
        reports: Path | str | None = None,
        on_page: PageCallback | None = None,
        demo: bool = False,
    ) -> None:
        if not isinstance(config, Config):
            config = load_config(config)
        problems = []
        if lake is not None and (problem := lake_path_problem(str(lake))):
            problems.append(f"lake: got {str(lake)!r}, expected {problem}")  # before pathlib makes "s3:/b"
        if reports is not None and (problem := local_path_problem(str(reports))):
            problems.append(f"reports: got {str(reports)!r}, expected {problem}")
        if problems:
            raise ConfigError(problems)
        if lake is not None:
            url = lake_url(str(lake))
            working = lake_working_copy(url, config.lake_cache_dir) if url else Path(lake)
            config = replace(config, lake=working, lake_url=url)
        if reports is not None:
            config = replace(config, reports_dir=Path(reports))
        for name, folder in (("lake", config.lake), ("reports", config.reports_dir)):
            problem = local_path_problem(str(folder))
            if problem:  # a Config built or replaced in code, or a --lake the CLI read as a path
                if name == "lake":
                    problem = (
                        "a local folder path (an s3 lake is given as Pipeline(lake='s3://bucket/prefix'))"
                    )
                raise ConfigError([f"{name}: got {str(folder)!r}, expected {problem}"])
        self.config = config
        self.on_page = on_page
        self.demo = demo
        self._lock_depth = 0
        self._remote: RemoteLake | None = None
        self._pulled = False

    def __repr__(self) -> str:
        lake = self.config.lake_url or str(self.config.lake)
        return f"Pipeline(lake={lake!r}, reports={str(self.reports_dir)!r})"

    @property
    def lake(self) -> Path:
        """The lake's folder; for an ``s3://`` lake its local working copy, pulled from the bucket on first
        use (``remote``)."""
        if self.config.lake_url and not self._pulled and not self._lock_depth:
            self.pull()
        return self.config.lake

    @property
    def remote(self) -> RemoteLake | None:
        """The object-storage lake the working copy ``lake`` is synced with (None: a local lake)."""
        if self._remote is None and self.config.lake_url:
            self._remote = RemoteLake(self.config.lake_url, self.config.lake)
        return self._remote

    def pull(self) -> None:
        """An ``s3://`` lake: bring the working copy to the committed generation (readers; the writing
        stages pull again under the lock). A working copy another local process is writing is read as is."""
        remote = self.remote
        if remote is None:
            return
        try:
            with Lake(self.config.lake).lock(run_id=f"pull-{_run_id()}", wait=False):
                remote.pull()
        except LakeBusyError:
            log.info("%s: the working copy is in use by another process; read as it is", remote.url)
        self._pulled = True

    @property
    def reports_dir(self) -> Path:
        return self.config.reports_dir

    # -- clients -------------------------------------------------------------------------------------

    def _api(self, service: str, base_url: str, api_key: str) -> ApiClient:
        http = self.config.http
        return ApiClient(
            service=service,
            base_url=base_url,
            api_key=api_key,
            timeout=http.timeout_seconds,
            retry=RetryPolicy(max_attempts=http.max_attempts, max_wait=http.max_wait_seconds),
            max_response_bytes=self.config.max_response_mb * 2**20,
        )

    def floqer_client(self) -> FloqerClient:
        """A Floqer client from the configuration (``FLOQER_API_KEY`` must be set)."""
        floqer = self.config.floqer
        self.config.require_floqer()
        assert floqer.api_key is not None
        api = self._api("floqer", floqer.base_url, floqer.api_key)
        return FloqerClient(api, allow_filter_keys=floqer.extra_filter_keys)

    def flowstate_client(self) -> FlowstateClient:
        """A Flowstate client from the configuration (key, org id and tenant must be set)."""
        flowstate = self.config.flowstate
        self.config.require_flowstate()
        assert flowstate.api_key is not None and flowstate.org_id is not None
        api = self._api("flowstate", flowstate.resolved_url, flowstate.api_key)
        return FlowstateClient(api, org_id=flowstate.org_id)

    # -- the lake's lock and run records ---------------------------------------------------------------

    @contextlib.contextmanager
    def locked(self, run_id: str, *, wait: bool = False) -> Iterator[None]:
        """Hold the lake's lock (re-entrant within this pipeline: ``run`` holds it once for every stage).

        An ``s3://`` lake: the lock object in the bucket is held too, the working copy is pulled when the
        lock is taken, and every block (each stage, also inside ``run``) commits what it wrote as one
        generation when it ends (``_committing``): what an ingest paid for at the vendors is kept even if a
        later stage fails."""
        remote = self.remote
        if self._lock_depth:
            self._lock_depth += 1
            try:
                with self._committing(remote, run_id):
                    yield
            finally:
                self._lock_depth -= 1
            return
        with contextlib.ExitStack() as stack:
            stack.enter_context(Lake(self.config.lake).lock(run_id=run_id, wait=wait))
            if remote is not None:
                stack.enter_context(remote.lock(run_id=run_id, wait=wait))
                remote.pull()
                self._pulled = True
            self._lock_depth = 1
            try:
                with self._committing(remote, run_id):
                    yield
            finally:
                self._lock_depth = 0
            if remote is not None:
                remote.sweep()

    @contextlib.contextmanager
    def _committing(self, remote: RemoteLake | None, run_id: str) -> Iterator[None]:
        """Commit the working copy when the block ends, also when it raised a ``MatcherError``: the lake's
        files are consistent at every instant (a killed local run leaves a valid lake too), and what an
        ingest landed before a failure was paid for. A failed commit after such an error is logged, and
        the block's own error raised."""
        if remote is None:
            yield
            return
        try:
            yield
        except RemoteLakeError:  # the bucket itself failed (a lost race, a lost lock): nothing to add
            raise
        except MatcherError:
            try:
                remote.push(run_id)
            except MatcherError as exc:
                log.warning("%s", exc)
            raise
        remote.push(run_id)

    def _write_record(self, result: StageResult) -> Path | None:
        """``state/records/<started>-<stage>-<run id>.json``, written whole (temp file, rename); a record
        that cannot be written is a warning, never a failed stage."""
        target = layout.TABLES["run_records"].file(
            self.lake, f"{result.started_at:%Y%m%dT%H%M%S}-{result.stage}-{result.run_id}"
        )
        record = {"lake": self.config.lake_url or str(self.lake.resolve()), **result.record()}
        if self.remote is not None and not self._lock_depth:  # committed like what the stage wrote
            with self.locked(result.run_id, wait=True):
                return self._write_record(result)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(target, json.dumps(record, indent=2, sort_keys=True) + "\n")
        except OSError as exc:
            log.warning("run record not written (%s): %s", target, exc.strerror or exc)
            return None
        return target

    def _result(
        self, kind: type[R], stage: str, run_id: str, clock: _Clock, *, record: bool = True, **fields: Any
    ) -> R:
        """The stage's result with its run id and timing; its run record written (``record``)."""
        result = kind(
            stage=stage,
            run_id=run_id,
            started_at=clock.started_at,
            seconds=clock.seconds(),
            cpu_seconds=clock.cpu(),
            **fields,
        )
        return replace(result, record_path=self._write_record(result)) if record else result

    @contextlib.contextmanager
    def _reading(self, reports: Path | None = None) -> Iterator[None]:
        """A Polars or DuckDB error from a lake (or ``reports``) file that cannot be read (cut short,
        overwritten) becomes ``DamagedFileError``: one line naming the file and what to do; any other error
        (a bug) is raised as it is."""
        try:
            yield
        except Exception as exc:
            error = damaged_file_error(exc, self.config.lake, reports) if is_engine_error(exc) else None
            if error is None:
                raise
            raise error from exc

    def _refuse_demo_lake(self, command: str) -> None:
        """``DemoLakeError`` when the lake is the demo's and this pipeline is not the demo's own."""
        if self.demo or not layout.is_demo_lake(self.lake):
            return
        where = self.config.lake_url or str(self.lake)
        raise DemoLakeError(
            f"lake {where}: marked as the demo's ({layout.TABLES['demo_marker'].path}), its postings are "
            f"synthetic: `matcher {command}` does not write real data into it or benchmark from it; use a "
            "lake of your own (--lake, [lake] root), or `matcher demo` to refresh the demo"
        )

    # -- stages ----------------------------------------------------------------------------------------

    def ingest(
        self,
        *,
        only: str | None = None,
        sources: Sequence[str] = (),
        wait: bool = False,
        strict: bool = False,
        check_sources: bool = True,
    ) -> IngestResult:
        """Land Floqer postings and Flowstate vacancies (with their references) in the lake.

        ``only``: "floqer" or "flowstate"; ``sources``: Floqer source ids to track from now on (checked at
        Floqer first unless ``check_sources`` is False); ``strict``: a source that no longer imports fails.
        One source or list failing costs only itself: see ``IngestResult.status``."""
        if only not in (None, "floqer", "flowstate"):
            raise ConfigError([f"only: got {only!r}, expected floqer or flowstate"])
        bad = [s for s in sources if not is_source_id(s)]
        if bad:
            raise ConfigError([f"source: got {s!r}, expected a Floqer source id (a UUID)" for s in bad])
        # the keys and URLs first: a run that cannot reach a service writes nothing, not even the lock file
        self.config.require(floqer=only in (None, "floqer"), flowstate=only in (None, "flowstate"))
        self._refuse_demo_lake("ingest")
        lake = Lake(self.lake)
        for source_id in sources:
            if check_sources:
                self.check_source(source_id)
            self.track_source(source_id, recorded_at=datetime.now(UTC).isoformat())
        options = IngestOptions(
            land_personal_data=self.config.land_personal_data,
            page_size=self.config.page_size,
            max_pages=self.config.max_pages,
            scenarios=(None, *self.config.flowstate.scenarios),
            strict=strict,
        )
        run = IngestRun(lake, options, run_id=new_run_id())
        clock = _Clock()
        warnings: list[str] = []
        with self.locked(run.run_id, wait=wait), self._reading():
            recovered = tuple(lake.recover_manifests())  # rows of a killed run: account for them first
            for orphan in recovered:
                warnings.append(
                    f"run {orphan['run_id']} ended without a manifest (killed): recovered one from the "
                    f"{orphan['totals']['landed']} row(s) it landed (state/runs/{orphan['run_id']}.json, "
                    "status killed)"
                )
            if self.on_page is not None:
                options.on_page = self.on_page
            if only in (None, "floqer"):
                polled, notes = self._sources_to_poll(lake)
                warnings += notes
                with self.floqer_client() as client:
                    run.floqer(client, polled)
                for source_id, status in run.source_statuses.items():
                    self.track_source(source_id, status=status)
            if only in (None, "flowstate"):
                with self.flowstate_client() as fs_client:
                    run.flowstate(fs_client)
            manifest = run.finish()
        for note in warnings:  # the result carries them; the CLI prints them
            log.info(note)
        return self._result(
            IngestResult,
            "ingest",
            run.run_id,
            clock,
            warnings=tuple(warnings),
            status=str(manifest.get("status", "ok")),
            manifest=manifest,
            recovered=recovered,
        )

    def tracked_sources(self) -> dict[str, Any]:
        """The Floqer sources ``ingest`` polls (``state/floqer_sources.json``), by id."""
        return Lake(self.lake).read_state(SOURCES_STATE)

    def track_source(self, source_id: str, **info: Any) -> None:
        """Record (or update) a Floqer source ``ingest`` polls."""
        writing = self.locked(_run_id(), wait=True) if self.remote else contextlib.nullcontext()
        with writing:  # an s3 lake: one commit
            lake = Lake(self.lake)
            sources = lake.read_state(SOURCES_STATE)
            sources[source_id] = {**sources.get(source_id, {}), **info}
            lake.write_state(SOURCES_STATE, sources)

    def check_source(self, source_id: str) -> None:
        """Refuse a source Floqer does not know: one free read of its first row (sources:read)."""
        from matcher.common.errors import NotFoundError

        with self.floqer_client() as client:
            try:
                client.data_page(source_id, 1, 1)
            except NotFoundError:
                raise MatcherError(
                    f"source {source_id} is not found at Floqer (a typo, deleted, or created with another "
                    "key): not tracked"
                ) from None

    def _sources_to_poll(self, lake: Lake) -> tuple[list[str], list[str]]:
        recorded = lake.read_state(SOURCES_STATE)
        notes = []
        if not recorded:
            notes.append(
                "no Floqer source recorded in this lake: `matcher floqer create --confirm` or "
                "`matcher floqer track SOURCE_ID` first"
            )
        bad = sorted(s for s in recorded if not is_source_id(s))
        if bad:  # written by hand or by an older version: skipped, never sent to Floqer
            notes.append(
                f"{layout.path(lake.root, 'floqer_sources')}: skipped {len(bad)} entr"
                f"{'y' if len(bad) == 1 else 'ies'} that are not Floqer source ids: {bad[:3]!r}"
            )
        return sorted(s for s in recorded if is_source_id(s)), notes

    def normalize(
        self,
        *,
        currency: str | None = None,
        workers: int | None = None,
        wait: bool = False,
        full: bool = False,
    ) -> NormalizeResult:
        """Raw lake -> clean postings and vacancies (titles, levels, occupations, pay, places, skills).

        Only the raw postings landed since the last run are normalized; ``full``: every one again (the same
        clean tables)."""
        reporting = (currency or self.config.reporting_currency).upper()
        if reporting not in supported_currencies():
            raise ConfigError([f"currency: got {reporting!r}, expected a currency with ECB rates"])
        if not layout.is_lake(self.lake):
            raise NotReadyError(f"lake {self.lake}: no raw data yet: run `matcher ingest` first")
        self._refuse_demo_lake("normalize")
        run_id = _run_id()
        clock = _Clock()
        options = NormalizeOptions(
            reporting_currency=reporting, workers=workers, band_basis=self.config.band_basis
        )
        with self.locked(run_id, wait=wait), self._reading():
            summary = normalize_lake(self.lake, options, full=full)
        return self._result(
            NormalizeResult,
            "normalize",
            run_id,
            clock,
            summary=summary,
        )

    def match_options(self, as_of: date | None = None) -> MatchOptions:
        """The match stage's options from the configuration."""
        config = self.config
        return MatchOptions(
            floor=config.match_floor,
            title_floor=config.title_floor,
            weights={**DEFAULT_WEIGHTS, **dict(config.match_weights)},
            own_companies=config.own_companies,
            include_agencies=config.include_agencies,
            require_work_type=config.require_work_type,
            as_of=as_of or date.today(),
            level_policy=config.level_policy,  # matches and the salary pool admit the same levels
        )

    def match(
        self,
        *,
        as_of: date | None = None,
        wait: bool = False,
        full: bool = False,
        engine: str | None = None,
    ) -> MatchResult:
        """Score and rank postings for every open vacancy as of ``as_of`` (default today): only the pairs of
        new or changed postings and vacancies are scored; ``full``: every pair again (the same matches).

        ``engine``: "local" (this process) or "spark" (``matcher.match.spark``: the same matches, computed
        by Spark, always every pair; needs the ``spark`` extra); default ``[match] engine``.
        """
        engine = engine or self.config.match_engine
        if engine not in ("local", "spark"):
            raise ConfigError([f"match engine: got {engine!r}, expected local or spark"])
        if not layout.path(self.lake, "clean_postings").exists():
            raise NotReadyError(f"lake {self.lake}: no clean tables yet: run `matcher normalize` first")
        self._refuse_demo_lake("match")
        run_id = _run_id()
        clock = _Clock()
        options = self.match_options(as_of)
        with self.locked(run_id, wait=wait), self._reading():
            if engine == "spark":
                from matcher.match.spark import match_lake_spark  # PySpark loads only when asked for

                summary = match_lake_spark(self.lake, options)
            else:
                summary = match_lake(self.lake, options, full=full)
        return self._result(
            MatchResult,
            "match",
            run_id,
            clock,
            summary=summary,
            options=options,
        )

    def benchmark_options(self, as_of: date | None = None) -> BenchmarkOptions:
        config = self.config
        return BenchmarkOptions(
            min_score=config.benchmark_min_score,
            company_cap=config.company_cap,
            level_policy=config.level_policy,
            top_k=config.top_k,
            as_of=as_of,
            match=self.match_options(as_of),  # what its filters left out: why a vacancy has no verdict
            flowstate_tenant=config.flowstate.tenant,  # recorded in the rows: publish writes to this org only
            flowstate_org_id=config.flowstate.org_id,
            demo_lake=layout.is_demo_lake(self.lake),  # recorded in the rows: publish refuses the demo's
            pool_by=config.pool_by,  # the local market and peer group, named in every row's ``pool``
            local_min_salaries=config.local_min_salaries,
            peer_sizes=config.peer_sizes,
            peer_industries=config.peer_industries,
            peer_funding_stages=config.peer_funding_stages,
        )

    def exclusions_file(self, override: Path | None = None) -> Path | None:
        """The analysts' exclusions in force: ``override``, else ``[benchmark] exclusions``, else
        ``./exclusions.csv`` when present."""
        if override is not None or self.config.exclusions is not None:
            return override or self.config.exclusions
        default = Path(DEFAULT_EXCLUSIONS)
        return default if default.exists() else None

    def benchmark(
        self,
        *,
        as_of: date | None = None,
        reports: Path | str | None = None,
        exclusions: Path | str | None = None,
        wait: bool = False,
    ) -> BenchmarkResult:
        """Benchmark every open vacancy's band against its matches and write the reports (Parquet, CSV and
        HTML, as one set). ``as_of`` None: the day the lake's matches were scored for; matches scored for
        another day are refused."""
        matches = self.lake / MATCHES
        if not matches.exists():
            raise NotReadyError(f"lake {self.lake}: no matches yet: run `matcher match` first")
        self._refuse_demo_lake("benchmark")
        run_id = _run_id()
        clock = _Clock()
        source = self.exclusions_file(None if exclusions is None else Path(exclusions))
        struck = load_exclusions(source) if source is not None else None
        directory = Path(reports) if reports is not None else self.reports_dir
        with self.locked(run_id, wait=wait), self._reading(directory):
            frames = benchmark_lake(self.lake, self.benchmark_options(as_of), exclusions=struck)
            day = as_of or matches_as_of(matches) or date.today()
            html = layout.path(directory, "report_html")
            # one set: the CSV, Parquet and HTML files are all new or all old, even when the disk fills
            page = render_report(frames, as_of=day, history=load_history(self.lake))  # + the p50 trend
            write_reports(frames, directory, texts={html.name: page})
            record_benchmarks(self.lake, frames["vacancy_benchmarks"])
        warnings = []
        excluded = frames.get("excluded_matches")
        if (
            excluded is not None
            and excluded.height
            and (unmatched := excluded.filter(~pl.col("matched")).height)
        ):
            warnings.append(f"{unmatched} exclusion(s) named no match (see excluded_matches)")
        return self._result(
            BenchmarkResult,
            "benchmark",
            run_id,
            clock,
            warnings=tuple(warnings),
            as_of=day,
            frames=frames,
            reports_dir=directory,
            html=html,
            exclusions_file=source,
        )

    def publish(
        self,
        *,
        apply: bool = False,
        reports: Path | str | None = None,
        min_confidence: str | None = None,
        today: date | None = None,
    ) -> PublishResult:
        """Each benchmarked vacancy's market figures into its Flowstate ``metadata.marketBenchmark``; a dry
        run unless ``apply``. A failure midway says what was written; running again is safe.

        Only benchmarks of ``min_confidence`` (default ``[publish] min_confidence``, medium) or better are
        written; with ``apply``, reports older than ``[publish] max_age_days`` (as of ``today``) or of a day
        after ``today``, benchmarked for another Flowstate tenant or org or from the demo's lake raise
        ``PublishRefusedError`` before anything is written (the dry run lists them as refused)."""
        run_id = _run_id()
        clock = _Clock()
        benchmarks = load_reports(Path(reports) if reports is not None else self.reports_dir)[
            "vacancy_benchmarks"
        ]
        flowstate = self.config.flowstate
        rules = PublishRules(
            min_confidence=min_confidence or self.config.publish_min_confidence,
            max_age_days=self.config.publish_max_age_days,
            today=today,
            tenant=flowstate.tenant,
            org_id=flowstate.org_id,
        )
        with self.flowstate_client() as client:
            stored: dict[str, dict[str, Any] | None] = {v["id"]: v for v in client.list_vacancies()}
            changes = plan_publication(benchmarks, stored, rules)
            unsafe = [c for c in changes if c.refusal in (STALE, FUTURE, OTHER_ORG, DEMO)]
            if apply and unsafe:
                fix = {
                    STALE: "run `matcher run` for fresh benchmarks (or raise [publish] max_age_days)",
                    FUTURE: "benchmark as of today or earlier (`matcher run` without a future --as-of)",
                    OTHER_ORG: "benchmark the configured Flowstate org's vacancies (`matcher run`)",
                    DEMO: "benchmark a lake of your own (`matcher run --lake ... --reports ...`)",
                }[unsafe[0].refusal]
                raise PublishRefusedError(
                    f"publish --apply refused, nothing written: {len(unsafe)} benchmark(s) may not be "
                    f"published ({unsafe[0].reason}); {fix}",
                    changes=tuple(changes),
                )
            if apply:
                _write_changes(client, [c for c in changes if c.action in ("set", "update")])
        return self._result(
            PublishResult,
            "publish",
            run_id,
            clock,
            changes=tuple(changes),
            applied=apply,
            record=apply,
        )

    def run(
        self,
        *,
        as_of: date | None = None,
        skip_ingest: bool = False,
        strict: bool = False,
        reports: Path | str | None = None,
        exclusions: Path | str | None = None,
        wait: bool = False,
        full: bool = False,
    ) -> RunResult:
        """ingest -> normalize -> match -> benchmark (and the reports), under one hold of the lake's lock.

        When some source or list fails to ingest, the later stages still run on what the lake holds
        (``RunResult.exit_code`` is the ingest's); with no posting in the lake yet, match and benchmark are
        skipped with the reason in ``RunResult.skipped`` (``exit_code`` 1: no fresh reports). With
        ``skip_ingest``, a folder that is not a lake raises ``NotReadyError`` and nothing is created.
        Normalize and match are incremental unless ``full``; the benchmark and the reports are computed in
        full every run."""
        self._refuse_demo_lake("run")
        if skip_ingest and not layout.is_lake(self.lake):  # a typo: refused before the lock makes a folder
            where = self.config.lake_url or str(self.lake)
            what = "no raw/, clean/ or state/ in it" if self.lake.exists() else "no such folder"
            raise NotReadyError(
                f"lake {where}: not a lake ({what}); `run --skip-ingest` starts from the lake as it is: "
                "check --lake or [lake] root, or run `matcher ingest` first"
            )
        day = as_of or date.today()
        run_id = _run_id()
        clock = _Clock()
        with self.locked(run_id, wait=wait):
            ingested = None if skip_ingest else self.ingest(strict=strict)
            normalized = self.normalize(full=full)
            matched = benchmarked = None
            skipped = None
            if layout.path(self.lake, "clean_postings").exists():
                matched = self.match(as_of=day, full=full)
                benchmarked = self.benchmark(as_of=day, reports=reports, exclusions=exclusions)
            else:  # a new source fetches a while after its creation; a source may match nothing yet
                skipped = (
                    "no postings in the lake yet (a new Floqer source imports its first postings a few "
                    "minutes after it is created; `matcher floqer list` shows its row count)"
                )
        return self._result(
            RunResult,
            "run",
            run_id,
            clock,
            warnings=tuple(w for s in (ingested, normalized, matched, benchmarked) if s for w in s.warnings),
            as_of=day,
            ingest=ingested,
            normalize=normalized,
            match=matched,
            benchmark=benchmarked,
            skipped=skipped,
        )


def _write_changes(client: FlowstateClient, writes: list[Change]) -> None:
    """PATCH each change in turn; a failure midway says which vacancies were already written and that
    running again is safe (each write is one whole vacancy; written ones then come out unchanged)."""
    from matcher.benchmark.publish import KEY

    written: list[str] = []
    for change in writes:  # read-modify-write per vacancy: its other metadata keys are kept
        try:
            client.update_vacancy(change.vacancy_id, {"metadata": {KEY: change.after}})
        except MatcherError as exc:
            done = ", ".join(written[:20]) + (f" and {len(written) - 20} more" if len(written) > 20 else "")
            left = len(writes) - len(written)
            raise PublishInterruptedError(
                f"{exc}; publish stopped at vacancy {change.vacancy_id}: {len(written)} of {len(writes)} "
                f"vacancies already written ({done or 'none'}), {left} not; running the same "
                "`matcher publish --apply` again is safe (written vacancies come out unchanged)",
                written=written,
            ) from exc
        written.append(change.vacancy_id)


class _Clock:
    def __init__(self) -> None:
        self.started_at = datetime.now(UTC)
        self._wall = time.perf_counter()
        self._cpu = time.process_time()

    def seconds(self) -> float:
        return time.perf_counter() - self._wall

    def cpu(self) -> float:
        return time.process_time() - self._cpu


def _run_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def _jsonable(value: Any) -> Any:
    """Dates, paths, decimals and dataclasses as JSON values."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return _jsonable(asdict(value))
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def result_json(result: StageResult) -> str:
    """A result as the JSON ``--json`` prints: its run record plus where the record was written."""
    record = result.record()
    record["record_path"] = str(result.record_path) if result.record_path else None
    return json.dumps(record, indent=2, sort_keys=True)
