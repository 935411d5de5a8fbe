"""Rich consoles for the command line: wide enough for the manifest table even when output is piped."""

from __future__ import annotations

import shutil

from rich.console import Console

MIN_WIDTH = 120


def make_console(*, stderr: bool = False) -> Console:
    width = max(shutil.get_terminal_size((MIN_WIDTH, 24)).columns, MIN_WIDTH)
    return Console(stderr=stderr, soft_wrap=True, width=width)
