"""The console command: ``matcher sandbox serve`` answers curl as documented; errors are one line."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

import matcher
from matcher import __version__
from matcher.cli import app
from tests.sandbox.test_contract_examples import DOC_VACANCY


@pytest.fixture
def served() -> Iterator[dict[str, str]]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "matcher", "sandbox", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Ctrl-C"):
                break
        text = "".join(lines)
        found = {
            "text": text,
            "floqer": re.search(r"Floqer\s+(http://127\.0\.0\.1:\d+/floqer)", text).group(1),  # type: ignore[union-attr]
            "flowstate": re.search(r"Flowstate\s+(http://\S+/org/\S+)", text).group(1),  # type: ignore[union-attr]
            "floqer_key": re.search(r"FLOQER_API_KEY=(\S+)", text).group(1),  # type: ignore[union-attr]
            "flowstate_key": re.search(r"FLOWSTATE_API_KEY=(\S+)", text).group(1),  # type: ignore[union-attr]
        }
        yield found
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def test_serve_prints_urls_and_keys_and_answers_curl(served: dict[str, str]) -> None:
    assert served["floqer_key"].startswith("floq_")
    assert served["flowstate_key"].startswith("private_")
    url = f"{served['flowstate']}/vacancies/clx5v6w7x8y9z0a1"
    curl = shutil.which("curl")
    if curl:
        out = subprocess.run(
            [
                curl,
                "-s",
                "-w",
                "\n%{http_code}",
                "-X",
                "GET",
                url,
                "-H",
                f"Authorization: Bearer {served['flowstate_key']}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        body, status = out.rsplit("\n", 1)
    else:  # no curl binary on this machine: the same request with httpx
        response = httpx.get(url, headers={"Authorization": f"Bearer {served['flowstate_key']}"})
        body, status = response.text, str(response.status_code)
    assert status == "200"
    assert json.loads(body) == {"data": DOC_VACANCY}
    # the printed curl line is the documented request, ready to paste
    assert f"curl -s -H 'Authorization: Bearer {served['flowstate_key']}' {url}" in served["text"]


def test_serve_answers_floqer_preview(served: dict[str, str]) -> None:
    response = httpx.post(
        f"{served['floqer']}/api/v1/sources/track_job_postings/preview",
        headers={"Authorization": f"Bearer {served['floqer_key']}"},
        json={"filters": {"job_country_code_or": ["US"]}},
    )
    assert response.status_code == 200
    assert response.json()["status"] == 200


def test_bad_option_is_one_clear_line_not_a_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "matcher", "sandbox", "serve", "--start", "yesterday"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: invalid configuration: --start: got 'yesterday', expected an ISO 8601 instant with a timezone"
    ]
    assert "Traceback" not in result.stderr + result.stdout


def test_version_and_help() -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["--version"]).output.strip() == f"matcher {__version__}"
    help_text = runner.invoke(app, ["sandbox", "--help"]).output
    assert "serve" in help_text and "tour" in help_text


def test_tour_walks_the_lifecycle() -> None:
    result = CliRunner().invoke(app, ["sandbox", "tour"])
    assert result.exit_code == 0, result.output
    for step in ("first fetch ran", "paused", "resumed", "expired", "distinct ids"):
        assert step in result.output


def _run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FLOQER_", "FLOWSTATE_", "MATCHER_"))}
    return subprocess.run(
        [sys.executable, "-m", "matcher", *args],
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_create_without_confirm_refuses_before_any_request() -> None:
    result = _run(["floqer", "create", "--name", "x", "--filters", '{"remote": true}'])
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: creating a Floqer source spends credits on every scheduled fetch; add --confirm to proceed"
    )


def test_missing_credentials_are_one_line() -> None:
    result = _run(["ingest", "--only", "floqer"])
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("error: invalid configuration: FLOQER_API_KEY is not set")
    )
    assert "Traceback" not in result.stderr


def test_remote_errors_are_one_line_without_the_key(tmp_path: Path) -> None:
    key = "floq_realLookingKey0123456789"
    settings = tmp_path / "matcher.toml"
    settings.write_text("[http]\nmax_attempts = 1\n")
    result = _run(
        ["floqer", "list", "--config", str(settings)],
        env={"FLOQER_API_KEY": key, "FLOQER_BASE_URL": "http://127.0.0.1:9", "MATCHER_LAKE": str(tmp_path)},
    )
    assert result.returncode == 1
    assert "cannot connect to http://127.0.0.1:9 (connection refused)" in result.stderr
    assert result.stderr.count("127.0.0.1") == 1  # the host named once
    assert key not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_every_command_the_readme_names_exists() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    commands = set(re.findall(r"^\| `matcher ([a-z]+(?: [a-z]+)?)", readme, flags=re.M))
    assert {"demo", "ingest", "floqer preview", "sandbox serve"} <= commands
    runner = CliRunner()
    for command in sorted(commands):
        result = runner.invoke(app, [*command.split(), "--help"])
        assert result.exit_code == 0, (command, result.output)


def test_the_readme_python_examples_run() -> None:
    import doctest

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## In Python", 1)[1].split("\n## ", 1)[0]
    blocks = [part.split("```", 1)[0] for part in section.split("```python")[1:]]
    block = next(b for b in blocks if ">>>" in b)
    # the Pipeline example needs accounts to run: it must at least parse and name only what matcher exports
    for other in (b for b in blocks if ">>>" not in b):
        tree = ast.parse(other)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "matcher":
                assert all(hasattr(matcher, alias.name) for alias in node.names), other
    test = doctest.DocTestParser().get_doctest(block, {}, "README", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
    assert runner.summarize(verbose=False).attempted >= 8


def test_wrong_base_urls_fail_the_ingest_in_seconds_naming_each_host_once(tmp_path: Path) -> None:
    sources = ["3b0c8a52-3a8e-4e0b-9a57-1d2c3b4a5f60", "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70"]
    env = {
        "FLOQER_API_KEY": "floq_realLookingKey0123456789",
        "FLOQER_BASE_URL": "http://127.0.0.1:9",  # refused
        "FLOWSTATE_BASE_URL": "https://flowstate.invalid/api/v1",  # does not resolve
        "FLOWSTATE_API_KEY": "private_ab_0123456789abcdef01",
        "FLOWSTATE_ORG_ID": "org_1",
        "MATCHER_LAKE": str(tmp_path / "lake"),
    }
    startup = 0.0  # what a CLI command that reaches no host takes on this machine now (it may be loaded)
    for source in sources:  # tracked without the check (it would fail just as fast, see below)
        started = time.monotonic()
        assert _run(["floqer", "track", source, "--no-check"], env=env).returncode == 0
        startup = max(startup, time.monotonic() - started)
    started = time.monotonic()
    result = _run(["ingest"], env=env)
    # seconds beyond a command's own start-up: retrying an unreachable host with backoff takes 15 s and more
    assert time.monotonic() - started < startup + 5
    assert result.returncode == 1  # nothing could be read
    assert result.stderr.count("127.0.0.1") == 1 and "connection refused" in result.stderr
    assert result.stderr.count("flowstate.invalid") == 1 and "does not resolve" in result.stderr
    assert "Traceback" not in result.stderr and "floqer_realLookingKey" not in result.stderr + result.stdout
    assert "floqer GET /api/v1/sources: floqer GET" not in result.stderr  # no doubled prefix
    checked = _run(["floqer", "track", "9c0c8a52-3a8e-4e0b-9a57-1d2c3b4a5f60"], env=env)
    assert checked.returncode == 1 and checked.stderr.count("127.0.0.1") == 1


def _commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    for name, command in getattr(group, "commands", {}).items():
        yield (*path, name), command
        yield from _commands(command, (*path, name))


def test_help_shows_the_settings_sections_it_names() -> None:
    # Rich reads "[report]" as markup and drops it: "(default: [report] dir)" was shown as "(default:  dir)"
    import typer.main

    root = typer.main.get_command(app)
    checked = 0
    for path, command in _commands(root):
        texts = [p.help or "" for p in command.params] + [command.help or ""]
        named = {m for text in texts for m in re.findall(r"\[([a-z_]+)\]", text)}
        if not named:
            continue
        shown = CliRunner().invoke(app, [*path, "--help"], terminal_width=200).output
        for section in named:
            assert f"[{section}]" in shown, (path, section)
        checked += 1
    assert checked >= 5
