"""Why a vacancy has no verdict: what was left out of its pool, for which reason, and the change that would
help most.

Every posting that matches the vacancy before any filter (the match stage's scoring with its own-company,
agency, work-type, country and level filters off) gets the first reason that left it out, in the order the
stages apply them:

    own company, recruiting agency, work type does not fit, another country, another level   (match stage)
    excluded by an analyst, score below <min_score>, outside the vacancy's country, not a peer company,
    another level, outside the local pool, repost, over the company cap, no salary, estimated salary,
    outlier                                                                                   (benchmark)

or ``counted``. Per reason: postings, employer-posted salaries among them and their companies. The lever
that would add the most salaries (and says whether they would reach a verdict) is the suggested change:

    iOS Engineer II (a Contractor vacancy): 3 salaries from 3 companies, a verdict needs 15 from 3 ->
    "this is a Contractor vacancy: 4 contract postings match; 212 full_time postings match but for the work
    type (150 with a salary, from 70 companies): `[match] require_work_type = false` ... (enough for a
    verdict)"

A verdict needs medium confidence: ``VERDICT_SALARIES`` (15) salaries from ``VERDICT_COMPANIES`` (3)
companies (``matcher.benchmark.stats.confidence``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from matcher.match.stage import MatchOptions, match_frames, work_type_fits
from matcher.normalize.titles import LEVELS

VERDICT_SALARIES, VERDICT_COMPANIES = 15, 3  # medium confidence (matcher.benchmark.stats.confidence)
LEFT_OUT_TYPE = pl.List(
    pl.Struct({"reason": pl.String, "n": pl.Int64, "salaries": pl.Int64, "companies": pl.Int64})
)
WHY_SCHEMA: dict[str, Any] = {
    "scenario_id": pl.String,
    "vacancy_id": pl.String,
    "left_out": LEFT_OUT_TYPE,
    "why_no_verdict": pl.String,
    "suggested_change": pl.String,
}
# reasons in the order the stages apply them (the first that applies is the posting's)
OWN, AGENCY, WORK_TYPE, COUNTRY, LEVEL = (
    "own company",
    "recruiting agency",
    "work type does not fit",
    "another country",
    "another level",
)
ANALYST, BELOW, OUTSIDE, REPOST, CAP = (
    "excluded by an analyst",
    "score below the threshold",
    "outside the vacancy's country",
    "repost",
    "over the company cap",
)
NO_SALARY, ESTIMATE, OUTLIER, COUNTED = "no salary", "estimated salary", "outlier", "counted"
PEER, LOCAL = "not a peer company", "outside the local pool"  # [benchmark] peer_* and pool_by
ORDER = (
    OWN,
    AGENCY,
    WORK_TYPE,
    COUNTRY,
    LEVEL,
    ANALYST,
    BELOW,
    OUTSIDE,
    PEER,
    LOCAL,
    REPOST,
    CAP,
    NO_SALARY,
    ESTIMATE,
    OUTLIER,
)


def relaxed_options(options: MatchOptions) -> MatchOptions:
    """The match stage's scoring with every filter that leaves a scored posting out turned off."""
    return replace(
        options,
        own_companies=(),
        include_agencies=True,
        require_work_type=False,
        same_country_only=False,
        level_policy="any",
    )


def _statuses_fit(work_type: str | None, applies_to: str | None, statuses: list[str] | None) -> bool:
    fits = work_type_fits(work_type, applies_to)
    if fits is None or not statuses:
        return True
    return any("_".join((s or "").lower().replace("-", " ").split()) in fits for s in statuses)


