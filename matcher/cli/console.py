"""Rich consoles for the command line: the terminal's width at a terminal, never cut under cron or in a pipe.

At a terminal a console is as wide as the terminal (at least ``MIN_WIDTH``, for the manifest table); when its
stream is not a terminal (cron, a pipe, a file) nothing is wrapped or cut: the console is ``PIPE_WIDTH`` wide,
and a table with fixed column widths at a terminal sizes them to the text there (``console.is_terminal``).
``COLUMNS``, when set, is the width in both cases: ``COLUMNS=100 matcher run | less`` -> a 100-column console.

``set_quiet(True)`` (``matcher -q``) silences the normal output of every stdout console made so far and from
then on. A stderr console (a run's warnings and failures) writes through the function ``set_stderr_lines``
sets, when one is set: ``matcher -q`` keeps only the failures, ``--log-format json`` makes each line a JSON
object. The error line of a failed command is not a console's and always prints.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sys
import weakref
from collections.abc import Callable
from typing import IO, cast

from rich.console import Console

from matcher.common.redaction import redact

MIN_WIDTH = 120
PIPE_WIDTH = 10_000  # wider than any row a table draws, so rich never folds or ellipsizes it

_quiet = False
_stdout_consoles: weakref.WeakSet[Console] = weakref.WeakSet()
_stderr_lines: Callable[[str], None] | None = None
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def make_console(*, stderr: bool = False, file: IO[str] | None = None) -> Console:
    """A console on stdout (or stderr, or ``file``): ``make_console().print(table)``.

    Args:
        stderr: write to stderr (never silenced by ``-q``).
        file: write here instead (tests); its ``isatty()`` decides the width as stdout's would.
    """
    stream = file or (sys.stderr if stderr else sys.stdout)
    if stderr and file is None:
        file = cast(
            IO[str], _StderrStream()
        )  # a text stream, as rich needs; typeshed's IO is a protocol apart
    console = Console(
        file=file, stderr=stderr, soft_wrap=True, width=console_width(stream), quiet=_quiet and not stderr
    )
    if not stderr:
        _stdout_consoles.add(console)
    return console


def console_width(stream: IO[str]) -> int:
    """``COLUMNS`` when set; else the terminal's width (at least ``MIN_WIDTH``) at a terminal, else
    ``PIPE_WIDTH``."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if not _isatty(stream):
        return PIPE_WIDTH
    return max(shutil.get_terminal_size((MIN_WIDTH, 24)).columns, MIN_WIDTH)


def set_quiet(quiet: bool) -> None:
    """Silence (or restore) the normal output of every stdout console, those made already included."""
    global _quiet
    _quiet = quiet
    for console in list(_stdout_consoles):
        console.quiet = quiet


def set_stderr_lines(write: Callable[[str], None] | None) -> None:
    """Send each line a stderr console prints (colours stripped) to ``write`` instead of stderr; ``None``
    restores plain stderr. ``set_stderr_lines(lambda line: None)`` silences them."""
    global _stderr_lines
    _stderr_lines = write


class _StderrStream(io.TextIOBase):
    """What a stderr console writes to: ``sys.stderr`` as it is at the time (test runners swap it), or, with
    ``set_stderr_lines``, that function line by line (no terminal then: no progress bars, no colours)."""

    def __init__(self) -> None:
        super().__init__()
        self._pending = ""

    def write(self, text: str) -> int:
        write = _stderr_lines
        if write is None:
            sys.stderr.write(redact(text))  # a key a server echoed into a warning never reaches a terminal
            return len(text)
        *lines, self._pending = (self._pending + text).split("\n")
        for line in lines:
            write(_ANSI.sub("", line))
        return len(text)

    def flush(self) -> None:
        if self._pending and _stderr_lines is not None:
            line, self._pending = self._pending, ""
            _stderr_lines(_ANSI.sub("", line))
        sys.stderr.flush()

    def isatty(self) -> bool:
        return _stderr_lines is None and _isatty(sys.stderr)

    def writable(self) -> bool:
        return True


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):  # a closed or odd stream is no terminal
        return False
