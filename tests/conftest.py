"""Shared fixtures: a sandbox on a free loopback port, and an HTTP client for it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from matcher.sandbox import SandboxConfig, SandboxServer

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def sandbox_config(**overrides: object) -> SandboxConfig:
    """The tests' default sandbox: the demo's market, rate limits lifted unless a test sets them."""
    config = SandboxConfig(floqer_rate_per_minute=None, floqer_rate_per_day=None)
    for key, value in overrides.items():
        setattr(config, key, value)
    return config


def sandbox_env(sandbox: SandboxServer, lake: Path) -> dict[str, str]:
    """The environment that points the CLI at ``sandbox`` with its full keys and ``lake``."""
    return {
        "FLOQER_BASE_URL": sandbox.floqer_url,
        "FLOQER_API_KEY": sandbox.keys.floqer,
        "FLOWSTATE_BASE_URL": sandbox.flowstate_url,
        "FLOWSTATE_API_KEY": sandbox.keys.flowstate,
        "FLOWSTATE_ORG_ID": sandbox.org_id,
        "MATCHER_LAKE": str(lake),
    }


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(sandbox_config()) as server:
        yield server


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


@pytest.fixture
def shared_dir() -> Path:
    """``../shared`` beside the project; tests that need it skip only when it is absent (a user's clone)."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (it is present on CI)")
    return SHARED


@pytest.fixture(scope="session")
def demo_outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(lake, reports) of one demo run (``matcher.demo.run_demo``, the library call ``matcher demo``
    draws), shared by the tests that read the demo's outputs. Read-only: a test that changes files copies
    them first."""
    from matcher.demo import run_demo

    root = tmp_path_factory.mktemp("demo")
    lake, reports = root / "lake", root / "reports"
    run_demo(lake, reports)
    return lake, reports


def copy_demo_lake(demo_lake: Path, target: Path) -> Path:
    """A copy of the demo's lake at ``target`` without its marker (``state/demo.json``): the demo's data as
    a lake of one's own, which every stage may write (a lake marked as the demo's is refused)."""
    shutil.copytree(
        demo_lake, target, ignore=lambda folder, names: ["demo.json"] if folder.endswith("state") else []
    )
    return target
