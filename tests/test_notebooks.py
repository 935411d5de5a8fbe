"""The analyst notebooks in ``notebooks/`` run top to bottom on the demo's outputs and are committed stripped.

Each notebook runs in a fresh ``python3`` kernel of this virtualenv (ipykernel's own kernelspec; a probe cell
checks the kernel's ``sys.prefix``), with ``MATCHER_REPORTS`` / ``MATCHER_LAKE`` pointing at one demo run (the
session's ``demo_outputs``: ``matcher.demo.run_demo``, so the setup cells make no demo run of their own) and
Jupyter's config, data and runtime directories in a temporary directory, so nothing under ``~`` is read or
written. A new notebook is picked up by the glob; give it an entry in ``EXPECTED`` for its key outputs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
CELL_TIMEOUT = 120  # seconds per cell
PROBE = "probe"  # the id of the cell the test appends

# per notebook: what cells (by id) must display (MIME type, a string in it), and checks evaluated in the
# kernel after the last cell (name -> a Python expression that must be True)
EXPECTED: dict[str, dict[str, Any]] = {
    "benchmark_one_vacancy.ipynb": {
        "displays": {
            "benchmark": ("text/markdown", "Compa-ratio"),
            "distribution": ("image/svg+xml", 'class="salary-chart"'),
        },
        "checks": {
            "the threshold table has a row per threshold": "thresholds.height == len(THRESHOLDS) == 4",
            "the thresholds are the parameter's": "thresholds['min_score'].to_list() == THRESHOLDS",
            "the default vacancy has salaries": "vacancy['n_postings'] > 0 and salaries.len() > 0",
            "the top match was struck": "after['excluded_matches']['matched'].to_list() == [True]",
            "the explanation split into components": "{'title', 'geography'} <= set(components['component'])",
        },
    },
    "who_is_hiring.ipynb": {
        "displays": {"weekly-chart": ("image/svg+xml", "<rect")},
        "checks": {
            "26 weeks in the timeline": "weekly.height == 26",
            "postings in the timeline": "weekly['postings'].sum() > 0",
            "a column per seniority level": "'mid' in mix.columns and mix.width > 3",
            "a row per competing vacancy": "per_vacancy.height > 0",
        },
    },
}


@pytest.fixture
def jupyter_env(
    demo_outputs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path]:
    """The kernel's environment (it inherits this process's): the demo outputs, and Jupyter kept off ``~``."""
    lake, reports = demo_outputs
    monkeypatch.setenv("MATCHER_REPORTS", str(reports))
    monkeypatch.setenv("MATCHER_LAKE", str(lake))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    for name, sub in [
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_DATA_DIR", "data"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("IPYTHONDIR", "ipython"),
    ]:
        directory = tmp_path / "jupyter" / sub
        directory.mkdir(parents=True)
        monkeypatch.setenv(name, str(directory))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # debugpy's note about frozen modules
    return lake, reports


def _probe(checks: dict[str, str]) -> str:
    """A cell printing one JSON line: the kernel's sys.prefix and each check's result (or its error)."""
    lines = ["import json as _json, sys as _sys", "_results = {'sys.prefix': _sys.prefix}"]
    for name, expression in checks.items():
        lines += [
            "try:",
            f"    _results[{name!r}] = bool({expression})",
            "except Exception as _error:",
            f"    _results[{name!r}] = repr(_error)",
        ]
    lines.append("print(_json.dumps(_results))")
    return "\n".join(lines)


def _errors(nb: nbformat.NotebookNode) -> list[str]:
    return [
        f"cell {cell.get('id')}: {output['ename']}: {output['evalue']}"
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]


def test_there_are_notebooks() -> None:
    assert PATHS, f"no notebook in {NOTEBOOKS}"
    assert {p.name for p in PATHS} == set(EXPECTED), "every notebook has an EXPECTED entry, and only those"


@pytest.mark.timeout(300)  # the demo run (once per session) and a kernel per notebook
@pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])
def test_the_notebook_runs_on_the_demo_outputs(path: Path, jupyter_env: tuple[Path, Path]) -> None:
    expected = EXPECTED.get(path.name, {})
    nb = nbformat.read(path, as_version=4)
    probe = nbformat.v4.new_code_cell(_probe(expected.get("checks", {})))
    probe["id"] = PROBE
    nb.cells.append(probe)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        allow_errors=True,  # every failing cell is reported below, not only the first
        resources={"metadata": {"path": str(NOTEBOOKS)}},  # the kernel's working directory
    )
    client.execute()

    errors = _errors(nb)
    assert not errors, f"{path.name} raised:\n" + "\n".join(errors)
    cells = {cell.get("id"): cell for cell in nb.cells}
    for cell_id, (mime, marker) in expected.get("displays", {}).items():
        shown = [output["data"][mime] for output in cells[cell_id].outputs if mime in output.get("data", {})]
        assert shown, f"{path.name}: cell {cell_id} displayed no {mime}"
        assert marker in shown[0], f"{path.name}: cell {cell_id}'s {mime} lacks {marker!r}"
    (stdout,) = [output["text"] for output in cells[PROBE].outputs if output.get("name") == "stdout"]
    results = json.loads(stdout)
    assert results.pop("sys.prefix") == sys.prefix, "the kernel is not this virtualenv's Python"
    failed = {name: result for name, result in results.items() if result is not True}
    assert not failed, f"{path.name}: checks failed: {failed}"


@pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])
def test_the_committed_notebook_is_stripped(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    hint = (
        f"{path.relative_to(NOTEBOOKS.parent)}: commit notebooks without outputs; clear them, e.g. "
        f"`jupyter nbconvert --clear-output --inplace {path.relative_to(NOTEBOOKS.parent)}` or nbstripout"
    )
    dirty = [
        str(cell.get("id", i))
        for i, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not dirty, f"{hint} (cells with outputs or an execution count: {', '.join(dirty)})"
    assert "widgets" not in nb["metadata"], f"{hint} (widget state in the metadata)"
    assert nb["metadata"]["kernelspec"]["name"] == "python3", f"{path.name}: the kernel must be python3"
    assert nb["nbformat"] == 4, f"{path.name}: nbformat 4"
