"""The lake's registry (matcher/lake/layout.py) and ``matcher lake compact`` (matcher/lake/compact.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from matcher.cli import app
from matcher.ingest import lake as ingest_lake
from matcher.ingest.lake import Lake, LakeBusyError
from matcher.lake import compact
from matcher.lake.compact import CompactSummary, compact_lake
from matcher.lake.files import atomic_file, write_json, write_parquet_atomic, write_text_atomic
from matcher.lake.layout import RAW_TABLES, TABLES, folder, is_lake, path, table_for
from matcher.lake.sql import connect, table_counts
from tests.conftest import copy_demo_lake

# ingest's table names -> the registry's
INGEST_NAMES = {
    "floqer_postings": "raw_postings",
    "floqer_posting_sources": "raw_posting_sources",
    "flowstate_vacancies": "raw_vacancies",
    "flowstate_vacancy_events": "raw_vacancy_events",
    "flowstate_locations": "raw_locations",
    "flowstate_job_roles": "raw_job_roles",
    "flowstate_work_types": "raw_work_types",
    "quarantine": "quarantine",
}


@pytest.fixture
def lake(demo_outputs: tuple[Path, Path], tmp_path: Path) -> Path:
    """A copy of the demo's lake (26 parts per Floqer table), to change."""
    copy = tmp_path / "lake"
    copy_demo_lake(demo_outputs[0], copy)
    return copy


def _relative_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_every_table_has_a_unique_name_a_relative_path_and_a_description() -> None:
    assert len(TABLES) == len({t.path for t in TABLES.values()})
    for table in TABLES.values():
        assert not Path(table.path).is_absolute() and ".." not in Path(table.path).parts
        assert table.description and "\n" not in table.description
        assert table.name.isidentifier()
        if table.view and table.format == "parquet":
            assert table.key, table.name  # every queryable Parquet table says what identifies a row


def test_the_raw_tables_are_ingests_tables() -> None:
    """Same folders and natural keys as matcher/ingest/lake.py writes (it reads them from the registry)."""
    assert {INGEST_NAMES[name] for name in ingest_lake.TABLES} == {t.name for t in RAW_TABLES}
    for name, (directory, key) in ingest_lake.TABLES.items():
        table = TABLES[INGEST_NAMES[name]]
        assert (table.directory, table.key) == (directory, key)


def test_the_stages_paths_are_the_registrys() -> None:
    from matcher.benchmark import stage as benchmark
    from matcher.match import semantic
    from matcher.match import stage as match
    from matcher.normalize import stage as normalize
    from matcher.report.writer import REPORTS

    assert TABLES["clean_postings"].path == match.CLEAN_POSTINGS
    assert TABLES["clean_vacancies"].path == match.CLEAN_VACANCIES
    assert TABLES["matches"].path == match.MATCHES
    assert TABLES["left_out"].path == match.LEFT_OUT
    assert TABLES["benchmark_history"].directory == benchmark.HISTORY.as_posix()
    assert TABLES["title_vectors"].path == semantic.CACHE_RELATIVE_PATH.as_posix()
    assert semantic.TitleVectorCache.in_lake("lake").path == Path("lake/cache/title_vectors.parquet")
    reports = tuple(t.name for t in TABLES.values() if t.root == "reports" and t.format == "parquet")
    assert reports == REPORTS
    for constant in (
        "RAW_POSTINGS",
        "RAW_POSTING_SOURCES",
        "RAW_VACANCIES",
        "RAW_VACANCY_EVENTS",
        "RAW_LOCATIONS",
        "RAW_JOB_ROLES",
        "RAW_WORK_TYPES",
        "CLEAN_POSTINGS",
        "CLEAN_VACANCIES",
    ):  # normalize names the tables it reads and writes by the registry's names
        assert getattr(normalize, constant) in TABLES, constant


