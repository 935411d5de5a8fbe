"""Options shared by several commands, and helpers that build clients from configuration."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from matcher.common.config import Config, lake_url, load_config
from matcher.ingest.floqer import FloqerClient
from matcher.ingest.flowstate import FlowstateClient
from matcher.pipeline import Pipeline, StageResult, result_json

CONFIG = typer.Option(None, "--config", "-c", help="Settings file (default: ./matcher.toml when present).")
LAKE = typer.Option(
    None, "--lake", help="Lake directory or s3://bucket/prefix (default: data/lake, or \\[lake] root)."
)
JSON = typer.Option(False, "--json", help="Print the run record as JSON on stdout instead of tables.")
FULL = typer.Option(
    False,
    "--full",
    help="Rebuild: normalize or score everything again, not only what is new or changed (the same result).",
)


def config_from(path: Path | None, lake: Path | None = None) -> Config:
    """The configuration with ``--lake`` applied: a folder, or ``s3://bucket/prefix`` (typer hands it over as
    a path, ``s3:/bucket/prefix``: read back as the URL); any other URL is refused before a folder is made."""
    config = load_config(path)
    if lake is not None:
        text = str(lake)
        # any other URL is refused as typed: pathlib collapsed "ftp://x" to "ftp:/x"
        url = re.sub(r"^([A-Za-z][A-Za-z0-9+.-]+):/(?!/)", r"\1://", text)
        config = Pipeline(config, lake=lake_url(text) or (url if url != text else lake)).config
    return config


def floqer_client(config: Config) -> FloqerClient:
    return Pipeline(config).floqer_client()


def flowstate_client(config: Config) -> FlowstateClient:
    return Pipeline(config).flowstate_client()


def emit_json(result: StageResult) -> None:
    """``--json``: the stage's run record on stdout (nothing else is printed there)."""
    typer.echo(result_json(result))
