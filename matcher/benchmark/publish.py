"""What ``matcher publish --to flowstate`` writes: a vacancy's ``metadata.marketBenchmark``.

Only what is safe to act on is written (``PublishRules``): a benchmark of at least ``min_confidence``
(default medium: a ``none``-confidence p50 of one posting is no market figure), whose as-of day is at most
``max_age_days`` old and not after today, benchmarked for the same Flowstate tenant and org as the one
configured, and not from the demo's lake (``demo_lake``). Every other row is ``refuse``d with its reason;
``Pipeline.publish(apply=True)`` writes nothing at all when the reports are stale or of a future day, from
another org or from the demo's lake (``PublishRefusedError``).

Amounts and the compa-ratio are decimal strings, as Flowstate writes its own money (``"salaryMin":
"120000.00"``): JSON numbers would pass through floats. Only the ``marketBenchmark`` key is ours; every other
metadata key is kept as it is (Flowstate replaces ``metadata`` wholesale on PATCH, so the whole object is
read, changed in that one key, and sent back).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from matcher.benchmark.stats import CONFIDENCE_LEVELS
from matcher.common.config import PUBLISH_MAX_AGE_DAYS, PUBLISH_MIN_CONFIDENCE
from matcher.common.errors import MatcherError

KEY = "marketBenchmark"
STALE, OTHER_ORG, LOW_CONFIDENCE = "stale", "other org", "confidence"  # Change.refusal
DEMO = "demo"  # benchmarked from the demo's lake (synthetic postings)
FUTURE = "future"  # as of a day after today (`--as-of 2031-01-01`)


class PublishRefusedError(MatcherError):
    """``publish --apply`` on reports that are stale or from another Flowstate tenant or org: nothing
    written; ``changes`` is the plan, each refusal with its reason."""

    def __init__(self, message: str, *, changes: tuple[Change, ...] = ()) -> None:
        super().__init__(message)
        self.changes = changes


@dataclass(frozen=True, kw_only=True)
class PublishRules:
    """What may be written: ``min_confidence`` or better, as-of at most ``max_age_days`` before ``today`` and
    not after it,
    benchmarked for ``tenant`` and ``org_id`` (the configured Flowstate)."""

    min_confidence: str = PUBLISH_MIN_CONFIDENCE
    max_age_days: int = PUBLISH_MAX_AGE_DAYS
    today: date | None = None
    tenant: str | None = None
    org_id: str | None = None

    def __post_init__(self) -> None:
        if self.min_confidence not in CONFIDENCE_LEVELS:
            from matcher.common.errors import ConfigError

            raise ConfigError(
                [
                    f"--min-confidence: got {self.min_confidence!r}, expected one of "
                    + ", ".join(CONFIDENCE_LEVELS)
                ]
            )

    def refusal(self, row: dict[str, Any]) -> tuple[str, str] | None:
        """(kind, reason) when the row may not be written, else None."""
        if row.get("demo_lake"):
            return DEMO, "benchmarked from the demo's lake (synthetic postings): never published"
        if "flowstate_org_id" not in row:
            return OTHER_ORG, "the reports record no Flowstate org: run `matcher benchmark` again"
        tenant, org = row.get("flowstate_tenant"), row.get("flowstate_org_id")
        if (org, tenant) != (self.org_id, self.tenant):
            return OTHER_ORG, (
                f"benchmarked for org {org or '?'} (tenant {tenant or '-'}), not the configured org "
                f"{self.org_id or '?'} (tenant {self.tenant or '-'})"
            )
        as_of, today = row.get("as_of"), self.today or date.today()
        if as_of is None:
            return STALE, "the benchmark records no as-of day"
        age = (today - as_of).days
        if age < 0:
            return FUTURE, (
                f"as of {as_of.isoformat()}, after today ({today.isoformat()}): a day to come has no market "
                "figures to publish"
            )
        if age > self.max_age_days:
            return STALE, (
                f"stale: as of {as_of.isoformat()}, {age} days old (at most {self.max_age_days}: "
                "[publish] max_age_days)"
            )
        level = row.get("confidence") or "none"
        rank = CONFIDENCE_LEVELS.index(level) if level in CONFIDENCE_LEVELS else 0
        if rank < CONFIDENCE_LEVELS.index(self.min_confidence):
            return LOW_CONFIDENCE, f"confidence {level}, below --min-confidence {self.min_confidence}"
        return None


@dataclass(frozen=True)
class Change:
    """One vacancy's publication: ``action`` is ``set`` (no benchmark before), ``update``, ``unchanged``,
    ``skip`` (with ``reason``: nothing to write) or ``refuse`` (with ``reason`` and ``refusal``: ``stale``,
    ``future``, ``other org``, ``demo`` or ``confidence``: not safe to write)."""

    vacancy_id: str
    role: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    metadata: dict[str, Any] | None = None  # the whole metadata object to send (set and update only)
    reason: str = ""
    refusal: str = ""


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


def plan_publication(
    benchmarks: pl.DataFrame,
    current: dict[str, dict[str, Any] | None],
    rules: PublishRules | None = None,
) -> list[Change]:
    """The change per live vacancy, given each vacancy's stored record (``None``: not found in Flowstate).

    Scenario rows are skipped (a scenario is a what-if copy; PATCH writes live data), as are vacancies without
    a market median; rows ``rules`` refuse (stale, another org, low confidence) are ``refuse``d. ``rules``
    None: every benchmark may be written (no check)."""
    changes = []
    for row in benchmarks.sort("vacancy_id").iter_rows(named=True):
        vacancy_id, role = row["vacancy_id"], row["role"] or ""
        if row["scenario_id"]:
            changes.append(Change(vacancy_id, role, "skip", None, None, reason="a scenario's vacancy"))
            continue
        refused = rules.refusal(row) if rules is not None else None
        if refused is not None:
            stored_record = current.get(vacancy_id)
            raw = stored_record.get("metadata") if isinstance(stored_record, dict) else None
            before = raw.get(KEY) if isinstance(raw, dict) else None
            kind, reason = refused
            changes.append(Change(vacancy_id, role, "refuse", before, None, reason=reason, refusal=kind))
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
