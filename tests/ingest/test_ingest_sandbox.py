"""Ingestion against the sandbox over a real socket: every fault a real service can throw."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import httpx
import polars as pl
import pytest

from matcher.common.errors import AuthenticationError, BadRequestError, WaitTooLongError
from matcher.ingest.http import RetryPolicy
from matcher.ingest.lake import Lake
from matcher.sandbox import FaultRule, FlowstateSettings, SandboxServer
from tests.conftest import sandbox_config
from tests.ingest.conftest import Wiring


def _landed_ids(lake: Lake) -> list[str]:
    return lake.read("floqer_postings", ["posting_id"])["posting_id"].to_list()


def _all_source_ids(wired: Wiring, source: str) -> list[str]:
    ids, page = [], 1
    while True:
        data = wired.floqer.data_page(source, page, 200)
        ids.extend(str(r["id"]) for r in data.rows if isinstance(r, dict) and "id" in r)
        if page * 200 >= data.total_count:
            return ids
        page += 1


def test_pages_to_the_last_page_and_lands_every_row_once(wired: Wiring, lake: Lake) -> None:
    source = wired.create_source()
    wired.sandbox.clock.advance(timedelta(minutes=2))
    manifest = wired.run(lake, [source], page_size=50)
    landed = _landed_ids(lake)
    assert sorted(landed) == sorted(_all_source_ids(wired, source))
    assert len(landed) == len(set(landed)) > 50
    stats = manifest["entities"][f"floqer:{source}"]
    assert stats["pages"] == -(-len(landed) // 50)
    assert stats["landed"] == len(landed)
    again = wired.run(lake, [source], page_size=50)
    assert again["totals"]["landed"] == 0
    assert _landed_ids(lake) == landed


def test_new_rows_from_later_runs_land_incrementally(wired: Wiring, lake: Lake) -> None:
    source = wired.create_source()
    wired.sandbox.clock.advance(timedelta(minutes=2))
    first = wired.run(lake, [source])["totals"]["landed"]
    wired.sandbox.clock.advance(timedelta(days=2))
    second = wired.run(lake, [source])["totals"]["landed"]
    assert first > 0 and second > 0
    assert sorted(_landed_ids(lake)) == sorted(_all_source_ids(wired, source))


def test_429_with_retry_after_is_honoured_without_sleeping(wired: Wiring, lake: Lake) -> None:
    source = wired.create_source()
    wired.sandbox.clock.advance(timedelta(minutes=2))
    wired.sandbox.faults.add(
        FaultRule(endpoint="floqer.data", kind="rate_limit", times=2, params={"retry_after": 42})
    )
    manifest = wired.run(lake, [source])
    assert len(wired.slept) == 2
    assert all(42 <= s <= 43 for s in wired.slept)  # the hint, plus at most a second of jitter
    assert manifest["retries"]["floqer"] == 2
    assert sorted(_landed_ids(lake)) == sorted(_all_source_ids(wired, source))


def test_5xx_bursts_drops_and_truncated_bodies_are_survived(wired: Wiring, lake: Lake) -> None:
    source = wired.create_source()
    wired.sandbox.clock.advance(timedelta(minutes=2))
    wired.sandbox.faults.add(
        FaultRule(endpoint="floqer.data", kind="server_error", times=3),
        FaultRule(endpoint="floqer.data", kind="truncate", after=4, times=1),
        FaultRule(endpoint="floqer.data", kind="truncate", after=6, times=1, params={"mode": "bad_json"}),
        FaultRule(endpoint="floqer.data", kind="drop", after=8, times=1),
        FaultRule(endpoint="flowstate.*", kind="server_error", times=2, params={"status": 502}),
    )
    manifest = wired.run(lake, [source], flowstate=True, page_size=100)
    assert manifest["retries"]["floqer"] == 6
    assert manifest["retries"]["flowstate"] == 2
    assert sorted(_landed_ids(lake)) == sorted(_all_source_ids(wired, source))
    assert lake.read("flowstate_vacancies").height == 28


def test_a_hint_above_the_maximum_wait_fails_the_sources_without_waiting(
    sandbox: SandboxServer, lake: Lake, make_wiring: Callable[..., Wiring]
) -> None:
    wired = make_wiring(sandbox, retry=RetryPolicy(max_wait=30))
    first, second = wired.create_source(), wired.create_source()
    sandbox.faults.add(FaultRule(endpoint="floqer.data", kind="rate_limit", params={"retry_after": 3600}))
    with pytest.raises(WaitTooLongError, match="wait 3600s, more than the 30s maximum"):
        wired.floqer.data_page(first, 1)
    sandbox.faults.add(FaultRule(endpoint="floqer.data", kind="rate_limit", params={"retry_after": 3600}))
    manifest = wired.run(lake, [first, second])
    assert wired.slept == []
    assert manifest["status"] == "failed"
    assert "wait 3600s, more than the 30s maximum" in manifest["failed"][f"floqer:{first}"]
    # the account is rate limited: the next source is not even asked (it would be told the same)
    assert manifest["failed"][f"floqer:{second}"].startswith("not tried: ")


def test_401_and_400_fail_fast_with_the_servers_message(wired: Wiring) -> None:
    wired.floqer.api._key = "floq_wrongkey12345678"  # a revoked key
    with pytest.raises(AuthenticationError, match="Missing or invalid API key"):
        wired.floqer.list_sources()
    wired.floqer.api._key = wired.sandbox.keys.floqer
    with pytest.raises(BadRequestError, match=r"page_no must be >= 1"):
        wired.floqer.api.request_json(
            "GET", f"/api/v1/sources/{wired.create_source()}/data", params={"page_no": 0}
        )
    assert wired.slept == []
    with pytest.raises(BadRequestError, match="not sent: filters must contain at least one filter key"):
        wired.floqer.preview({})


def test_rows_inserted_at_the_front_while_paging_land_exactly_once(wired: Wiring, lake: Lake) -> None:
    source = wired.create_source(posted_at_max_age_days=60, order_by=[{"field": "date_posted", "desc": True}])
    wired.sandbox.clock.advance(timedelta(minutes=2))
    wired.sandbox.faults.add(
        FaultRule(endpoint="floqer.data", kind="insert_front", after=1, times=2, params={"count": 7})
    )
    manifest = wired.run(lake, [source], page_size=50)
    landed = _landed_ids(lake)
    assert len(landed) == len(set(landed))
    assert sorted(landed) == sorted(_all_source_ids(wired, source))  # the 14 inserted rows included
    assert manifest["entities"][f"floqer:{source}"]["duplicates_skipped"] >= 7  # shifted rows seen twice


def test_rows_appended_at_the_end_while_paging_land_exactly_once(wired: Wiring, lake: Lake) -> None:
    source = wired.create_source()
    wired.sandbox.clock.advance(timedelta(minutes=2))
    wired.sandbox.faults.add(
        FaultRule(endpoint="floqer.data", kind="append_rows", after=1, times=3, params={"count": 4})
    )
    wired.run(lake, [source], page_size=50)
    landed = _landed_ids(lake)
    assert len(landed) == len(set(landed))
    assert sorted(landed) == sorted(_all_source_ids(wired, source))


def test_a_row_without_id_is_quarantined_and_one_with_bad_fields_lands_whole(
    wired: Wiring, lake: Lake
) -> None:
    source = wired.create_source()
    wired.sandbox.clock.advance(timedelta(minutes=2))
    wired.sandbox.faults.add(
        FaultRule(endpoint="floqer.data", kind="malformed_row", params={"index": 3, "how": "wrong_type"}),
        FaultRule(
            endpoint="floqer.data", kind="malformed_row", after=1, params={"index": 0, "how": "missing_id"}
        ),
    )
    manifest = wired.run(lake, [source], page_size=50)
    quarantine = lake.read("quarantine")
    assert quarantine.height == 1  # only the row without its key
    assert "id: missing, required" in quarantine["reason"][0]
    stats = manifest["entities"][f"floqer:{source}"]
    assert stats["quarantined"] == 1
    assert stats["landed"] == stats["rows_seen"] - 1 - stats["duplicates_skipped"]
    # the row with wrong types landed whole; the unusable fields are counted, the readable one read
    assert stats["fields_nulled"] == {"remote": 1, "min_annual_salary": 1}
    assert stats["fields_coerced"] == {"job_technology_slugs": 1}
    assert stats["outcome"] == "landed" and manifest["status"] == "ok"
    raw = lake.read("floqer_postings")["raw_json"].to_list()
    wrong = [json.loads(r) for r in raw if '"sometimes"' in r]
    assert len(wrong) == 1 and wrong[0]["min_annual_salary"] == {"amount": "lots"}
    assert wired.run(lake, [source], page_size=50)["totals"]["quarantined"] == 0  # quarantined once


def test_a_posting_found_by_two_sources_lands_once_with_both(wired: Wiring, lake: Lake) -> None:
    first = wired.create_source(job_title_or=["engineer"], posted_at_max_age_days=60)
    second = wired.create_source(job_country_code_or=["US"], posted_at_max_age_days=60)
    wired.sandbox.clock.advance(timedelta(minutes=2))
    wired.run(lake, [first, second])
    postings = _landed_ids(lake)
    assert len(postings) == len(set(postings))
    links = lake.read("floqer_posting_sources")
    both = (
        links.group_by("posting_id")
        .agg(pl.col("source_instance_id").n_unique().alias("n"))
        .filter(pl.col("n") == 2)
    )
    assert both.height > 0
    assert set(postings) == set(links["posting_id"].to_list())


def test_personal_data_is_not_landed_unless_enabled(wired: Wiring, lake: Lake, tmp_path: object) -> None:
    source = wired.create_source()
    wired.sandbox.clock.advance(timedelta(minutes=2))
    wired.run(lake, [source])
    raw = lake.read("floqer_postings")["raw_json"].to_list()
    assert not any("hiring_team" in json.loads(r) for r in raw)
    other = Lake(lake.root.parent / "with_people")
    wired.run(other, [source], land_personal_data=True)
    assert any(json.loads(r).get("hiring_team") for r in other.read("floqer_postings")["raw_json"].to_list())


def test_money_lands_exactly_as_received(wired: Wiring, lake: Lake) -> None:
    source = wired.create_source()
    wired.sandbox.clock.advance(timedelta(minutes=2))
    wired.run(lake, [source], flowstate=True)
    vacancy = next(
        json.loads(r, parse_float=Decimal)
        for r in lake.read("flowstate_vacancies")["raw_json"].to_list()
        if json.loads(r)["id"] == "clx5v6w7x8y9z0a1"
    )
    assert vacancy["salaryMin"] == "120000.00"
    landed = {
        str(row["id"]): row
        for row in (
            json.loads(r, parse_float=Decimal) for r in lake.read("floqer_postings")["raw_json"].to_list()
        )
    }
    # what the service sent, decoded independently of the client: the text of every number kept
    response = httpx.get(
        f"{wired.sandbox.floqer_url}/api/v1/sources/{source}/data",
        params={"page_size": 200},
        headers={"Authorization": f"Bearer {wired.sandbox.keys.floqer}"},
    )
    sent = json.loads(response.content, parse_float=Decimal)["data"]["rows"]
    compared = 0
    for row in sent:
        if row["min_annual_salary"] is not None:
            mine = landed[str(row["id"])]
            assert str(mine["min_annual_salary"]) == str(row["min_annual_salary"])  # digit for digit
            assert mine["latitude"] == row["latitude"]
            compared += 1
    assert compared > 10
    assert any(
        isinstance(r["min_annual_salary"], Decimal) for r in sent
    )  # fractional amounts were among them


def test_vacancy_history_is_kept(wired: Wiring, lake: Lake) -> None:
    wired.run(lake, [], flowstate=True)
    wired.sandbox.clock.advance(timedelta(hours=1))
    wired.flowstate.update_vacancy(
        "clx5v6w7x8y9z0a1", {"status": "filled", "filledByLiveEmployeeId": "emp_1"}
    )
    victim = next(v["id"] for v in wired.flowstate.list_vacancies() if v["status"] == "on_hold")
    wired.flowstate.delete_vacancy(victim)
    manifest = wired.run(lake, [], flowstate=True)
    versions = lake.read("flowstate_vacancies").filter(pl.col("vacancy_id") == "clx5v6w7x8y9z0a1")
    assert sorted(versions["status"].to_list()) == ["filled", "open"]
    events = lake.read("flowstate_vacancy_events")
    assert events.select("vacancy_id", "event").rows() == [(victim, "disappeared")]
    assert manifest["entities"]["flowstate:vacancies"]["landed"] == 1
    assert lake.read("flowstate_vacancies").filter(pl.col("vacancy_id") == victim).height == 1  # history kept


def test_update_keeps_existing_metadata_keys(wired: Wiring) -> None:
    vacancy = next(v for v in wired.flowstate.list_vacancies() if v["metadata"])
    before = dict(vacancy["metadata"])
    updated = wired.flowstate.update_vacancy(
        vacancy["id"], {"metadata": {"marketBenchmark": {"p50": "100.00"}}}
    )
    assert updated["metadata"] == {**before, "marketBenchmark": {"p50": "100.00"}}
    assert wired.flowstate.get_vacancy(vacancy["id"])["metadata"] == updated["metadata"]


def test_echoed_keys_reach_no_log_exception_manifest_quarantine_or_parquet(
    wired: Wiring, lake: Lake, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    source = wired.create_source()
    wired.sandbox.clock.advance(timedelta(minutes=2))
    wired.sandbox.faults.add(
        FaultRule(endpoint="floqer.data", kind="echo_auth", times=2),
        FaultRule(endpoint="flowstate.*", kind="echo_auth", times=2, params={"status": 503}),
        FaultRule(endpoint="floqer.data", kind="malformed_row", after=3, params={"how": "wrong_type"}),
    )
    wired.run(lake, [source], flowstate=True)
    wired.sandbox.faults.add(
        FaultRule(endpoint="floqer.list", kind="echo_auth", times=None, params={"status": 400})
    )
    with pytest.raises(BadRequestError) as info:
        wired.floqer.list_sources()
    keys = (wired.sandbox.keys.floqer, wired.sandbox.keys.flowstate)
    texts = [str(info.value), *(r.getMessage() for r in caplog.records)]
    texts += [p.read_text() for p in (lake.root / "state").rglob("*.json")]
    texts += [p.read_bytes().decode("latin-1") for p in lake.root.rglob("*.parquet")]
    assert caplog.records  # the retries were logged
    for text in texts:
        for key in keys:
            assert key not in text


def test_a_retry_after_written_as_text_is_honoured(wired: Wiring, lake: Lake) -> None:
    source = wired.create_source()
    wired.sandbox.clock.advance(timedelta(minutes=2))
    wired.sandbox.faults.add(
        FaultRule(endpoint="floqer.data", kind="rate_limit", times=1, params={"retry_after": "3s"})
    )
    manifest = wired.run(lake, [source])
    assert len(wired.slept) == 1 and 3 <= wired.slept[0] <= 4  # "3s" read as 3 seconds
    assert manifest["status"] == "ok" and manifest["retries"]["floqer"] == 1


def test_html_error_pages_and_errors_in_a_200_envelope_are_retried_as_what_they_say(
    wired: Wiring, lake: Lake
) -> None:
    source = wired.create_source()
    wired.sandbox.clock.advance(timedelta(minutes=2))
    wired.sandbox.faults.add(
        FaultRule(
            endpoint="floqer.data", kind="rate_limit", times=1, params={"retry_after": 9, "as_200": True}
        ),
        FaultRule(endpoint="floqer.data", kind="server_error", after=1, times=1, params={"as_200": True}),
        FaultRule(endpoint="floqer.data", kind="server_error", after=2, times=1, params={"html": True}),
    )
    manifest = wired.run(lake, [source])
    assert manifest["status"] == "ok" and manifest["retries"]["floqer"] == 3
    assert 9 <= wired.slept[0] <= 10  # the 429 inside a 200 was honoured as a 429
    assert sorted(_landed_ids(lake)) == sorted(_all_source_ids(wired, source))


def test_each_scenario_lands_apart_from_live_data_and_an_unknown_one_fails_alone(
    wired: Wiring, lake: Lake
) -> None:
    manifest = wired.run(lake, [], flowstate=True, scenarios=(None, "scn_hiring_freeze", "scn_nope"))
    landed = lake.read("flowstate_vacancies")
    for scenario in (None, "scn_hiring_freeze"):
        ids = landed.filter(landed["scenario_id"] == (scenario or ""))["vacancy_id"].to_list()
        assert sorted(ids) == sorted(v["id"] for v in wired.sandbox.app.served_vacancies(scenario))
    live = set(landed.filter(landed["scenario_id"] == "")["vacancy_id"].to_list())
    freeze = set(landed.filter(landed["scenario_id"] == "scn_hiring_freeze")["vacancy_id"].to_list())
    assert live != freeze  # the scenario adds or removes vacancies: it is not live data again
    assert manifest["status"] == "partial" and set(manifest["failed"]) == {"flowstate:vacancies@scn_nope"}
    assert "404" in manifest["failed"]["flowstate:vacancies@scn_nope"]


def test_a_tenant_capping_limit_below_100_with_a_400_lands_every_vacancy(
    make_wiring: Callable[..., Wiring], lake: Lake
) -> None:
    """Before: ``limit=100`` refused by a tenant whose maximum is 10 (400 ``VALIDATION_ERROR`` naming
    ``limit``) failed the vacancy list and every reference list."""
    with SandboxServer(sandbox_config(flowstate=FlowstateSettings(max_limit=10))) as sandbox:
        manifest = make_wiring(sandbox).run(lake, [], flowstate=True)
        served = sorted(v["id"] for v in sandbox.app.served_vacancies())
    assert manifest["status"] == "ok", manifest["failed"]
    assert sorted(lake.read("flowstate_vacancies")["vacancy_id"].to_list()) == served
    assert manifest["entities"]["flowstate:vacancies"]["pages"] == 3  # 28 vacancies, 10 a page