def match_stage_left_out(
    vacancies: pl.DataFrame,
    postings: pl.DataFrame,
    matches: pl.DataFrame,
    options: MatchOptions,
    *,
    vector_cache: Any = None,
) -> pl.DataFrame:
    """Postings that score at least ``options.floor`` for the vacancies but that the match stage left out,
    each with its reason (scenario_id, vacancy_id, posting_id, score, reason)."""
    schema = {
        "scenario_id": pl.String,
        "vacancy_id": pl.String,
        "posting_id": pl.String,
        "score": pl.Float64,
        "reason": pl.String,
    }
    if not vacancies.height:
        return pl.DataFrame(schema=schema)
    relaxed, _ = match_frames(vacancies, postings, relaxed_options(options), vector_cache=vector_cache)
    relaxed = relaxed.join(
        matches.select("scenario_id", "vacancy_id", "posting_id"),
        on=["scenario_id", "vacancy_id", "posting_id"],
        how="anti",
        nulls_equal=True,
    )
    if not relaxed.height:
        return pl.DataFrame(schema=schema)
    own = {name.lower() for name in options.own_companies}
    fields = postings.select(
        "posting_id",
        pl.col("company").str.to_lowercase().alias("_company"),
        pl.col("company_domain").str.to_lowercase().alias("_domain"),
        pl.col("is_recruiting_agency").fill_null(False).alias("_agency"),
        pl.col("employment_statuses").alias("_statuses"),
        pl.col("country_code").alias("_pcountry"),
    )
    bands = vacancies.select(
        "scenario_id",
        "vacancy_id",
        pl.col("work_type_name").alias("_wt"),
        (
            pl.col("work_type_applies_to").cast(pl.String)
            if "work_type_applies_to" in vacancies.columns
            else pl.lit(None, pl.String)
        ).alias("_wa"),
        pl.col("country_code").alias("_vcountry"),
    )
    rows = relaxed.join(fields, on="posting_id", how="left").join(
        bands, on=["scenario_id", "vacancy_id"], how="left", nulls_equal=True
    )
    reasons = []
    for r in rows.iter_rows(named=True):
        if r["_company"] in own or r["_domain"] in own:
            reasons.append(OWN)
        elif r["_agency"] and not options.include_agencies:
            reasons.append(AGENCY)
        elif options.require_work_type and not _statuses_fit(r["_wt"], r["_wa"], r["_statuses"]):
            reasons.append(WORK_TYPE)
        elif (
            options.same_country_only
            and r["_vcountry"]
            and r["_pcountry"]
            and r["_vcountry"] != r["_pcountry"]
        ):
            reasons.append(COUNTRY)
        else:
            reasons.append(LEVEL)
    return rows.with_columns(pl.Series("reason", reasons, dtype=pl.String)).select(list(schema))


@dataclass(frozen=True)
class _Group:
    reason: str
    n: int
    salaries: int
    companies: frozenset[str]
    detail: Counter[str]  # what sets the postings apart: statuses, levels, countries, scores
    rows: tuple[dict[str, Any], ...] = ()


def _groups(rows: list[dict[str, Any]]) -> dict[str, _Group]:
    by: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by.setdefault(r["reason"], []).append(r)
    out = {}
    for reason, items in by.items():
        salaried = [r for r in items if r["_salaried"]]
        out[reason] = _Group(
            reason,
            len(items),
            len(salaried),
            frozenset((r["company"] or "").lower() for r in salaried),
            Counter(r["_detail"] for r in items if r["_detail"]),
            tuple(items),
        )
    return out


def _top(counter: Counter[str], n: int = 3) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in counter.most_common(n))


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


def _match(n: int) -> str:
    """The verb after ``n`` postings: "1 posting matches", "2 postings match"."""
    return "matches" if n == 1 else "match"


def _reaches(have: int, have_companies: frozenset[str], group: _Group) -> bool:
    n, firms = have + group.salaries, len(have_companies | group.companies)
    return n >= VERDICT_SALARIES and firms >= VERDICT_COMPANIES


def _would(have: int, have_companies: frozenset[str], group: _Group) -> str:
    n = have + group.salaries
    firms = len(have_companies | group.companies)
    enough = "enough for a verdict" if _reaches(have, have_companies, group) else "still short of a verdict"
    return f"then {_plural(n, 'salary', 'salaries')} from {_plural(firms, 'company', 'companies')}: {enough}"


def _lever(
    group: _Group,
    vacancy: dict[str, Any],
    settings: dict[str, Any],
    have: int,
    companies: frozenset[str],
    fit: int,
) -> tuple[str, _Group] | None:
    """The change that would bring ``group`` into the pool, in words, and what it brings; None: no change
    does."""
    text = _lever_text(group, vacancy, settings, have, companies, fit)
    if text is None:
        return None
    if group.reason == BELOW:
        group = _best(group, max(1, VERDICT_SALARIES - have))
    if group.reason == LEVEL and settings.get("level_policy") == "exact":
        group = _groups(
            [r for r in group.rows if _one_level_apart(r["_detail"], vacancy.get("seniority"))]
        ).get(LEVEL, replace(group, n=0, salaries=0, companies=frozenset()))
    return text, group


def _best(group: _Group, need: int) -> _Group:
    """The ``need`` best-scoring matches with a salary of a ``score below the threshold`` group."""
    salaried = sorted((r for r in group.rows if r["_salaried"]), key=lambda r: -float(r["_detail"]))
    return _groups(salaried[:need]).get(BELOW, replace(group, n=0, salaries=0, companies=frozenset()))


def _one_level_apart(level: str | None, vacancy_level: str | None) -> bool:
    """Whether ``level_policy = adjacent`` admits a posting at ``level`` (unknown is read as mid)."""
    index = {name: i for i, name in enumerate(LEVELS)}
    posting = index.get(level or "", index["mid"])
    return abs(posting - index.get(vacancy_level or "mid", index["mid"])) <= 1


