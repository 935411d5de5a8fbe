"""Plan Floqer *Track Job Postings* monitors from the open vacancies.

The monitor should bring in the postings the matcher will want, and few others (each imported row costs
credits). A plan is a list of **filter sets**, one source each, every set pairing titles with their own
countries (a US-only role is never searched in Germany):

- **grouped by country**: the open vacancies of one country give that country's titles and levels; countries
  whose (titles, levels) come out identical share one set. A vacancy with no country is searched in a set of
  its own with no country filter (and the plan warns about it).
- **titles** (``job_title_or``, matched by Floqer as phrases within a posting's title): each vacancy's
  normalized core title ("backend engineer" for "Senior Backend Engineer (m/w/d)"), plus the aliases of its
  occupation in the taxonomy that name the same specialism: every distinctive word of the core (a word that
  is not a role word such as "engineer") appears in the alias, also when written apart ("back end") or
  joined, and whose role words are the core's (an engineer may be a developer). A core made only of role
  words ("engineer") adds no aliases: they would be other jobs. At most ``max_variants`` per vacancy, the
  closest first (rapidfuzz ``token_set_ratio``). A variant without a distinctive word (``junk_reason``:
  empty, single letters, numbers, requisition codes, only role or level words) is dropped with a note; a
  vacancy left with no title is not searched.
- **levels** (``job_seniority_or``): each vacancy's level mapped to Floqer's vocabulary
  (``SENIORITY_FOR_LEVEL``); a level that normalize defaulted (the role names none: ``seniority_source`` =
  "default") searches ``DEFAULTED_LEVEL_SENIORITIES``. Postings without a seniority do not match the filter;
  ``seniority=False`` leaves it out.
- **your own company** left out (``company_name_not``, from ``[match] own_companies``; domains are skipped);
- the longest posted-date lookback Floqer allows (180 days), newest first, and ``max_count`` (an import cap
  per run) on every set.

``estimate_cost`` turns a free preview's ``total_results`` into the credits a set's first fetch and its daily
runs would spend.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
from rapidfuzz import fuzz

from matcher.common.errors import DataError
from matcher.common.reference import reference_rows
from matcher.normalize.titles import seniority_lexicon

MAX_LOOKBACK_DAYS = 180
DEFAULT_MAX_COUNT = 1000
DEFAULT_CREDITS_PER_ROW = 1.0  # Floqer bills per imported row; the rate is not published: an assumption
_ROLE_WORDS = frozenset(
    "engineer engineering developer development scientist science analyst manager designer executive "
    "representative specialist architect administrator consultant researcher officer associate coordinator "
    "assistant operator lead head director technician recruiter accountant owner".split()
)
_SAME_ROLE = {"engineer": {"engineer", "developer"}, "developer": {"developer", "engineer"}}

# Floqer's seniority vocabulary (the job API it mirrors), lowest first.
FLOQER_SENIORITIES = ("junior", "mid_level", "senior", "staff", "c_level")
# Our levels (``matcher.normalize.titles.LEVELS``) -> Floqer's. Floqer's five steps have no manager, director
# or vp: a director or vp is an executive (c_level); a "manager" title is placed by its scope, first-line
# managers as mid_level and the rest as senior, so both are searched.
SENIORITY_FOR_LEVEL: dict[str, tuple[str, ...]] = {
    "intern": ("junior",),
    "junior": ("junior",),
    "mid": ("mid_level",),
    "senior": ("senior",),
    "staff": ("staff",),
    "principal": ("staff",),
    "manager": ("mid_level", "senior"),
    "senior_manager": ("senior",),
    "director": ("c_level",),
    "senior_director": ("c_level",),
    "vp": ("c_level",),
    "c_level": ("c_level",),
}
# A role that names no level ("Data Scientist") is planned at mid by normalize (seniority_source "default"):
# it is a qualified hire, whose market is the plain title (mid_level) and the senior postings of the same job;
# junior postings (graduates, trainees) are another market and would pull the benchmark down.
DEFAULTED_LEVEL_SENIORITIES = ("mid_level", "senior")
DEFAULTED_SOURCE = "default"

# Words that say nothing about which job a title is: fillers, placeholders and requisition words.
_FILLER_WORDS = frozenset(
    "of and the for in at to with on an or de la le du des und der die das fur job jobs role roles position "
    "positions vacancy vacancies opening openings req requisition ref tbd tba na new hire hiring placeholder "
    "remote hybrid onsite".split()
)
# Role and level words of the languages our tenants post in: as bare as "engineer" in English.
_FOREIGN_ROLE_WORDS = frozenset(
    "ingenieur ingenieurin entwickler entwicklerin berater beraterin leiter leiterin mitarbeiter "
    "mitarbeiterin sachbearbeiter sachbearbeiterin referent referentin werkstudent werkstudentin praktikant "
    "praktikantin praktikum ingénieur développeur développeuse responsable chargé chargée analyste stagiaire "
    "alternant ingeniero ingeniera desarrollador desarrolladora gerente consultor consultora técnico "
    "becario".split()
)


# Words of multi-word seniority phrases that name a specialism, not a level ("technical lead": a technical
# recruiter is a distinctive title; "new grad": "new" says nothing of the level alone)
_DESCRIPTIVE = frozenset({"tech", "technical", "team", "new"})


@functools.cache
def _level_words() -> frozenset[str]:
    """Every word of a seniority phrase ("senior", "vice", "president", "ii", "mid", "level", ...), but the
    descriptive words of multi-word phrases (``_DESCRIPTIVE``)."""
    words = {w for phrase in seniority_lexicon() for w in re.findall(r"[^\W\d_]+", phrase)} - _DESCRIPTIVE
    return frozenset(words | {"sr", "snr", "jr", "jnr", "mid", "ii", "iii", "iv"})


@functools.cache
def _not_distinctive() -> frozenset[str]:
    return _ROLE_WORDS | _FOREIGN_ROLE_WORDS | _level_words() | _FILLER_WORDS


def distinctive_words(title: str) -> list[str]:
    """The words of ``title`` that say which job it is: letters, 2 or more of them, not a role, level or
    filler word, not part of a number or code ("r12345", "jr-0042")."""
    found: list[str] = []
    for token in title.lower().split():
        if any(ch.isdigit() for ch in token):
            continue
        for word in re.findall(r"[^\W\d_]+", token):
            if len(word) >= 2 and word not in _not_distinctive():
                found.append(word)
    return found


def junk_reason(title: str) -> str | None:
    """Why ``title`` would not select one job as a ``job_title_or`` phrase, or None when it would."""
    text = " ".join(title.split())
    if not text:
        return "empty"
    if distinctive_words(text):
        return None
    tokens = text.lower().split()
    if all(any(ch.isdigit() for ch in token) for token in tokens):
        return "a number or requisition code, not a title"
    letters = [w for t in tokens if not any(ch.isdigit() for ch in t) for w in re.findall(r"[^\W\d_]+", t)]
    if letters and all(len(w) < 2 for w in letters):
        return "single letters, not a title"
    return "no distinctive word (only role, level or filler words, numbers or codes)"


@dataclass(frozen=True)
class VacancyPlan:
    vacancy_id: str
    role: str
    title_core: str
    country_code: str | None
    variants: tuple[str, ...]
    level: str | None = None
    level_source: str | None = None
    seniorities: tuple[str, ...] | None = None  # Floqer levels; None: any level (the level is unknown)
    dropped: tuple[tuple[str, str], ...] = ()  # (title, why) of the variants left out

    @property
    def searched(self) -> bool:
        return bool(self.variants)


@dataclass(frozen=True)
class FilterSet:
    """The ``filters`` of one Track Job Postings source, and the vacancies it is for."""

    countries: tuple[str, ...]  # () = any country
    titles: tuple[str, ...]
    seniorities: tuple[str, ...] | None  # None: no seniority filter
    vacancy_ids: tuple[str, ...]
    filters: dict[str, Any]
    max_count: int
    name: str

    @property
    def label(self) -> str:
        return ", ".join(self.countries) or "any country"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "countries": list(self.countries),
            "titles": list(self.titles),
            "seniorities": None if self.seniorities is None else list(self.seniorities),
            "vacancy_ids": list(self.vacancy_ids),
            "filters": self.filters,
            "max_count": self.max_count,
        }


@dataclass(frozen=True)
class MonitorPlan:
    """The filter sets to create (one source each), how each vacancy contributed, and what was left out."""

    filter_sets: tuple[FilterSet, ...]
    vacancies: tuple[VacancyPlan, ...] = field(default=())
    notes: tuple[str, ...] = ()  # junk titles dropped
    warnings: tuple[str, ...] = ()  # vacancies not searched, or searched in every country

    def filter_set_of(self, vacancy_id: str) -> int | None:
        """The 0-based index of the set that searches ``vacancy_id``, or None (the state file and the
        printed plan number sets from 1)."""
        return next((i for i, s in enumerate(self.filter_sets) if vacancy_id in s.vacancy_ids), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 2,
            "filter_sets": [s.to_json() for s in self.filter_sets],
            "vacancies": [
                {
                    "vacancy_id": v.vacancy_id,
                    "role": v.role,
                    "title_core": v.title_core,
                    "country_code": v.country_code,
                    "level": v.level,
                    "level_source": v.level_source,
                    "seniorities": None if v.seniorities is None else list(v.seniorities),
                    "variants": list(v.variants),
                    "dropped": [{"title": t, "why": why} for t, why in v.dropped],
                    "filter_set": _number_of(self.filter_set_of(v.vacancy_id)),
                }
                for v in self.vacancies
            ],
            "notes": list(self.notes),
            "warnings": list(self.warnings),
        }


def _number_of(index: int | None) -> int | None:
    return None if index is None else index + 1


@dataclass(frozen=True)
class CostEstimate:
    """What a filter set's source would import and spend, from a free preview's ``total_results``.

    ``total_results`` is Floqer's best-effort count of matches posted in the lookback window (a lower bound
    when ``capped``). The first fetch imports them up to ``max_count``; later runs import what is new, about
    ``total_results / lookback_days`` a day, again at most ``max_count`` a run (runs assumed daily).
    """

    total_results: int
    capped: bool
    max_count: int
    credits_per_row: float = DEFAULT_CREDITS_PER_ROW
    lookback_days: int = MAX_LOOKBACK_DAYS

    @property
    def first_fetch_rows(self) -> int:
        return min(self.total_results, self.max_count)

    @property
    def first_fetch_credits(self) -> float:
        return self.first_fetch_rows * self.credits_per_row

    @property
    def daily_rows(self) -> float:
        return min(self.total_results / self.lookback_days, float(self.max_count))

    @property
    def daily_credits(self) -> float:
        return self.daily_rows * self.credits_per_row

    def to_json(self) -> dict[str, Any]:
        return {
            "total_results": self.total_results,
            "capped": self.capped,
            "lookback_days": self.lookback_days,
            "max_count": self.max_count,
            "credits_per_row": self.credits_per_row,
            "first_fetch_rows": self.first_fetch_rows,
            "first_fetch_credits": self.first_fetch_credits,
            "daily_rows": round(self.daily_rows, 2),
            "daily_credits": round(self.daily_credits, 2),
        }


def estimate_cost(
    total_results: int,
    *,
    capped: bool = False,
    max_count: int = DEFAULT_MAX_COUNT,
    credits_per_row: float = DEFAULT_CREDITS_PER_ROW,
    lookback_days: int = MAX_LOOKBACK_DAYS,
) -> CostEstimate:
    return CostEstimate(
        total_results=max(0, total_results),
        capped=capped,
        max_count=max_count,
        credits_per_row=credits_per_row,
        lookback_days=lookback_days,
    )


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


def floqer_seniorities(level: str | None, source: str | None) -> tuple[str, ...] | None:
    """Floqer levels to search for a vacancy at ``level``; None when the level is unknown (search all)."""
    if source == DEFAULTED_SOURCE:
        return DEFAULTED_LEVEL_SENIORITIES
    return SENIORITY_FOR_LEVEL.get(level or "")


def _by_floqer_order(values: set[str]) -> tuple[str, ...]:
    return tuple(sorted(values, key=FLOQER_SENIORITIES.index))


def source_name(countries: tuple[str, ...], n_vacancies: int, planned_on: date) -> str:
    """The default display name of a filter set's source."""
    where = ", ".join(countries) or "any country"
    what = f"{n_vacancies} vacanc{'y' if n_vacancies == 1 else 'ies'}"
    return f"matcher: {where} — {what} ({planned_on.isoformat()})"


