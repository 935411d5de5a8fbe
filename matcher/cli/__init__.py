"""The ``matcher`` command line: a thin shell over library calls.

Every ``MatcherError`` becomes one clear line on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import typer
from typer.core import TyperGroup

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
from matcher.common.redaction import RedactingFilter
from matcher.common.version import VERSION


class _Group(TyperGroup):
    """Every ``MatcherError`` raised by any command becomes one red line on stderr and exit code 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except MatcherError as exc:
            typer.secho(f"error: {one_line(str(exc))}", fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from None
        except OSError as exc:  # a path that is a file, a directory, missing, or not writable: one line
            where = f"{exc.filename}: " if exc.filename else ""
            typer.secho(f"error: {one_line(where + str(exc.strerror or exc))}", fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from None


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


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """matcher: hiring-intent matching and salary benchmarking."""
    _configure_logging()


class _StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # logging must never break a command
            self.handleError(record)


def _configure_logging() -> None:
    """Warnings (retries, skipped sources) to stderr, every line through the secret redactor."""
    root = logging.getLogger()
    if any(isinstance(f, RedactingFilter) for h in root.handlers for f in h.filters):
        return
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(logging.WARNING)


def main() -> None:
    """Console entry point (``matcher`` and ``python -m matcher``)."""
    app()
