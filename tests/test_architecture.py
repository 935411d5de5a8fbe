"""The package's shape: a sorted public facade, and imports that point one way (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import matcher

PACKAGE = Path(matcher.__file__).parent

# layer -> the matcher layers it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "common": set(),
    "ingest": {"common"},
    "normalize": {"common"},
    "match": {"common", "normalize"},
    "benchmark": {"common", "normalize", "match"},
    "report": {"common", "normalize", "match", "benchmark"},
    "lake": {"common"},  # the lake's layout, SQL over it, compaction: below the stages, which will use it
    "sandbox": {"common"},  # written from the vendors' documents alone: never from our clients
    "cli": {"common", "ingest", "normalize", "match", "benchmark", "report", "sandbox", "lake"},
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
