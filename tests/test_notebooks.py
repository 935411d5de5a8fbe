"""The analyst notebooks in ``notebooks/`` run top to bottom on the demo's outputs and are committed stripped.

Each notebook runs in a fresh ``python3`` kernel of this virtualenv (ipykernel's own kernelspec; a probe cell
checks the kernel's ``sys.prefix``), with ``MATCHER_REPORTS`` / ``MATCHER_LAKE`` pointing at one demo run (the
session's ``demo_outputs``: ``matcher.demo.run_demo``, so the setup cells make no demo run of their own) and
Jupyter's config, data and runtime directories in a temporary directory, so nothing under ``~`` is read or
written. A new notebook is picked up by the glob; give it an entry in ``EXPECTED`` for its key outputs.

The charts are Altair's. The notebooks keep Altair's default renderer (HTML loading Vega-Embed in the
browser); the test first switches the kernel to Altair's ``json`` renderer, so each chart's display is its
Vega-Lite spec itself (``application/json``), read here: its marks and inline data, no URL (nothing to
fetch). Altair 6's ``mimetype`` renderer is no use here: ``application/vnd.vegalite.v6.json`` fails
nbformat's output schema.
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
RENDERER = "renderer"  # the id of the cell the test prepends: Altair's charts displayed as their spec
CHART = "application/json"  # what Altair's json renderer displays: the chart's Vega-Lite spec

# per notebook: what cells (by id) must display (MIME type, a string in it), and checks evaluated in the
# kernel after the last cell (name -> a Python expression that must be True)
EXPECTED: dict[str, dict[str, Any]] = {
    "benchmark_one_vacancy.ipynb": {
        "displays": {
            "benchmark": ("text/markdown", "Compa-ratio"),
            # charts: {mark: rows of its data, None: any}
            "why-chart": (CHART, {"bar": None}),  # each match's score components, stacked
            # the band (a rect), the histogram of the counted salaries, p25/p50/p75 (rules)
            "distribution": (CHART, {"rect": 1, "bar": None, "rule": 3}),
            "thresholds-chart": (CHART, {"line": 12}),  # 3 percentiles x 4 thresholds
        },
        "checks": {
            "the threshold table has a row per threshold": "thresholds.height == len(THRESHOLDS) == 4",
            "the thresholds are the parameter's": "thresholds['min_score'].to_list() == THRESHOLDS",
            "the default vacancy has salaries": "vacancy['n_postings'] > 0 and salaries.height > 0",
            "the histogram holds every counted salary": "salaries.height == vacancy['n_postings']",
            "the top match was struck": "after['excluded_matches']['matched'].to_list() == [True]",
            "a row per judged component of the top 10 matches": "components['rank'].n_unique() == 10"
            " and {'title', 'geography'} <= set(components['component'])",
            "the components' points add up to each match's score": "components.group_by('rank').agg("
            "(pl.col('points').sum() - pl.col('match_score').first()).abs().alias('gap'))['gap'].max()"
            " < 0.05",
        },
    },
    "who_is_hiring.ipynb": {
        "displays": {
            "weekly-chart": (CHART, {"bar": 26}),  # a bar per week
            "seniority-chart": (CHART, {"bar": None}),  # the busiest companies by level
        },
        "checks": {
            "26 weeks in the timeline": "weekly.height == 26",
            "postings in the timeline": "weekly['postings'].sum() > 0",
            "a column per seniority level": "'mid' in mix.columns and mix.width > 3",
            "the levels add up to each company's postings": "levels.group_by('company').agg("
            "(pl.col('n').sum() == pl.col('postings_90d').first()).alias('ok'))['ok'].all()",
            "a row per competing vacancy": "per_vacancy.height > 0",
            "the chart's levels are the busiest companies'": "set(levels.filter(pl.col('company').is_in("
            "busiest.to_list()))['company']) == set(busiest) and busiest.len() == TOP",
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


def _marks(spec: dict[str, Any], where: str) -> dict[str, int]:
    """A displayed Vega-Lite spec's layers as {mark: rows of its data}, asserting it is Vega-Lite and every
    layer's data is inline (a named dataset in the spec, not empty; no URL)."""
    assert spec.get("$schema", "").startswith("https://vega.github.io/schema/vega-lite/"), (
        f"{where}: no Vega-Lite"
    )
    datasets = spec.get("datasets", {})
    marks = {}
    for layer in spec.get("layer", [spec]):
        mark = layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
        data = layer.get("data") or spec.get("data") or {}
        assert set(data) == {"name"} and data["name"] in datasets, (
            f"{where}: the {mark}s' data is not inline: {data}"
        )
        assert datasets[data["name"]], f"{where}: the {mark}s have no data"
        marks[mark] = len(datasets[data["name"]])
    return marks


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
    nb, results = _run(path, expected.get("checks", {}))
    cells = {cell.get("id"): cell for cell in nb.cells}
    for cell_id, (mime, marker) in expected.get("displays", {}).items():
        shown = [output["data"][mime] for output in cells[cell_id].outputs if mime in output.get("data", {})]
        assert shown, f"{path.name}: cell {cell_id} displayed no {mime}"
        if mime == CHART:
            marks = _marks(shown[0], f"{path.name}: cell {cell_id}")
            expected_marks = {
                mark: marks.get(mark) if rows is None else rows for mark, rows in marker.items()
            }
            assert marks == expected_marks, f"{path.name}: cell {cell_id} drew {marks}, expected {marker}"
        else:
            assert marker in shown[0], f"{path.name}: cell {cell_id}'s {mime} lacks {marker!r}"
    failed = {name: result for name, result in results.items() if result is not True}
    assert not failed, f"{path.name}: checks failed: {failed}"


