"""An installed wheel carries the reference data the code reads at run time."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import matcher

ROOT = Path(__file__).resolve().parents[1]
DATA_SUFFIXES = {".csv", ".json", ".tsv", ".txt", ".md", ".npz"}


def _data_files() -> set[str]:
    package = Path(matcher.__file__).parent
    return {
        str(path.relative_to(package.parent))
        for path in package.rglob("*")
        if path.is_file() and path.suffix in DATA_SUFFIXES and "__pycache__" not in path.parts
    }


def test_the_wheel_ships_every_data_file(tmp_path: Path) -> None:
    uv = shutil.which("uv")
    command = (
        [uv, "build", "--wheel", "--out-dir", str(tmp_path)]
        if uv
        else [sys.executable, "-m", "uv", "build", "--wheel", "--out-dir", str(tmp_path)]
    )
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        pytest.fail(f"uv build failed: {result.stderr[-2000:]}")
    wheel = next(tmp_path.glob("matcher-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = _data_files()
    assert any(name.startswith("matcher/reference/") for name in expected)
    assert any(name.startswith("matcher/sandbox/seed/") for name in expected)
    assert expected <= names, sorted(expected - names)
    assert "matcher/py.typed" in names
