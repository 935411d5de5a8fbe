"""Pydantic models of what crosses the network: Floqer posting rows, Flowstate vacancies and their references.

Every documented field is declared (section 5 of the Floqer document; the Flowstate field reference and
CONTRACT-NOTES); unknown fields are kept (``extra="allow"``), never dropped. Money is ``Decimal``: the HTTP
layer decodes JSON numbers as ``Decimal`` and strings are parsed exactly, so nothing is float-rounded.

>>> PostingRow.model_validate({"id": 7, "min_annual_salary": Decimal("120000.10")}).min_annual_salary
Decimal('120000.10')
"""

from __future__ import annotations

import email.utils
import re
import types
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Annotated, Any, Generic, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

Money = Decimal
_M = TypeVar("_M", bound=BaseModel)


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

    id: StrictInt | str = Field(union_mode="left_to_right")  # "00" stays "00", never 0
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
    role: str | None = None  # needed to match, not to land: a vacancy without one is kept and flagged
    description: str | None = None
    status: str | None = None
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
    updatedAt: datetime | None = None


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


# -- tolerant validation -----------------------------------------------------------------------------------
# A real service sends a wrong type in a field now and then (``remote: 1``, ``employment_statuses:
# "full_time"``, ``date_posted: ""``). One such field must not cost the whole row: the row is quarantined only
# when a field the product needs (``required``) is unusable; any other bad field is read in its obvious
# meaning when there is one (coerced) or set to null (nulled), and the problem is counted per field. The raw
# row is landed whole either way: these repairs only decide what the model (and the lake's key columns) see.

_MISSING = object()
_TRUE = frozenset({"true", "yes", "y", "1", "t"})
_FALSE = frozenset({"false", "no", "n", "0", "f"})
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")


_NONE: Mapping[str, str] = MappingProxyType({})


class Validated(Generic[_M]):
    """What ``validate_tolerantly`` made of one raw row (a plain slotted class: it is made per row).

    Attributes:
        record: the model, or None when the row is quarantined.
        reason: why it was quarantined.
        coerced: field path -> what was read, and as what.
        nulled: field path -> the value and what was expected.
    """

    __slots__ = ("coerced", "nulled", "reason", "record")

    def __init__(
        self,
        *,
        record: _M | None,
        reason: str | None = None,
        coerced: Mapping[str, str] = _NONE,
        nulled: Mapping[str, str] = _NONE,
    ) -> None:
        self.record = record
        self.reason = reason
        self.coerced = coerced
        self.nulled = nulled

    def __repr__(self) -> str:
        fields = f"record={self.record!r}, reason={self.reason!r}"
        return f"Validated({fields}, coerced={dict(self.coerced)}, nulled={dict(self.nulled)})"


def validate_tolerantly(model: type[_M], raw: Any, *, required: Iterable[str] = ()) -> Validated[_M]:
    """Validate ``raw`` against ``model``, repairing or nulling bad fields that are not ``required``.

    >>> v = validate_tolerantly(PostingRow, {"id": 7, "remote": 1, "date_posted": ""}, required=["id"])
    >>> v.record.remote, v.record.date_posted, sorted(v.coerced), sorted(v.nulled)
    (True, None, ['remote'], ['date_posted'])
    """
    if not isinstance(raw, dict):
        return Validated(record=None, reason=f"row: got {_shown(raw)}, expected a JSON object")
    try:
        return Validated(record=model.model_validate(raw))  # the common case: one validation
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    coerced: dict[str, str] = {}
    nulled: dict[str, str] = {}
    data, fatal = _repair(model, raw, "", set(required), coerced, nulled, errors)
    if fatal is not None:
        return Validated(record=None, reason=fatal, coerced=coerced, nulled=nulled)
    try:
        record = model.model_validate(data)
    except ValidationError as exc:  # a repair that still does not validate: name it, quarantine the row
        return Validated(record=None, reason=validation_reason(exc), coerced=coerced, nulled=nulled)
    return Validated(record=record, coerced=coerced, nulled=nulled)


def validation_reason(exc: ValidationError) -> str:
    """A validation failure as one line: each field, the value received, what was expected."""
    parts = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(p) for p in error["loc"]) or "row"
        parts.append(f"{where}: got {_shown(error.get('input'))}, {error['msg'].lower()}")
    return "; ".join(parts)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _repair(
    model: type[BaseModel],
    raw: dict[str, Any],
    prefix: str,
    required: set[str],
    coerced: dict[str, str],
    nulled: dict[str, str],
    errors: list[Any] | None = None,
) -> tuple[dict[str, Any], str | None]:
    """A copy of ``raw`` that ``model`` accepts, or the reason a required field is unusable; ``errors`` are
    the validation errors of ``raw`` when the caller has them already."""
    if errors is None:
        try:
            model.model_validate(raw)
            return raw, None
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
    data = dict(raw)
    for name in dict.fromkeys(str(e["loc"][0]) for e in errors if e["loc"]):
        path = f"{prefix}{name}"
        info = model.model_fields.get(name)
        value = data.get(name, _MISSING)
        if value is _MISSING:  # a required field that is absent
            if name in required or info is None or info.is_required():
                return data, f"{path}: missing, required"
            continue
        annotation = info.annotation if info is not None else None
        repaired = _repair_value(annotation, value, path, coerced, nulled)
        if repaired is None and not _accepts_none(annotation) and info is not None and not info.is_required():
            data.pop(name)  # null where the field has a default ("metadata": null -> {})
            nulled.pop(path, None)
            coerced[path] = f"read {_shown(value)} as the default"
            continue
        if repaired is not _MISSING:
            data[name] = repaired
            continue
        if name in required or (info is not None and info.is_required()):
            return data, f"{path}: got {_shown(value)}, expected {_expected(annotation)}"
        nulled[path] = f"got {_shown(value)}, expected {_expected(annotation)}"
        if info is not None and not _accepts_none(annotation):
            data.pop(name)  # a field with a default that null does not fit ("metadata": "x" -> {})
            continue
        data[name] = None
    return data, None


