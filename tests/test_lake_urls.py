"""A lake or report folder given as a URL (``s3://bucket/lake``) is refused with one line, never turned into
a local folder named ``s3:`` (issue 16: object-storage lakes are not supported yet)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from matcher.cli import app
from matcher.common.config import load_config, local_path_problem
from matcher.common.errors import ConfigError
from matcher.pipeline import Pipeline

URLS = ["s3://bucket/lake", "gs://bucket/lake", "abfs://c@a.dfs.core.windows.net/lake", "file:///tmp/lake"]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize(
    "command", [["normalize"], ["match"], ["benchmark"], ["run"], ["sql", "select 1"], ["lake", "compact"]]
)
def test_the_cli_refuses_a_lake_url_in_one_line_and_makes_no_folder(
    url: str, command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, [*command, "--lake", url])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: invalid configuration: lake: got "), result.output
    assert "expected a local folder path" in lines[0]
    assert "Traceback" not in result.output
    assert os.listdir(tmp_path) == []


def test_configuration_and_the_library_refuse_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MATCHER_LAKE__ROOT", "s3://bucket/lake")
    with pytest.raises(ConfigError, match=r"MATCHER_LAKE__ROOT: got \"s3://bucket/lake\", expected a local"):
        load_config(None)
    monkeypatch.delenv("MATCHER_LAKE__ROOT")
    (tmp_path / "matcher.toml").write_text('[report]\ndir = "gs://bucket/reports"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="expected a local folder path"):
        load_config(tmp_path / "matcher.toml")
    (tmp_path / "matcher.toml").unlink()
    with pytest.raises(ConfigError, match=r"lake: got 's3://bucket/lake'"):
        Pipeline(None, lake="s3://bucket/lake")
    with pytest.raises(ConfigError, match="reports: got"):
        Pipeline(None, lake=tmp_path / "lake", reports="s3://bucket/reports")
    assert os.listdir(tmp_path) == []
    # local paths, odd ones included, are folders
    assert Pipeline(None, lake=tmp_path / "x:y" / "lake").lake == tmp_path / "x:y" / "lake"
    assert Pipeline(None, lake="C:/lake").lake == Path("C:/lake")


@given(st.from_regex(r"[a-z][a-z0-9+.-]{1,8}://[a-z0-9/._-]{0,20}", fullmatch=True))
def test_every_url_scheme_is_refused(url: str) -> None:
    assert local_path_problem(url) is not None
    assert local_path_problem(str(Path(url))) is not None  # as pathlib writes it: "s3:/bucket"
