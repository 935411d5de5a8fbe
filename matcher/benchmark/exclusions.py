"""The analysts' exclusions: matches struck from the benchmark without touching code.

A CSV file with a header and the columns ``vacancy_id``, ``posting_id`` and ``reason`` (others, such as
``excluded_by`` or ``date``, are kept as notes and ignored)::

    vacancy_id,posting_id,reason
    vac_00012,fp_7c1e0a,agency repost of a contract role
    vac_00012,fp_0b9f33,"staff level, not senior"

Every value is read as text, exactly. A row without a vacancy id, a posting id or a reason is an error that
names the file, the line and the column: an exclusion nobody can explain is not honoured silently. The same
(vacancy, posting) listed twice counts once (the first reason wins).
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl

from matcher.common.errors import DataError

DEFAULT_EXCLUSIONS = "exclusions.csv"  # read from the working directory when present
COLUMNS = ("vacancy_id", "posting_id", "reason")
EXCLUSIONS_SCHEMA = {"vacancy_id": pl.String, "posting_id": pl.String, "reason": pl.String, "line": pl.Int64}


def empty_exclusions() -> pl.DataFrame:
    return pl.DataFrame(schema=EXCLUSIONS_SCHEMA)


def load_exclusions(path: Path | str) -> pl.DataFrame:
    """The file's exclusions as a frame (vacancy_id, posting_id, reason, line), or a DataError."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8-sig")  # a spreadsheet's BOM is not part of the header
    except FileNotFoundError:
        raise DataError(
            "exclusions", str(source), "an existing CSV file (vacancy_id, posting_id, reason)"
        ) from None
    except UnicodeDecodeError as error:
        raise DataError("exclusions", str(source), f"UTF-8 text ({error.reason})") from None
    reader = csv.DictReader(text.splitlines())
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise DataError(f"{source} header", header, f"the columns {', '.join(COLUMNS)}")
    reader.fieldnames = header
    rows: dict[tuple[str, str], dict[str, object]] = {}
    for row in reader:
        line = reader.line_num
        values = {name: (row.get(name) or "").strip() for name in COLUMNS}
        if not any(values.values()):
            continue  # a blank line
        for name in COLUMNS:
            if not values[name]:
                raise DataError(f"{source} line {line}: {name}", row.get(name), "a non-empty value")
        key = (values["vacancy_id"], values["posting_id"])
        rows.setdefault(key, {**values, "line": line})
    return pl.DataFrame(list(rows.values()), schema=EXCLUSIONS_SCHEMA, orient="row")
