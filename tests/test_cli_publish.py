"""``matcher publish --to flowstate`` against the sandbox: dry run, apply, apply again."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import polars as pl

from matcher.benchmark.publish import PublishRules, market_benchmark, plan_publication
from matcher.common.config import PUBLISH_MAX_AGE_DAYS
from matcher.report.writer import load_reports
from matcher.sandbox import SandboxServer
from tests.test_cli_floqer import _invoke, env  # noqa: F401  (env is a fixture)

# the demo's reports are as of the sandbox's fixed day: publish them whatever today's date is
ANY_AGE = {"MATCHER_PUBLISH__MAX_AGE_DAYS": "3650"}


def _vacancies(sandbox: SandboxServer) -> dict[str, dict[str, Any]]:
    url = f"{sandbox.flowstate_url}/org/{sandbox.org_id}/vacancies"
    headers = {"Authorization": f"Bearer {sandbox.keys.flowstate}"}
    found: dict[str, dict[str, Any]] = {}
    page = 1
    while True:
        body = httpx.get(url, params={"page": page, "limit": 100}, headers=headers).json()
        found |= {v["id"]: v for v in body["data"]}
        if not body["meta"]["hasNextPage"]:
            return found
        page += 1


def _patch(sandbox: SandboxServer, vacancy_id: str, body: dict[str, Any]) -> None:
    url = f"{sandbox.flowstate_url}/org/{sandbox.org_id}/vacancies/{vacancy_id}"
    headers = {"Authorization": f"Bearer {sandbox.keys.flowstate}"}
    httpx.patch(url, json=body, headers=headers).raise_for_status()


def test_dry_run_then_apply_then_apply_again(
    sandbox: SandboxServer,
    env: dict[str, str],  # noqa: F811
    demo_outputs: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    reports = _copy_reports(demo_outputs[1], tmp_path)
    benchmarks = load_reports(reports)["vacancy_benchmarks"].filter(pl.col("p50").is_not_null())
    confident = benchmarks.filter(pl.col("confidence").is_in(["medium", "high"]))
    target = confident.row(0, named=True)
    _patch(sandbox, target["vacancy_id"], {"metadata": {"owner": "ana", "budget": {"line": "R&D-7"}}})
    before = _vacancies(sandbox)

    code, out = _invoke(env | ANY_AGE, "publish", "--to", "flowstate", "--reports", str(reports))
    assert code == 0, out
    assert "dry run:" in out and "nothing was written" in out and "would set" in out and " to set" in out
    assert _vacancies(sandbox) == before  # a dry run changes nothing

    code, out = _invoke(env | ANY_AGE, "publish", "--to", "flowstate", "--reports", str(reports), "--apply")
    assert code == 0, out
    after = _vacancies(sandbox)
    written = after[target["vacancy_id"]]["metadata"]
    assert written["owner"] == "ana" and written["budget"] == {"line": "R&D-7"}  # other keys kept
    benchmark = written["marketBenchmark"]
    assert set(benchmark) == {
        "asOf", "currency", "p25", "p50", "p75", "n", "nCompanies", "confidence", "compaRatio", "verdict"
    }  # fmt: skip
    assert Decimal(benchmark["p50"]) == target["p50"] and benchmark["currency"] == target["currency"]
    assert benchmark["n"] == target["n_postings"] and benchmark["asOf"] == target["as_of"].isoformat()
    published = {vid for vid, v in after.items() if "marketBenchmark" in (v.get("metadata") or {})}
    # --min-confidence medium (the default): a p50 of a none- or low-confidence pool is never written
    assert published == set(confident.filter(pl.col("scenario_id") == "")["vacancy_id"])
    weak = benchmarks.filter((pl.col("scenario_id") == "") & ~pl.col("confidence").is_in(["medium", "high"]))
    assert weak.height and not published & set(weak["vacancy_id"])
    assert f"{len(published)} set" in out and "to set" not in out
    assert f"{weak.height} not published" in out and "confidence none, below --min-confidence medium" in out

    code, out = _invoke(env | ANY_AGE, "publish", "--to", "flowstate", "--reports", str(reports), "--apply")
    assert code == 0, out
    assert f"{len(published)} unchanged" in out and " set" not in out and "update" not in out
    assert _vacancies(sandbox) == after  # a second apply changes nothing, not even updatedAt


def test_publish_refuses_an_unknown_target(env: dict[str, str]) -> None:  # noqa: F811
    code, out = _invoke(env, "publish", "--to", "sheets")
    assert code == 1 and "--to: got 'sheets', expected flowstate" in out


def _row(**fields: Any) -> dict[str, Any]:
    row = {
        "scenario_id": "",
        "vacancy_id": "v1",
        "role": "Data Engineer",
        "as_of": None,
        "currency": "EUR",
        "p25": Decimal("70000.00"),
        "p50": Decimal("80000.00"),
        "p75": Decimal("90000.00"),
        "n_postings": 12,
        "n_companies": 7,
        "confidence": "low",
        "compa_ratio": Decimal("1.050"),
        "verdict": "insufficient data",
    }
    return row | fields


def test_the_plan_of_changes() -> None:
    rows = [
        _row(),
        _row(vacancy_id="v2", p50=None),
        _row(vacancy_id="v3", scenario_id="s1"),
        _row(vacancy_id="v4"),
        _row(vacancy_id="v5"),
    ]
    frame = pl.DataFrame(rows)
    same = market_benchmark(rows[4])
    assert same["p50"] == "80000.00" and same["compaRatio"] == "1.050"  # decimals as text, never floats
    stored = {
        "v1": {"metadata": {"marketBenchmark": {**same, "p50": "75000.00"}, "keep": 1}},
        "v2": {"metadata": {}},
        "v3": {"metadata": {}},
        "v5": {"metadata": {"marketBenchmark": same}},
    }
    changes = {c.vacancy_id: c for c in plan_publication(frame, stored)}
    assert changes["v1"].action == "update" and changes["v1"].metadata == {"marketBenchmark": same, "keep": 1}
    assert (changes["v2"].action, changes["v2"].reason) == ("skip", "no market salaries")
    assert (changes["v3"].action, changes["v3"].reason) == ("skip", "a scenario's vacancy")
    assert (changes["v4"].action, changes["v4"].reason) == ("skip", "not found in Flowstate")
    assert changes["v5"].action == "unchanged" and changes["v5"].metadata is None


def _copy_reports(reports: Path, tmp_path: Path, **columns: Any) -> Path:
    """The demo's reports in ``tmp_path/reports`` as a real lake's of today (``demo_lake`` false, ``as_of``
    today: the demo's is the sandbox's day, months ahead), with ``columns`` of vacancy_benchmarks set."""
    target = tmp_path / "reports"
    shutil.copytree(reports, target)
    path = target / "vacancy_benchmarks.parquet"
    frame = pl.read_parquet(path)
    columns = {"demo_lake": False, "as_of": date.today(), **columns}
    frame.with_columns(pl.lit(v, frame.schema[k]).alias(k) for k, v in columns.items()).write_parquet(path)
    return target


def test_apply_refuses_a_stale_benchmark_and_writes_nothing(
    sandbox: SandboxServer,
    env: dict[str, str],  # noqa: F811
    demo_outputs: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    old = date.today() - timedelta(days=PUBLISH_MAX_AGE_DAYS + 1)
    reports = _copy_reports(demo_outputs[1], tmp_path, as_of=old)
    before = _vacancies(sandbox)
    code, out = _invoke(env, "publish", "--to", "flowstate", "--reports", str(reports))
    assert code == 0, out  # the dry run shows what will not be published and why
    assert f"stale: as of {old.isoformat()}, {PUBLISH_MAX_AGE_DAYS + 1} days old" in out
    code, out = _invoke(env, "publish", "--to", "flowstate", "--reports", str(reports), "--apply")
    assert code == 1 and "publish --apply refused, nothing written" in out, out
    assert "stale: as of" in out  # the plan is shown before the refusal
    assert _vacancies(sandbox) == before
    # a longer [publish] max_age_days lets the same reports through
    code, out = _invoke(
        {**env, "MATCHER_PUBLISH__MAX_AGE_DAYS": str(PUBLISH_MAX_AGE_DAYS + 2)},
        "publish", "--to", "flowstate", "--reports", str(reports), "--apply",
    )  # fmt: skip
    assert code == 0 and "published to Flowstate:" in out, out


def test_apply_refuses_reports_of_another_org(
    sandbox: SandboxServer,
    env: dict[str, str],  # noqa: F811
    demo_outputs: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    reports = _copy_reports(demo_outputs[1], tmp_path, flowstate_org_id="org_elsewhere")
    before = _vacancies(sandbox)
    code, out = _invoke(env | ANY_AGE, "publish", "--to", "flowstate", "--reports", str(reports), "--apply")
    assert code == 1 and "publish --apply refused, nothing written" in out, out
    assert f"benchmarked for org org_elsewhere (tenant -), not the configured org {sandbox.org_id}" in out
    assert _vacancies(sandbox) == before


def test_apply_refuses_the_demos_reports_and_writes_nothing(
    sandbox: SandboxServer,
    env: dict[str, str],  # noqa: F811
    demo_outputs: tuple[Path, Path],
) -> None:
    """Reports benchmarked from a lake marked as the demo's record it (``demo_lake``): never published,
    whatever their org and age."""
    reports = demo_outputs[1]
    assert load_reports(reports)["vacancy_benchmarks"]["demo_lake"].all()
    before = _vacancies(sandbox)
    code, out = _invoke(env | ANY_AGE, "publish", "--to", "flowstate", "--reports", str(reports))
    assert code == 0 and "benchmarked from the demo's lake (synthetic postings): never published" in out, out
    assert " to set" not in out
    code, out = _invoke(env | ANY_AGE, "publish", "--to", "flowstate", "--reports", str(reports), "--apply")
    assert code == 1 and "publish --apply refused, nothing written" in out, out
    assert "benchmark a lake of your own" in out
    assert _vacancies(sandbox) == before


def test_apply_refuses_a_benchmark_of_a_future_day_and_writes_nothing(
    sandbox: SandboxServer,
    env: dict[str, str],  # noqa: F811
    demo_outputs: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    """`matcher match --as-of 2031-01-01; matcher benchmark; matcher publish`: never written to Flowstate."""
    future = date.today() + timedelta(days=1)
    reports = _copy_reports(demo_outputs[1], tmp_path, as_of=future)
    before = _vacancies(sandbox)
    code, out = _invoke(env | ANY_AGE, "publish", "--to", "flowstate", "--reports", str(reports))
    assert code == 0 and f"as of {future.isoformat()}, after today ({date.today().isoformat()})" in out, out
    assert " to set" not in out
    code, out = _invoke(env | ANY_AGE, "publish", "--to", "flowstate", "--reports", str(reports), "--apply")
    assert code == 1 and "publish --apply refused, nothing written" in out, out
    assert "benchmark as of today or earlier" in out and _vacancies(sandbox) == before


def test_a_damaged_report_is_one_line_naming_the_file(
    env: dict[str, str],  # noqa: F811
    demo_outputs: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    reports = _copy_reports(demo_outputs[1], tmp_path)
    path = reports / "vacancy_benchmarks.parquet"
    path.write_bytes(path.read_bytes()[:100])  # cut short: no footer
    code, out = _invoke(env | ANY_AGE, "publish", "--to", "flowstate", "--reports", str(reports))
    assert code == 1 and len(out.strip().splitlines()) == 1, out
    assert f"error: {path} cannot be read (parquet: File out of specification" in out
    assert "run `matcher benchmark` again to rewrite the reports" in out


def test_min_confidence_none_publishes_indicative_figures_marked(
    sandbox: SandboxServer,
    env: dict[str, str],  # noqa: F811
    demo_outputs: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    reports = _copy_reports(demo_outputs[1], tmp_path)
    benchmarks = load_reports(reports)["vacancy_benchmarks"]
    live = benchmarks.filter((pl.col("scenario_id") == "") & pl.col("p50").is_not_null())
    args = ("publish", "--to", "flowstate", "--reports", str(reports), "--min-confidence")
    code, out = _invoke(env | ANY_AGE, *args, "none")
    assert code == 0 and "* confidence none: indicative only" in out, out
    assert "not published" not in out and f"{live.height} to set" in out
    code, out = _invoke(env | ANY_AGE, *args, "middling")
    assert code == 1 and "--min-confidence: got 'middling', expected one of none, low, medium, high" in out


def test_the_rules() -> None:
    today = date(2026, 12, 2)
    rules = PublishRules(max_age_days=14, today=today, org_id="org_a")
    row = _row(as_of=date(2026, 11, 20), confidence="medium", flowstate_org_id="org_a", flowstate_tenant=None)
    assert rules.refusal(row) is None
    assert rules.refusal(row | {"confidence": "low"}) == (
        "confidence",
        "confidence low, below --min-confidence medium",
    )
    assert rules.refusal(row | {"as_of": date(2026, 11, 17)}) == (
        "stale",
        "stale: as of 2026-11-17, 15 days old (at most 14: [publish] max_age_days)",
    )
    assert rules.refusal(row | {"as_of": today}) is None  # today's benchmark is fresh
    assert rules.refusal(row | {"as_of": date(2031, 1, 1)}) == (
        "future",
        "as of 2031-01-01, after today (2026-12-02): a day to come has no market figures to publish",
    )
    assert rules.refusal(row | {"demo_lake": True})[0] == "demo"  # type: ignore[index]
    assert rules.refusal(row | {"demo_lake": False}) is None
    assert rules.refusal(row | {"flowstate_tenant": "acme"})[0] == "other org"  # type: ignore[index]
    assert rules.refusal(_row(as_of=today))[0] == "other org"  # type: ignore[index]  (reports from before)
    changes = plan_publication(pl.DataFrame([row | {"confidence": "none"}]), {"v1": {"metadata": {}}}, rules)
    assert [(c.action, c.refusal) for c in changes] == [("refuse", "confidence")]
