"""The package's shape: a sorted public facade, and imports that point one way (docs/architecture.md)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import matcher
from matcher.lake.layout import TABLES

PACKAGE = Path(matcher.__file__).parent

# layer -> the matcher layers it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "common": set(),
    "ingest": {"common", "lake"},
    "normalize": {"common", "lake"},
    "match": {"common", "lake", "normalize"},
    "benchmark": {"common", "lake", "normalize", "match"},
    "report": {"common", "lake", "normalize", "match", "benchmark"},
    "lake": {"common"},  # the lake's layout, its one atomic write, SQL over it, compaction: below the stages
    "sandbox": {"common"},  # written from the vendors' documents alone: never from our clients
    # matcher/pipeline.py (the Pipeline the CLI draws) sits between the stages and the CLI
    # matcher/demo.py (run_demo: the sandbox through the Pipeline) sits beside it, and so does
    # matcher/sources.py (the Floqer sources: plan, create, list, track; `matcher floqer` draws them)
    "cli": {
        "common",
        "ingest",
        "normalize",
        "match",
        "benchmark",
        "report",
        "sandbox",
        "lake",
        "pipeline",
        "demo",
        "sources",
    },
}

EXPECTED_EXPORTS = {
    "ConfigError",
    "Conversion",
    "SalaryInfo",
    "TitleInfo",
    "LocationInfo",
    "normalize_location",
    "load_onet_taxonomy",
    "load_reports",
    "rank_titles",
    "normalize_title",
    "annualize",
    "convert_currency",
    "parse_salary",
    "DataError",
    "MatcherError",
    "PermanentError",
    "RemoteError",
    "SandboxError",
    "TransientError",
    "__version__",
    "BenchmarkOptions",
    "benchmark_frames",
    "benchmark_lake",
    "connect",
    "load_exclusions",
    "salary_chart",
    "write_html_report",
    # the library's pipeline (matcher/pipeline.py): one object, a typed result per stage
    "Pipeline",
    "Config",
    "load_config",
    "NotReadyError",
    "IngestResult",
    "NormalizeResult",
    "MatchResult",
    "BenchmarkResult",
    "PublishResult",
    "RunResult",
}


def test_public_exports_are_sorted_and_known() -> None:
    assert matcher.__all__ == sorted(matcher.__all__)
    assert set(matcher.__all__) == EXPECTED_EXPORTS
    for name in matcher.__all__:
        assert hasattr(matcher, name)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "matcher" or name.startswith("matcher.")}


def test_every_module_belongs_to_a_layer() -> None:
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        assert len(parts) == 1 or parts[0] in ALLOWED, f"{path} is in no layer of docs/architecture.md"


def test_imports_point_one_way() -> None:
    violations = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if len(parts) == 1:  # matcher/__init__.py and __main__.py: the facade may import anything
            continue
        layer = parts[0]
        for module in _imports(path):
            target = module.split(".")[1] if "." in module else "matcher"
            if target == "matcher":
                violations.append(
                    f"{path.relative_to(PACKAGE)} imports the facade 'matcher' (import the module)"
                )
            elif target != layer and target not in ALLOWED[layer]:
                violations.append(f"{path.relative_to(PACKAGE)} ({layer}) imports {module}")
    assert violations == []


# -- one lake layout, one atomic write ----------------------------------------------------------------------
# the lake's top folders (raw, quarantine, clean, matches, benchmark, cache, state), from the registry
LAKE_FOLDERS = sorted({Path(t.path).parts[0] for t in TABLES.values() if t.root == "lake" and "/" in t.path})
RENAME = re.compile(r"\bos\.(replace|rename)\(|\.rename\(|\btemp\w*\.replace\(")
# modules that may still rename or join by hand, and why; anything else goes through matcher.lake
HAND_WRITTEN = {
    "common/cache.py": "a cache of parsed reference data, not the lake (common cannot import matcher.lake)",
    "normalize/currency.py": "the ECB rate file in the user's data folder, not the lake",
    "report/html.py": "write_html_report's report.html: to move onto matcher.lake.files.write_text_atomic",
}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _lake_folder_joins(path: Path) -> list[str]:
    """String literals naming a lake folder used as a path: ``lake / "clean"``, ``Path("state")``,
    ``"raw/floqer/postings"``, ``"clean/postings.parquet"`` (a table name such as ``"quarantine"`` passed
    to ``Lake.append`` is not a path)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstrings(tree)
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str) or id(node) in docstrings:
            continue
        first = node.value.split("/")[0]
        if first not in LAKE_FOLDERS:
            continue
        parent = parents.get(id(node))
        as_path = (
            "/" in node.value
            or (isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Div))
            or (
                isinstance(parent, ast.Call) and getattr(parent.func, "id", None) in {"Path", "PurePosixPath"}
            )
        )
        if as_path:
            found.append((node.lineno, node.value))
    return [f"line {number}: {value!r}" for number, value in sorted(found)]


