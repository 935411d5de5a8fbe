"""``matcher.connect`` and ``matcher sql``: a view per lake table and report; the queries of docs/sql.md."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

import matcher
from matcher.cli import app
from matcher.lake.layout import TABLES
from matcher.lake.sql import QueryError, error_line, fetch, table_counts
from tests.conftest import copy_demo_lake

DOC = Path(__file__).resolve().parents[1] / "docs" / "sql.md"
EVERY_VIEW = {t.name for t in TABLES.values() if t.view}


def _doc_queries() -> list[tuple[list[str], str]]:
    """(the columns its ``-- columns:`` line names, the query) of each ```sql block in docs/sql.md."""
    blocks = re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    queries = []
    for block in blocks:
        first, _, _ = block.partition("\n")
        assert first.startswith("-- columns: "), first
        queries.append(([c.strip() for c in first.removeprefix("-- columns: ").split(",")], block))
    return queries


@pytest.fixture
def full(demo_outputs: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """The demo's lake and reports, plus what the demo does not make: a quarantined row, a vacancy event and
    a second benchmark run (so every table has a file)."""
    lake, reports = tmp_path / "lake", tmp_path / "reports"
    copy_demo_lake(demo_outputs[0], lake)
    shutil.copytree(demo_outputs[1], reports)
    meta = {
        "run_id": "20990101T000000Z-aaaaaa",
        "ingested_at": datetime(2099, 1, 1, tzinfo=UTC),
        "page_no": 1,
    }
    (lake / "quarantine").mkdir()
    bad = {
        "source": "floqer",
        "entity": "postings",
        "source_instance_id": "s",
        "raw_sha": "ab",
        "reason": "no id",
    }
    pl.DataFrame([{**bad, "raw_json": "{}", **meta}]).write_parquet(
        lake / "quarantine" / "part-20990101T000000Z-aaaaaa-000001.parquet"
    )
    events = lake / "raw" / "flowstate" / "vacancy_events"
    events.mkdir()
    pl.DataFrame(
        [
            {
                "scenario_id": "",
                "vacancy_id": "v1",
                "event": "disappeared",
                "last_updated_at": "2026-11-01",
                **meta,
            }
        ]
    ).write_parquet(events / "part-20990101T000000Z-aaaaaa-000001.parquet")
    history = sorted((lake / "benchmark" / "history").glob("*.parquet"))[0]
    second = pl.read_parquet(history).with_columns(pl.col("run_at") + pl.duration(days=1))
    second.write_parquet(history.with_name("run_at=20990101T000000000000Z.parquet"))
    return lake, reports


def test_connect_is_exported() -> None:
    assert "connect" in matcher.__all__


def test_every_lake_table_and_report_is_a_view(full: tuple[Path, Path]) -> None:
    lake, reports = full
    connection = matcher.connect(lake, reports)
    counts = {name: rows for name, rows, _ in table_counts(connection)}
    assert set(counts) == EVERY_VIEW
    assert counts["quarantine"] == counts["raw_vacancy_events"] == 1
    assert counts["raw_postings"] == counts["clean_postings"] > 1000
    assert counts["benchmark_history"] == 2 * counts["vacancy_benchmarks"]
    manifests = fetch(
        connection, "SELECT run_id, status, CAST(totals['landed'] AS BIGINT) FROM manifests"
    ).rows
    assert [(status, landed > 0) for _, status, landed in manifests] == [("ok", True)]


def test_the_reports_beside_the_lake_are_found(full: tuple[Path, Path]) -> None:
    lake, _ = full
    names = {name for name, _, _ in table_counts(matcher.connect(lake))}
    assert (
        "vacancy_benchmarks" in names
    )  # tmp/lake and tmp/reports, as `matcher demo --lake --reports` lays out


def test_the_views_survive_a_change_of_directory(
    full: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(full[0].parent)
    connection = matcher.connect("lake", "reports")  # relative, as in a notebook
    monkeypatch.chdir(Path("/"))
    assert fetch(connection, "select count(*) from clean_postings").rows[0][0] > 1000


def test_a_table_without_files_has_no_view(tmp_path: Path) -> None:
    (tmp_path / "state").mkdir()  # what `matcher ingest` makes first
    connection = matcher.connect(tmp_path)
    assert table_counts(connection) == []
    with pytest.raises(QueryError, match="clean_postings does not exist"):
        fetch(connection, "select * from clean_postings")


def test_a_folder_that_is_not_a_lake_is_one_clear_error(tmp_path: Path) -> None:
    for folder in (tmp_path, tmp_path / "missing"):
        with pytest.raises(matcher.DataError, match="expected a lake folder") as caught:
            matcher.connect(folder)
        assert "\n" not in str(caught.value)
    (tmp_path / "clean").mkdir()
    with pytest.raises(matcher.DataError, match="expected a reports folder"):
        matcher.connect(tmp_path, reports=tmp_path / "nope")


@pytest.mark.parametrize(
    ("columns", "query"), _doc_queries(), ids=lambda v: v[0] if isinstance(v, list) else ""
)
def test_the_docs_queries_answer_on_the_demo(columns: list[str], query: str, full: tuple[Path, Path]) -> None:
    result = fetch(matcher.connect(*full), query)
    assert [name for name, _ in result.columns] == columns
    assert result.rows


def test_the_docs_show_the_three_questions() -> None:
    text = " ".join(query for _, query in _doc_queries())
    assert len(_doc_queries()) >= 3
    assert "FROM benchmark_history" in text and "JOIN clean_postings" in text and "date_trunc('week'" in text


def test_p50_over_runs_sees_both_runs(full: tuple[Path, Path]) -> None:
    (columns, query), *_ = _doc_queries()
    result = fetch(matcher.connect(*full), query)
    runs = columns.index("runs")
    assert {row[runs] for row in result.rows} == {2}


def test_duckdb_errors_are_one_line() -> None:
    message = 'Catalog Error: Table x does not exist!\nDid you mean "y"?\n\nLINE 1: select * from x\n   ^^^'
    assert error_line(Exception(message)) == 'Catalog Error: Table x does not exist! Did you mean "y"?'


# -- the command line ----------------------------------------------------------------------------------------
def _sql(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["sql", *args])
    return result.exit_code, result.stdout, result.stderr


def test_sql_prints_every_column_at_full_width_when_piped(full: tuple[Path, Path]) -> None:
    lake, reports = full
    code, out, _ = _sql(
        "select * from vacancy_benchmarks order by vacancy_id", "--lake", str(lake), "--reports", str(reports)
    )
    assert code == 0, out
    header = next(line for line in out.splitlines() if "scenario_id" in line)
    for name in pl.read_parquet(reports / "vacancy_benchmarks.parquet").columns:
        assert f" {name} " in f" {header} ", name  # every column, none cut or folded
    assert "…" not in out
    assert f"{pl.read_parquet(reports / 'vacancy_benchmarks.parquet').height} row(s)" in out


def test_sql_acceptance_query(full: tuple[Path, Path]) -> None:
    lake, reports = full
    code, out, _ = _sql(
        "select role, p50 from vacancy_benchmarks", "--lake", str(lake), "--reports", str(reports)
    )
    assert code == 0, out
    assert "role" in out and "p50" in out and "Senior Backend Engineer" in out


def test_sql_tables_lists_the_views_with_counts(full: tuple[Path, Path]) -> None:
    lake, reports = full
    code, out, _ = _sql("--tables", "--lake", str(lake), "--reports", str(reports))
    assert code == 0, out
    for name in EVERY_VIEW:
        assert re.search(rf"^\s*{name}\s+[\d,]+\s", out, flags=re.M), name


def test_sql_writes_csv_and_parquet_atomically(full: tuple[Path, Path], tmp_path: Path) -> None:
    lake, _ = full
    query = "select posting_id, company, '=1+1' as formula from clean_postings order by posting_id limit 5"
    for name in ("out.csv", "out.parquet"):
        code, _, err = _sql(query, "--lake", str(lake), "--out", str(tmp_path / name))
        assert code == 0, err
        assert "5 row(s)" in err
    csv = pl.read_csv(tmp_path / "out.csv", infer_schema=False)
    parquet = pl.read_parquet(tmp_path / "out.parquet")
    assert csv["posting_id"].to_list() == parquet["posting_id"].to_list()
    assert set(csv["formula"]) == {"'=1+1"}  # a spreadsheet would run it: neutralized
    assert set(parquet["formula"]) == {"=1+1"}  # Parquet keeps the value
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["out.csv", "out.parquet"]  # no temp


def test_a_failed_export_leaves_no_file(full: tuple[Path, Path], tmp_path: Path) -> None:
    lake, _ = full
    out = tmp_path / "x.csv"
    code, _, err = _sql("select nope from clean_postings", "--lake", str(lake), "--out", str(out))
    assert code == 1 and "Referenced column" in err
    assert not any(p.is_file() for p in tmp_path.iterdir())
    code, _, err = _sql("select 1", "--lake", str(lake), "--out", str(tmp_path / "x.xlsx"))
    assert code == 1 and "expected a file name ending in .csv or .parquet" in err


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("selec 1", "query: Parser Error: syntax error"),
        ("select * from nowhere", "query: Catalog Error: Table with name nowhere does not exist!"),
        ("select cast('x' as int)", "query: Conversion Error"),
        ("", "query: empty"),
    ],
)
def test_sql_errors_are_one_line_without_a_traceback(
    full: tuple[Path, Path], query: str, expected: str
) -> None:
    code, out, err = _sql(query, "--lake", str(full[0]))
    assert code == 1
    assert err.startswith(f"error: {expected}") and err.count("\n") == 1, err
    assert "Traceback" not in out + err


def test_sql_without_a_query_or_a_lake(tmp_path: Path) -> None:
    code, _, err = _sql("--lake", str(tmp_path))
    assert code == 1 and "expected a lake folder" in err
    (tmp_path / "state").mkdir()
    code, _, err = _sql("--lake", str(tmp_path))
    assert code == 1 and "or --tables" in err


def test_sql_takes_the_lake_from_the_config(full: tuple[Path, Path], tmp_path: Path) -> None:
    settings = tmp_path / "matcher.toml"
    settings.write_text(f'[lake]\nroot = "{full[0]}"\n[report]\ndir = "{full[1]}"\n', encoding="utf-8")
    code, out, err = _sql("select count(*) as n from vacancy_benchmarks", "--config", str(settings))
    assert code == 0, err
    rows = pl.read_parquet(full[1] / "vacancy_benchmarks.parquet").height
    assert re.search(rf"^\s*{rows}\s*$", out, flags=re.M), out
