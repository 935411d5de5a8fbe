"""Named, composable sandbox profiles: each plays one alternative the vendor documents leave room for.

The sandbox's defaults follow the same reading of the contracts as our clients do; a profile switches the
sandbox to the *other* reading, so a client is tested against both::

    SandboxConfig(profiles=("strict", "resource-types"))     # in Python
    matcher sandbox serve --profile strict --profile resource-types

A profile only sets explicit knobs (``FloqerSettings``, ``FlowstateSettings``, ``SandboxConfig`` fields,
listed in ``Profile.knobs``) and may add startup faults, so a test can also turn one knob on by itself.
Profiles are applied in the order given; when two set the same knob the later one wins. ``all`` turns every
profile on at once except the three that conflict with another one's answer: ``paged-listing`` (``all`` has no
listing at all: ``no-source-listing``), ``data-list`` (``all`` answers ``/data`` in the preview's shape:
``data-alt-shape``) and ``page-size-cap`` (``all`` clamps pages: ``small-pages``). ``("all",
"paged-listing")`` gives everything with a paged listing instead.

The sandbox's whole configuration with profiles applied is ``SandboxApp.config`` (the config passed in is
never changed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from matcher.common.errors import SandboxError
from matcher.sandbox.faults import FaultRule

if TYPE_CHECKING:
    from matcher.sandbox.app import SandboxConfig

VACANCIES_ONLY_SCOPES = ("vacancies:read", "vacancies:write")


@dataclass(frozen=True, kw_only=True)
class Profile:
    """One named alternative: what it changes (``knobs``: dotted knob path -> value), and why."""

    name: str
    description: str  # one line: what a client sees
    contract: str  # which contract point it plays, documented or inferred (CONTRACT-NOTES.md)
    knobs: Mapping[str, Any] = field(default_factory=dict)
    faults: tuple[FaultRule, ...] = ()  # installed at startup
    includes: tuple[str, ...] = ()  # for ``all``: the profiles it turns on

    def changes(self) -> str:
        """How the profile changes the config, as one line (``floqer.strict=True, ...``)."""
        if self.includes:
            return "every profile: " + ", ".join(self.includes)
        parts = [f"{path}={value!r}" for path, value in self.knobs.items()]
        parts += [
            f"fault {rule.kind} on {rule.endpoint} x{rule.times} {rule.params or ''}".rstrip()
            for rule in self.faults
        ]
        return ", ".join(parts)


_PROFILES = [
    Profile(
        name="resource-types",
        description="Flowstate serves work types only as /org/{orgId}/resource-types; /work-types is a 404",
        contract="work types: /work-types, renamed /resource-types in v1.1 (CONTRACT-NOTES, documented)",
        knobs={"flowstate.work_types_path": "resource-types"},
    ),
    Profile(
        name="vacancies-only-key",
        description="keys.flowstate holds only vacancies:read/write: locations, job roles, work types: 403",
        contract="Flowstate keys carry per-resource scopes (CONTRACT-NOTES, documented)",
        knobs={"flowstate_key_scopes": VACANCIES_ONLY_SCOPES},
    ),
    Profile(
        name="no-source-listing",
        description="Floqer GET /api/v1/sources is a flat 404 (Cannot GET /api/v1/sources)",
        contract="the source listing's path is 'probably GET /api/v1/sources' (CONTRACT-NOTES, inferred)",
        knobs={"floqer.source_listing": "absent"},
    ),
    Profile(
        name="paged-listing",
        description="Floqer's source listing is paged: page_no, page_size (capped at 2), "
        "data {sources, total_count, page_no, page_size}",
        contract="the listing is documented as a schema only; its envelope is inferred (CONTRACT-NOTES)",
        knobs={"floqer.source_listing": "paged", "floqer.listing_page_size": 2},
    ),
    Profile(
        name="data-alt-shape",
        description="GET /sources/{id}/data answers like preview: data {data: [rows]}, no total_count, "
        "page_no or page_size",
        contract="/data's {rows, total_count, page_no?, page_size?} is inferred; preview's data.data is "
        "documented (CONTRACT-NOTES)",
        knobs={"floqer.data_shape": "data"},
    ),
    Profile(
        name="data-list",
        description="GET /sources/{id}/data answers data: [rows] directly, no object around the rows",
        contract="/data's body is inferred (CONTRACT-NOTES)",
        knobs={"floqer.data_shape": "list"},
    ),
    Profile(
        name="string-retry-after",
        description='every Floqer 429 carries retryAfter as a string ("2") and no Retry-After header; '
        "the first 2 /data requests are 429",
        contract="a 429 carries the wait in the JSON body, not a header (CONTRACT-NOTES, documented); "
        "its JSON type is inferred",
        knobs={"floqer.retry_after_as_string": True},
        faults=(FaultRule(endpoint="floqer.data", kind="rate_limit", times=2, params={"retry_after": 2}),),
    ),
    Profile(
        name="deleted-source",
        description="the account starts with a deleted source (404 but listed) and a completed one "
        "(rows served, no more runs)",
        contract="source lifecycle statuses include completed and deleted (CONTRACT-NOTES, documented); "
        "what a deleted source answers is inferred",
        knobs={"floqer.lifecycle_sources": True},
    ),
    Profile(
        name="strict",
        description="no lenient spots: preview ignores start_date, sync needs field_mapping, all-empty "
        "filters and unknown status keys are 400, documented sortBy only, limit <= 100",
        contract="Floqer document §3-§5 and sync body (documented); Flowstate document's sortBy examples; "
        "limit 100 on newer pages (CONTRACT-NOTES, documented)",
        knobs={"floqer.strict": True, "flowstate.strict_sort": True, "flowstate.max_limit": 100},
    ),
    Profile(
        name="vacancy-quirks",
        description="7 more vacancies with rare documented fields: metadata null, '120,000.00' bands, "
        "open+isFilled, filledByLiveContractorId, fte 0.5, Permanent and Freelance work types",
        contract="salaryMin/Max numbers or strings, isFilled, filledByLiveContractorId (CONTRACT-NOTES, "
        "documented); metadata null and thousands separators are inferred",
        knobs={"flowstate.vacancy_quirks": True},
    ),
    Profile(
        name="posting-quirks",
        description="~15% of imported rows get type quirks: int flags, string statuses/salaries/booleans, "
        "odd dates, nested locations or company_object",
        contract="row shape flat or nested, example value shapes (CONTRACT-NOTES, inferred)",
        knobs={"floqer.row_quirks": 0.15},
    ),
    Profile(
        name="small-pages",
        description="servers page by fewer rows than asked, without an error: Floqer /data serves at most "
        "50 rows a page (its body's page_size says 50), Flowstate lists at most 20 (meta {page, limit} "
        "only: no total, no hasNextPage)",
        contract="page_size 'max 200' and limit 'max 200 / 100 on newer pages' (documented) leave a lower "
        "cap open; meta's fields beyond page and limit are what the document shows (documented)",
        knobs={
            "floqer.page_size_cap": 50,
            "floqer.over_page_cap": "clamp",
            "flowstate.max_limit": 20,
            "flowstate.over_limit": "clamp",
            "flowstate.list_meta": "page-limit",
        },
    ),
    Profile(
        name="page-size-cap",
        description="Floqer /data refuses page_size above 100 with a 400 in NestJS's shape "
        '({"statusCode": 400, "message": ["page_size must be between 1 and 100, got 200"]})',
        contract="page_size 'max 200' (documented) read as a lower cap; Floqer's 400 body is not published",
        knobs={
            "floqer.page_size_cap": 100,
            "floqer.over_page_cap": "reject",
            "floqer.bad_request_shape": "message-list",
        },
    ),
    Profile(
        name="page-past-end",
        description="Floqer /data answers a page_no past the last page with a flat 404 (not an empty "
        "page), and an empty page (an empty source's page 1) with rows: null",
        contract="/data paging beyond page_no and page_size is inferred (CONTRACT-NOTES)",
        knobs={"floqer.past_end": "404", "floqer.empty_rows": "null"},
    ),
    Profile(
        name="flowstate-before-1.2",
        description="a tenant before v1.2: the vacancy list refuses excludeFilled (400 VALIDATION_ERROR "
        "naming it) and hides no filled vacancy; an empty metadata is served as []",
        contract="'Since API v1.2 the vacancy list hides filled vacancies unless excludeFilled=false' "
        "(documented); metadata as [] is inferred (a PHP serializer's empty object)",
        knobs={"flowstate.exclude_filled": "unknown", "flowstate.empty_metadata": "array"},
    ),
]
# conflicts: all plays no-source-listing, data-alt-shape and small-pages
ALL_EXCLUDES = ("paged-listing", "data-list", "page-size-cap")

PROFILES: dict[str, Profile] = {p.name: p for p in _PROFILES}
PROFILES["all"] = Profile(
    name="all",
    description="every profile at once (no listing; /data in the preview's shape; pages clamped)",
    contract="all of the above",
    includes=tuple(name for name in PROFILES if name not in ALL_EXCLUDES),
)


def resolve_profiles(names: Iterable[str] | str) -> tuple[str, ...]:
    """The concrete profiles ``names`` turns on, in application order (``all`` expanded, comma lists split,
    a repeated name kept at its last place).

    Raises:
        SandboxError: a name is not a profile (the message lists the valid ones).
    """
    given: list[Any] = [names] if isinstance(names, str) else list(names)
    wanted: list[str] = []
    unknown: list[str] = []
    for item in given:
        if not isinstance(item, str):  # a config built by hand, not type-checked
            unknown.append(repr(item))
            continue
        for name in (part.strip() for part in item.split(",")):
            if not name:
                continue
            if name not in PROFILES:
                unknown.append(repr(name))
            else:
                wanted.extend(PROFILES[name].includes or (name,))
    if unknown:
        raise SandboxError(
            f"unknown sandbox profile {', '.join(unknown)}; valid profiles: {', '.join(PROFILES)}"
        )
    return tuple(name for i, name in enumerate(wanted) if name not in wanted[i + 1 :])


def apply_profiles(config: SandboxConfig) -> SandboxConfig:
    """A copy of ``config`` with its profiles' knobs set and their startup faults added."""
    names = resolve_profiles(config.profiles)
    result = dataclasses.replace(
        config,
        floqer=dataclasses.replace(config.floqer),
        flowstate=dataclasses.replace(config.flowstate),
        profiles=names,
    )
    faults = list(result.faults)
    for name in names:
        profile = PROFILES[name]
        for path, value in profile.knobs.items():
            set_knob(result, path, value)
        faults.extend(profile.faults)
    result.faults = tuple(dataclasses.replace(rule, seen=0, fired=0) for rule in faults)
    return result


def set_knob(config: SandboxConfig, path: str, value: Any) -> None:
    """Set ``floqer.strict`` / ``flowstate.max_limit`` / ``flowstate_key_scopes`` (dotted) on ``config``."""
    *owners, name = path.split(".")
    target: Any = config
    for owner in owners:
        target = getattr(target, owner)
    if not hasattr(target, name):
        raise SandboxError(f"profile knob {path!r} does not exist")
    setattr(target, name, value)
