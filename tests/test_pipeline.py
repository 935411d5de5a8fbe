"""matcher as a library: ``Pipeline`` stages, their typed results, preconditions, run records and the lock."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from matcher import Config, ConfigError, MatcherError, NotReadyError, Pipeline, RunResult
from matcher.cli import app
from matcher.demo import DEMO_FILTERS, run_demo, sandbox_pipeline
from matcher.ingest.lake import Lake, LakeBusyError
from matcher.lake.damage import DamagedFileError
from matcher.match.stage import MATCHES, matches_as_of
from matcher.pipeline import DemoLakeError
from matcher.report.writer import load_reports
from matcher.sandbox import SandboxServer

from .conftest import copy_demo_lake, sandbox_config, sandbox_env


def _copy(demo_outputs: tuple[Path, Path], tmp_path: Path) -> Path:
    lake = tmp_path / "lake"
    copy_demo_lake(demo_outputs[0], lake)
    return lake


def test_the_whole_run_as_a_library_call(tmp_path: Path) -> None:
    """ingest -> normalize -> match -> benchmark through ``Pipeline.run`` against the sandbox, no CLI."""
    with SandboxServer(sandbox_config()) as sandbox:
        lake, reports = tmp_path / "lake", tmp_path / "reports"
        pipeline = sandbox_pipeline(sandbox, lake, reports)
        expiration = (sandbox.clock.now() + timedelta(days=60)).date().isoformat()
        with pipeline.floqer_client() as client:
            created = client.create(name="test", filters=DEMO_FILTERS, expiration_date=expiration, broad=True)
        pipeline.track_source(created.source_instance_id)
        sandbox.clock.advance(timedelta(minutes=2, days=20))
        day = sandbox.clock.now().date()
        result = pipeline.run(as_of=day)

        assert isinstance(result, RunResult) and result.exit_code == 0 and result.skipped is None
        assert result.ingest is not None and result.ingest.landed > 0 and result.ingest.status == "ok"
        assert (
            result.normalize.summary.postings
            == result.ingest.manifest["entities"][f"floqer:{created.source_instance_id}"]["landed"]
        )
        assert result.match is not None and result.match.summary.matches > 0 and result.match.as_of == day
        assert result.benchmark is not None and result.benchmark.as_of == day
        benchmarks = result.benchmark.benchmarks
        assert benchmarks.height == result.match.summary.vacancies
        assert (reports / "vacancy_benchmarks.parquet").exists() and result.benchmark.html.exists()
        # a run record per stage and one for the run, each naming its stage, run id, counts and time
        records = sorted((lake / "state" / "records").glob("*.json"))
        stages = sorted(json.loads(p.read_text())["stage"] for p in records)
        assert stages == ["benchmark", "ingest", "match", "normalize", "run"]
        run = json.loads(result.record_path.read_text()) if result.record_path else {}
        assert run["counts"]["stages"]["match"]["matches"] == result.match.summary.matches
        assert run["seconds"] >= run["counts"]["stages"]["normalize"]["seconds"] > 0
        assert sandbox.keys.floqer not in "".join(p.read_text() for p in records)  # no secret in records


def test_each_stage_names_the_step_that_is_missing(tmp_path: Path) -> None:
    pipeline = Pipeline(Config(lake=tmp_path / "empty"))
    with pytest.raises(NotReadyError, match="no raw data yet: run `matcher ingest` first"):
        pipeline.normalize()
    with pytest.raises(NotReadyError, match="no clean tables yet: run `matcher normalize` first"):
        pipeline.match()
    with pytest.raises(NotReadyError, match="no matches yet: run `matcher match` first"):
        pipeline.benchmark()
    with pytest.raises(ConfigError, match="currency: got 'XYZ', expected a currency with ECB rates"):
        pipeline.normalize(currency="xyz")
    with pytest.raises(ConfigError, match="only: got 'both'"):
        pipeline.ingest(only="both")
    assert not (tmp_path / "empty").exists()  # a refused stage writes nothing


def test_stages_on_the_demo_lake_return_results_and_take_the_lock(
    demo_outputs: tuple[Path, Path], tmp_path: Path
) -> None:
    lake = _copy(demo_outputs, tmp_path)
    pipeline = Pipeline(lake=lake, reports=tmp_path / "reports", config=Config(lake=lake))
    normalized = pipeline.normalize()
    assert normalized.summary.postings > 1000 and normalized.record_path and normalized.record_path.exists()
    record = json.loads(normalized.record_path.read_text())
    assert record["stage"] == "normalize" and record["counts"]["postings"] == normalized.summary.postings
    assert record["cpu_seconds"] > 0 and record["status"] == "ok"
    matched = pipeline.match(as_of=demo_as_of(demo_outputs))
    assert matched.summary.matches > 0
    benchmarked = pipeline.benchmark()  # as of the day the matches were scored for
    assert benchmarked.as_of == matched.as_of and benchmarked.benchmarks.height > 0
    # another process holding the lake's lock: a stage refuses at once, naming the holder
    with Lake(lake).lock(run_id="other-run"), pytest.raises(LakeBusyError, match="locked by run other-run"):
        pipeline.match(as_of=matched.as_of)


def demo_as_of(demo_outputs: tuple[Path, Path]) -> date:
    day = matches_as_of(demo_outputs[0] / MATCHES)
    assert day is not None
    return day


def test_json_prints_the_run_record(demo_outputs: tuple[Path, Path], tmp_path: Path) -> None:
    lake = _copy(demo_outputs, tmp_path)
    day = str(demo_as_of(demo_outputs))
    result = CliRunner().invoke(app, ["match", "--lake", str(lake), "--as-of", day, "--json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["stage"] == "match" and record["counts"]["as_of"] == day and record["counts"]["matches"] > 0
    assert Path(record["record_path"]).is_file()


def test_the_demo_refuses_a_lake_that_is_not_its_own(tmp_path: Path) -> None:
    real = tmp_path / "lake"
    (real / "raw" / "floqer").mkdir(parents=True)
    (real / "state").mkdir()
    (real / "state" / "floqer_sources.json").write_text("{}")
    result = CliRunner().invoke(app, ["demo", "--lake", str(real), "--reports", str(tmp_path / "r")])
    assert result.exit_code == 1
    assert "holds data that is not the demo's" in result.output and "pick another --lake" in result.output
    assert sorted(p.name for p in real.rglob("*")) == ["floqer", "floqer_sources.json", "raw", "state"]


def test_the_demo_writes_its_own_marked_lake(demo_outputs: tuple[Path, Path]) -> None:
    lake, reports = demo_outputs
    assert json.loads((lake / "state" / "demo.json").read_text())["demo"] is True
    assert (reports / "report.html").is_file()


def test_the_demo_as_a_library_call_refuses_a_real_lake(tmp_path: Path) -> None:
    (tmp_path / "lake" / "clean").mkdir(parents=True)
    with pytest.raises(MatcherError, match="not the demo's"):
        run_demo(tmp_path / "lake", tmp_path / "reports")


def _files(root: Path) -> dict[Path, tuple[int, int]]:
    return {p.relative_to(root): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")}


@pytest.mark.parametrize("command", ["ingest", "normalize", "match", "benchmark", "run"])
def test_every_stage_refuses_a_lake_marked_as_the_demos(
    command: str, demo_outputs: tuple[Path, Path], sandbox: SandboxServer, tmp_path: Path
) -> None:
    """`cp -a data/demo/lake X; matcher ingest --lake X`: real data never lands in the demo's synthetic lake,
    and no stage benchmarks from it (the keys are set: only the marker refuses)."""
    lake = tmp_path / "lake"
    shutil.copytree(demo_outputs[0], lake)  # the marker (state/demo.json) comes along
    args = [command, "--lake", str(lake)]
    if command in ("benchmark", "run"):
        args += ["--reports", str(tmp_path / "reports")]
    before = _files(lake)
    result = CliRunner().invoke(app, args, env=sandbox_env(sandbox, lake))
    assert result.exit_code == 1, result.output
    assert len(result.output.strip().splitlines()) == 1, result.output  # one line, no traceback
    assert f"lake {lake}: marked as the demo's (state/demo.json)" in result.output
    assert f"`matcher {command}` does not write real data into it" in result.output
    assert _files(lake) == before and not (tmp_path / "reports").exists()


def test_the_library_refuses_a_demo_lake_but_the_demos_own_pipeline_writes_it(
    demo_outputs: tuple[Path, Path], tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    shutil.copytree(demo_outputs[0], lake)
    with pytest.raises(DemoLakeError, match="marked as the demo's"):
        Pipeline(Config(lake=lake)).normalize()
    with pytest.raises(DemoLakeError, match="marked as the demo's"):
        Pipeline(Config(lake=lake)).run(skip_ingest=True)
    normalized = Pipeline(Config(lake=lake), demo=True).normalize()  # what matcher.demo passes
    assert normalized.summary.postings > 0


def test_the_demo_runs_again_on_its_own_lake_landing_nothing_new(
    demo_outputs: tuple[Path, Path], tmp_path: Path
) -> None:
    """`make demo` twice in a row: the second run writes the demo's own (marked) lake again."""
    lake = tmp_path / "lake"
    shutil.copytree(demo_outputs[0], lake)
    landed = []
    run_demo(lake, tmp_path / "reports", on_result=lambda r: landed.append(getattr(r, "landed", None)))
    assert landed[0] == 0  # the same sandbox market: every posting is in the lake already
    assert load_reports(tmp_path / "reports")["vacancy_benchmarks"]["demo_lake"].all()


