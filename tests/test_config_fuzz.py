"""Issue 13 (finding 9): a configuration fuzzer. Whatever the settings file, the environment and the flags
hold, the command ends with exit code 0, 1 or 2 and at most one line on stderr, never a traceback."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from matcher.cli import app
from matcher.common.config import SECTIONS

KEYS = sorted((section, key) for section, keys in SECTIONS.items() for key in keys)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)  # a basic string; an escape TOML lacks is a TOML error, also fine
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise AssertionError(value)


scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 200, 201, 10**6, 2**63 - 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("nan"), float("inf"), -float("inf"), -5.0, 0.0, 1e300]),
    st.text(max_size=20),
    st.sampled_from(["https://[::1", "http://127.0.0.1@example.com/", "/proc/x", "", "\x00", "USD", "any"]),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.sampled_from(["title", "skills", "recency", "vibes"]), scalars, max_size=4),
)
settings_files = st.dictionaries(
    st.one_of(
        st.sampled_from(KEYS), st.tuples(st.sampled_from(["match", "nope"]), st.text(min_size=1, max_size=5))
    ),
    values,
    max_size=5,
)
urls = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "https://[::1",
            "http://127.0.0.1@example.com/",
            "http://localhost.attacker.example",
            "http://localhost:443@evil.example",
            "http://[::1]:99999/",
            "https://api.floqer.com",
            "http://127.0.0.1:9/floqer",
        ]
    ),
    st.text(max_size=30),
)
as_of = st.one_of(
    st.none(), st.sampled_from(["0001-01-01", "9999-12-31", "2026-02-30", "x"]), st.text(max_size=12)
)


def _render(table: dict[tuple[str, str], object]) -> str:
    sections: dict[str, list[str]] = {}
    for (section, key), value in table.items():
        sections.setdefault(section, []).append(f"{json.dumps(key)} = {_toml_value(value)}")
    return "".join(f"[{json.dumps(s)}]\n" + "\n".join(lines) + "\n" for s, lines in sections.items())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    table=settings_files,
    raw=st.one_of(st.none(), st.binary(max_size=40)),
    url=urls,
    when=as_of,
    command=st.sampled_from(["match", "benchmark", "normalize", "ingest"]),
)
def test_any_configuration_is_one_line_and_an_exit_code(
    tmp_path: Path,
    table: dict[tuple[str, str], object],
    raw: bytes | None,
    url: str | None,
    when: str | None,
    command: str,
) -> None:
    config = tmp_path / "matcher.toml"
    if raw is not None:
        config.write_bytes(raw)
    else:
        config.write_text(_render(table), encoding="utf-8", errors="surrogatepass")
    env = {"MATCHER_LAKE": str(tmp_path / "lake"), "FLOQER_API_KEY": "", "FLOWSTATE_API_KEY": ""}
    if url is not None and "\x00" not in url:
        env["FLOQER_BASE_URL"] = url
    args = [command, "--config", str(config)]
    if when is not None and command in ("match", "benchmark"):
        args += ["--as-of", when]
    if command == "ingest":
        args += ["--only", "floqer"]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) <= 1, result.stderr


@pytest.mark.parametrize(
    ("toml", "args"),
    [
        ("[http]\ntimeout_seconds = -1", ["match"]),
        ("[http]\ntimeout_seconds = nan", ["match"]),
        ("[http]\ntimeout_seconds = inf", ["match"]),
        ("[http]\nmax_wait_seconds = -5", ["match"]),
        ('[floqer]\nbase_url = "https://[::1"', ["match"]),
        ("", ["match", "--as-of", "0001-01-01"]),
        ("", ["floqer", "create", "--filters", "@missing.json", "--confirm"]),
        ("", ["floqer", "preview", "--filters", "@missing.json"]),
    ],
)
def test_the_reported_configuration_cases_are_one_line(tmp_path: Path, toml: str, args: list[str]) -> None:
    config = tmp_path / "matcher.toml"
    config.write_text(toml)
    env = {"MATCHER_LAKE": str(tmp_path / "lake"), "FLOQER_API_KEY": "floq_x"}
    result = CliRunner().invoke(app, [*args, "--config", str(config)], env=env)
    assert result.exit_code in (1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize("kind", ["directory", "not utf-8"])
def test_a_config_that_is_a_directory_or_not_utf8_is_one_line(tmp_path: Path, kind: str) -> None:
    config = tmp_path / "matcher.toml"
    if kind == "directory":
        config.mkdir()
    else:
        config.write_bytes(b"\xff\xfe[lake]\n")
    result = CliRunner().invoke(app, ["match", "--config", str(config)], env={"MATCHER_LAKE": str(tmp_path)})
    assert (result.exit_code == 1 and result.exception is None) or isinstance(result.exception, SystemExit)
    assert (
        result.stderr.startswith("error: invalid configuration: --config") and result.stderr.count("\n") == 1
    )
