"""Fixed-expectation tests built from the JSON examples in the two vendor documents.

The examples are copied here verbatim (they are the contract); ``test_examples_match_the_documents`` checks
the copies against ``../shared/api`` so a document update cannot slip by unnoticed.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from matcher.sandbox import SandboxServer
from tests.conftest import sandbox_config

DOC_VACANCY = {
    "id": "clx5v6w7x8y9z0a1",
    "role": "Senior Backend Engineer",
    "description": "Backend engineer for the payments team, focusing on billing infrastructure.",
    "status": "open",
    "fte": 1.0,
    "targetStartDate": "2026-06-01",
    "targetFillDate": "2026-05-15",
    "jobRoleId": "clx9r8q7w6e5",
    "workTypeId": "clx2w3x4y5z6",
    "geographyId": "clx3g2h1j0k9",
    "salaryMin": "120000.00",
    "salaryMax": "160000.00",
    "currencyCode": "USD",
    "filledByLiveEmployeeId": None,
    "hiringManagerId": "clx9m4n5o6p7",
    "metadata": {},
    "createdAt": "2026-01-15T10:00:00Z",
    "updatedAt": "2026-03-01T16:45:00Z",
}
DOC_LIST_META = {"page": 1, "limit": 20, "total": 23, "hasNextPage": True}
DOC_CREATE_BODY = {
    "role": "DevOps Engineer",
    "description": "Cloud infrastructure engineer to support the platform team.",
    "status": "open",
    "fte": 1.0,
    "targetStartDate": "2026-09-01",
    "salaryMin": "110000.00",
    "salaryMax": "145000.00",
    "currencyCode": "USD",
}
DOC_CREATE_RESPONSE = {
    "id": "clx2b3c4d5e6f7g8",
    "role": "DevOps Engineer",
    "description": "Cloud infrastructure engineer to support the platform team.",
    "status": "open",
    "fte": 1.0,
    "targetStartDate": "2026-09-01",
    "targetFillDate": None,
    "jobRoleId": None,
    "workTypeId": None,
    "geographyId": None,
    "salaryMin": "110000.00",
    "salaryMax": "145000.00",
    "currencyCode": "USD",
    "filledByLiveEmployeeId": None,
    "hiringManagerId": None,
    "metadata": {},
    "createdAt": "2026-03-11T09:30:00Z",
    "updatedAt": "2026-03-11T09:30:00Z",
}
DOC_PATCH_BODY = {"status": "filled", "filledByLiveEmployeeId": "clx7n8m9k0j1h2g3"}
DOC_PATCH_RESPONSE = dict(
    DOC_VACANCY, status="filled", filledByLiveEmployeeId="clx7n8m9k0j1h2g3", updatedAt="2026-03-11T09:35:00Z"
)
DOC_PREVIEW_BODY = {
    "filters": {
        "job_title_or": ["Head of Data", "VP Engineering"],
        "job_technology_slug_or": ["snowflake"],
        "job_country_code_or": ["US"],
        "posted_at_max_age_days": 30,
        "order_by": [{"field": "date_posted", "desc": True}],
    }
}
DOC_CREATE_SOURCE_BODY = {
    "name": "Snowflake hiring — US data leaders",
    "filters": {
        "job_title_or": ["Head of Data", "VP Engineering"],
        "job_technology_slug_or": ["snowflake"],
        "job_country_code_or": ["US"],
    },
    "expiration_date": "2026-09-01",
    "max_count": 2000,
}
# Section 5 of the Floqer document: the fields every imported row carries (company attributes may be nested).
ROW_FIELDS = """
id job_title normalized_title url final_url source_url date_posted discovered_at description
reposted date_reposted easy_apply manager_roles matching_phrases matching_words job_technology_slugs
keyword_slugs seniority employment_statuses remote hybrid location short_location long_location city
state_code postal_code country country_code countries country_codes cities continents latitude
longitude salary_string salary_currency min_annual_salary max_annual_salary min_annual_salary_usd
max_annual_salary_usd avg_annual_salary_usd company company_domain hiring_team
""".split()
COMPANY_FIELDS = """
name domain industry industry_id company_country company_country_code employee_count
employee_count_range logo linkedin_url linkedin_id url_source is_recruiting_agency yc_batch num_jobs
num_jobs_last_30_days num_technologies founded_year annual_revenue_usd annual_revenue_usd_readable
total_funding_usd last_funding_round_date last_funding_round_amount_readable funding_stage investors
publicly_traded_symbol publicly_traded_exchange company_keywords company_tags technology_slugs
""".split()
NEWER_VACANCY_FIELDS = {"externalId", "filledByLiveContractorId", "isFilled"}


def _started(at: datetime) -> SandboxServer:
    return SandboxServer(sandbox_config(start=at)).start()


def _flowstate(sandbox: SandboxServer) -> tuple[str, dict[str, str]]:
    return f"{sandbox.flowstate_url}/org/{sandbox.org_id}", {
        "Authorization": f"Bearer {sandbox.keys.flowstate}"
    }


def _floqer(sandbox: SandboxServer) -> tuple[str, dict[str, str]]:
    return f"{sandbox.floqer_url}/api/v1/sources", {"Authorization": f"Bearer {sandbox.keys.floqer}"}


def test_get_vacancy_is_the_documented_example(sandbox: SandboxServer, http: httpx.Client) -> None:
    org, auth = _flowstate(sandbox)
    response = http.get(f"{org}/vacancies/clx5v6w7x8y9z0a1", headers=auth)
    assert response.status_code == 200
    assert response.json() == {"data": DOC_VACANCY}
    assert response.headers["content-type"].startswith("application/json")


def test_list_vacancies_has_the_documented_shape(sandbox: SandboxServer, http: httpx.Client) -> None:
    org, auth = _flowstate(sandbox)
    response = http.get(f"{org}/vacancies?sortBy=targetStartDate&sortDir=asc", headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data", "meta"}
    assert body["meta"] == DOC_LIST_META
    assert len(body["data"]) == 20
    for vacancy in body["data"]:
        assert set(DOC_VACANCY) <= set(vacancy), vacancy["id"]
        assert set(vacancy) - set(DOC_VACANCY) <= NEWER_VACANCY_FIELDS
        for key, example in DOC_VACANCY.items():
            if example is not None and vacancy[key] is not None:
                assert type(vacancy[key]) is type(example), (vacancy["id"], key)
        assert re.fullmatch(r"\d+\.\d{2}", vacancy["salaryMin"] or "0.00")
    starts = [v["targetStartDate"] for v in body["data"] if v["targetStartDate"] is not None]
    assert starts == sorted(starts)


def test_create_update_delete_vacancy_as_documented(http: httpx.Client) -> None:
    sandbox = _started(datetime(2026, 3, 11, 9, 30, tzinfo=UTC))
    try:
        org, auth = _flowstate(sandbox)
        created = http.post(f"{org}/vacancies", headers=auth, json=DOC_CREATE_BODY)
        assert created.status_code == 201
        data = created.json()["data"]
        assert re.fullmatch(r"clx[0-9a-z]{13}", data["id"])
        assert dict(data, id=DOC_CREATE_RESPONSE["id"]) == DOC_CREATE_RESPONSE

        sandbox.clock.advance(timedelta(minutes=5))
        patched = http.patch(f"{org}/vacancies/clx5v6w7x8y9z0a1", headers=auth, json=DOC_PATCH_BODY)
        assert patched.status_code == 200
        assert patched.json() == {"data": DOC_PATCH_RESPONSE}

        deleted = http.delete(f"{org}/vacancies/clx5v6w7x8y9z0a1", headers=auth)
        assert deleted.status_code == 204
        assert deleted.content == b""
        gone = http.get(f"{org}/vacancies/clx5v6w7x8y9z0a1", headers=auth)
        assert gone.status_code == 404
        assert gone.json()["error"]["code"] == "NOT_FOUND"
    finally:
        sandbox.stop()


def test_preview_has_the_documented_envelope(sandbox: SandboxServer, http: httpx.Client) -> None:
    base, auth = _floqer(sandbox)
    response = http.post(f"{base}/track_job_postings/preview", headers=auth, json=DOC_PREVIEW_BODY)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "data"}
    assert body["status"] == 200
    assert set(body["data"]) == {"data", "metadata"}
    assert set(body["data"]["metadata"]) == {"total_results"}
    rows = body["data"]["data"]
    assert body["data"]["metadata"]["total_results"] >= len(rows) > 0
    for row in rows:
        assert row["country_code"] == "US"
        assert "snowflake" in row["job_technology_slugs"]
        assert {"head of data", "vp engineering"} & {p.lower() for p in row["matching_phrases"]}


def test_every_row_carries_the_field_catalogue(sandbox: SandboxServer, http: httpx.Client) -> None:
    base, auth = _floqer(sandbox)
    body = {"filters": {"posted_at_max_age_days": 180}}
    rows = http.post(f"{base}/track_job_postings/preview", headers=auth, json=body).json()["data"]["data"]
    assert rows
    for row in rows:
        assert set(ROW_FIELDS) <= set(row), sorted(set(ROW_FIELDS) - set(row))
        company = row.get("company_object", row)
        assert set(COMPANY_FIELDS) <= set(company), sorted(set(COMPANY_FIELDS) - set(company))


def test_create_source_is_the_documented_response(http: httpx.Client) -> None:
    sandbox = _started(datetime(2026, 5, 27, 12, 0, tzinfo=UTC))
    try:
        base, auth = _floqer(sandbox)
        response = http.post(f"{base}/track_job_postings", headers=auth, json=DOC_CREATE_SOURCE_BODY)
        assert response.status_code == 201
        body = response.json()
        source_id = body["data"]["source_instance_id"]
        assert uuid.UUID(source_id).version == 4
        assert body == {
            "status": 201,
            "data": {
                "source_instance_id": source_id,
                "name": "Snowflake hiring — US data leaders",
                "created_at": "2026-05-27T12:00:00.000Z",
            },
        }
    finally:
        sandbox.stop()


@pytest.mark.shared_data
def test_examples_match_the_documents(shared_dir: Path) -> None:
    """The copies above are the documents' own examples (JSON compared as data, not text)."""
    flowstate = (shared_dir / "api" / "flowstate-vacancies.txt").read_text(encoding="utf-8")
    floqer = (shared_dir / "api" / "floqer-track-job-postings.txt").read_text(encoding="utf-8")
    blocks = [json.loads(b) for b in re.findall(r"^json\n(\{.*?\n\})$", flowstate, flags=re.S | re.M)]
    assert {"data": [DOC_VACANCY], "meta": DOC_LIST_META} in blocks
    assert {"data": DOC_VACANCY} in blocks
    assert {"data": DOC_CREATE_RESPONSE} in blocks
    assert {"data": DOC_PATCH_RESPONSE} in blocks
    request_body = dict(DOC_CREATE_BODY)
    request_body.update(
        targetFillDate="2026-08-15",
        jobRoleId="clx9r8q7w6e5",
        workTypeId="clx2w3x4y5z6",
        geographyId="clx3g2h1j0k9",
    )
    request_body["hiringManagerId"] = "clx9m4n5o6p7"
    assert request_body in blocks
    compact = re.sub(r"\s+", "", floqer)
    assert re.sub(r"\s+", "", json.dumps(DOC_PREVIEW_BODY, ensure_ascii=False)) in compact
    assert re.sub(r"\s+", "", json.dumps(DOC_CREATE_SOURCE_BODY, ensure_ascii=False)) in compact
