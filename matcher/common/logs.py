"""Logging for the CLI, notebooks and scripts: one stderr handler, text or JSON lines, secrets redacted.

>>> configure_logging(level="info", fmt="json")                      # doctest: +SKIP
>>> logging.getLogger("matcher.ingest").info("landed %d rows", 3)     # doctest: +SKIP
{"ts": "2026-12-01T09:30:00.123+00:00", "level": "info", "logger": "matcher.ingest", "message": "landed ..."}

Without arguments the level and format come from ``MATCHER_LOG_LEVEL`` (debug, info, warning, error;
default warning) and ``MATCHER_LOG_FORMAT`` (text, json; default text), as ``matcher``'s own flags do.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any, Literal

from matcher.common.errors import ConfigError
from matcher.common.redaction import RedactingFilter, redact

LEVELS = ("debug", "info", "warning", "error")
FORMATS = ("text", "json")
LEVEL_ENV = "MATCHER_LOG_LEVEL"
FORMAT_ENV = "MATCHER_LOG_FORMAT"
TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"
NOISY = ("httpx", "httpcore")  # a line per request: shown at debug only

LogFormat = Literal["text", "json"]


def resolve_level(level: int | str | None = None, *, verbose: int = 0, quiet: bool = False) -> int:
    """The logging level from ``-q`` (errors only), ``-v`` (info) / ``-vv`` (debug), else ``level`` (a name
    or a number), else ``MATCHER_LOG_LEVEL``, else warning: ``resolve_level("INFO")`` -> ``20``."""
    if quiet:
        return logging.ERROR
    if verbose:
        return logging.INFO if verbose == 1 else logging.DEBUG
    if level is None:
        level = os.environ.get(LEVEL_ENV) or "warning"
    if isinstance(level, int):
        return level
    name = level.strip().lower()
    if name not in LEVELS:
        raise ConfigError([f"log level: got {level!r}, expected one of {', '.join(LEVELS)}"])
    return logging.getLevelNamesMapping()[name.upper()]


def resolve_format(fmt: str | None = None) -> LogFormat:
    """``fmt``, else ``MATCHER_LOG_FORMAT``, else text: ``resolve_format("JSON")`` -> ``"json"``."""
    if fmt is None:
        fmt = os.environ.get(FORMAT_ENV) or "text"
    name = fmt.strip().lower()
    if name == "json":
        return "json"
    if name == "text":
        return "text"
    raise ConfigError([f"log format: got {fmt!r}, expected one of {', '.join(FORMATS)}"])


class StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it); the whole line, traceback
    included, goes through the secret redactor once more."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(redact(self.format(record)) + "\n")
        except Exception:  # logging must never break a command
            self.handleError(record)


_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonLineFormatter(logging.Formatter):
    """One JSON object per record, its strings redacted.

    ``log.warning("retry %d", 2, extra={"host": "x"})`` -> ``{"ts": "2026-12-01T09:30:00.123+00:00",
    "level": "warning", "logger": "matcher.ingest", "message": "retry 2", "host": "x"}`` (a traceback, when
    there is one, under ``exc``).
    """

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key not in line:
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(_redacted(line), default=str, ensure_ascii=False)


def json_line(message: str, *, level: int = logging.INFO, logger: str = "matcher.cli") -> str:
    """``message`` as one JSON log line, as the handler writes it: ``json_line("failed: x", level=40)`` ->
    ``{"ts": ..., "level": "error", "logger": "matcher.cli", "message": "failed: x"}``."""
    record = logging.LogRecord(logger, level, __file__, 0, message, None, None)
    return JsonLineFormatter().format(record)


def _redacted(value: Any) -> Any:
    """``value`` with every string in it redacted (an ``extra`` field may carry a URL or a header)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(str(k)): _redacted(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(str(value))


def configure_logging(level: int | str | None = None, fmt: str | None = None) -> int:
    """Log lines at ``level`` and above to stderr, as text (``WARNING matcher.ingest: ...``) or one JSON
    object each (``fmt="json"``), every line through the secret redactor; returns the level set.

    ``level`` and ``fmt`` default to ``MATCHER_LOG_LEVEL`` and ``MATCHER_LOG_FORMAT`` (else warning, text).
    Safe to call again (the CLI does on every invocation, a notebook on every re-run): the handler added
    before is replaced, never doubled. httpx's line per request shows at debug only.
    """
    resolved = resolve_level(level)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, StderrHandler)]:
        root.removeHandler(old)
    handler = StderrHandler()
    handler.setFormatter(
        JsonLineFormatter() if resolve_format(fmt) == "json" else logging.Formatter(TEXT_FORMAT)
    )
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(resolved)
    for name in NOISY:
        logging.getLogger(name).setLevel(
            logging.NOTSET if resolved <= logging.DEBUG else max(resolved, logging.WARNING)
        )
    return resolved
