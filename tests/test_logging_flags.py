"""``-v``/``-q``/``--log-format json`` on the root command; tables at full width when stdout is no terminal.

A test-only command (added to the app for one test) logs one line per level, with a registered secret in the
message and in an ``extra`` field, and prints a line on a module-level console and on a fresh one.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from decimal import Decimal

import polars as pl
import pytest
from typer.models import CommandInfo
from typer.testing import CliRunner

import matcher.cli.pipeline as cli_pipeline
from matcher.cli import app
from matcher.cli.console import MIN_WIDTH, PIPE_WIDTH, make_console, set_quiet
from matcher.common.redaction import register_secret

SECRET = "s3cret-token-for-logging-tests"
log = logging.getLogger("matcher.test_logging_flags")
module_console = make_console()  # made at import, as the command modules make theirs
module_err = make_console(stderr=True)


def _chatty() -> None:
    log.debug("debug line")
    log.info("info line")
    log.warning("warning line with key %s", SECRET, extra={"host": "api.example", "auth": f"Bearer {SECRET}"})
    log.error("error line")
    module_console.print("module console output")
    make_console().print("fresh console output")
    module_err.print(f"[yellow]warning:[/] floqer: a source expired ({SECRET})")
    make_console(stderr=True).print("[red]failed:[/] flowstate: 401 Unauthorized")


@pytest.fixture(autouse=True)
def _restore_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("MATCHER_LOG_LEVEL", "MATCHER_LOG_FORMAT", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    monkeypatch.setattr(
        app, "registered_commands", [*app.registered_commands, CommandInfo(name="chatty", callback=_chatty)]
    )
    register_secret(SECRET)
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    set_quiet(False)


def _invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [*args, "chatty"], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_default_shows_warnings_and_the_normal_output() -> None:
    code, out, err = _invoke()
    assert code == 0, err
    assert "WARNING matcher.test_logging_flags: warning line" in err and "ERROR" in err
    assert "info line" not in err and "debug line" not in err
    assert "module console output" in out and "fresh console output" in out
    assert "warning: floqer: a source expired (***)" in err and "failed: flowstate: 401" in err
    assert SECRET not in err


def test_quiet_prints_errors_only() -> None:
    code, out, err = _invoke("-q")
    assert code == 0, err
    assert err.strip().splitlines() == [
        "ERROR matcher.test_logging_flags: error line",
        "failed: flowstate: 401 Unauthorized",  # a console's failure line stays, its warning goes
    ]
    assert out == ""  # the consoles made before the flag was read are silenced too


def test_quiet_still_prints_a_failure_as_one_line() -> None:
    result = CliRunner().invoke(app, ["-q", "normalize", "--currency", "XYZ", "--lake", "/nonexistent-lake"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")


def test_a_failure_is_one_json_line_with_log_format_json() -> None:
    result = CliRunner().invoke(
        app, ["--log-format", "json", "normalize", "--currency", "XYZ", "--lake", "/nonexistent-lake"]
    )
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["level"] == "error" and record["message"].startswith("error: ")


def test_verbose_once_shows_info_twice_shows_debug() -> None:
    _, _, err = _invoke("-v")
    assert "INFO matcher.test_logging_flags: info line" in err and "debug line" not in err
    _, _, err = _invoke("-vv")
    assert "DEBUG matcher.test_logging_flags: debug line" in err


def test_quiet_and_verbose_together_are_a_usage_error() -> None:
    code, _, err = _invoke("-q", "-v")
    assert code == 2 and "contradict" in err


def test_environment_sets_the_defaults_and_flags_win() -> None:
    _, _, err = _invoke(env={"MATCHER_LOG_LEVEL": "INFO", "MATCHER_LOG_FORMAT": "json"})
    levels = [json.loads(line)["level"] for line in err.splitlines()]
    assert levels == ["info", "warning", "error", "warning", "error"]
    _, _, err = _invoke("-q", "--log-format", "text", env={"MATCHER_LOG_LEVEL": "debug"})
    assert "ERROR matcher.test_logging_flags: error line" in err and "debug line" not in err


def test_a_bad_environment_value_is_named() -> None:
    code, _, err = _invoke(env={"MATCHER_LOG_FORMAT": "xml"})
    assert code == 2 and "MATCHER_LOG_FORMAT" in err


def test_json_lines_parse_and_carry_extras_with_secrets_redacted() -> None:
    code, _, err = _invoke("--log-format", "json", "-vv")
    assert code == 0, err
    assert SECRET not in err
    records = [json.loads(line) for line in err.splitlines()]  # every stderr line, the consoles' too
    assert [r["level"] for r in records] == ["debug", "info", "warning", "error", "warning", "error"]
    warning = records[2]
    assert set(warning) == {"ts", "level", "logger", "message", "host", "auth"}
    assert warning["logger"] == "matcher.test_logging_flags"
    assert warning["message"] == "warning line with key ***"
    assert warning["host"] == "api.example" and warning["auth"] == "Bearer ***"
    assert warning["ts"].endswith("+00:00") and "T" in warning["ts"]
    assert records[4]["logger"] == "matcher.cli"
    assert records[4]["message"] == "warning: floqer: a source expired (***)"  # no colour codes, redacted
    assert records[5]["message"] == "failed: flowstate: 401 Unauthorized"


# -- full width when stdout is not a terminal ----------------------------------------------------------------
class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


ROLE = "Principal Staff Platform Reliability Engineering Manager, Payments Infrastructure"


def _benchmarks() -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "role": ROLE,
                "country_code": "US",
                "band_min": Decimal(150000),
                "band_max": Decimal(190000),
                "currency": "USD",
                "p25": Decimal(160000),
                "p50": Decimal(175000),
                "p75": Decimal(185000),
                "compa_ratio": Decimal("0.97"),
                "n_postings": 12,
                "n_companies": 7,
                "confidence": "high",
                "verdict": "in line with the market",
                "percentiles_indicative": False,
            }
        ]
    )


def _drawn(stream: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(cli_pipeline, "console", make_console(file=stream))
    cli_pipeline._print_benchmarks(_benchmarks())
    return stream.getvalue()


def test_benchmark_table_is_never_cut_when_stdout_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = _drawn(io.StringIO(), monkeypatch)
    assert "…" not in drawn
    assert f"{ROLE} (US)" in drawn and "in line with the market" in drawn


def test_benchmark_table_keeps_its_column_widths_at_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "…" in _drawn(_Terminal(), monkeypatch)


def test_console_width_follows_the_stream_and_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    assert make_console(file=io.StringIO()).width == PIPE_WIDTH
    assert make_console(file=_Terminal()).width >= MIN_WIDTH
    monkeypatch.setenv("COLUMNS", "100")
    assert make_console(file=io.StringIO()).width == 100
    assert make_console(file=_Terminal()).width == 100
