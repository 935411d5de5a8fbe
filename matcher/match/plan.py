"""Plan a Floqer *Track Job Postings* monitor from the open vacancies.

The monitor should bring in the postings the matcher will want, and few others (each fetch costs credits):

- **titles** (``job_title_or``, matched by Floqer as phrases within a posting's title): each vacancy's
  normalized core title ("backend engineer" for "Senior Backend Engineer (m/w/d)"), plus the aliases of its
  occupation in the taxonomy that name the same specialism: every distinctive word of the core (a word that
  is not a role word such as "engineer") appears in the alias, also when written apart ("back end") or
  joined, and whose role words are the core's (an engineer may be a developer). A core made only of role
  words ("engineer") adds no aliases: they would be other jobs. At most
  ``max_variants`` per vacancy, the closest first (rapidfuzz ``token_set_ratio``).
- **countries** (``job_country_code_or``): the vacancies' countries;
- **your own company** left out (``company_name_not``, from ``[match] own_companies``; domains are skipped);
- the longest posted-date lookback Floqer allows (180 days), newest first.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from rapidfuzz import fuzz

from matcher.common.errors import DataError
from matcher.common.reference import reference_rows

MAX_LOOKBACK_DAYS = 180
_ROLE_WORDS = frozenset(
    "engineer engineering developer development scientist science analyst manager designer executive "
    "representative specialist architect administrator consultant researcher officer associate coordinator "
    "assistant operator lead head director technician recruiter accountant owner".split()
)
_SAME_ROLE = {"engineer": {"engineer", "developer"}, "developer": {"developer", "engineer"}}


@dataclass(frozen=True)
class VacancyPlan:
    vacancy_id: str
    role: str
    title_core: str
    country_code: str | None
    variants: tuple[str, ...]


@dataclass(frozen=True)
class MonitorPlan:
    """The ``filters`` of a Track Job Postings source, and how each vacancy contributed to them."""

    filters: dict[str, Any]
    vacancies: tuple[VacancyPlan, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "filters": self.filters,
            "vacancies": [
                {
                    "vacancy_id": v.vacancy_id,
                    "role": v.role,
                    "title_core": v.title_core,
                    "country_code": v.country_code,
                    "variants": list(v.variants),
                }
                for v in self.vacancies
            ],
        }


@functools.cache
def _aliases_by_occupation() -> dict[str, tuple[str, ...]]:
    """SOC code -> the taxonomy's canonical title and aliases, as written (``matcher/reference``)."""
    found: dict[str, list[str]] = {}
    for row in reference_rows("occupations.csv"):
        names = found.setdefault(row["soc_code"], [])
        for alias in [row["canonical"], *row["aliases"].split("|")]:
            alias = alias.strip().lower()
            if alias and alias not in names:
                names.append(alias)
    return {code: tuple(names) for code, names in found.items()}


def _forms(text: str) -> set[str]:
    """The words of ``text`` and each pair of neighbours joined ("back end" -> "backend")."""
    words = re.findall(r"\w+", text.lower())
    return set(words) | {a + b for a, b in itertools.pairwise(words)}


def title_variants(core: str, occupation_code: str | None, max_variants: int = 6) -> tuple[str, ...]:
    """The core title and the aliases of its occupation that name the same specialism, closest first."""
    core = " ".join(core.lower().split())
    if not core:
        return ()
    distinctive = [w for w in re.findall(r"\w+", core) if w not in _ROLE_WORDS]
    aliases = _aliases_by_occupation().get(occupation_code or "", ()) if distinctive else ()
    words = set(re.findall(r"\w+", core))
    roles = set().union(*(_SAME_ROLE.get(w, {w}) for w in words & _ROLE_WORDS))
    same = [
        alias
        for alias in aliases
        if alias != core
        and all(w in _forms(alias) for w in distinctive)
        and set(re.findall(r"\w+", alias)) & _ROLE_WORDS <= roles  # a data architect is not a data engineer
        and set(re.findall(r"\w+", alias)) & roles
    ]
    same.sort(key=lambda alias: (-fuzz.token_set_ratio(core, alias), alias))
    return (core, *same[: max(0, max_variants - 1)])


def _searched_title(row: dict[str, Any]) -> str:
    """The core title, unless it lost the role word to the seniority ("operations" of "Operations Manager",
    where "manager" is read as the level): then the clean title, as a posting would write it."""
    core = (row.get("title_core") or "").strip()
    clean = (row.get("title_clean") or "").strip()
    if clean and not set(re.findall(r"\w+", core)) & _ROLE_WORDS:
        return clean
    return core


def plan_monitor(
    vacancies: pl.DataFrame, own_companies: tuple[str, ...] = (), max_variants: int = 6
) -> MonitorPlan:
    """Filters for the open vacancies of a clean vacancies table (``lake/clean/vacancies.parquet``)."""
    needed = {"vacancy_id", "role", "title_core", "occupation_code", "country_code", "is_open"}
    missing = sorted(needed - set(vacancies.columns))
    if missing:
        raise DataError("vacancies", missing, "a clean vacancies table (run `matcher normalize`)")
    open_rows = (
        vacancies.filter(pl.col("is_open")).sort("vacancy_id").unique("vacancy_id", maintain_order=True)
    )
    if not open_rows.height:
        raise DataError("vacancies", 0, "at least one open vacancy to plan a monitor for")
    plans = tuple(
        VacancyPlan(
            vacancy_id=row["vacancy_id"],
            role=row["role"] or "",
            title_core=_searched_title(row),
            country_code=row["country_code"],
            variants=title_variants(_searched_title(row), row["occupation_code"], max_variants),
        )
        for row in open_rows.iter_rows(named=True)
    )
    titles = sorted({variant for plan in plans for variant in plan.variants})
    countries = sorted({plan.country_code for plan in plans if plan.country_code})
    own = sorted({name for name in own_companies if name.strip() and "." not in name})
    filters: dict[str, Any] = {"job_title_or": titles}
    if countries:
        filters["job_country_code_or"] = countries
    if own:
        filters["company_name_not"] = own
    filters["posted_at_max_age_days"] = MAX_LOOKBACK_DAYS
    filters["order_by"] = [{"field": "date_posted", "desc": True}]
    return MonitorPlan(filters=filters, vacancies=plans)
