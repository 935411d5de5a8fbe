"""docs/reports.md documents every column of every report the demo writes, under the report's heading."""

from __future__ import annotations

import re
from pathlib import Path

from matcher.report.writer import REPORTS, load_reports

DOC = Path(__file__).resolve().parents[2] / "docs" / "reports.md"


def test_every_report_column_is_documented(demo_outputs: tuple[Path, Path]) -> None:
    sections = re.split(r"^## ", DOC.read_text(encoding="utf-8"), flags=re.M)
    by_name = {section.split("\n", 1)[0].strip(): section for section in sections}
    frames = load_reports(demo_outputs[1])
    missing = []
    for name in REPORTS:
        assert name in by_name, f"docs/reports.md has no '## {name}' section"
        documented = set(re.findall(r"`(\w+)`", by_name[name]))
        missing += [f"{name}.{column}" for column in frames[name].columns if column not in documented]
    assert not missing, f"undocumented in docs/reports.md: {missing}"