def test_path_folder_and_file_name_a_tables_files() -> None:
    assert path("data/lake", "clean_postings") == Path("data/lake/clean/postings.parquet")
    assert path("reports", "vacancy_benchmarks") == Path("reports/vacancy_benchmarks.parquet")
    assert folder("data/lake", "manifests") == Path("data/lake/state/runs")
    assert folder("data/lake", "cursors") == Path("data/lake/state")
    assert TABLES["raw_postings"].file("l", "r1-000001") == Path(
        "l/raw/floqer/postings/part-r1-000001.parquet"
    )
    assert TABLES["manifests"].file("l", "r1") == Path("l/state/runs/r1.json")
    with pytest.raises(ValueError, match="several files"):
        path("l", "raw_postings")
    with pytest.raises(ValueError, match="one file"):
        TABLES["matches"].file("l", "x")
    with pytest.raises(KeyError):
        path("l", "no_such_table")


def test_the_ingest_lake_writes_where_the_registry_says(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    part = lake.append("floqer_postings", [{"posting_id": "1"}], {"posting_id": pl.String}, run_id="r1")
    assert part is not None and TABLES["raw_postings"].files(tmp_path) == [part]
    assert lake.write_manifest({"run_id": "r1"}) == TABLES["manifests"].file(tmp_path, "r1")
    lake.move_cursor("floqer:s1", {"page": 2})
    assert json.loads(path(tmp_path, "cursors").read_text()) == {"floqer:s1": {"page": 2}}
    with lake.lock(run_id="r2"):
        assert path(tmp_path, "lock").read_text().startswith("run r2")
    assert not list(tmp_path.rglob("*.tmp"))


# -- the one atomic write ------------------------------------------------------------------------------------
def test_the_atomic_writes_leave_the_file_and_no_temp_file(tmp_path: Path) -> None:
    frame = pl.DataFrame({"a": [1, 2]})
    target = tmp_path / "deep" / "t.parquet"
    assert write_parquet_atomic(frame, target, compression="zstd") == target
    assert pl.read_parquet(target).equals(frame)
    assert write_text_atomic(tmp_path / "t.txt", "é\n").read_text(encoding="utf-8") == "é\n"
    write_json(tmp_path / "s" / "t.json", {"b": 1, "a": [1]})
    assert (tmp_path / "s" / "t.json").read_text() == '{\n  "a": [\n    1\n  ],\n  "b": 1\n}'
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_failed_atomic_write_keeps_the_old_file_and_removes_its_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "t.txt"
    target.write_text("old")

    def write_half() -> None:
        with atomic_file(target) as temp:
            temp.write_text("half")
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_half()
    assert target.read_text() == "old" and not list(tmp_path.glob("*.tmp"))


def test_nested_atomic_files_are_all_written_before_any_is_renamed(tmp_path: Path) -> None:
    first, second = tmp_path / "matches.parquet", tmp_path / "left_out.parquet"
    seen: list[bool] = []
    with atomic_file(first) as a, atomic_file(second, written=lambda: seen.append(first.exists())) as b:
        a.write_text("a")
        b.write_text("b")
    assert seen == [False]  # the inner file is renamed first, the outer one after it
    assert (first.read_text(), second.read_text()) == ("a", "b")


def test_a_crash_after_the_write_leaves_the_temp_file_as_a_kill_would(tmp_path: Path) -> None:
    class Killed(BaseException):
        pass

    def kill() -> None:
        raise Killed

    def write() -> None:
        with atomic_file(tmp_path / "t.txt", written=kill) as temp:
            temp.write_text("new")

    with pytest.raises(Killed):
        write()
    assert not (tmp_path / "t.txt").exists() and (tmp_path / "t.txt.tmp").read_text() == "new"


def test_every_file_the_demo_writes_is_in_the_registry(demo_outputs: tuple[Path, Path]) -> None:
    """ingest, normalize, match, benchmark and the reports: no path the registry does not name."""
    lake, reports = demo_outputs
    lake_files, report_files = _relative_files(lake), _relative_files(reports)
    assert [f for f in lake_files if table_for(f) is None] == []
    assert [f for f in report_files if table_for(f, root="reports") is None] == []
    found = {t.name for f in lake_files if (t := table_for(f))} | {
        t.name for f in report_files if (t := table_for(f, root="reports"))
    }
    assert {
        "raw_postings",
        "clean_postings",
        "matches",
        "left_out",
        "benchmark_history",
        "manifests",
    } <= found
    assert {"vacancy_benchmarks", "report_html"} <= found


def test_a_temp_file_or_a_stray_file_belongs_to_no_table() -> None:
    assert table_for("raw/floqer/postings/part-x-000001.parquet.tmp") is None
    assert table_for("raw/floqer/postings/sub/part-x-000001.parquet") is None
    assert table_for("state/runs/old/x.json") is None
    assert table_for("vacancy_benchmarks.csv", root="reports") is TABLES["vacancy_benchmarks"]
    assert table_for("notes.txt") is None


def test_a_lake_is_a_folder_with_a_lake_folder_in_it(tmp_path: Path) -> None:
    assert not is_lake(tmp_path / "missing")
    assert not is_lake(tmp_path)
    (tmp_path / "state").mkdir()
    assert is_lake(tmp_path)


# -- compaction --------------------------------------------------------------------------------------------
def _snapshot(root: Path) -> dict[str, set[tuple[object, ...]]]:
    """Every raw view's rows (as sets: a duplicate would not hide in a count either)."""
    connection = connect(root)
    try:
        shown = {}
        for table in RAW_TABLES:
            if table.files(root):
                rows = connection.execute(f"SELECT * FROM {table.name}").fetchall()
                shown[table.name] = set(rows)
                assert len(rows) == len(shown[table.name]), table.name
        return shown
    finally:
        connection.close()


def _compact(root: Path, run_id: str, *, crash: Callable[[str], None] | None = None) -> CompactSummary:
    return compact_lake(root, run_id=run_id, lock=Lake(root).lock(run_id=run_id), crash=crash)


def test_compact_rewrites_each_raw_table_as_one_part_losing_and_duplicating_nothing(lake: Path) -> None:
    before = _snapshot(lake)
    frames = {name: Lake(lake).read(name) for name in ("floqer_postings", "floqer_posting_sources")}
    assert len(TABLES["raw_postings"].files(lake)) == 26

    summary = _compact(lake, "20990101T000000Z-c0ffee")

    assert [t.table for t in summary.tables] == ["raw_postings", "raw_posting_sources"]
    for table in RAW_TABLES:
        assert len(table.files(lake)) <= 1
    assert _snapshot(lake) == before
    for (
        name,
        frame,
    ) in frames.items():  # the polars readers (ingest, normalize) see the same frame, same order
        assert Lake(lake).read(name).equals(frame)
    manifest = json.loads((lake / "state/runs/20990101T000000Z-c0ffee.json").read_text())
    assert manifest["kind"] == "compact" and manifest["status"] == "ok"
    assert manifest["tables"]["raw_postings"]["parts_before"] == 26
    assert manifest["totals"]["landed"] == 0  # the rows were counted by the runs that landed them
    assert Lake(lake).recover_manifests() == []  # the new part's run has its manifest

    again = _compact(lake, "20990101T000001Z-c0ffee")  # one part each: nothing to do, no manifest
    assert again.tables == []
    assert not (lake / "state/runs/20990101T000001Z-c0ffee.json").exists()


class Killed(BaseException):
    """Stands in for SIGKILL at a crash point."""


def _kill(point: str) -> None:
    raise Killed(point)


def test_a_compaction_killed_after_the_rename_loses_and_duplicates_nothing_and_is_finished_next_time(
    lake: Path,
) -> None:
    before = _snapshot(lake)
    keys = Lake(lake).keys("floqer_postings")
    old_parts = TABLES["raw_postings"].files(lake)

    with pytest.raises(Killed):
        _compact(lake, "20990101T000000Z-dead00", crash=_kill)

    # killed between the rename and the removal: the new part and every old part are there
    parts = TABLES["raw_postings"].files(lake)
    assert len(parts) == len(old_parts) + 1 and set(old_parts) < set(parts)
    assert _snapshot(lake) == before  # each row once, in every view
    assert Lake(lake).keys("floqer_postings") == keys
    assert connect(lake).execute("SELECT count(*) FROM raw_postings").fetchall() == [(len(keys),)]
    manifest = json.loads((lake / "state/runs/20990101T000000Z-dead00.json").read_text())
    assert manifest["status"] == "running"
    assert manifest["tables"]["raw_postings"]["state"] == "renaming"
    assert Lake(lake).recover_manifests() == []  # the orphan-looking new part is accounted for

    summary = _compact(lake, "20990101T000100Z-a11ve0")

    assert summary.finished == ["20990101T000000Z-dead00"]
    for table in RAW_TABLES:
        assert len(table.files(lake)) <= 1
    assert _snapshot(lake) == before
    finished = json.loads((lake / "state/runs/20990101T000000Z-dead00.json").read_text())
    assert finished["status"] == "ok" and finished["recovered"] is True


def test_a_compaction_killed_before_the_rename_leaves_the_old_parts(
    lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _snapshot(lake)
    old_parts = TABLES["raw_postings"].files(lake)

    def killed_writing_the_manifest(path: Path, data: dict[str, object]) -> None:
        raise Killed("before the rename")

    monkeypatch.setattr(compact, "write_json", killed_writing_the_manifest)
    with pytest.raises(Killed):
        _compact(lake, "20990101T000000Z-dead01")
    assert TABLES["raw_postings"].files(lake) == old_parts
    assert not list((lake / TABLES["raw_postings"].directory).glob("*.tmp"))
    assert _snapshot(lake) == before


def test_compact_waits_for_no_one_while_an_ingest_holds_the_lock(lake: Path) -> None:
    with Lake(lake).lock(run_id="ingest-run"), pytest.raises(LakeBusyError, match="locked by run ingest-run"):
        _compact(lake, "20990101T000000Z-b05y00")
    assert len(TABLES["raw_postings"].files(lake)) == 26


def test_the_first_landed_row_wins_in_a_raw_view(lake: Path) -> None:
    """A later part repeating a key (a copy left by a killed compaction) changes nothing a reader sees."""
    first = TABLES["raw_postings"].files(lake)[0]
    frame = pl.read_parquet(first)
    later = frame.with_columns(
        pl.lit("changed").alias("job_title"), pl.col("ingested_at") + pl.duration(days=1)
    )
    later.write_parquet(first.with_name("part-29990101T000000Z-ffffff-000001.parquet"))
    connection = connect(lake)
    titles = dict(connection.execute("SELECT posting_id, job_title FROM raw_postings").fetchall())
    assert len(titles) == len(Lake(lake).keys("floqer_postings"))
    assert "changed" not in set(titles.values())
    assert {titles[p] for p in frame["posting_id"]} == set(frame["job_title"])


def test_the_cli_compacts_and_says_what_it_did(lake: Path) -> None:
    result = CliRunner().invoke(app, ["lake", "compact", "--lake", str(lake)])
    assert result.exit_code == 0, result.output
    assert "raw_postings: 26 parts" in result.output and "-> 1 part" in result.output
    again = CliRunner().invoke(app, ["lake", "compact", "--lake", str(lake)])
    assert again.exit_code == 0 and "nothing to compact" in again.output
    counts = {name: rows for name, rows, _ in table_counts(connect(lake))}
    assert counts["raw_postings"] == len(Lake(lake).keys("floqer_postings"))


def test_the_cli_refuses_a_folder_that_is_not_a_lake(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["lake", "compact", "--lake", str(tmp_path)])
    assert result.exit_code == 1
    assert "expected a lake folder" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "state").exists()  # no lock file made in a folder that is not a lake


def test_parts_written_by_another_version_are_read_together(tmp_path: Path) -> None:
    """A raw table that grew a field (and a part where a number was an integer): one frame, by name."""
    import polars as pl

    from matcher.lake.files import read_parts

    old = tmp_path / "part-1.parquet"
    new = tmp_path / "part-2.parquet"
    pl.DataFrame({"posting_id": ["a"], "page_no": [1]}).write_parquet(old)
    pl.DataFrame({"posting_id": ["b"], "page_no": [2.5], "reposted": [True]}).write_parquet(new)
    with pytest.raises(pl.exceptions.SchemaError):
        pl.read_parquet([old, new])  # what a one-pass read does with them
    frame = read_parts([old, new])
    assert frame.to_dicts() == [
        {"posting_id": "a", "page_no": 1.0, "reposted": None},
        {"posting_id": "b", "page_no": 2.5, "reposted": True},
    ]
    assert read_parts([old, new], columns=["posting_id"])["posting_id"].to_list() == ["a", "b"]
    assert read_parts([]).height == 0
