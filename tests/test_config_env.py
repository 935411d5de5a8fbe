"""Issue 14: every setting of ``matcher.toml`` can be set from ``MATCHER_<SECTION>__<KEY>``; the environment
wins over the file, the file over the default; problems from both come back together, as plain lines."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.common.config import SECTIONS, Config, load_config
from matcher.common.errors import ConfigError


def _file(tmp_path: Path, text: str = "") -> Path:
    path = tmp_path / "matcher.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _problems(path: Path | None, env: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_config(path, env=env)
    return raised.value.problems


def _outcome(env: dict[str, str]) -> Config | list[str]:
    """The configuration, or the problems."""
    try:
        return load_config(None, env=env)
    except ConfigError as exc:
        return exc.problems


def _assert_plain(problems: list[str]) -> None:
    """No pydantic wording, no Python reprs, one line each."""
    for line in problems:
        assert "type=" not in line and "input_value" not in line and "{'" not in line and "['" not in line, (
            line
        )
        assert "Input should" not in line and "pydantic" not in line, line
        assert len(line.splitlines()) == 1, line


def test_a_number_a_bool_a_list_and_a_choice_from_the_environment(tmp_path: Path) -> None:
    config = load_config(
        _file(tmp_path),
        env={
            "MATCHER_MATCH__FLOOR": "60",
            "MATCHER_MATCH__INCLUDE_AGENCIES": "true",
            "MATCHER_INGEST__LAND_PERSONAL_DATA": "0",
            "MATCHER_MATCH__OWN_COMPANIES": '["Acme", "acme.com"]',
            "MATCHER_BENCHMARK__LEVEL_POLICY": "any",
            "MATCHER_LAKE__ROOT": "/x",
            "MATCHER_REPORT__TOP_K": "7",
            "MATCHER_HTTP__TIMEOUT_SECONDS": "2.5",
        },
    )
    assert config.match_floor == 60.0 and config.include_agencies is True
    assert config.land_personal_data is False
    assert config.own_companies == ("Acme", "acme.com")
    assert (config.level_policy, config.lake, config.top_k) == ("any", Path("/x"), 7)
    assert config.http.timeout_seconds == 2.5


def test_weights_from_the_environment_as_json_or_one_at_a_time(tmp_path: Path) -> None:
    path = _file(tmp_path, "[match]\nweights = { title = 0.4, skills = 0.1 }\n")
    # a whole table replaces the file's
    config = load_config(path, env={"MATCHER_MATCH__WEIGHTS": '{"title": 1, "geography": 0.25}'})
    assert dict(config.match_weights) == {"title": 1.0, "geography": 0.25}
    # one weight changes that weight and keeps the file's others
    config = load_config(path, env={"MATCHER_MATCH__WEIGHTS__TITLE": "0.5"})
    assert dict(config.match_weights) == {"title": 0.5, "skills": 0.1}


def test_environment_over_file_over_default(tmp_path: Path) -> None:
    path = _file(tmp_path, '[match]\nfloor = 55\ntitle_floor = 40\n[lake]\nroot = "/from-file"\n')
    config = load_config(path, env={"MATCHER_MATCH__FLOOR": "60"})
    # floor: environment; title_floor and root: the file; min_score: the default
    assert (config.match_floor, config.title_floor, config.lake) == (60.0, 40.0, Path("/from-file"))
    assert config.benchmark_min_score == 75.0
    assert load_config(path, env={}).match_floor == 55.0
    # an empty variable is unset, as for the older names
    assert load_config(path, env={"MATCHER_MATCH__FLOOR": ""}).match_floor == 55.0


def test_the_older_variables_still_work_and_the_new_form_wins(tmp_path: Path) -> None:
    path = _file(tmp_path, '[lake]\nroot = "/from-file"\n')
    env = {
        "MATCHER_LAKE": "/legacy",
        "FLOQER_BASE_URL": "http://127.0.0.1:9/floqer",
        "FLOWSTATE_BASE_URL": "http://localhost:9/{tenant}",
        "FLOWSTATE_TENANT": "acme",
        "FLOWSTATE_ORG_ID": "org_1",
        "FLOQER_API_KEY": "floq_abcdefgh",
        "FLOWSTATE_API_KEY": "private_a_bcdefgh",
    }
    config = load_config(path, env=env)
    assert config.lake == Path("/legacy")
    assert config.floqer.base_url == "http://127.0.0.1:9/floqer"
    assert config.flowstate.resolved_url == "http://localhost:9/acme"
    assert (config.flowstate.org_id, config.floqer.api_key, config.flowstate.api_key) == (
        "org_1",
        "floq_abcdefgh",
        "private_a_bcdefgh",
    )
    assert load_config(path, env={**env, "MATCHER_LAKE__ROOT": "/new"}).lake == Path("/new")


def test_a_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    problems = _problems(_file(tmp_path, "[match]\nfloor = 55\n"), {"MATCHER_MATCH__FLOOR": "sixty"})
    assert problems == ['MATCHER_MATCH__FLOOR: got "sixty", expected scores in 0..100 (a finite number)']
    problems = _problems(None, {"FLOQER_BASE_URL": "http://evil.example"})
    assert len(problems) == 1 and problems[0].startswith(
        'FLOQER_BASE_URL ([floqer] base_url): got "http://evil.example", expected an https:// URL'
    )


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("MATCHER_MATCH__OWN_COMPANIES", "Acme", "a list of strings"),
        ("MATCHER_MATCH__WEIGHTS", "title=1", "a table of component = weight"),
        ("MATCHER_INGEST__PAGE_SIZE", "true", "1..200"),
        ("MATCHER_INGEST__PAGE_SIZE", "500", "1..200"),
        ("MATCHER_HTTP__MAX_ATTEMPTS", "1.5", "an integer in 1..100"),
        ("MATCHER_HTTP__TIMEOUT_SECONDS", "inf", "a finite number above 0"),
        ("MATCHER_MATCH__REQUIRE_WORK_TYPE", "maybe", "true or false"),
        ("MATCHER_BENCHMARK__LEVEL_POLICY", "some", "exact, adjacent or any"),
        ("MATCHER_NORMALIZE__REPORTING_CURRENCY", "dollars", "an ISO 4217 code"),
    ],
)
def test_each_kind_of_bad_environment_value(name: str, value: str, expected: str) -> None:
    problems = _problems(None, {name: value})
    assert len(problems) == 1 and problems[0].startswith(f'{name}: got "{value}", expected {expected}')
    _assert_plain(problems)


def test_unknown_variables_of_the_settings_form_are_refused() -> None:
    problems = _problems(
        None, {"MATCHER_MATCH__FLOR": "60", "MATCHER_COLOURS__RED": "1", "MATCHER_CACHE_DIR": "/x"}
    )
    assert problems[0].startswith("MATCHER_COLOURS__RED: unknown section")
    assert problems[1].startswith(
        "MATCHER_MATCH__FLOR: unknown setting, expected one of engine, floor, include_agencies"
    )
    assert len(problems) == 2  # MATCHER_CACHE_DIR is not a setting variable
    _assert_plain(problems)


def test_problems_from_the_file_and_the_environment_come_together(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "[match]\nweights = { title = -1, vibes = 2 }\nfloor = 120\n[benchmark]\ncompany_cap = 0\n"
        "[report]\ntop_k = 0\n[colours]\nred = 1\n",
    )
    env = {
        "MATCHER_MATCH__TITLE_FLOOR": "abc",
        "MATCHER_INGEST__MAX_PAGES": "0",
        "FLOWSTATE_TENANT": "a b",
        "MATCHER_MATCH__OWN_COMPANIES": '["Acme", 1]',
    }
    problems = _problems(path, env)
    expected = [
        "[colours]: unknown section",
        'MATCHER_INGEST__MAX_PAGES: got "0", expected an integer in 1..10000000',
        'FLOWSTATE_TENANT ([flowstate] tenant): got "a b", expected a host name label',
        "[match] floor: got 120, expected scores in 0..100",
        'MATCHER_MATCH__TITLE_FLOOR: got "abc", expected scores in 0..100',
        "[match] weights.title: got -1, expected a number >= 0",
        "[match] weights.vibes: unknown component, expected one of title, seniority",
        'MATCHER_MATCH__OWN_COMPANIES: got "[\\"Acme\\", 1]", expected a list of strings',
        "[benchmark] company_cap: got 0, expected an integer in 1..1000000",
        "[report] top_k: got 0, expected an integer in 1..1000000",
    ]
    assert len(problems) == len(expected), problems
    for line, start in zip(problems, expected, strict=True):
        assert line.startswith(start), (line, start)
    _assert_plain(problems)


def test_a_table_from_the_file_with_a_weight_from_the_environment_names_both(tmp_path: Path) -> None:
    path = _file(tmp_path, "[match]\nweights = { title = 1, seniority = 0, geography = 0, recency = 0 }\n")
    problems = _problems(path, {"MATCHER_MATCH__WEIGHTS__TITLE": "0"})
    assert problems == [
        '[match] weights (with MATCHER_MATCH__WEIGHTS__TITLE): got {title = "0", seniority = 0, '
        "geography = 0, recency = 0}, expected at least one of title, seniority, geography, recency above 0"
    ]


def test_secrets_stay_in_their_variables_and_out_of_every_message(tmp_path: Path) -> None:
    path = _file(tmp_path, '[flowstate]\ntoken = "private_file_secret1"\n')
    env = {
        "MATCHER_FLOQER__API_KEY": "floq_settingsform",
        "FLOQER_API_KEY": "floq_with space",
        "FLOWSTATE_API_KEY": "private_a_goodsecret",
        "MATCHER_MATCH__FLOOR": "private_a_goodsecret",  # pasted into the wrong variable
    }
    with pytest.raises(ConfigError) as raised:
        load_config(path, env=env)
    text = str(raised.value)
    for secret in ("private_file_secret1", "floq_settingsform", "floq_with space", "private_a_goodsecret"):
        assert secret not in text
    assert "[flowstate] token: secrets belong in environment variables" in text
    assert "MATCHER_FLOQER__API_KEY: secrets are read from FLOQER_API_KEY and FLOWSTATE_API_KEY only" in text
    assert "FLOQER_API_KEY: contains spaces" in text and "MATCHER_MATCH__FLOOR: got" in text
    config = load_config(
        None, env={"FLOQER_API_KEY": "floq_goodsecret", "FLOWSTATE_API_KEY": "private_a_bc12"}
    )
    assert "floq_goodsecret" not in repr(config) and "private_a_bc12" not in repr(config)


TEXT_SETTINGS: dict[tuple[str, str], Callable[[Config], str | None]] = {
    ("lake", "root"): lambda c: str(c.lake),
    ("lake", "cache_dir"): lambda c: str(c.lake_cache_dir),
    ("flowstate", "org_id"): lambda c: c.flowstate.org_id,
    ("benchmark", "exclusions"): lambda c: str(c.exclusions),
    ("report", "dir"): lambda c: str(c.reports_dir),
}


@pytest.mark.parametrize(("section", "key"), sorted((s, k) for s, keys in SECTIONS.items() for k in keys))
def test_every_setting_of_the_file_has_a_variable(section: str, key: str) -> None:
    """``[section] key`` is read from ``MATCHER_SECTION__KEY``: a value only free text takes proves it."""
    name = f"MATCHER_{section.upper()}__{key.upper()}"
    outcome = _outcome({name: "\x01not a value"})
    if (section, key) in TEXT_SETTINGS:
        assert isinstance(outcome, Config) and TEXT_SETTINGS[section, key](outcome) == "\x01not a value"
    else:
        assert isinstance(outcome, list) and outcome[0].startswith(f"{name}: got "), outcome
        _assert_plain(outcome)


@given(floor=st.floats(min_value=0, max_value=100), top_k=st.integers(min_value=1, max_value=1_000_000))
def test_any_number_in_range_set_in_the_environment_arrives_unchanged(floor: float, top_k: int) -> None:
    config = load_config(None, env={"MATCHER_MATCH__FLOOR": repr(floor), "MATCHER_REPORT__TOP_K": str(top_k)})
    assert config.match_floor == floor and config.top_k == top_k


@given(text=st.text(max_size=30))
def test_any_text_for_a_number_loads_or_is_one_plain_line_naming_the_variable(text: str) -> None:
    outcome = _outcome({"MATCHER_BENCHMARK__MIN_SCORE": text})
    if isinstance(outcome, Config):
        assert math.isfinite(outcome.benchmark_min_score) and 0 <= outcome.benchmark_min_score <= 100
    else:
        assert len(outcome) == 1 and outcome[0].startswith("MATCHER_BENCHMARK__MIN_SCORE: got "), outcome
        _assert_plain(outcome)


def test_a_setting_with_one_underscore_is_refused_not_ignored() -> None:
    """MATCHER_MATCH_FLOOR=99 (one underscore) was silently ignored: the floor stayed 50. Now it is a problem
    naming the variable and the form meant; matcher's other variables (MATCHER_LAKE, MATCHER_REPORTS for
    the notebooks, MATCHER_CACHE_DIR) and names of no section (MATCHER_BENCH_ROWS) are left alone."""
    problems = _problems(None, {"MATCHER_MATCH_FLOOR": "99", "MATCHER_REPORT_DIR": "out"})
    assert problems == [
        "MATCHER_MATCH_FLOOR: unknown variable, expected MATCHER_<SECTION>__<KEY> with two underscores "
        "(MATCHER_MATCH__FLOOR?)",
        "MATCHER_REPORT_DIR: unknown variable, expected MATCHER_<SECTION>__<KEY> with two underscores "
        "(MATCHER_REPORT__DIR?)",
    ]
    others = {"MATCHER_LAKE": "x", "MATCHER_REPORTS": "r", "MATCHER_CACHE_DIR": "c"}
    others["MATCHER_BENCH_ROWS"] = "5"
    assert load_config(None, env={**others, "MATCHER_MATCH__FLOOR": "60"}).match_floor == 60