def _lever_text(
    group: _Group,
    vacancy: dict[str, Any],
    settings: dict[str, Any],
    have: int,
    companies: frozenset[str],
    fit: int,
) -> str | None:
    firms = _plural(len(group.companies), "company", "companies")
    salaries = f"{_plural(group.salaries, 'salary', 'salaries')} from {firms}"
    would = _would(have, companies, group)
    if group.reason == WORK_TYPE:
        kind = vacancy.get("work_type_name") or "this work type"
        statuses = _top(group.detail) or "other"
        return (
            f"this is a {kind} vacancy: {_plural(fit, 'posting')} of its work type {_match(fit)}; "
            f"{_plural(group.n, 'posting')} of other work types {_match(group.n)} ({statuses}; {salaries}): "
            "benchmark against them with `[match] require_work_type = false`, or check the vacancy's work "
            f"type ({would})"
        )
    if group.reason == LEVEL:
        level = vacancy.get("seniority") or "mid"
        policy = "adjacent" if settings.get("level_policy") == "exact" else "any"
        if policy == "adjacent":
            near = [r for r in group.rows if _one_level_apart(r["_detail"], level)]
            would = _would(have, companies, _groups(near).get(LEVEL, replace(group, salaries=0)))
        return (
            f"only {_plural(fit, 'posting')} at level {level} {_match(fit)}; "
            f"{_plural(group.n, 'posting')} at other levels ({_top(group.detail)}; {salaries}): "
            f"`[benchmark] level_policy = {policy}` ({would})"
        )
    if group.reason == BELOW:
        # the salaried matches' scores, best first: the threshold that admits enough of them for a verdict
        scores = sorted((float(k) for k in group.detail.elements()), reverse=True)
        if not scores:
            return None
        need = max(1, VERDICT_SALARIES - have)
        to = int(scores[min(need, len(scores)) - 1])
        would = _would(have, companies, _best(group, need))
        return (
            f"{_plural(group.n, 'match', 'matches')} score below {settings.get('min_score', 75):g} "
            f"({salaries}): lower `[benchmark] min_score` to {to} ({would})"
        )
    if group.reason == AGENCY:
        return (
            f"{_plural(group.n, 'recruiting-agency posting')} {_match(group.n)} ({salaries}): "
            f"`[match] include_agencies = true` ({would})"
        )
    if group.reason == COUNTRY:
        country = vacancy.get("country_code") or "its country"
        track = (  # the plan searches this vacancy already: more of the same plan would find nothing new
            f"the Floqer plan searches it in {country} already: widen its title variants "
            "(`matcher floqer plan --max-variants N`, `--no-seniority`), then `create --confirm`"
            if settings.get("in_plan")
            else f"track more postings in {country} (`matcher floqer plan`)"
        )
        return (
            f"{_plural(group.n, 'posting')} {_match(group.n)} in other countries ({_top(group.detail)}; "
            f"{salaries}); pay markets are national: {track}"
        )
    if group.reason == ANALYST:
        struck = _plural(group.n, "match", "matches")
        return f"{struck} struck by the exclusions file ({salaries}): review it ({would})"
    if group.reason == PEER:
        return (
            f"{_plural(group.n, 'posting')} of companies outside the peer group {_match(group.n)} "
            f"({salaries}): widen `[benchmark] peer_sizes`, `peer_industries` or `peer_funding_stages` "
            f"(empty: every company) ({would})"
        )
    if group.reason == CAP:
        return (
            f"{_plural(group.n, 'posting')} over the company cap ({salaries}): raise "
            f"`[benchmark] company_cap` ({would})"
        )
    return None


def _no_verdict_line(row: dict[str, Any]) -> str:
    n, firms = row.get("n_postings") or 0, row.get("n_companies") or 0
    if row.get("band_min") is None or row.get("band_max") is None:
        return "the vacancy has no salary band to compare"
    salaries = _plural(n, "employer-posted salary", "employer-posted salaries")
    have = f"{salaries} from {_plural(firms, 'company', 'companies')}"
    return (
        f"{have} ({row.get('confidence')} confidence); a verdict needs {VERDICT_SALARIES} from "
        f"{VERDICT_COMPANIES} (medium confidence)"
    )


