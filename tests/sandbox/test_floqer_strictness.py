"""Every strictness rule of the Floqer document, over a real socket."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from matcher.sandbox import SandboxServer
from tests.conftest import sandbox_config

PREVIEW = "/api/v1/sources/track_job_postings/preview"
CREATE = "/api/v1/sources/track_job_postings"


def _post(
    sandbox: SandboxServer, http: httpx.Client, path: str, body: Any, key: str | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key or sandbox.keys.floqer}"}
    return http.post(sandbox.floqer_url + path, headers=headers, json=body)


def _fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["status"] == 400
    assert body["error"] == "Bad Request"
    assert isinstance(body["message"], str) and body["message"]
    return [p["field"] for p in body["errors"]]


def test_unknown_top_level_keys_are_all_listed(sandbox: SandboxServer, http: httpx.Client) -> None:
    response = _post(sandbox, http, PREVIEW, {"filters": {"remote": True}, "limit": 5, "query": "x"})
    assert _fields(response) == ["limit", "query"]
    assert "'limit'" in response.json()["message"] and "'query'" in response.json()["message"]


def test_every_problem_is_reported_at_once(sandbox: SandboxServer, http: httpx.Client) -> None:
    body = {"filters": {}, "max_count": 0, "start_date": "not-a-date", "extra": 1}
    assert sorted(_fields(_post(sandbox, http, CREATE, body))) == [
        "expiration_date",
        "extra",
        "filters",
        "max_count",
        "name",
        "start_date",
    ]


@pytest.mark.parametrize("filters", [None, {}, [], "remote"])
def test_filters_missing_empty_or_not_an_object(
    sandbox: SandboxServer, http: httpx.Client, filters: Any
) -> None:
    body = {} if filters is None else {"filters": filters}
    assert _fields(_post(sandbox, http, PREVIEW, body)) == ["filters"]


@pytest.mark.parametrize("value", ["2026-13-01", "tomorrow", "", 20260901, "01/09/2026"])
def test_bad_dates(sandbox: SandboxServer, http: httpx.Client, value: Any) -> None:
    body = {"filters": {"remote": True}, "start_date": value}
    assert _fields(_post(sandbox, http, PREVIEW, body)) == ["start_date"]


@pytest.mark.parametrize("value", ["2026-12-01", "2026-12-01T00:00:00Z", "2026-12-01T08:30:00+02:00"])
def test_iso_like_dates_are_accepted(sandbox: SandboxServer, http: httpx.Client, value: str) -> None:
    body = {"name": "n", "filters": {"remote": True}, "expiration_date": value}
    assert _post(sandbox, http, CREATE, body).status_code == 201


def test_expiration_in_the_past_is_refused(sandbox: SandboxServer, http: httpx.Client) -> None:
    yesterday = (sandbox.clock.now().date() - timedelta(days=1)).isoformat()
    body = {"name": "n", "filters": {"remote": True}, "expiration_date": yesterday}
    assert _fields(_post(sandbox, http, CREATE, body)) == ["expiration_date"]


@pytest.mark.parametrize("value", [0, -1, -0.5, "10", True, [], {}])
def test_non_positive_or_non_numeric_max_count(
    sandbox: SandboxServer, http: httpx.Client, value: Any
) -> None:
    body = {"filters": {"remote": True}, "max_count": value}
    assert _fields(_post(sandbox, http, PREVIEW, body)) == ["max_count"]


def test_create_requires_name_and_expiration(sandbox: SandboxServer, http: httpx.Client) -> None:
    assert sorted(_fields(_post(sandbox, http, CREATE, {"filters": {"remote": True}}))) == [
        "expiration_date",
        "name",
    ]


def test_expiration_and_start_accepted_but_ignored_on_preview(
    sandbox: SandboxServer, http: httpx.Client
) -> None:
    body = {"filters": {"remote": True}, "expiration_date": "2020-01-01"}
    assert _post(sandbox, http, PREVIEW, body).status_code == 200


def test_filter_value_types_are_checked(sandbox: SandboxServer, http: httpx.Client) -> None:
    body = {"filters": {"job_title_or": "Engineer", "remote": "yes", "posted_at_max_age_days": -3}}
    assert sorted(_fields(_post(sandbox, http, PREVIEW, body))) == [
        "filters.job_title_or",
        "filters.posted_at_max_age_days",
        "filters.remote",
    ]


def test_empty_filter_values_are_ignored(sandbox: SandboxServer, http: httpx.Client) -> None:
    plain = _post(sandbox, http, PREVIEW, {"filters": {"remote": True}}).json()
    padded = {
        "filters": {"remote": True, "job_title_or": [], "company_name_or": None, "job_country_code_or": ""}
    }
    assert _post(sandbox, http, PREVIEW, padded).json() == plain


def test_unknown_filter_keys_warn_but_succeed(sandbox: SandboxServer, http: httpx.Client) -> None:
    body = _post(sandbox, http, PREVIEW, {"filters": {"remote": True, "job_vibe_or": ["chill"]}}).json()
    assert body["status"] == 200
    assert body["warnings"] == [
        {
            "field": "filters.job_vibe_or",
            "code": "unknown_filter",
            "message": "filters.job_vibe_or is not a filter the sandbox knows; it was ignored",
        }
    ]


def _preview_rows(
    sandbox: SandboxServer, http: httpx.Client, filters: dict[str, Any]
) -> list[dict[str, Any]]:
    response = _post(sandbox, http, PREVIEW, {"filters": filters})
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["data"]["data"]
    assert rows, f"no rows for {filters}"
    return rows


def test_filters_are_applied(sandbox: SandboxServer, http: httpx.Client) -> None:
    for row in _preview_rows(sandbox, http, {"job_country_code_or": ["gb"], "posted_at_max_age_days": 180}):
        assert row["country_code"] == "GB"
    for row in _preview_rows(sandbox, http, {"remote": True, "posted_at_max_age_days": 180}):
        assert row["remote"] is True
    for row in _preview_rows(sandbox, http, {"job_seniority_or": ["senior"], "posted_at_max_age_days": 180}):
        assert row["seniority"] == "senior"
    for row in _preview_rows(
        sandbox, http, {"job_technology_slug_or": ["kubernetes"], "posted_at_max_age_days": 180}
    ):
        assert "kubernetes" in row["job_technology_slugs"]
        assert row["matching_words"] == ["kubernetes"]
    rows = _preview_rows(sandbox, http, {"job_title_or": ["data scientist"], "job_title_not": ["senior"]})
    for row in rows:
        assert "data scientist" in row["job_title"].lower()
        assert "senior" not in row["job_title"].lower()
        assert row["matching_phrases"] == ["data scientist"]
    some_company = rows[0]["company"]
    for row in _preview_rows(
        sandbox, http, {"company_name_or": [some_company], "posted_at_max_age_days": 180}
    ):
        assert row["company"] == some_company
    excluded = _preview_rows(
        sandbox, http, {"company_name_not": [some_company], "posted_at_max_age_days": 180}
    )
    assert all(r["company"] != some_company for r in excluded)
    for row in _preview_rows(sandbox, http, {"min_employee_count": 1000, "posted_at_max_age_days": 180}):
        assert row.get("company_object", row)["employee_count"] >= 1000


def test_order_by_applies_and_unknown_sort_fields_are_dropped(
    sandbox: SandboxServer, http: httpx.Client
) -> None:
    filters: dict[str, Any] = {"posted_at_max_age_days": 180, "remote": True}
    filters["order_by"] = [{"field": "job_title", "desc": False}]
    by_title = _preview_rows(sandbox, http, filters)
    titles = [r["job_title"].lower() for r in by_title]
    assert titles == sorted(titles)
    filters["order_by"] = [{"field": "vibes", "desc": True}, {"field": "job_title", "desc": False}]
    assert _preview_rows(sandbox, http, filters) == by_title
    filters["order_by"] = [{"field": "salary"}]  # desc defaults to true
    salaries = [r["max_annual_salary_usd"] for r in _preview_rows(sandbox, http, filters)]
    known = [s for s in salaries if s is not None]
    assert known == sorted(known, reverse=True)
    assert salaries[: len(known)] == known  # nulls last


def test_default_lookback_and_the_180_day_cap(sandbox: SandboxServer, http: httpx.Client) -> None:
    today = sandbox.clock.now().date()
    rows = _post(
        sandbox,
        http,
        PREVIEW,
        {"filters": {"remote": True, "order_by": [{"field": "date_posted", "desc": False}]}},
    )
    oldest = date.fromisoformat(rows.json()["data"]["data"][0]["date_posted"])
    assert today - timedelta(days=30) <= oldest
    body = {
        "filters": {
            "remote": True,
            "posted_at_max_age_days": 365,
            "order_by": [{"field": "date_posted", "desc": False}],
        }
    }
    capped = _post(sandbox, http, PREVIEW, body).json()
    assert capped["warnings"][0]["code"] == "capped"
    oldest = date.fromisoformat(capped["data"]["data"][0]["date_posted"])
    assert today - timedelta(days=180) <= oldest < today - timedelta(days=150)
    uncapped = _post(
        sandbox, http, PREVIEW, {"filters": {"remote": True, "posted_at_max_age_days": 180}}
    ).json()
    assert capped["data"]["metadata"] == uncapped["data"]["metadata"]


def test_preview_returns_one_page_capped_by_max_count(sandbox: SandboxServer, http: httpx.Client) -> None:
    body = _post(sandbox, http, PREVIEW, {"filters": {"posted_at_max_age_days": 180}}).json()["data"]
    assert len(body["data"]) == 25 < body["metadata"]["total_results"]
    small = _post(sandbox, http, PREVIEW, {"filters": {"posted_at_max_age_days": 180}, "max_count": 3}).json()
    assert len(small["data"]["data"]) == 3


@pytest.mark.parametrize(
    ("header", "status"),
    [(None, 401), ("Bearer floq_wrong", 401), ("Basic abc", 401), ("read_only", 403)],
)
def test_auth_errors_are_flat(
    sandbox: SandboxServer, http: httpx.Client, header: str | None, status: int
) -> None:
    headers = {}
    if header == "read_only":
        headers["Authorization"] = f"Bearer {sandbox.keys.floqer_read_only}"
    elif header is not None:
        headers["Authorization"] = header
    body = {"name": "n", "filters": {"remote": True}, "expiration_date": "2027-01-01"}
    response = http.post(sandbox.floqer_url + CREATE, headers=headers, json=body)
    assert response.status_code == status
    payload = response.json()
    assert set(payload) == {"status", "error", "message"}
    assert payload["status"] == status
    assert payload["error"] == {401: "Unauthorized", 403: "Forbidden"}[status]


def test_read_only_key_may_preview(sandbox: SandboxServer, http: httpx.Client) -> None:
    response = _post(sandbox, http, PREVIEW, {"filters": {"remote": True}}, key=sandbox.keys.floqer_read_only)
    assert response.status_code == 200


def test_unknown_source_and_route_are_flat_404(sandbox: SandboxServer, http: httpx.Client) -> None:
    auth = {"Authorization": f"Bearer {sandbox.keys.floqer}"}
    for response in (
        http.get(
            f"{sandbox.floqer_url}/api/v1/sources/3f1e2d3c-0000-4000-8000-000000000000/data", headers=auth
        ),
        http.patch(
            f"{sandbox.floqer_url}/api/v1/sources/3f1e2d3c-0000-4000-8000-000000000000/status",
            headers=auth,
            json={"status": "paused"},
        ),
        http.get(f"{sandbox.floqer_url}/api/v1/nowhere", headers=auth),
    ):
        assert response.status_code == 404
        assert set(response.json()) == {"status", "error", "message"}
        assert response.json()["error"] == "Not Found"


def test_rate_limit_429_carries_retry_after_in_the_body(http: httpx.Client) -> None:
    with SandboxServer(sandbox_config(floqer_rate_per_minute=3)) as sandbox:
        auth = {"Authorization": f"Bearer {sandbox.keys.floqer}"}
        statuses = [http.get(f"{sandbox.floqer_url}/api/v1/sources", headers=auth) for _ in range(4)]
        assert [r.status_code for r in statuses] == [200, 200, 200, 429]
        body = statuses[-1].json()
        assert body["status"] == 429 and body["error"] == "Too Many Requests"
        assert 1 <= body["retryAfter"] <= 60
        assert body["message"] == f"Rate limit exceeded. Try again in {body['retryAfter']} seconds."
        assert "retry-after" not in statuses[-1].headers
        other = {"Authorization": f"Bearer {sandbox.keys.floqer_read_only}"}
        assert http.get(f"{sandbox.floqer_url}/api/v1/sources", headers=other).status_code == 200  # per key


@pytest.mark.parametrize(
    ("query", "field"),
    [("page_size=201", "page_size"), ("page_no=0", "page_no"), ("page_size=x", "page_size")],
)
def test_data_paging_parameters_are_checked(
    sandbox: SandboxServer, http: httpx.Client, query: str, field: str
) -> None:
    created = _post(
        sandbox, http, CREATE, {"name": "n", "filters": {"remote": True}, "expiration_date": "2027-01-01"}
    )
    source = created.json()["data"]["source_instance_id"]
    auth = {"Authorization": f"Bearer {sandbox.keys.floqer}"}
    response = http.get(f"{sandbox.floqer_url}/api/v1/sources/{source}/data?{query}", headers=auth)
    assert _fields(response) == [field]


def test_malformed_json_body_is_a_400(sandbox: SandboxServer, http: httpx.Client) -> None:
    headers = {"Authorization": f"Bearer {sandbox.keys.floqer}", "Content-Type": "application/json"}
    response = http.post(sandbox.floqer_url + PREVIEW, headers=headers, content=b'{"filters": ')
    assert _fields(response) == ["body"]
