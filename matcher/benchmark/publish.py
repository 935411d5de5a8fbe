"""What ``matcher publish --to flowstate`` writes: a vacancy's ``metadata.marketBenchmark``.

Amounts and the compa-ratio are decimal strings, as Flowstate writes its own money (``"salaryMin":
"120000.00"``): JSON numbers would pass through floats. Only the ``marketBenchmark`` key is ours; every other
metadata key is kept as it is (Flowstate replaces ``metadata`` wholesale on PATCH, so the whole object is
read, changed in that one key, and sent back).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl

KEY = "marketBenchmark"


@dataclass(frozen=True)
class Change:
    """One vacancy's publication: ``action`` is ``set`` (no benchmark before), ``update``, ``unchanged``
    or ``skip`` (with ``reason``)."""

    vacancy_id: str
    role: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    metadata: dict[str, Any] | None = None  # the whole metadata object to send (set and update only)
    reason: str = ""


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def market_benchmark(row: dict[str, Any]) -> dict[str, Any]:
    """The ``marketBenchmark`` object of one ``vacancy_benchmarks`` row."""
    return {
        "asOf": row["as_of"].isoformat() if row.get("as_of") else None,
        "currency": row["currency"],
        "p25": _text(row["p25"]),
        "p50": _text(row["p50"]),
        "p75": _text(row["p75"]),
        "n": row["n_postings"],
        "nCompanies": row["n_companies"],
        "confidence": row["confidence"],
        "compaRatio": _text(row["compa_ratio"]),
        "verdict": row["verdict"],
    }


def plan_publication(benchmarks: pl.DataFrame, current: dict[str, dict[str, Any] | None]) -> list[Change]:
    """The change per live vacancy, given each vacancy's stored record (``None``: not found in Flowstate).

    Scenario rows are skipped (a scenario is a what-if copy; PATCH writes live data), as are vacancies without
    a market median."""
    changes = []
    for row in benchmarks.sort("vacancy_id").iter_rows(named=True):
        vacancy_id, role = row["vacancy_id"], row["role"] or ""
        if row["scenario_id"]:
            changes.append(Change(vacancy_id, role, "skip", None, None, reason="a scenario's vacancy"))
            continue
        stored = current.get(vacancy_id)
        if stored is None:
            changes.append(Change(vacancy_id, role, "skip", None, None, reason="not found in Flowstate"))
            continue
        raw_metadata = stored.get("metadata") if isinstance(stored, dict) else None
        if raw_metadata is not None and not isinstance(raw_metadata, dict):
            # a list or a string: writing our key would replace what is there; leave it to a person
            kind = type(raw_metadata).__name__
            reason = f"metadata is a {kind}, not an object: not overwritten"
            changes.append(Change(vacancy_id, role, "skip", None, None, reason=reason))
            continue
        metadata = dict(raw_metadata or {})
        before = metadata.get(KEY)
        if row["p50"] is None:
            reason = "no market salaries"
            changes.append(Change(vacancy_id, role, "skip", before, None, reason=reason))
            continue
        after = market_benchmark(row)
        if before == after:
            changes.append(Change(vacancy_id, role, "unchanged", before, after))
            continue
        action = "set" if before is None else "update"
        changes.append(Change(vacancy_id, role, action, before, after, metadata={**metadata, KEY: after}))
    return changes
