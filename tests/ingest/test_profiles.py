"""``matcher run`` against every sandbox profile: each plays a reading the contracts leave open.

Acceptance of issue 11: against each profile, the whole batch lands every vacancy and every posting the
profile serves (compared with the sandbox's own truth), or fails only the one source the profile breaks,
with a one-line reason and the documented exit code (3: partial).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from matcher.cli import app
from matcher.ingest.floqer import FloqerClient
from matcher.ingest.http import ApiClient
from matcher.ingest.lake import Lake
from matcher.report.writer import load_reports
from matcher.sandbox import PROFILES, SandboxServer
from tests.conftest import sandbox_config, sandbox_env

COUNTRIES = ["US", "GB", "DE", "FR", "NL", "IN", "AU", "CA", "IE", "ES", "SG", "PL"]
FILTERS = {"job_country_code_or": COUNTRIES, "posted_at_max_age_days": 90}


def _invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def _create(sandbox: SandboxServer) -> str:
    api = ApiClient(service="floqer", base_url=sandbox.floqer_url, api_key=sandbox.keys.floqer, timeout=10)
    with FloqerClient(api) as client:
        expiration = (sandbox.clock.now() + timedelta(days=60)).date().isoformat()
        return client.create(
            name="all our countries", filters=FILTERS, expiration_date=expiration
        ).source_instance_id


def _ids(rows: list[Any]) -> set[str]:
    return {str(r["id"]) for r in rows if isinstance(r, dict) and "id" in r}


@pytest.mark.slow
@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_run_lands_what_each_profile_serves_or_fails_only_the_broken_source(
    profile: str, tmp_path: Path
) -> None:
    lake_dir = tmp_path / "lake"
    with SandboxServer(sandbox_config(profiles=(profile,), n_postings=1500)) as sandbox:
        env = sandbox_env(sandbox, lake_dir)
        source = _create(sandbox)
        sandbox.clock.advance(timedelta(minutes=2, days=3))
        special = dict(sandbox.app.profile_sources)  # deleted-source: {"deleted": id, "completed": id}
        for tracked in [source, *special.values()]:
            code, out = _invoke(env, "floqer", "track", tracked, "--no-check")  # the deleted one too
            assert code == 0, out
        code, out = _invoke(env, "run", "--as-of", "2026-11-05", "--reports", str(tmp_path / "reports"))
        served_vacancies = {v["id"] for v in sandbox.app.served_vacancies()}
        healthy = [source] + ([special["completed"]] if "completed" in special else [])
        served_postings = set().union(*(_ids(sandbox.app.source_rows(s)) for s in healthy))

    lake = Lake(lake_dir)
    manifest = lake.manifests()[-1]
    # every vacancy the profile serves landed, whatever the key's scopes or the rows' quirks
    landed_vacancies = set(lake.read("flowstate_vacancies")["vacancy_id"].to_list())
    assert landed_vacancies == served_vacancies
    # every posting of every readable source landed exactly once; nothing went to quarantine
    landed = lake.read("floqer_postings")["posting_id"].to_list()
    assert len(landed) == len(set(landed))
    assert set(landed) == served_postings and len(served_postings) > 100
    assert lake.read("quarantine").height == 0
    assert lake.read("flowstate_vacancy_events").height == 0  # no vacancy called disappeared
    if "deleted" in special:  # the one broken source fails alone, in one line, with exit code 3
        assert code == 3, out
        assert manifest["status"] == "partial"
        assert set(manifest["failed"]) == {f"floqer:{special['deleted']}"}
        reason = manifest["failed"][f"floqer:{special['deleted']}"]
        assert "404" in reason and "untrack" in reason
        completed = manifest["entities"][f"floqer:{special['completed']}"]
        if "no-source-listing" not in sandbox.app.profiles:  # its status is known from the listing
            assert completed["outcome"] == "warning" and "completed" in completed["warnings"][0]
    else:
        assert code == 0, out
        assert manifest["status"] == "ok" and manifest["failed"] == {}
    # and the later stages ran on what landed
    assert "benchmark + reports" in out
    assert load_reports(tmp_path / "reports")["vacancy_benchmarks"].height > 0
    # the manifest says what each profile changed, for the user to see
    entities = manifest["entities"]
    if "vacancies-only-key" in sandbox.app.profiles:
        for resource in ("locations", "job_roles", "work_types"):
            assert entities[f"flowstate:{resource}"]["outcome"] == "warning"
    if "resource-types" in sandbox.app.profiles and "vacancies-only-key" not in sandbox.app.profiles:
        assert entities["flowstate:work_types"]["detail"]["path"] == "/resource-types"
    if "no-source-listing" in sandbox.app.profiles:
        assert entities["floqer:listing"]["outcome"] == "warning"
    if "posting-quirks" in sandbox.app.profiles:
        fields = (
            entities[f"floqer:{source}"]["fields_coerced"] | entities[f"floqer:{source}"]["fields_nulled"]
        )
        assert fields, "quirked rows were counted per field"
    json.dumps(manifest)  # the manifest stays plain JSON


@pytest.mark.slow
def test_deleted_source_strict_and_untrack(tmp_path: Path) -> None:
    lake_dir = tmp_path / "lake"
    with SandboxServer(sandbox_config(profiles=("deleted-source",), n_postings=800)) as sandbox:
        env = sandbox_env(sandbox, lake_dir)
        special = sandbox.app.profile_sources
        code, out = _invoke(env, "floqer", "track", special["deleted"])  # checked at Floqer first
        assert code == 1 and "is not found at Floqer" in out and "not tracked" in out
        assert Lake(lake_dir).read_state("floqer_sources.json") == {}
        for tracked in special.values():
            _invoke(env, "floqer", "track", tracked, "--no-check")
        code, out = _invoke(env, "ingest", "--only", "floqer", "--strict")
        assert code == 3, out
        manifest = Lake(lake_dir).manifests()[-1]
        assert "completed" in manifest["failed"][f"floqer:{special['completed']}"]  # --strict fails it too
        code, out = _invoke(env, "floqer", "untrack", special["deleted"])
        assert code == 0 and "untracked" in out
        code, out = _invoke(env, "ingest", "--only", "floqer")
        assert code == 0, out
        assert special["deleted"] not in Lake(lake_dir).read_state("floqer_sources.json")
        code, out = _invoke(env, "floqer", "untrack", special["deleted"])
        assert code == 1 and "is not tracked" in out


def test_a_bad_source_id_is_refused_before_it_is_recorded(tmp_path: Path) -> None:
    env = {"FLOQER_API_KEY": "floq_x", "MATCHER_LAKE": str(tmp_path / "lake")}
    for args in (["floqer", "track", "../etc"], ["ingest", "--only", "floqer", "--source", "a b"]):
        code, out = _invoke(env, *args)
        assert code == 1 and "expected a Floqer source id" in out
    assert not (tmp_path / "lake" / "state" / "floqer_sources.json").exists()


def test_floqer_list_without_a_listing_shows_the_tracked_sources(tmp_path: Path) -> None:
    with SandboxServer(sandbox_config(profiles=("no-source-listing",), n_postings=300)) as sandbox:
        env = sandbox_env(sandbox, tmp_path / "lake")
        source = _create(sandbox)
        _invoke(env, "floqer", "track", source)
        code, out = _invoke(env, "floqer", "list")
    assert code == 0, out
    assert "source listing is not available" in out and source in out


def test_the_same_filters_are_never_created_twice_and_run_waits_for_postings(tmp_path: Path) -> None:
    filters = json.dumps({"job_title_or": ["Data Engineer"], "job_country_code_or": ["US"]})
    with SandboxServer(sandbox_config(n_postings=800)) as sandbox:
        env = sandbox_env(sandbox, tmp_path / "lake")
        create = ["floqer", "create", "--name", "DE", "--filters", filters, "--confirm"]
        code, out = _invoke(env, *create)
        assert code == 0 and "at most 1000 postings a run" in out, out  # a default cap
        code, out = _invoke(env, *create)
        assert code == 1 and "already tracked as source" in out and "nothing to create" in out
        assert len(sandbox.app.floqer.sources) == 1
        # before the new source's first fetch: the batch says so, and exits 1 (no reports were written:
        # a scheduler must not read success, and an older set of reports must not look fresh)
        code, out = _invoke(env, "run", "--reports", str(tmp_path / "reports"))
        assert code == 1, out
        assert "no postings in the lake yet" in out and "skipped" in out and "Traceback" not in out
        assert not (tmp_path / "reports").exists()


def test_a_source_that_expired_does_not_block_its_successor(tmp_path: Path) -> None:
    """ingest warns that an expired source should be replaced by a new one; create with the same filters
    then made nothing ("already tracked ... nothing to create"). The ended twin no longer blocks it."""
    filters = json.dumps({"job_title_or": ["Data Engineer"], "job_country_code_or": ["US"]})
    with SandboxServer(sandbox_config(n_postings=300)) as sandbox:
        env = sandbox_env(sandbox, tmp_path / "lake")
        create = ["floqer", "create", "--name", "DE", "--filters", filters, "--confirm"]
        code, out = _invoke(env, *create)
        assert code == 0, out
        (first,) = sandbox.app.floqer.sources
        sandbox.app.set_source_status(first, "expired")
        code, out = _invoke(env, "ingest", "--only", "floqer")  # records the status the lake last saw
        assert "expired" in out, out
        code, out = _invoke(env, *create)
        assert code == 0, out
        assert f"tracked source {first} with the same filters is expired: creating a new one" in out
        assert len(sandbox.app.floqer.sources) == 2


def test_a_wrong_org_reads_nothing_and_exits_1(tmp_path: Path) -> None:
    with SandboxServer(sandbox_config(n_postings=300)) as sandbox:
        env = {**sandbox_env(sandbox, tmp_path / "lake"), "FLOWSTATE_ORG_ID": "org_other"}
        code, out = _invoke(env, "ingest", "--only", "flowstate")
    assert code == 1, out
    assert "no access to organization org_other" in out and "no source or list could be read" in out


def test_filesystem_problems_are_one_line(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    code, out = _invoke({"FLOQER_API_KEY": "floq_x"}, "ingest", "--only", "floqer", "--lake", str(not_a_dir))
    assert code == 1 and out.strip() == f"error: {not_a_dir}/state: Not a directory"
    code, out = _invoke({"FLOQER_API_KEY": "floq_x"}, "floqer", "preview", "--filters", "@/nonexistent.json")
    assert code == 1 and "cannot read /nonexistent.json" in out and "Traceback" not in out
