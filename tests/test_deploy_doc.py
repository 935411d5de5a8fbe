"""docs/deploy.md stays true: every ``matcher`` command line in it names a command and options that exist,
and its cron line and systemd service log JSON.

A command line is an inline code span that starts with ``matcher `` or, in a code block, a call of
``.../bin/matcher`` or ``uv run matcher``: ``app/.venv/bin/matcher --log-format json run >> log`` ->
``["--log-format", "json", "run"]``, checked option by option against the typer app's click tree and run
with ``--help`` appended.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.core import TyperGroup, TyperOption
from typer.main import get_command
from typer.testing import CliRunner

from matcher.cli import app

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "deploy.md"
FENCE = re.compile(r"^```(?P<lang>[\w-]*)\n(?P<body>.*?)^```", re.MULTILINE | re.DOTALL)
INLINE = re.compile(r"`(matcher [^`]+)`")
CALL = re.compile(r"(?:^|[\s;&|(=])(?:\S*/bin/|uv run )matcher\s+(?P<rest>.*)")
SHELL_STOP = {";", "&&", "||", "|", ">", ">>", "2>&1", "<", ")", "&"}


def _blocks(text: str) -> list[tuple[str, str]]:
    return [(m["lang"], m["body"].replace("\\\n", " ")) for m in FENCE.finditer(text)]


def _arguments(rest: str) -> list[str]:
    """The words after ``matcher`` up to the first shell operator or comment; a quote that closes around the
    call (``bash -c '... matcher normalize'``) ends it too."""
    try:
        return _words(rest)
    except ValueError:  # no closing quotation: the call sat inside a quoted string
        return _words(rest[: max(rest.rfind("'"), rest.rfind('"'))])


def _words(rest: str) -> list[str]:
    lexer = shlex.shlex(rest, posix=True, punctuation_chars=";&|<>()")
    lexer.whitespace_split = True
    words: list[str] = []
    for word in lexer:
        if word in SHELL_STOP or word.startswith(("#", ">", "2>")) or set(word) <= set(";&|<>()"):
            break
        words.append(word)
    return words


def command_lines(text: str) -> list[list[str]]:
    found = [_arguments(m.group(1)[len("matcher ") :]) for m in INLINE.finditer(FENCE.sub("", text))]
    for _, body in _blocks(text):
        for line in body.splitlines():
            found += [_arguments(m["rest"]) for m in CALL.finditer(line)]
    return found


def check(words: list[str]) -> None:
    """Walk ``words`` down the click tree: each option must exist on the command it follows (its value
    consumed), each word where a command is due must name a subcommand."""
    command: Any = get_command(app)  # typer's own click (typer._click): no public type to name
    ctx = typer.Context(command)
    rest = list(words)
    while rest:
        word = rest.pop(0)
        if word.startswith("-") and word != "-":
            name = word.split("=", 1)[0]
            options = {opt: p for p in command.params for opt in (*p.opts, *p.secondary_opts)}
            assert name in options, f"{' '.join(words)}: {command.name} has no option {name}"
            param = options[name]
            takes_value = isinstance(param, TyperOption) and not (param.is_flag or param.count)
            if takes_value and "=" not in word:
                assert rest, f"{' '.join(words)}: {name} needs a value"
                rest.pop(0)  # its value (a choice such as --log-format json is checked by the --help run)
        elif isinstance(command, TyperGroup):
            sub = command.get_command(ctx, word)
            assert sub is not None, f"{' '.join(words)}: no command {word!r} under {command.name}"
            command = sub
        # else: a positional argument of a leaf command


LINES = [list(words) for words in dict.fromkeys(map(tuple, command_lines(DOC.read_text(encoding="utf-8"))))]


def test_the_doc_has_the_commands_it_promises() -> None:
    named = {" ".join(w for w in words if not w.startswith("-") and w != "json") for words in LINES}
    for expected in ("run", "ingest", "normalize", "lake compact"):
        assert any(n.startswith(expected) for n in named), expected
    assert ["ingest", "--wait"] in LINES


@pytest.mark.parametrize("words", LINES, ids=[" ".join(w) for w in LINES])
def test_every_command_line_exists(words: list[str]) -> None:
    check(words)
    result = CliRunner().invoke(app, [*words, "--help"])
    assert result.exit_code == 0, result.output


def test_the_checker_refuses_what_does_not_exist() -> None:
    with pytest.raises(AssertionError, match="no command"):
        check(["lake", "vacuum"])
    with pytest.raises(AssertionError, match="no option --wiat"):
        check(["ingest", "--wiat"])
    assert CliRunner().invoke(app, ["--log-format", "yaml", "run", "--help"]).exit_code == 2


def test_cron_and_systemd_log_json() -> None:
    blocks = _blocks(DOC.read_text(encoding="utf-8"))
    cron = [line for lang, body in blocks if lang == "cron" for line in body.splitlines() if line.strip()]
    services = [line for _, body in blocks for line in body.splitlines() if line.startswith("ExecStart=")]
    assert cron and services
    for line in cron + services:
        assert "--log-format json" in line, line
        assert re.search(r"/bin/matcher --log-format json run\b", line), line
    timers = [body for lang, body in blocks if "[Timer]" in body]
    assert timers and "OnCalendar=" in timers[0]


def test_exit_codes_and_the_container_recipe() -> None:
    text = DOC.read_text(encoding="utf-8")
    for code in (0, 1, 2, 3, 4):
        assert re.search(rf"^\| {code} \|", text, re.MULTILINE), code
    docker = next(body for lang, body in _blocks(text) if lang == "dockerfile")
    assert docker.startswith("FROM python:3.11-slim") and "uv sync --locked --no-dev" in docker
    assert "USER matcher" in docker


def test_the_readme_links_the_doc() -> None:
    assert "(docs/deploy.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