@pytest.mark.parametrize("command", ["normalize", "match", "benchmark", "run"])
def test_every_stage_refuses_while_another_run_holds_the_lock(
    command: str, demo_outputs: tuple[Path, Path], tmp_path: Path
) -> None:
    lake = _copy(demo_outputs, tmp_path)
    args = [command, "--lake", str(lake)]
    if command in ("match", "run"):
        args += ["--as-of", str(demo_as_of(demo_outputs))]
    if command in ("benchmark", "run"):
        args += ["--reports", str(tmp_path / "reports")]
    if command == "run":
        args.append("--skip-ingest")
    before = sorted(p.relative_to(lake) for p in lake.rglob("*") if p.name != "lock")
    with Lake(lake).lock(run_id="scheduled-run"):
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "locked by run scheduled-run" in result.output and "--wait" in result.output
    assert sorted(p.relative_to(lake) for p in lake.rglob("*") if p.name != "lock") == before


def test_run_json_and_the_library_give_the_same_reports(
    demo_outputs: tuple[Path, Path], tmp_path: Path
) -> None:
    """``matcher run --json`` prints a record a program can read; ``Pipeline(...).run()`` (a notebook
    cell) writes the same reports from the same lake."""
    day = demo_as_of(demo_outputs)
    cli_lake, lib_lake = _copy(demo_outputs, tmp_path / "a"), _copy(demo_outputs, tmp_path / "b")
    args = ["run", "--skip-ingest", "--json", "--lake", str(cli_lake), "--as-of", str(day)]
    result = CliRunner().invoke(app, [*args, "--reports", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["stage"] == "run" and record["counts"]["exit_code"] == 0
    assert set(record["counts"]["stages"]) == {"normalize", "match", "benchmark"}
    assert record["counts"]["stages"]["match"]["matches"] > 0
    ran = Pipeline(Config(lake=lib_lake, reports_dir=tmp_path / "lib")).run(skip_ingest=True, as_of=day)
    assert (
        ran.match is not None and ran.match.summary.matches == record["counts"]["stages"]["match"]["matches"]
    )
    for name in ("vacancy_benchmarks", "vacancy_matches", "competitor_hiring", "benchmark_pool"):
        cli = pl.read_parquet(tmp_path / "cli" / f"{name}.parquet")
        lib = pl.read_parquet(tmp_path / "lib" / f"{name}.parquet")
        assert_frame_equal(cli.drop("run_at", strict=False), lib.drop("run_at", strict=False)), name


def test_sql_after_the_demo_reads_the_demos_lake(
    demo_outputs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh clone after `make demo` has no data/lake yet: `matcher sql` reads the demo's, and says so."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(demo_outputs[0], tmp_path / "data" / "demo" / "lake")
    shutil.copytree(demo_outputs[1], tmp_path / "reports" / "demo")
    result = CliRunner().invoke(app, ["sql", "select role, p50 from vacancy_benchmarks"])
    assert result.exit_code == 0, result.output
    assert "Senior Backend Engineer" in result.stdout and "reading the demo's" in result.output


@pytest.mark.parametrize("named_by", ["MATCHER_LAKE", "MATCHER_LAKE__ROOT", "[lake] root"])
def test_sql_never_answers_from_the_demos_lake_for_a_lake_named_but_absent(
    named_by: str, demo_outputs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lake named in the environment or the settings file that does not exist (a typo) fails like
    `--lake typo`: the demo's lake is read only when no lake is named anywhere."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(demo_outputs[0], tmp_path / "data" / "demo" / "lake")
    typo = tmp_path / "srv" / "typo"
    args, env = ["sql", "select count(*) from raw_postings"], {}
    if named_by == "[lake] root":
        (tmp_path / "matcher.toml").write_text(f'[lake]\nroot = "{typo}"\n')
    else:
        env[named_by] = str(typo)
    result = CliRunner().invoke(app, args, env=env)
    expected = CliRunner().invoke(app, [*args, "--lake", str(typo)])
    assert result.exit_code == expected.exit_code == 1, result.output
    assert result.output == expected.output and result.output.count("\n") == 1
    assert f"lake: got '{typo}', expected a lake folder" in result.output
    assert "reading the demo's" not in result.output and "5048" not in result.output
    assert not typo.exists()


@pytest.mark.parametrize("exists", [False, True])
def test_run_skip_ingest_refuses_a_folder_that_is_not_a_lake(exists: bool, tmp_path: Path) -> None:
    """`matcher run --skip-ingest --lake typo`: one line, exit 1, and no folder made (the lock's either)."""
    lake = tmp_path / "x" / "typo-lake"
    if exists:
        lake.mkdir(parents=True)
    result = CliRunner().invoke(app, ["run", "--skip-ingest", "--lake", str(lake)])
    assert result.exit_code == 1 and result.output.count("\n") == 1, result.output
    what = "no raw/, clean/ or state/ in it" if exists else "no such folder"
    assert (
        f"lake {lake}: not a lake ({what}); `run --skip-ingest` starts from the lake as it is"
        in result.output
    )
    assert (list(lake.iterdir()) == []) if exists else not (tmp_path / "x").exists()


def test_run_exits_1_when_match_and_benchmark_are_skipped(
    demo_outputs: tuple[Path, Path], tmp_path: Path
) -> None:
    """No posting in the lake yet: no reports are written, so cron must not see success (exit 1)."""
    lake = copy_demo_lake(demo_outputs[0], tmp_path / "lake")
    for folder in ("raw/floqer", "clean", "matches", "benchmark"):
        shutil.rmtree(lake / folder)  # the vacancies only, as before a new source's first import
    reports = tmp_path / "reports"
    args = ["run", "--skip-ingest", "--lake", str(lake), "--reports", str(reports)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "match and benchmark skipped" in result.output and not reports.exists()
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 1 and json.loads(result.stdout)["counts"]["exit_code"] == 1
    run = Pipeline(Config(lake=lake)).run(skip_ingest=True, reports=reports)
    assert run.skipped and run.exit_code == 1 and run.benchmark is None


def _cut_short(path: Path) -> Path:
    """``head -c 100 path`` into itself: a Parquet file without its footer."""
    path.write_bytes(path.read_bytes()[:100])
    return path


@pytest.mark.parametrize("command", ["normalize", "match", "benchmark"])
def test_a_damaged_clean_part_is_one_line_naming_the_file_and_the_fix(
    command: str, demo_outputs: tuple[Path, Path], tmp_path: Path
) -> None:
    lake = copy_demo_lake(demo_outputs[0], tmp_path / "lake")
    part = _cut_short(sorted((lake / "clean" / "postings.parquet").glob("part-*.parquet"))[0])
    args = {
        "normalize": ["normalize"],
        "match": ["match", "--full", "--as-of", str(demo_as_of(demo_outputs))],
        "benchmark": ["benchmark", "--reports", str(tmp_path / "reports")],
    }[command]
    result = CliRunner().invoke(app, [*args, "--lake", str(lake)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert len(result.output.strip().splitlines()) == 1, result.output  # no traceback
    assert f"error: {part} cannot be read (parquet: File out of specification" in result.output
    assert "restore the file from a backup, or rebuild the clean tables: `matcher normalize --full`" in (
        result.output
    )


def test_the_damaged_file_error_names_raw_parts_and_matches_with_their_fix(
    demo_outputs: tuple[Path, Path], tmp_path: Path
) -> None:
    lake = copy_demo_lake(demo_outputs[0], tmp_path / "lake")
    matches = _cut_short(lake / MATCHES)
    result = CliRunner().invoke(app, ["benchmark", "--lake", str(lake), "--reports", str(tmp_path / "r")])
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1, result.output
    assert f"{matches} cannot be read" in result.output and "`matcher match --full`" in result.output
    part = _cut_short(sorted((lake / "raw" / "floqer" / "postings").glob("part-*.parquet"))[0])
    with pytest.raises(DamagedFileError, match="raw parts are the source of truth") as raised:
        Pipeline(Config(lake=lake)).normalize(full=True)  # the library says the same
    assert raised.value.path == part and "and 1 more damaged file" in str(raised.value)
    assert isinstance(raised.value.__cause__, pl.exceptions.ComputeError)  # kept for -vv and debuggers


def test_a_damaged_file_shows_its_traceback_at_vv_and_other_engine_errors_stay_loud(
    demo_outputs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = copy_demo_lake(demo_outputs[0], tmp_path / "lake")
    _cut_short(sorted((lake / "clean" / "postings.parquet").glob("part-*.parquet"))[0])
    result = CliRunner().invoke(app, ["-vv", "normalize", "--lake", str(lake)])
    assert result.exit_code == 1 and "Traceback" in result.output and "ComputeError" in result.output
    # a Polars error that is no damaged file (a bug) is never turned into a line: it is raised as it is
    shutil.rmtree(lake)
    lake = copy_demo_lake(demo_outputs[0], tmp_path / "lake")

    def bug(*args: object, **kwargs: object) -> None:
        raise pl.exceptions.ComputeError("cannot compare string with numeric type (i64)")

    monkeypatch.setattr("matcher.pipeline.normalize_lake", bug)
    result = CliRunner().invoke(app, ["normalize", "--lake", str(lake)])
    assert isinstance(result.exception, pl.exceptions.ComputeError) and "error:" not in result.output


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (
            pl.exceptions.ComputeError("parquet: File out of specification: The file must end with PAR1"),
            "error: parquet: File out of specification: The file must end with PAR1: a lake or report file "
            "cannot be read: restore it from a backup, or rebuild",
        ),
        (IsADirectoryError(21, "Is a directory", "/srv/x"), "error: /srv/x: Is a directory"),
    ],
)
def test_the_cli_turns_read_errors_outside_a_stage_into_one_line(
    raised: Exception, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What no Pipeline stage converted (here: `matcher sql` opening the lake) still ends in one line."""

    def fail(*args: object, **kwargs: object) -> None:
        raise raised

    monkeypatch.setattr("matcher.cli.sql.connect", fail)
    result = CliRunner().invoke(app, ["sql", "--lake", str(tmp_path), "select 1"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert len(result.output.strip().splitlines()) == 1 and expected in result.output, result.output


def test_the_stage_functions_name_the_missing_step_too(tmp_path: Path) -> None:
    """Called directly, without the Pipeline: one clear error, never Polars' FileNotFoundError."""
    from matcher import benchmark_lake
    from matcher.match.stage import match_lake
    from matcher.normalize.stage import NormalizeOptions, normalize_lake

    with pytest.raises(NotReadyError, match="no raw data yet: run `matcher ingest` first"):
        normalize_lake(tmp_path)
    with pytest.raises(ConfigError, match="reporting_currency: got 'XYZ', expected a currency with ECB"):
        normalize_lake(tmp_path, NormalizeOptions(reporting_currency="XYZ"))  # never silently nothing
    with pytest.raises(NotReadyError, match="no clean tables yet: run `matcher normalize` first"):
        match_lake(tmp_path)
    with pytest.raises(NotReadyError, match="run `matcher normalize` first"):
        benchmark_lake(tmp_path)


def test_an_ingest_without_keys_writes_nothing(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    with pytest.raises(ConfigError, match="FLOQER_API_KEY is not set") as both:
        Pipeline(Config(lake=lake)).ingest()
    assert any(p.startswith("FLOWSTATE_API_KEY is not set") for p in both.value.problems)  # all at once
    with pytest.raises(ConfigError, match="FLOWSTATE_API_KEY is not set"):
        Pipeline(Config(lake=lake)).ingest(only="flowstate")
    assert not lake.exists()  # not even the lock file: a later `matcher sql` still finds the demo's lake


def test_sql_reads_the_demos_lake_beside_a_lake_that_holds_only_a_lock(
    demo_outputs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data" / "lake" / "state").mkdir(parents=True)
    (tmp_path / "data" / "lake" / "state" / "lock").write_text("")
    shutil.copytree(demo_outputs[0], tmp_path / "data" / "demo" / "lake")
    result = CliRunner().invoke(app, ["sql", "select count(*) as n from clean_postings"])
    assert result.exit_code == 0, result.output
    assert "reading the demo's" in result.output
