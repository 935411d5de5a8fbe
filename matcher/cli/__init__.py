"""The ``matcher`` command line: a thin shell over library calls.

Every ``MatcherError`` becomes one clear line on stderr and exit code 1, never a traceback; so does a Polars
or DuckDB error reading a damaged file (``matcher.lake.damage``; ``-vv`` logs its traceback too).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import typer
from typer.core import TyperGroup

from matcher.cli.console import set_quiet, set_stderr_lines
from matcher.cli.demo import demo_command
from matcher.cli.floqer import floqer_app
from matcher.cli.fx import fx_app
from matcher.cli.ingest import ingest_command
from matcher.cli.lake import lake_app
from matcher.cli.normalize import normalize_command
from matcher.cli.pipeline import benchmark_command, match_command, run_command
from matcher.cli.publish import publish_command
from matcher.cli.sandbox import sandbox_app
from matcher.cli.sql import sql_command
from matcher.common.errors import MatcherError
from matcher.common.logs import FORMAT_ENV, LEVEL_ENV, configure_logging, json_line, resolve_level
from matcher.common.redaction import redact
from matcher.common.version import VERSION
from matcher.lake.damage import DamagedFileError, is_engine_error, is_read_error

log = logging.getLogger("matcher.cli")

_json_errors = False  # set by the root command from --log-format


class _Group(TyperGroup):
    """Every ``MatcherError`` raised by any command becomes one red line on stderr (one JSON object with
    ``--log-format json``) and exit code 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except MatcherError as exc:
            if isinstance(exc, DamagedFileError):  # -vv: what Polars or DuckDB raised, in full
                log.debug("the error under %s", type(exc).__name__, exc_info=exc.__cause__ or exc)
            _print_error(f"error: {one_line(str(exc))}")
            raise typer.Exit(1) from None
        except OSError as exc:  # a path that is a file, a directory, missing, or not writable: one line
            where = f"{exc.filename}: " if exc.filename else ""
            _print_error(f"error: {one_line(where + str(exc.strerror or exc))}")
            raise typer.Exit(1) from None
        except Exception as exc:
            # a damaged lake or report file read outside a Pipeline stage: one line (the stages name the
            # file: ``Pipeline._reading``); any other Polars or DuckDB error is a bug, raised as it is
            if not (is_engine_error(exc) and is_read_error(exc)):
                raise
            log.debug("a file could not be read", exc_info=exc)
            reason = " ".join(str(exc).split())[:300]
            _print_error(
                f"error: {one_line(reason)}: a lake or report file cannot be read: restore it from a backup, "
                "or rebuild (`--full` for the clean and matches tables; raw parts are the source of truth); "
                "-vv shows the traceback"
            )
            raise typer.Exit(1) from None


def _print_error(line: str) -> None:
    """The one line a failed command prints: red text, or with ``--log-format json`` a JSON object of level
    ``error`` like every other stderr line."""
    if _json_errors:
        sys.stderr.write(json_line(line, level=logging.ERROR) + "\n")
    else:
        typer.secho(line, fg=typer.colors.RED, err=True)


def one_line(text: str) -> str:
    """``text`` as one printable line: a newline, a CR or a control character a file or a server put in a
    name is shown escaped (``'a\\nb'`` -> ``a\\nb``), so one error is always one line on stderr."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


app = typer.Typer(
    cls=_Group,
    name="matcher",
    help="Match Flowstate vacancies with Floqer job postings and benchmark salary bands.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(floqer_app, name="floqer")
app.add_typer(fx_app, name="fx")
app.command("ingest")(ingest_command)
app.command("normalize")(normalize_command)
app.command("match")(match_command)
app.command("benchmark")(benchmark_command)
app.command("run")(run_command)
app.command("publish")(publish_command)
app.command("demo")(demo_command)
app.command("sql")(sql_command)
app.add_typer(lake_app, name="lake")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"matcher {VERSION}")
        raise typer.Exit()


class LogLevel(StrEnum):
    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"


class LogFormat(StrEnum):
    text = "text"
    json = "json"


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
    verbose: int = typer.Option(
        0,
        "--verbose",
        "-v",
        count=True,
        show_default=False,
        help="More log lines on stderr: -v info, -vv debug.",
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Errors only: no warnings, no tables or summaries on stdout."
    ),
    log_level: LogLevel = typer.Option(
        LogLevel.warning,
        "--log-level",
        envvar=LEVEL_ENV,
        case_sensitive=False,
        help="Log level when neither -v nor -q is given.",
        show_envvar=True,
    ),
    log_format: LogFormat = typer.Option(
        LogFormat.text,
        "--log-format",
        envvar=FORMAT_ENV,
        case_sensitive=False,
        help="'json': one JSON object per log line on stderr (ts, level, logger, message and extra fields).",
        show_envvar=True,
    ),
) -> None:
    """matcher: hiring-intent matching and salary benchmarking."""
    if verbose and quiet:
        raise typer.BadParameter("-q/--quiet and -v/--verbose contradict each other: give one")
    global _json_errors
    json_lines = _json_errors = log_format is LogFormat.json
    configure_logging(resolve_level(log_level.value, verbose=verbose, quiet=quiet), log_format.value)
    set_quiet(quiet)
    set_stderr_lines(_console_lines(json_lines=json_lines, errors_only=quiet))


_FAILURE_LINE = re.compile(r"(error|failed|\S+ failed)\b", re.IGNORECASE)
_WARNING_LINE = re.compile(r"warning\b", re.IGNORECASE)


def _console_lines(*, json_lines: bool, errors_only: bool) -> Callable[[str], None] | None:
    """Where a stderr console's lines go (``None``: to stderr as printed). A line is a failure when it starts
    with ``error``, ``failed`` or ``<what> failed``, a warning when it starts with ``warning``, else a notice
    (``info``); with ``errors_only`` only failures are kept, and with ``json_lines`` each is a JSON object of
    logger ``matcher.cli``: ``failed: floqer: 401`` -> ``{..., "level": "error", "message": "failed: floqer:
    401"}``.
    Console lines are a command's output: the log level does not filter them, only ``-q`` does."""
    if not json_lines and not errors_only:
        return None

    def write(line: str) -> None:
        if not line.strip():
            return
        if _FAILURE_LINE.match(line):
            level = logging.ERROR
        else:
            level = logging.WARNING if _WARNING_LINE.match(line) else logging.INFO
        if errors_only and level < logging.ERROR:
            return
        if json_lines:
            line = json_line(line, level=level)
        sys.stderr.write(redact(line) + "\n")

    return write


def main() -> None:
    """Console entry point (``matcher`` and ``python -m matcher``)."""
    app()
