"""``matcher fx update FILE``: install a newer ECB reference-rate history."""

from __future__ import annotations

from pathlib import Path

import typer

from matcher.cli.console import make_console
from matcher.normalize.currency import DEFAULT_FX_FILE, install_fx_file

fx_app = typer.Typer(help="Currency reference rates (ECB).", no_args_is_help=True)


@fx_app.command("update")
def update_command(
    file: Path = typer.Argument(..., help="eurofxref-hist.zip (or .csv) downloaded from the ECB."),
    destination: Path = typer.Option(DEFAULT_FX_FILE, "--to", help="Where to install it."),
) -> None:
    """Check a downloaded ECB history file and use it instead of the packaged rates from now on."""
    first, last = install_fx_file(file, destination)
    make_console().print(f"installed {destination}: USD rates from {first} to {last}")