def test_lake_paths_and_atomic_writes_are_only_in_matcher_lake() -> None:
    """Every lake path comes from matcher.lake.layout; every file write's rename from matcher.lake.files."""
    violations = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith(("lake/", "sandbox/")) or relative in HAND_WRITTEN:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if RENAME.search(line):
                violations.append(f"{relative}:{number}: a hand-written rename: {line.strip()}")
        violations += [f"{relative}: a lake path by hand, {found}" for found in _lake_folder_joins(path)]
    assert violations == []


def test_the_checks_for_hand_written_paths_catch_them(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Writes clean/postings.parquet."""\n'
        "from pathlib import Path\n"
        'a = Path("lake") / "clean" / "postings.parquet"\n'
        'b = Path("state")\n'
        'c = "raw/floqer/postings"\n'
        'lake.append("quarantine", rows)\n'
        "os.replace(temp, path)\n",
        encoding="utf-8",
    )
    assert [f.split(":")[0] for f in _lake_folder_joins(sample)] == ["line 3", "line 4", "line 5"]
    assert [n for n, line in enumerate(sample.read_text().splitlines(), 1) if RENAME.search(line)] == [7]


def test_each_stage_default_is_declared_once_and_the_config_holds_it() -> None:
    """The stages' option dataclasses and the configuration read one constant (matcher/common/defaults.py)."""
    from matcher.benchmark.stage import BenchmarkOptions
    from matcher.common import defaults
    from matcher.common.config import Config
    from matcher.match.stage import MatchOptions
    from matcher.normalize.stage import NormalizeOptions

    config, match, bench, norm = Config(), MatchOptions(), BenchmarkOptions(), NormalizeOptions()
    assert (match.floor, config.match_floor) == (defaults.MATCH_FLOOR,) * 2 == (50.0, 50.0)
    assert (match.title_floor, config.title_floor) == (defaults.TITLE_FLOOR,) * 2
    assert (match.include_agencies, config.include_agencies) == (defaults.INCLUDE_AGENCIES,) * 2
    assert (match.require_work_type, config.require_work_type) == (defaults.REQUIRE_WORK_TYPE,) * 2
    assert (match.level_policy, bench.level_policy, config.level_policy) == ("exact",) * 3
    assert (bench.min_score, config.benchmark_min_score) == (defaults.BENCHMARK_MIN_SCORE,) * 2 == (75.0,) * 2
    assert (bench.company_cap, config.company_cap) == (defaults.COMPANY_CAP,) * 2 == (3, 3)
    assert (bench.top_k, config.top_k) == (defaults.TOP_K,) * 2 == (50, 50)
    assert (norm.reporting_currency, config.reporting_currency) == (defaults.REPORTING_CURRENCY,) * 2
    assert (norm.band_basis, config.band_basis) == (defaults.BAND_BASIS,) * 2
    config_source = (PACKAGE / "common" / "config.py").read_text(encoding="utf-8")
    # no literal default left beside the constants (`default=50.0`, `top_k: int = 50`)
    assert not re.findall(r"default=-?\d|: (?:int|float) = -?\d", config_source)