ONE_VACANCY = "clx5v6w7x8y9z0a1"  # the demo's Senior Backend Engineer, New York


@pytest.mark.timeout(300)
def test_who_is_hiring_runs_for_one_vacancy(jupyter_env: tuple[Path, Path]) -> None:
    """Its parameters cell, set as papermill does (a cell after it): only that vacancy's competitors."""
    checks = {
        "only the vacancy's rows": "set(hiring['vacancy_id']) == set(pool['vacancy_id'])"
        f" == {{{ONE_VACANCY!r}}}",
        "its competitors, each matching it alone": "market.height > 0"
        " and market['vacancies_matched'].max() == 1",
        "the same companies as the report's rows for it": "set(market['company']) == set(reports["
        f"'competitor_hiring'].filter(pl.col('vacancy_id') == {ONE_VACANCY!r})['company'])",
        "its weekly postings": "0 < weekly['postings'].sum() <= pool['posting_id'].n_unique()",
    }
    _, results = _run(NOTEBOOKS / "who_is_hiring.ipynb", checks, parameters=f"VACANCY_ID = {ONE_VACANCY!r}")
    failed = {name: result for name, result in results.items() if result is not True}
    assert not failed, f"who_is_hiring.ipynb for {ONE_VACANCY}: checks failed: {failed}"


def _run(
    path: Path, checks: dict[str, str], *, parameters: str | None = None
) -> tuple[nbformat.NotebookNode, dict[str, Any]]:
    """Run the notebook in a fresh kernel with Altair's json renderer, ``parameters`` injected after its
    parameters cell (as papermill does), then the checks; the executed notebook and the checks' results.
    Asserts no cell raised and the kernel is this virtualenv's."""
    nb = nbformat.read(path, as_version=4)
    if parameters is not None:
        (at,) = [i for i, cell in enumerate(nb.cells) if "parameters" in cell.metadata.get("tags", [])]
        injected = nbformat.v4.new_code_cell(parameters)
        injected["id"] = "injected-parameters"
        nb.cells.insert(at + 1, injected)
    renderer = nbformat.v4.new_code_cell("import altair as _alt\n_alt.renderers.enable('json');")
    renderer["id"] = RENDERER
    nb.cells.insert(0, renderer)
    probe = nbformat.v4.new_code_cell(_probe(checks))
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
    (probe_cell,) = [cell for cell in nb.cells if cell.get("id") == PROBE]
    (stdout,) = [output["text"] for output in probe_cell.outputs if output.get("name") == "stdout"]
    results = json.loads(stdout)
    assert results.pop("sys.prefix") == sys.prefix, "the kernel is not this virtualenv's Python"
    return nb, results


# what the notebooks no longer do: parse report text (the reports store structured facts as lists of structs)
# or draw by hand (Altair draws)
NOT_IN_NOTEBOOKS = ["import re", "from re ", ".str.extract", ".str.split", ".str.replace", ".str.contains"]
NOT_IN_NOTEBOOKS += ["SVG(", "<svg", "<rect", "salary_chart", '"#"']


@pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])
def test_the_notebook_reads_structured_columns_and_draws_with_altair(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")
    found = [text for text in NOT_IN_NOTEBOOKS if text in code]
    assert not found, f"{path.name}: parses report text or draws by hand: {found}"
    assert "import altair as alt" in code and ".plot." in code, (
        f"{path.name}: draws with Altair (Polars' .plot)"
    )
    parameters = [cell for cell in nb.cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(parameters) == 1 and parameters[0].cell_type == "code", f"{path.name}: one parameters cell"
    assert "VACANCY_ID = None" in parameters[0].source, f"{path.name}: VACANCY_ID is a parameter"


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
