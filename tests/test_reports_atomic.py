"""Issue 13 (finding 8): the reports are written as one set, all new or all old; a full disk is one line."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from matcher.cli import app
from matcher.common.errors import ReportWriteError
from matcher.report.writer import READY, REPORTS, write_reports
from tests.conftest import copy_demo_lake


def _frames(tag: str) -> dict[str, pl.DataFrame]:
    return {name: pl.DataFrame({"vacancy_id": [f"{tag}-{name}"], "n": [1]}) for name in REPORTS}


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def _disk_fills_after(monkeypatch: pytest.MonkeyPatch, calls: int) -> None:
    """``write_csv`` raises ENOSPC from its ``calls``-th call on (the disk is full)."""
    real = pl.DataFrame.write_csv
    count = {"n": 0}

    def write_csv(self: pl.DataFrame, *args: Any, **kwargs: Any) -> Any:
        count["n"] += 1
        if count["n"] >= calls:
            raise OSError(errno.ENOSPC, "No space left on device", str(args[0]) if args else None)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pl.DataFrame, "write_csv", write_csv)


@pytest.mark.parametrize("fails_at", [1, 3, 5])
def test_a_full_disk_midway_leaves_the_old_set_whole_and_no_temp_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails_at: int
) -> None:
    reports = tmp_path / "reports"
    write_reports(_frames("old"), reports, texts={"report.html": "<p>old</p>"})
    old = _snapshot(reports)
    assert set(old) == {f"{n}.{e}" for n in REPORTS for e in ("parquet", "csv")} | {"report.html"}
    _disk_fills_after(monkeypatch, fails_at)
    with pytest.raises(ReportWriteError) as caught:
        write_reports(_frames("new"), reports, texts={"report.html": "<p>new</p>"})
    assert "\n" not in str(caught.value) and "No space left on device" in str(caught.value)
    assert "previous reports are left as they were" in str(caught.value)
    assert _snapshot(reports) == old  # every file old, nothing new, no temp file or folder left


def test_a_set_killed_while_swapping_in_is_completed_by_the_next_write(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    write_reports(_frames("old"), reports)
    # a complete staging folder, as a kill between two renames leaves it (one file already moved in)
    staged = tmp_path / "staged"
    write_reports(_frames("new"), staged)
    stage = reports / ".tmp-killed"
    shutil.copytree(staged, stage)
    names = sorted(p.name for p in staged.iterdir())
    (stage / READY).write_text("\n".join(names) + "\n")
    (stage / names[0]).replace(reports / names[0])
    (reports / ".tmp-incomplete").mkdir()  # a staging folder without READY: a write that failed
    write_reports(_frames("newer"), reports)
    assert not list(reports.glob(".tmp-*"))
    assert pl.read_parquet(reports / "vacancy_matches.parquet")["vacancy_id"][0] == "newer-vacancy_matches"


def test_benchmark_on_a_full_disk_ends_in_one_line_and_keeps_the_old_reports(
    demo_outputs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = tmp_path / "lake"
    copy_demo_lake(demo_outputs[0], lake)
    reports = tmp_path / "reports"
    shutil.copytree(demo_outputs[1], reports)
    old = _snapshot(reports)
    monkeypatch.chdir(tmp_path)
    _disk_fills_after(monkeypatch, 2)
    result = CliRunner().invoke(app, ["benchmark", "--lake", str(lake), "--reports", str(reports)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "No space left on device" in errors[0], result.output
    assert "Traceback" not in result.output
    assert _snapshot(reports) == old


def test_a_file_where_the_reports_folder_should_be_is_one_line(tmp_path: Path) -> None:
    """``--reports`` naming a file (or a folder under one) was "error: .../afile: File exists"."""
    (tmp_path / "afile").write_text("keep me", encoding="utf-8")
    for target in (tmp_path / "afile", tmp_path / "afile" / "reports"):
        with pytest.raises(ReportWriteError, match="a file is there, expected a folder") as info:
            write_reports(_frames("x"), target)
        assert str(target) in str(info.value) and "\n" not in str(info.value)
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "keep me"
