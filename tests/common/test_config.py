"""Configuration: file settings, secrets from the environment only, every problem reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.common.config import load_config
from matcher.common.errors import ConfigError


def test_defaults_and_environment(tmp_path: Path) -> None:
    config = load_config(
        None,
        env={"FLOQER_API_KEY": "floq_abc12345", "FLOWSTATE_TENANT": "acme", "FLOWSTATE_ORG_ID": "org_1"},
    )
    assert config.floqer.base_url == "https://api.floqer.com"
    assert config.flowstate.resolved_url == "https://acme.flowstate.inc/api/v1"
    assert config.floqer.api_key == "floq_abc12345"
    assert "floq_abc12345" not in repr(config)


def test_file_settings(tmp_path: Path) -> None:
    path = tmp_path / "matcher.toml"
    path.write_text('[lake]\nroot = "/tmp/x"\n[ingest]\npage_size = 50\n[flowstate]\nscenarios = ["scn_a"]\n')
    config = load_config(path, env={})
    assert (str(config.lake), config.page_size, config.flowstate.scenarios) == ("/tmp/x", 50, ("scn_a",))


def test_every_problem_at_once_and_no_secrets_in_files(tmp_path: Path) -> None:
    path = tmp_path / "matcher.toml"
    path.write_text(
        '[floqer]\napi_key = "floq_x"\nbase_url = "http://api.floqer.com"\n[ingest]\npage_size = 500\n'
        "[http]\nmax_attempts = 0\n[colours]\nred = 1\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    problems = info.value.problems
    assert len(problems) == 5
    assert any("secrets belong in environment variables" in p for p in problems)
    assert any("page_size: got 500, expected 1..200" in p for p in problems)
    assert any("max_attempts: got 0" in p for p in problems)
    assert any("[colours]" in p for p in problems)
    assert any("plain http only on loopback" in p for p in problems)


def test_missing_credentials_are_named(tmp_path: Path) -> None:
    config = load_config(None, env={})
    with pytest.raises(ConfigError, match="FLOQER_API_KEY is not set"):
        config.require_floqer()
    with pytest.raises(ConfigError) as info:
        config.require_flowstate()
    assert [p.split(" ")[0] for p in info.value.problems] == [
        "FLOWSTATE_API_KEY",
        "FLOWSTATE_ORG_ID",
        "FLOWSTATE_TENANT",
    ]
    # a run that needs both services is told about every missing variable at once, not the first
    with pytest.raises(ConfigError) as both:
        config.require(floqer=True, flowstate=True)
    assert [p.split(" ")[0] for p in both.value.problems] == [
        "FLOQER_API_KEY",
        "FLOWSTATE_API_KEY",
        "FLOWSTATE_ORG_ID",
        "FLOWSTATE_TENANT",
    ]


def test_unreadable_toml(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[lake\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path, env={})


def test_the_example_file_loads_and_pipeline_settings_are_checked(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "matcher.toml.example"
    config = load_config(example, env={})
    assert dict(config.match_weights) == {
        "title": 0.45,
        "seniority": 0.2,
        "geography": 0.2,
        "recency": 0.05,
        "skills": 0.1,
    }
    assert (config.match_floor, config.title_floor, config.benchmark_min_score, config.company_cap) == (
        50.0,
        50.0,
        75.0,
        3,
    )
    bad = tmp_path / "matcher.toml"
    bad.write_text(
        "[match]\nweights = { title = -1, vibes = 2 }\nfloor = 120\n[benchmark]\ncompany_cap = 0\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config(bad, env={})
    text = " / ".join(info.value.problems)
    assert (
        "weights.title: got -1, expected a number >= 0" in text and "weights.vibes: unknown component" in text
    )
    assert (
        "expected scores in 0..100" in text
        and "[benchmark] company_cap: got 0, expected an integer in 1.." in text
    )


@pytest.mark.parametrize("key", ["floq_abc\nX-Evil: 1", "floq_Ünïcode", "floq_with space", "floq_\x00"])
def test_a_key_an_http_header_cannot_carry_is_refused_without_showing_it(key: str) -> None:
    with pytest.raises(ConfigError, match="FLOQER_API_KEY: contains spaces, control or non-ASCII") as caught:
        load_config(None, env={"FLOQER_API_KEY": key})
    assert key not in str(caught.value) and "abc" not in str(caught.value)
