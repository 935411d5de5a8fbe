"""Run ``bench_quality``'s measurements on the ``matcher`` first on ``PYTHONPATH`` (the baseline's code).

    python bench/quality_baseline_driver.py LAKE CASES_JSON OUT_JSON AS_OF

LAKE holds only ``raw/`` (the rows bench_quality wrote); the stages fill ``clean/`` and ``matches/``. Writes
the matches, the benchmarks and the normalizers' readings of CASES_JSON to OUT_JSON. It imports
``bench_quality`` by path for its two functions that use only APIs the baseline already had.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import date
from pathlib import Path


def main(lake: str, cases: str, out: str, as_of: str) -> None:
    spec = importlib.util.spec_from_file_location(
        "bench_quality", Path(__file__).with_name("bench_quality.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_quality"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    import matcher

    assert "baseline_code" in str(Path(matcher.__file__)), matcher.__file__  # not the working tree's code
    result = module.run_stages(Path(lake), date.fromisoformat(as_of))
    result["normalizers"] = module.predict_normalizers(json.loads(Path(cases).read_text(encoding="utf-8")))
    Path(out).write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])