def _repair_value(
    annotation: Any, value: Any, path: str, coerced: dict[str, str], nulled: dict[str, str]
) -> Any:
    """``value`` repaired for ``annotation``; ``_MISSING`` when it has no clear meaning as that type."""
    options = _options(annotation)
    if value is None:
        return None
    for option in options:
        origin = get_origin(option)
        if isinstance(option, type) and issubclass(option, BaseModel) and isinstance(value, dict):
            nested, fatal = _repair(option, value, f"{path}.", set(), coerced, nulled)
            return nested if fatal is None else _MISSING
        if origin is dict and isinstance(value, list) and not value:
            coerced[path] = "read [] as {}"  # an empty object serialized as an empty array (PHP)
            return {}
        if origin is list and isinstance(value, dict | str):
            (item_type,) = get_args(option) or (Any,)
            if isinstance(item_type, type) and issubclass(item_type, BaseModel):
                coerced[path] = f"read {_shown(value)} as a list of one"  # one place, not in a list
                value = [value]
        if origin is list and isinstance(value, list):
            (item_type,) = get_args(option) or (Any,)
            if isinstance(item_type, type) and issubclass(item_type, BaseModel):
                items = []
                for item in value:
                    if isinstance(item, str) and item.strip() and "name" in item_type.model_fields:
                        coerced[f"{path}[]"] = f"read {_shown(item)} as {{'name': ...}}"  # a place's name
                        item = {"name": item}
                    if isinstance(item, dict):
                        fixed, fatal = _repair(item_type, item, f"{path}.", set(), coerced, nulled)
                        if fatal is None:
                            items.append(fixed)
                            continue
                    nulled.setdefault(f"{path}[]", f"dropped an item {_shown(item)}")
                return items
            if item_type is str and all(isinstance(v, str | int) and not isinstance(v, bool) for v in value):
                coerced[path] = f"read {_shown(value)} as a list of strings"
                return [str(v) for v in value]
    for option in options:
        fixed = _coerce_scalar(_base(option), value)
        if fixed is not _MISSING:
            if fixed is None:
                nulled[path] = f"got {_shown(value)}, read as null"
            else:
                coerced[path] = f"read {_shown(value)} as {_shown(fixed)}"
            return fixed
    return _MISSING


def _coerce_scalar(target: Any, value: Any) -> Any:
    """The obvious reading of ``value`` as ``target``; None for an empty string; ``_MISSING`` when none."""
    if isinstance(value, str) and not value.strip() and target is not str:
        return None
    if target is bool:
        if isinstance(value, int | Decimal) and not isinstance(value, bool) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        return _MISSING
    if get_origin(target) is list or target is list:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            return parts or None
        return _MISSING
    if target is date:
        if isinstance(value, str):
            text = value.strip()
            if len(text) >= 10 and text[4] == "-":  # "2021-01-01", with or without a time after it
                try:
                    return date.fromisoformat(text[:10])
                except ValueError:
                    return _MISSING
        instant = _coerce_scalar(datetime, value)  # basic ISO ("20210101"), epoch seconds or milliseconds
        return instant.date() if isinstance(instant, datetime) else _MISSING
    if target is datetime:
        if isinstance(value, int | Decimal) and not isinstance(value, bool) and value >= 0:
            seconds = value / 1000 if value > 100_000_000_000 else value  # epoch milliseconds
            try:
                return datetime.fromtimestamp(float(seconds), UTC)
            except (OverflowError, OSError, ValueError):
                return _MISSING
        if isinstance(value, str):
            text = value.strip()
            try:
                return datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                pass
            try:  # an HTTP / e-mail date: "Mon, 01 Jan 2024 00:00:00 GMT"
                return email.utils.parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                return _MISSING
        return _MISSING
    if target is Decimal:
        if isinstance(value, str) and _THOUSANDS.fullmatch(value.strip()):
            return Decimal(value.strip().replace(",", ""))
        return _MISSING
    if target is int:
        if isinstance(value, str) and re.fullmatch(r"\d{1,3}(,\d{3})+", value.strip()):
            return int(value.strip().replace(",", ""))
        return _MISSING
    if target is str:
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            return str(value)
        return _MISSING
    return _MISSING


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType)


def _base(annotation: Any) -> Any:
    """``StrictBool`` -> bool (Annotated types), others unchanged."""
    if get_origin(annotation) is Annotated:
        return get_args(annotation)[0]
    return annotation


def _options(annotation: Any) -> list[Any]:
    """The types a field accepts besides None."""
    if _is_union(annotation):
        return [a for a in get_args(annotation) if a is not type(None)]
    return [annotation]


def _accepts_none(annotation: Any) -> bool:
    return annotation is None or (_is_union(annotation) and type(None) in get_args(annotation))


def _expected(annotation: Any) -> str:
    options = _options(annotation)
    names = []
    for option in options:
        base = _base(option)
        if get_origin(base) is list:
            names.append("a list")
        elif isinstance(base, type):
            names.append(
                {bool: "true/false", int: "an integer", str: "a string", Decimal: "a number", date: "a date",
                 datetime: "a date-time"}.get(base, base.__name__)
            )  # fmt: skip
        else:
            names.append(str(base))
    return " or ".join(names) or "a value"
