"""Options shared by several commands, and helpers that build clients from configuration."""

from __future__ import annotations

from pathlib import Path

import typer

from matcher.common.config import Config, load_config
from matcher.ingest.floqer import FloqerClient
from matcher.ingest.flowstate import FlowstateClient
from matcher.ingest.http import ApiClient, RetryPolicy

CONFIG = typer.Option(None, "--config", "-c", help="Settings file (default: ./matcher.toml when present).")
LAKE = typer.Option(None, "--lake", help="Lake directory (default: data/lake, or [lake] root).")


def config_from(path: Path | None, lake: Path | None = None) -> Config:
    config = load_config(path)
    if lake is not None:
        from dataclasses import replace

        config = replace(config, lake=lake)
    return config


def _retry(config: Config) -> RetryPolicy:
    return RetryPolicy(max_attempts=config.http.max_attempts, max_wait=config.http.max_wait_seconds)


def floqer_client(config: Config) -> FloqerClient:
    config.require_floqer()
    assert config.floqer.api_key is not None
    api = ApiClient(
        service="floqer",
        base_url=config.floqer.base_url,
        api_key=config.floqer.api_key,
        timeout=config.http.timeout_seconds,
        retry=_retry(config),
        max_response_bytes=config.max_response_mb * 2**20,
    )
    return FloqerClient(api, allow_filter_keys=config.floqer.extra_filter_keys)


def flowstate_client(config: Config) -> FlowstateClient:
    config.require_flowstate()
    assert config.flowstate.api_key is not None and config.flowstate.org_id is not None
    api = ApiClient(
        service="flowstate",
        base_url=config.flowstate.resolved_url,
        api_key=config.flowstate.api_key,
        timeout=config.http.timeout_seconds,
        retry=_retry(config),
        max_response_bytes=config.max_response_mb * 2**20,
    )
    return FlowstateClient(api, org_id=config.flowstate.org_id)
