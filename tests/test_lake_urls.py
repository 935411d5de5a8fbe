"""A lake given as a URL other than ``s3://bucket/prefix`` (gs://, abfs://, file://, http://), or a reports
folder given as any URL, is refused with one line, never turned into a local folder named ``gs:``; an s3 lake
without the ``s3`` extra is refused naming the extra (issue 16; s3 lakes themselves: tests/lake/)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from matcher.cli import app
from matcher.common.config import (
    lake_path_problem,
    lake_url,
    lake_working_copy,
    load_config,
    local_path_problem,
)
from matcher.common.errors import ConfigError
from matcher.pipeline import Pipeline

URLS = ["gs://bucket/lake", "abfs://c@a.dfs.core.windows.net/lake", "file:///tmp/lake", "http://h/lake"]


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
    assert "expected a local folder path or an s3://bucket/prefix URL" in lines[0]
    # the URL as a user typed it, not as pathlib collapsed it ("gs:/bucket/lake")
    scheme, rest = url.split("://", 1)
    assert f"got '{scheme}://{rest.lstrip('/')}'" in lines[0]
    assert "Traceback" not in result.output
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("command", [["normalize"], ["sql", "select 1"], ["lake", "compact"]])
def test_an_s3_lake_without_the_s3_extra_is_refused_naming_it(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "obstore", None)  # as if `pip install matcher` without [s3]
    result = CliRunner().invoke(app, [*command, "--lake", "s3://bucket/lake"])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "lake: got 's3://bucket/lake', expected the s3 extra installed" in lines[0]
    assert "pip install 'matcher[s3]'" in lines[0] and "Traceback" not in result.output
    with pytest.raises(
        ConfigError, match=r"MATCHER_LAKE__ROOT: got \"s3://bucket/lake\", expected the s3 extra"
    ):
        load_config(None, env={"MATCHER_LAKE__ROOT": "s3://bucket/lake"})
    assert os.listdir(tmp_path) == []


def test_an_s3_lake_is_accepted_as_a_working_copy_under_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MATCHER_CACHE_DIR", str(tmp_path / "cache"))
    config = load_config(None, env={"MATCHER_LAKE__ROOT": "s3://bucket/lake/"})
    assert config.lake_url == "s3://bucket/lake" and config.lake.is_relative_to(tmp_path / "cache" / "lakes")
    elsewhere = load_config(None, env={"MATCHER_LAKE": "s3://bucket/lake", "MATCHER_LAKE__CACHE_DIR": "/wc"})
    assert elsewhere.lake.is_relative_to(Path("/wc/lakes")) and elsewhere.lake.name == "lake"
    assert elsewhere.lake.parent.name == config.lake.parent.name  # one URL, one working copy name
    assert Pipeline(None, lake="s3://bucket/other").config.lake_url == "s3://bucket/other"
    with pytest.raises(ConfigError, match="valid bucket name"):
        load_config(None, env={"MATCHER_LAKE__ROOT": "s3://Bad_Bucket/lake"})
    assert not (tmp_path / "cache").exists()  # nothing is made until the lake is used


def test_configuration_and_the_library_refuse_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MATCHER_LAKE__ROOT", "gs://bucket/lake")
    with pytest.raises(ConfigError, match=r"MATCHER_LAKE__ROOT: got \"gs://bucket/lake\", expected a local"):
        load_config(None)
    monkeypatch.delenv("MATCHER_LAKE__ROOT")
    (tmp_path / "matcher.toml").write_text('[report]\ndir = "gs://bucket/reports"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="expected a local folder path"):
        load_config(tmp_path / "matcher.toml")
    (tmp_path / "matcher.toml").unlink()
    with pytest.raises(
        ConfigError, match=r"lake: got 'abfs://c/lake', expected a local folder path or an s3"
    ):
        Pipeline(None, lake="abfs://c/lake")
    with pytest.raises(ConfigError, match="reports: got"):
        Pipeline(None, lake=tmp_path / "lake", reports="s3://bucket/reports")
    assert os.listdir(tmp_path) == []
    # local paths, odd ones included, are folders
    assert Pipeline(None, lake=tmp_path / "x:y" / "lake").lake == tmp_path / "x:y" / "lake"
    assert Pipeline(None, lake="C:/lake").lake == Path("C:/lake")


@given(st.from_regex(r"[a-z][a-z0-9+.-]{1,8}://[a-z0-9/._-]{0,20}", fullmatch=True))
def test_every_url_scheme_is_refused(url: str) -> None:
    assert local_path_problem(url) is not None  # reports: any URL
    assert local_path_problem(str(Path(url))) is not None  # as pathlib writes it: "s3:/bucket"
    if not url.startswith("s3://"):  # a lake: any URL but s3://
        assert lake_path_problem(url) is not None
        assert lake_path_problem(str(Path(url))) is not None


@given(
    bucket=st.from_regex(r"[a-z0-9][a-z0-9-]{1,20}[a-z0-9]", fullmatch=True),
    prefix=st.lists(
        st.from_regex(r"[A-Za-z0-9_.=-]{1,12}", fullmatch=True).filter(lambda p: p not in (".", "..")),
        max_size=3,
    ),
)
def test_an_s3_url_survives_pathlib_and_names_one_working_copy(bucket: str, prefix: list[str]) -> None:
    """``--lake`` reaches the CLI as a path (``s3:/bucket/lake``): read back, it is the same lake and the
    same working copy; two different lakes never share a working copy."""
    url = "/".join([f"s3://{bucket}", *prefix])
    assert lake_url(str(Path(url))) == lake_url(url) == lake_url(url + "/") == url
    assert lake_path_problem(url) is None
    assert lake_working_copy(url, Path("/c")) == lake_working_copy(str(lake_url(str(Path(url)))), Path("/c"))
    assert lake_working_copy(url, Path("/c")) != lake_working_copy(url + "/other", Path("/c"))


@pytest.mark.parametrize("url", ["s3://bucket/./lake", "s3://bucket/a/../lake", "s3://bucket//lake"])
def test_an_s3_prefix_with_dot_or_empty_segments_is_refused(url: str) -> None:
    # pathlib (the CLI's --lake) would fold them away: the lake would not be the one named
    assert (
        lake_path_problem(url) == "an s3://bucket/prefix URL whose prefix has no empty, '.' or '..' segment"
    )