def _vacancy_plan(row: dict[str, Any], max_variants: int, use_seniority: bool) -> VacancyPlan:
    searched = _searched_title(row)
    kept: list[str] = []
    dropped: list[tuple[str, str]] = []
    for variant in title_variants(searched, row.get("occupation_code"), max_variants):
        why = junk_reason(variant)
        if why is None:
            kept.append(variant)
        else:
            dropped.append((variant, why))
    level, source = row.get("seniority"), row.get("seniority_source")
    return VacancyPlan(
        vacancy_id=row["vacancy_id"],
        role=row.get("role") or "",
        title_core=searched,
        country_code=row.get("country_code") or None,
        variants=tuple(kept),
        level=level,
        level_source=source,
        seniorities=floqer_seniorities(level, source) if use_seniority else None,
        dropped=tuple(dropped),
    )


def plan_monitor(
    vacancies: pl.DataFrame,
    own_companies: tuple[str, ...] = (),
    max_variants: int = 6,
    *,
    seniority: bool = True,
    max_count: int = DEFAULT_MAX_COUNT,
    planned_on: date | None = None,
) -> MonitorPlan:
    """Filter sets for the open vacancies of a clean vacancies table (``lake/clean/vacancies.parquet``).

    Args:
        seniority: add ``job_seniority_or`` (postings without a seniority then do not match).
        max_count: the import cap per run of every set.
        planned_on: the date in the sets' suggested names (default today).
    """
    if max_count < 1:
        raise DataError("max_count", max_count, "a positive number of postings per run")
    needed = {"vacancy_id", "role", "title_core", "occupation_code", "country_code", "is_open"}
    missing = sorted(needed - set(vacancies.columns))
    if missing:
        raise DataError("vacancies", missing, "a clean vacancies table (run `matcher normalize`)")
    open_rows = (
        vacancies.filter(pl.col("is_open")).sort("vacancy_id").unique("vacancy_id", maintain_order=True)
    )
    if not open_rows.height:
        raise DataError("vacancies", 0, "at least one open vacancy to plan a monitor for")
    plans = tuple(_vacancy_plan(row, max_variants, seniority) for row in open_rows.iter_rows(named=True))
    notes: list[str] = []
    warnings: list[str] = []
    for v in plans:
        for title, why in v.dropped:
            notes.append(f"vacancy {v.vacancy_id} ({v.role!r}): title {title!r} left out ({why})")
        if not v.searched:
            warnings.append(f"vacancy {v.vacancy_id} ({v.role!r}): no searchable title; it is not searched")
        elif v.country_code is None:
            warnings.append(
                f"vacancy {v.vacancy_id} ({v.role!r}): no country; searched in every country, in a filter "
                "set of its own"
            )
        if v.searched and seniority and v.seniorities is None:
            warnings.append(
                f"vacancy {v.vacancy_id} ({v.role!r}): level {v.level!r} unknown; its filter set searches "
                "every level"
            )
    # per country: its vacancies' titles and levels (None: any level)
    groups: dict[str | None, list[VacancyPlan]] = {}
    for v in plans:
        if v.searched:
            groups.setdefault(v.country_code, []).append(v)
    merged: dict[tuple[bool, tuple[str, ...], tuple[str, ...] | None], list[str | None]] = {}
    for country, members in groups.items():
        titles = tuple(sorted({t for v in members for t in v.variants}))
        levels: tuple[str, ...] | None = None
        if seniority and all(v.seniorities is not None for v in members):
            levels = _by_floqer_order({s for v in members for s in v.seniorities or ()})
        merged.setdefault((country is None, titles, levels), []).append(country)
    own = sorted({name for name in own_companies if name.strip() and "." not in name})
    planned_on = planned_on or date.today()
    sets: list[FilterSet] = []
    for (_, titles, levels), group_countries in merged.items():
        countries = tuple(sorted(c for c in group_countries if c is not None))
        ids = sorted(v.vacancy_id for c in group_countries for v in groups[c])
        filters: dict[str, Any] = {"job_title_or": list(titles)}
        if countries:
            filters["job_country_code_or"] = list(countries)
        if levels:
            filters["job_seniority_or"] = list(levels)
        if own:
            filters["company_name_not"] = own
        filters["posted_at_max_age_days"] = MAX_LOOKBACK_DAYS
        filters["order_by"] = [{"field": "date_posted", "desc": True}]
        sets.append(
            FilterSet(
                countries=countries,
                titles=titles,
                seniorities=levels,
                vacancy_ids=tuple(ids),
                filters=filters,
                max_count=max_count,
                name=source_name(countries, len(ids), planned_on),
            )
        )
    sets.sort(key=lambda s: (not s.countries, s.countries))  # by country; the no-country set last
    return MonitorPlan(filter_sets=tuple(sets), vacancies=plans, notes=tuple(notes), warnings=tuple(warnings))