def explain_no_verdict(
    benchmarks: pl.DataFrame,
    funnel: pl.DataFrame,
    vacancies: pl.DataFrame,
    settings: dict[str, Any],
    *,
    planned: set[str] | None = None,
) -> pl.DataFrame:
    """Per vacancy without a verdict: ``left_out`` (reason, postings, salaries, companies), the reason in
    words and the suggested change (``WHY_SCHEMA``).

    ``funnel``: one row per (vacancy, posting) with ``reason`` (``ORDER`` or ``counted``), ``company``,
    ``_salaried`` (an employer-posted salary) and ``_detail`` (what a lever's sentence lists: the posting's
    work type, level, country or score). ``planned``: the vacancy ids the Floqer plan searches (None: no plan
    was made).
    """
    rows_by: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in funnel.iter_rows(named=True):
        rows_by.setdefault((r["scenario_id"] or "", r["vacancy_id"]), []).append(r)
    info = {
        (v["scenario_id"] or "", v["vacancy_id"]): v
        for v in vacancies.select(
            "scenario_id",
            "vacancy_id",
            *(
                pl.col(c) if c in vacancies.columns else pl.lit(None, pl.String).alias(c)
                for c in ("work_type_name", "seniority", "country_code")
            ),
        ).iter_rows(named=True)
    }
    out = []
    for row in benchmarks.filter(pl.col("verdict") == "insufficient data").iter_rows(named=True):
        key = (row["scenario_id"] or "", row["vacancy_id"])
        groups = _groups(rows_by.get(key, []))
        counted = groups.get(COUNTED)
        have = row.get("n_postings") or 0
        companies = counted.companies if counted else frozenset()
        left = [
            {"reason": g.reason, "n": g.n, "salaries": g.salaries, "companies": len(g.companies)}
            for reason in ORDER
            if (g := groups.get(reason)) is not None and g.n
        ]
        outside_plan = planned is not None and row["vacancy_id"] not in planned
        in_plan = planned is not None and row["vacancy_id"] in planned
        if outside_plan:
            left.append({"reason": "outside the Floqer plan", "n": 0, "salaries": 0, "companies": 0})
        vacancy = info.get(key, {})
        fit = sum(g.n for reason, g in groups.items() if reason not in (OWN, AGENCY, WORK_TYPE, COUNTRY))
        same_level = sum(
            g.n for reason, g in groups.items() if reason not in (OWN, AGENCY, WORK_TYPE, COUNTRY, LEVEL)
        )
        candidates = []
        for reason in ORDER:
            group = groups.get(reason)
            if group is None or not group.n:
                continue
            base = same_level if reason == LEVEL else fit
            lever = _lever(group, vacancy, {**settings, "in_plan": in_plan}, have, companies, base)
            if lever is not None:
                text, brings = lever
                rank = (_reaches(have, companies, brings), reason != COUNTRY, brings.salaries)
                candidates.append((rank, text))
        why = _no_verdict_line(row)
        if row.get("band_min") is None or row.get("band_max") is None:
            change = "give the vacancy a salary band in Flowstate"
        elif candidates and max(c[0][2] for c in candidates) > 0:
            # a change that reaches a verdict first, a setting before tracking more postings, then the most
            # salaries gained
            change = max(candidates, key=lambda c: c[0])[1]
        elif outside_plan:
            change = "its title is outside the Floqer plan: `matcher floqer plan`, then `create --confirm`"
        elif not rows_by.get(key) and in_plan:
            change = (
                "no posting in the lake matches this job, though the Floqer plan searches it: let its source "
                "run longer, widen its title variants (`matcher floqer plan --max-variants N`, "
                "`--no-seniority`, then `create --confirm`) or check the vacancy's title"
            )
        elif not rows_by.get(key):
            change = (
                "no posting in the lake matches this job: track it in Floqer (`matcher floqer plan`) or "
                "check the vacancy's title"
            )
        else:
            n_salary = (groups[NO_SALARY].n if NO_SALARY in groups else 0) + (
                groups[ESTIMATE].n if ESTIMATE in groups else 0
            )
            change = (
                f"no setting adds salaries ({_plural(n_salary, 'matching posting')} state no employer "
                "salary): track more postings of this job (a longer Floqer history or more title variants)"
            )
        out.append(
            {
                "scenario_id": row["scenario_id"],
                "vacancy_id": row["vacancy_id"],
                "left_out": left,
                "why_no_verdict": why,
                "suggested_change": change,
            }
        )
    return pl.DataFrame(out, schema=WHY_SCHEMA, orient="row") if out else pl.DataFrame(schema=WHY_SCHEMA)


def left_out_text(items: list[dict[str, Any]] | None) -> str:
    """``left_out`` as one line: "work type does not fit 212 (150 with a salary); score below ... 30"."""
    parts = []
    for item in items or []:
        if item["reason"] == "outside the Floqer plan":
            parts.append(item["reason"])
            continue
        salaries = f" ({item['salaries']:,} with a salary)" if item["salaries"] else ""
        parts.append(f"{item['reason']} {item['n']:,}{salaries}")
    return "; ".join(parts)
