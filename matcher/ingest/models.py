"""Pydantic models of what crosses the network: Floqer posting rows, Flowstate vacancies and their references.

Every documented field is declared (section 5 of the Floqer document; the Flowstate field reference and
CONTRACT-NOTES); unknown fields are kept (``extra="allow"``), never dropped. Money is ``Decimal``: the HTTP
layer decodes JSON numbers as ``Decimal`` and strings are parsed exactly, so nothing is float-rounded.

>>> PostingRow.model_validate({"id": 7, "min_annual_salary": Decimal("120000.10")}).min_annual_salary
Decimal('120000.10')
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

Money = Decimal


class _Open(BaseModel):
    """Unknown fields are kept; types are checked but numbers may arrive as strings."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class CompanyAttributes(_Open):
    """Company attributes: flat on a posting row, or nested in its ``company_object``."""

    name: str | None = None
    domain: str | None = None
    industry: str | None = None
    industry_id: int | str | None = None
    company_country: str | None = None
    company_country_code: str | None = None
    employee_count: int | None = None
    employee_count_range: str | None = None
    logo: str | None = None
    linkedin_url: str | None = None
    linkedin_id: int | str | None = None
    url_source: str | None = None
    is_recruiting_agency: StrictBool | None = None
    yc_batch: str | None = None
    num_jobs: int | None = None
    num_jobs_last_30_days: int | None = None
    num_technologies: int | None = None
    founded_year: int | None = None
    annual_revenue_usd: Money | None = None
    annual_revenue_usd_readable: str | None = None
    total_funding_usd: Money | None = None
    last_funding_round_date: str | None = None
    last_funding_round_amount_readable: str | None = None
    funding_stage: str | None = None
    investors: list[Any] | None = None
    publicly_traded_symbol: str | None = None
    publicly_traded_exchange: str | None = None
    company_keywords: list[str] | None = None
    company_tags: list[str] | None = None
    technology_slugs: list[str] | None = None


class PostingLocation(_Open):
    """One entry of a row's ``locations`` list (the nested form)."""

    name: str | None = None
    city: str | None = None
    state: str | None = None
    state_code: str | None = None
    country_code: str | None = None
    admin1_code: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None


class HiringTeamMember(_Open):
    """Personal data: landed only when configuration allows it."""

    full_name: str | None = None
    first_name: str | None = None
    linkedin_url: str | None = None
    role: str | None = None
    image_url: str | None = None


class PostingRow(CompanyAttributes):
    """One Floqer Track Job Postings row (preview or ``/data``); company attributes flat or nested."""

    id: int | str = Field(union_mode="left_to_right")
    job_title: str | None = None
    normalized_title: str | None = None
    url: str | None = None
    final_url: str | None = None
    source_url: str | None = None
    date_posted: date | None = None
    discovered_at: datetime | None = None
    description: str | None = None
    reposted: StrictBool | None = None
    date_reposted: date | None = None
    easy_apply: StrictBool | None = None
    manager_roles: list[str] | StrictBool | None = None
    matching_phrases: list[str] | None = None
    matching_words: list[str] | None = None
    job_technology_slugs: list[str] | None = None
    keyword_slugs: list[str] | None = None
    seniority: str | None = None
    employment_statuses: list[str] | None = None
    remote: StrictBool | None = None
    hybrid: StrictBool | None = None
    location: str | None = None
    short_location: str | None = None
    long_location: str | None = None
    city: str | None = None
    state_code: str | None = None
    postal_code: str | None = None
    country: str | None = None
    country_code: str | None = None
    countries: list[str] | None = None
    country_codes: list[str] | None = None
    cities: list[str] | None = None
    continents: list[str] | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    salary_string: str | None = None
    salary_currency: str | None = None
    min_annual_salary: Money | None = None
    max_annual_salary: Money | None = None
    min_annual_salary_usd: Money | None = None
    max_annual_salary_usd: Money | None = None
    avg_annual_salary_usd: Money | None = None
    company: str | None = None
    company_domain: str | None = None
    hiring_team: list[HiringTeamMember] | None = None
    company_object: CompanyAttributes | None = None
    locations: list[PostingLocation] | None = None

    @property
    def posting_id(self) -> str:
        """The natural key as text (Floqer ids are integers; text keeps other shapes safe)."""
        return str(self.id)

    def company_attributes(self) -> CompanyAttributes:
        """The company attributes, whichever form they arrived in (nested wins when both are there)."""
        if self.company_object is not None:
            return self.company_object
        return CompanyAttributes.model_validate(self.model_dump(include=set(CompanyAttributes.model_fields)))


class Vacancy(_Open):
    """A Flowstate vacancy (newer fields such as ``externalId`` and ``isFilled`` are kept as extras)."""

    id: str
    role: str
    description: str | None = None
    status: str
    fte: Decimal | None = None
    targetStartDate: date | None = None
    targetFillDate: date | None = None
    jobRoleId: str | None = None
    workTypeId: str | None = None
    geographyId: str | None = None
    salaryMin: Money | None = None
    salaryMax: Money | None = None
    currencyCode: str | None = None
    filledByLiveEmployeeId: str | None = None
    hiringManagerId: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    createdAt: datetime | None = None
    updatedAt: datetime


class Location(_Open):
    """A Flowstate location (what a vacancy's ``geographyId`` references)."""

    id: str
    name: str
    countryCode: str | None = None
    region: str | None = None
    timezone: str | None = None
    defaultCurrencyCode: str | None = None
    costMultiplier: Decimal | None = None
    isActive: StrictBool | None = None
    sortOrder: int | None = None
    createdAt: datetime | None = None
    updatedAt: datetime | None = None


class JobRole(_Open):
    """A Flowstate job role (``jobRoleId``); it has no level or family: seniority comes from titles."""

    id: str
    name: str
    description: str | None = None
    isActive: StrictBool | None = None
    sortOrder: int | None = None
    externalId: str | None = None


class WorkType(_Open):
    """A Flowstate work type (``workTypeId``; ``/resource-types`` since v1.1)."""

    id: str
    name: str
    appliesToType: str | None = None
    isActive: StrictBool | None = None
    sortOrder: int | None = None
    createdAt: datetime | None = None
    updatedAt: datetime | None = None
