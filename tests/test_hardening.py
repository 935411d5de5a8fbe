"""Issue 13: each finding of the hardening review, one regression test (or a few) apiece."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.common.config import load_config
from matcher.common.errors import ConfigError


def _config(tmp_path: Path, text: str, **env: str) -> object:
    path = tmp_path / "matcher.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, env=env)


# Finding 3: plain http only when the URL's host is loopback, compared after parsing, not as a text prefix.
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1@example.com/",
        "http://localhost.attacker.example",
        "http://localhost:443@evil.example",
        "http://127.0.0.1.evil.example/",
        "http://[::1]@evil.example/",
        "http://localhostevil.example/",
        "http://user:pw@localhost/",
        "https://[::1",
        "http://[::1",
        "ftp://127.0.0.1/",
        "https://",
        "https:///nohost",
        "https://exa mple.com/",
    ],
)
def test_base_url_must_be_https_or_truly_loopback(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError) as raised:
        _config(tmp_path, "", FLOQER_BASE_URL=url)
    message = str(raised.value)
    assert "\n" not in message and "[floqer] base_url" in message


@pytest.mark.parametrize(
    "url",
    [
        "https://api.floqer.com",
        "http://127.0.0.1:8765/floqer",
        "http://127.8.9.10/floqer",
        "http://localhost:8765/floqer",
        "http://LOCALHOST:1/x",
        "http://[::1]:8765/floqer",
    ],
)
def test_loopback_and_https_urls_are_accepted(tmp_path: Path, url: str) -> None:
    config = _config(tmp_path, "", FLOQER_BASE_URL=url)
    assert config.floqer.base_url == url  # type: ignore[attr-defined]


# Finding 2: weights and every numeric setting are validated: finite, in range, at least one weight positive.
@pytest.mark.parametrize(
    ("toml", "field"),
    [
        ("[match]\nweights = { title = nan }", "weights.title"),
        ("[match]\nweights = { title = inf }", "weights.title"),
        ("[match]\nweights = { skills = -0.5 }", "weights.skills"),
        (
            "[match]\nweights = { title = 0, seniority = 0, geography = 0, recency = 0, skills = 0 }",
            "[match] weights",
        ),
        ("[match]\nweights = { title = 0, seniority = 0, geography = 0, recency = 0 }", "[match] weights"),
        ("[match]\nfloor = nan", "[match] floor"),
        ("[match]\ntitle_floor = nan", "[match] title_floor"),
        ("[match]\ntitle_floor = 101", "[match] title_floor"),
        ("[benchmark]\nmin_score = -inf", "[benchmark] min_score"),
        ("[http]\ntimeout_seconds = -1", "[http] timeout_seconds"),
        ("[http]\ntimeout_seconds = 0", "[http] timeout_seconds"),
        ("[http]\ntimeout_seconds = nan", "[http] timeout_seconds"),
        ("[http]\ntimeout_seconds = inf", "[http] timeout_seconds"),
        ("[http]\nmax_wait_seconds = -5", "[http] max_wait_seconds"),
        ("[http]\nmax_wait_seconds = nan", "[http] max_wait_seconds"),
        ("[http]\nmax_wait_seconds = inf", "[http] max_wait_seconds"),
        ("[http]\nmax_attempts = 0", "[http] max_attempts"),
        ("[benchmark]\ncompany_cap = 0", "[benchmark] company_cap"),
        ("[report]\ntop_k = -3", "[report] top_k"),
    ],
)
def test_numeric_settings_are_finite_and_in_range(tmp_path: Path, toml: str, field: str) -> None:
    with pytest.raises(ConfigError) as raised:
        _config(tmp_path, toml)
    message = str(raised.value)
    assert field in message and "\n" not in message


def test_zero_weights_that_leave_one_positive_are_accepted(tmp_path: Path) -> None:
    config = _config(tmp_path, "[match]\nweights = { title = 1, seniority = 0, geography = 0, recency = 0 }")
    assert dict(config.match_weights)["title"] == 1.0  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "options",
    [
        {"weights": {"title": float("nan")}},
        {"weights": {"title": float("inf"), "skills": 0.1}},
        {"weights": {"title": -1.0, "seniority": 2.0}},
        {"weights": dict.fromkeys(("title", "seniority", "geography", "recency", "skills"), 0.0)},
        {"weights": {"skills": 1.0}},  # a vacancy without skills would score 0/0
        {"weights": {"title": 1.0, "colour": 1.0}},
        {"floor": float("nan")},
        {"floor": 150.0},
        {"title_floor": float("inf")},
        {"recency_days": 0},
        {"block_max_df": float("nan")},
    ],
)
def test_match_options_refuse_weights_and_floors_that_make_nan_scores(options: dict[str, object]) -> None:
    from matcher.match.stage import MatchOptions

    with pytest.raises(ConfigError) as raised:
        MatchOptions(**options)  # type: ignore[arg-type]
    assert "\n" not in str(raised.value)


# Finding 4: taking the lake lock removes only the lake's own temporary files, and only stale ones.
def test_the_lock_sweeps_only_the_lakes_own_stale_temp_files(tmp_path: Path) -> None:
    import os
    import time

    from matcher.ingest.lake import Lake

    root = tmp_path / "lake"
    ours = root / "raw/floqer/postings/part-20261102T090000Z-abcdef-000001.parquet.tmp"
    old_state = root / "state/cursors.json.tmp"
    theirs = [
        root / "notes.tmp",
        root / "clean/postings.parquet.tmp",  # normalize writing right now, without the lake lock
        root / "raw/floqer/postings/my-export.tmp",
        root / "raw/floqer/postings/part-x.csv.tmp",
        root / "matches/matches.parquet.tmp",
        root / "state/floqer_plan.json.tmp",  # fresh: `matcher floqer plan` may be writing it
    ]
    for path in [ours, old_state, *theirs]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    hour_ago = time.time() - 3600
    os.utime(old_state, (hour_ago, hour_ago))
    with Lake(root).lock(run_id="r1"):
        pass
    assert not ours.exists() and not old_state.exists()
    assert [p for p in theirs if not p.exists()] == []


# Finding 7: a bad --source id is checked before it is recorded; a bad recorded id or state file costs a line.
def test_a_bad_source_id_is_never_recorded(tmp_path: Path, sandbox: object) -> None:
    from typer.testing import CliRunner

    from matcher.cli import app
    from tests.conftest import sandbox_env

    lake = tmp_path / "lake"
    env = sandbox_env(sandbox, lake)  # type: ignore[arg-type]
    for bad in ("not-a-uuid", "../../etc", "00000000-0000-4000-8000-000000000000"):
        result = CliRunner().invoke(app, ["ingest", "--only", "floqer", "--source", bad], env=env)
        assert result.exit_code in (1, 2), result.output
        assert "Traceback" not in result.output
        assert not (lake / "state" / "floqer_sources.json").exists()


@pytest.mark.parametrize("state", ['{"not-a-uuid": {}}', "{not json", '["a list"]'])
def test_a_broken_sources_state_is_one_line_not_a_traceback(
    tmp_path: Path, sandbox: object, state: str
) -> None:
    from typer.testing import CliRunner

    from matcher.cli import app
    from tests.conftest import sandbox_env

    lake = tmp_path / "lake"
    (lake / "state").mkdir(parents=True)
    (lake / "state" / "floqer_sources.json").write_text(state)
    env = sandbox_env(sandbox, lake)  # type: ignore[arg-type]
    result = CliRunner().invoke(app, ["ingest", "--only", "floqer"], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1, 3), result.output


# Finding 14: a formula after leading whitespace or a line break is still a formula to a spreadsheet.
@pytest.mark.parametrize(
    "cell", [" =1+1", "\n=1+1", "\t=1+1", "\r\n@SUM(A1)", "  +1", "\u00a0=1", "\u3000-1", "=1", "\ufeff=1"]
)
def test_the_csv_formula_guard_looks_past_leading_whitespace(cell: str) -> None:
    import polars as pl

    from matcher.report.writer import spreadsheet_safe

    safe = spreadsheet_safe(pl.DataFrame({"title": [cell, "Data Engineer", "C++ - senior"]}))
    assert safe["title"].to_list() == ["'" + cell, "Data Engineer", "C++ - senior"]


# Finding 10 (in part): a vacancy whose metadata is not an object is skipped with a reason, not a crash.
@pytest.mark.parametrize("metadata", [["a", "b"], "text", 3, None, {}])
def test_publish_planning_survives_metadata_of_any_shape(metadata: object) -> None:
    from datetime import date
    from decimal import Decimal

    import polars as pl

    from matcher.benchmark.publish import plan_publication

    row = {
        "vacancy_id": "v1", "role": "Data Engineer", "scenario_id": "", "as_of": date(2026, 11, 2),
        "currency": "USD", "p25": Decimal("1"), "p50": Decimal("2"), "p75": Decimal("3"), "n_postings": 5,
        "n_companies": 3, "confidence": "medium", "compa_ratio": Decimal("1.0"), "verdict": "within",
    }  # fmt: skip
    changes = plan_publication(pl.DataFrame([row]), {"v1": {"id": "v1", "metadata": metadata}})
    (change,) = changes
    if isinstance(metadata, dict) or metadata is None:
        assert change.action == "set"
    else:
        assert change.action == "skip" and "not an object" in change.reason
