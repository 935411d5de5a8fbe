"""Configuration: ``matcher.toml`` (or ``--config FILE``) and ``MATCHER_<SECTION>__<KEY>`` for settings,
environment variables for secrets.

>>> cfg = load_config(None, env={"FLOQER_API_KEY": "floq_x", "MATCHER_MATCH__FLOOR": "60"})  # doctest: +SKIP
>>> cfg.floqer.base_url, cfg.match_floor  # doctest: +SKIP
('https://api.floqer.com', 60.0)

Precedence: an environment variable, then the file, then the default. Every setting of the file has a
variable: ``[match] floor`` is ``MATCHER_MATCH__FLOOR``; lists and tables are JSON
(``MATCHER_MATCH__OWN_COMPANIES='["Acme"]'``, ``MATCHER_MATCH__WEIGHTS='{"title": 0.5}'``;
``MATCHER_MATCH__WEIGHTS__TITLE=0.5`` changes one weight). The older names still work: ``MATCHER_LAKE``,
``FLOQER_BASE_URL``, ``FLOWSTATE_BASE_URL``, ``FLOWSTATE_TENANT`` and ``FLOWSTATE_ORG_ID`` (the
``MATCHER_<SECTION>__<KEY>`` form wins when both are set).

Secrets are read from the environment only (``FLOQER_API_KEY``, ``FLOWSTATE_API_KEY``); a secret found in the
file or in a ``MATCHER_*`` variable is refused. Every problem is reported at once, one line each naming the
setting (``[match] floor``, or the variable it came from), the value and what was expected.

pydantic-settings reads the environment (prefix, ``__`` nesting, which source wins); the pydantic models below
check types and ranges; ``_describe`` turns their errors into those lines, with no pydantic wording in them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import ipaddress
import json
import math
import os
import re
import tomllib
import urllib.parse
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Final, Literal

import httpx
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from matcher.common import defaults
from matcher.common.cache import cache_dir as user_cache
from matcher.common.errors import ConfigError
from matcher.common.redaction import redact, register_secret

DEFAULT_FILE = "matcher.toml"
ENV_PREFIX = "MATCHER_"
_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")  # what an Authorization header can carry as a bearer token
FLOQER_URL = "https://api.floqer.com"
FLOWSTATE_URL = "https://{tenant}.flowstate.inc/api/v1"
# ``matcher publish``: the least confidence written to Flowstate, and the oldest benchmark (days since its
# as-of day) it writes at all
PUBLISH_MIN_CONFIDENCE: Final = "medium"
PUBLISH_MAX_AGE_DAYS = 14


@dataclass(frozen=True, kw_only=True)
class FloqerConfig:
    base_url: str = FLOQER_URL
    api_key: str | None = field(default=None, repr=False)
    extra_filter_keys: tuple[str, ...] = ()  # filter keys beyond the document's catalogue, allowed by name


@dataclass(frozen=True, kw_only=True)
class FlowstateConfig:
    base_url: str = FLOWSTATE_URL
    tenant: str | None = None
    org_id: str | None = None
    api_key: str | None = field(default=None, repr=False)
    scenarios: tuple[str, ...] = ()

    @property
    def resolved_url(self) -> str:
        return self.base_url.replace("{tenant}", self.tenant or "{tenant}")


@dataclass(frozen=True, kw_only=True)
class HttpConfig:
    timeout_seconds: float = defaults.HTTP_TIMEOUT_SECONDS
    max_attempts: int = defaults.HTTP_MAX_ATTEMPTS
    max_wait_seconds: float = defaults.HTTP_MAX_WAIT_SECONDS


@dataclass(frozen=True, kw_only=True)
class Config:
    lake: Path = Path(defaults.LAKE_ROOT)  # for an s3:// lake: its local working copy (lake_working_copy)
    lake_url: str | None = None  # the object-storage lake (s3://bucket/prefix) ``lake`` is a working copy of
    lake_cache_dir: Path | None = None  # where working copies of s3 lakes live (default: the user cache)
    lake_configured: bool = False  # ``[lake] root`` (or MATCHER_LAKE) was set: ``lake`` is no default
    land_personal_data: bool = False
    page_size: int = defaults.PAGE_SIZE
    max_pages: int = defaults.MAX_PAGES  # pages read per source or list and run, at most
    max_response_mb: int = defaults.MAX_RESPONSE_MB  # a larger response body is refused
    floqer: FloqerConfig = field(default_factory=FloqerConfig)
    flowstate: FlowstateConfig = field(default_factory=FlowstateConfig)
    http: HttpConfig = field(default_factory=HttpConfig)
    reporting_currency: str = defaults.REPORTING_CURRENCY
    band_basis: str = defaults.BAND_BASIS  # a part-time vacancy's band: what it pays at its fte, or full_time
    match_floor: float = defaults.MATCH_FLOOR
    title_floor: float = defaults.TITLE_FLOOR
    match_weights: tuple[tuple[str, float], ...] = ()  # overrides of the default component weights
    own_companies: tuple[str, ...] = ()
    include_agencies: bool = defaults.INCLUDE_AGENCIES
    require_work_type: bool = defaults.REQUIRE_WORK_TYPE
    match_engine: str = "local"  # local or spark (``matcher match --engine``)
    benchmark_min_score: float = defaults.BENCHMARK_MIN_SCORE
    company_cap: int = defaults.COMPANY_CAP
    # which postings' levels count in the salary pool: exact, adjacent or any
    level_policy: str = defaults.LEVEL_POLICY
    exclusions: Path | None = None  # the analysts' exclusions file (vacancy_id, posting_id, reason)
    # the benchmark's pool: national, metro or region (when large enough), and peer companies only
    pool_by: str = defaults.POOL_BY
    local_min_salaries: int = defaults.LOCAL_MIN_SALARIES
    peer_sizes: tuple[str, ...] = ()
    peer_industries: tuple[str, ...] = ()
    peer_funding_stages: tuple[str, ...] = ()
    reports_dir: Path = Path(defaults.REPORTS_DIR)
    top_k: int = defaults.TOP_K
    publish_min_confidence: str = PUBLISH_MIN_CONFIDENCE  # none, low, medium or high
    publish_max_age_days: int = PUBLISH_MAX_AGE_DAYS
    source: Path | None = None

    def require_floqer(self) -> None:
        self.require(floqer=True, flowstate=False)

    def require_flowstate(self) -> None:
        self.require(floqer=False, flowstate=True)

    def require(self, *, floqer: bool, flowstate: bool) -> None:
        """Raise ``ConfigError`` listing every credential the services asked for lack, all at once (a run
        missing four variables is told about the four, not the first)."""
        missing = []
        if floqer and not self.floqer.api_key:
            missing.append("FLOQER_API_KEY is not set (export it, or put it in the environment of the run)")
        if flowstate:
            missing += [
                f"{name} is not set"
                for name, value in (
                    ("FLOWSTATE_API_KEY", self.flowstate.api_key),
                    ("FLOWSTATE_ORG_ID", self.flowstate.org_id),
                )
                if not value
            ]
            if "{tenant}" in self.flowstate.base_url and not self.flowstate.tenant:
                missing.append("FLOWSTATE_TENANT is not set (the base URL needs it)")
        if missing:
            raise ConfigError(missing)


_TENANT = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_HTTPS_ONLY = "an https:// URL with a host and no user:password@ (plain http only on loopback)"


def base_url_problem(url: str) -> str | None:
    """What is wrong with a service's base URL, or None: https, or plain http to a loopback host.

    The host is compared after parsing, never the text: ``http://127.0.0.1@example.com/`` goes to
    example.com and ``http://localhost.attacker.example`` is not localhost, so both are refused.

    >>> base_url_problem("http://127.0.0.1:8765/floqer") is None
    True
    >>> base_url_problem("http://localhost.attacker.example") is not None
    True
    """
    if any(ch.isspace() or not ch.isprintable() or ch == "\\" for ch in url):
        return _HTTPS_ONLY + "; this one has spaces, backslashes or control characters"
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port  # raises on a port that is not a number in 0..65535
        host = parts.hostname
        httpx_host = httpx.URL(url).host
    except (ValueError, httpx.InvalidURL):
        return _HTTPS_ONLY + "; this one cannot be parsed"
    del port
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        return _HTTPS_ONLY + "; this one has a user name or password before the host"
    if not host or httpx_host.lower() != host.lower():
        return _HTTPS_ONLY + "; this one has no host"
    scheme = parts.scheme.lower()
    if scheme == "https":
        return None
    if scheme == "http" and _is_loopback(host):
        return None
    return _HTTPS_ONLY


def _is_loopback(host: str) -> bool:
    """localhost exactly, 127.0.0.0/8 or ::1."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


MATCH_COMPONENTS = ("title", "seniority", "geography", "recency", "skills")
SECRET_KEYS = {"api_key", "key", "token", "secret"}
# the variables older than MATCHER_<SECTION>__<KEY>, and the setting each stands for
ENV_ALIASES: dict[str, tuple[str, str]] = {
    "MATCHER_LAKE": ("lake", "root"),
    "FLOQER_BASE_URL": ("floqer", "base_url"),
    "FLOWSTATE_BASE_URL": ("flowstate", "base_url"),
    "FLOWSTATE_TENANT": ("flowstate", "tenant"),
    "FLOWSTATE_ORG_ID": ("flowstate", "org_id"),
}


def _expected(text: str) -> PydanticCustomError:
    """An error whose message is the 'expected ...' part of a problem line, used as it is."""
    return PydanticCustomError("matcher", "{expected}", {"expected": text})


def _not_bool(value: object) -> object:
    """TOML's ``true`` is not the number 1 (pydantic's lax mode would take it as one)."""
    if isinstance(value, bool):
        raise PydanticCustomError("bool_for_number", "not true or false")
    return value


def _json_text(value: object) -> object:
    """A list or table given as text (always, from the environment) is JSON: ``["Acme", "acme.com"]``."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise PydanticCustomError("json_text", "not JSON") from None
    return value


def _component(name: str) -> str:
    if name not in MATCH_COMPONENTS:
        raise _expected("one of " + ", ".join(MATCH_COMPONENTS))
    return name


def _size_band(band: str) -> str:
    if band not in defaults.SIZE_BANDS:
        raise _expected("employee-count bands among " + ", ".join(defaults.SIZE_BANDS))
    return band


def _some_weight(weights: dict[str, float]) -> dict[str, float]:
    # the four components every pair has must not all weigh 0: a pair without skills would score 0/0
    if all(weights.get(c, 1.0) == 0 for c in MATCH_COMPONENTS[:4]):
        raise _expected(f"at least one of {', '.join(MATCH_COMPONENTS[:4])} above 0")
    return weights


def _currency(code: str) -> str:
    if not (len(code) == 3 and code.isalpha()):
        raise _expected("an ISO 4217 code")
    return code.upper()


def _tenant(label: str | None) -> str | None:
    if label is not None and not _TENANT.fullmatch(label):
        raise _expected("a host name label (letters, digits and hyphens)")
    return label


_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):(/|$)")  # also as pathlib writes it: "s3:/bucket"
LOCAL_PATH = "a local folder path (object-storage URLs such as s3:// are not supported)"
LAKE_PATH = "a local folder path or an s3://bucket/prefix URL (no other URL scheme is supported)"
S3_EXTRA = "the s3 extra installed for an s3:// lake (pip install 'matcher[s3]'; obstore is not importable)"
_S3_URL = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/[^?#]*)?$")  # bucket naming rules of S3


def local_path_problem(value: str) -> str | None:
    """Why ``value`` cannot be a local folder (the reports'), or None: a URL (``s3://bucket/lake``) is no
    local folder and must never become one named ``s3:``; ``file://`` URLs are refused too (give the path).

    >>> local_path_problem("s3://bucket/lake")
    'a local folder path (object-storage URLs such as s3:// are not supported)'
    >>> local_path_problem("data/lake") is None
    True
    """
    return LOCAL_PATH if _URL_SCHEME.match(value.strip()) else None


def lake_url(value: str) -> str | None:
    """``value`` as an s3 lake URL when it is one (pathlib's ``s3:/bucket`` read back as ``s3://bucket``),
    else None. ``lake_url("s3://b/lake/") -> "s3://b/lake"``; ``lake_url("data/lake") -> None``."""
    text = value.strip()
    if re.match(r"^s3:/[^/]", text):  # a --lake typed as a path: pathlib collapsed the double slash
        text = "s3://" + text[4:]
    return text.rstrip("/") if text.lower().startswith("s3://") else None


def lake_path_problem(value: str) -> str | None:
    """Why ``value`` cannot be a lake, or None: a local folder or ``s3://bucket/prefix`` (with the ``s3``
    extra installed); every other URL scheme (gs://, abfs://, file://, http://) is refused.

    >>> lake_path_problem("gs://bucket/lake")
    'a local folder path or an s3://bucket/prefix URL (no other URL scheme is supported)'
    >>> lake_path_problem("s3://bucket/lake") is None  # with obstore installed
    True
    """
    url = lake_url(value)
    if url is None:
        return LAKE_PATH if _URL_SCHEME.match(value.strip()) else None
    if not _S3_URL.match(url):
        return (
            "an s3://bucket/prefix URL with a valid bucket name (3-63 lower-case letters, digits, '.', '-')"
        )
    if any(part in ("", ".", "..") for part in url[len("s3://") :].split("/")[1:]):
        return "an s3://bucket/prefix URL whose prefix has no empty, '.' or '..' segment"
    if importlib.util.find_spec("obstore") is None:
        return S3_EXTRA
    return None


def lake_working_copy(url: str, cache_dir: Path | None = None) -> Path:
    """The local working copy of the s3 lake ``url``: ``<cache_dir>/lakes/<hash of the URL>/lake``
    (``cache_dir`` default ``$XDG_CACHE_HOME/matcher``, ``MATCHER_CACHE_DIR``). One URL, one folder."""
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return (cache_dir or user_cache()) / "lakes" / digest / "lake"


def _local_path(value: str) -> str:
    problem = local_path_problem(value)
    if problem:
        raise _expected(problem)
    return value


def _lake_path(value: str) -> str:
    problem = lake_path_problem(value)
    if problem:
        raise _expected(problem)
    return lake_url(value) or value


def _base_url(url: str) -> str:
    # a Flowstate URL is checked as it will be used, with a tenant in it (the tenant is checked on its own)
    problem = base_url_problem(url.replace("{tenant}", "tenant"))
    if problem:
        raise _expected(problem)
    return url


_NotBool = BeforeValidator(_not_bool)
_Json = BeforeValidator(_json_text)
_URL = AfterValidator(_base_url)
_SCORE = "scores in 0..100 (a finite number)"
_WEIGHT = "a number >= 0 (finite, <= 1e6)"
_Weight = Annotated[float, _NotBool, Field(ge=0, le=1e6, allow_inf_nan=False)]


class _Section(BaseModel):
    """One ``[section]`` of the file; ``description`` is what a problem line says was expected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class _Lake(_Section):
    root: Annotated[str, AfterValidator(_lake_path)] = Field(
        default=defaults.LAKE_ROOT, description="a path or an s3://bucket/prefix URL"
    )
    # where s3 lakes' working copies live (default: the user cache, ~/.cache/matcher/lakes/)
    cache_dir: Annotated[str | None, AfterValidator(lambda v: v if v is None else _local_path(v))] = Field(
        default=None, description="a local folder path"
    )


class _Ingest(_Section):
    land_personal_data: bool = Field(default=False, description="true or false")
    page_size: Annotated[int, _NotBool] = Field(
        default=defaults.PAGE_SIZE, ge=1, le=200, description="1..200 (Floqer's maximum)"
    )
    max_pages: Annotated[int, _NotBool] = Field(
        default=defaults.MAX_PAGES, ge=1, le=10_000_000, description="an integer in 1..10000000"
    )
    max_response_mb: Annotated[int, _NotBool] = Field(
        default=defaults.MAX_RESPONSE_MB, ge=1, le=4096, description="an integer in 1..4096"
    )


class _Floqer(_Section):
    base_url: Annotated[str, _URL] = Field(default=FLOQER_URL, description=_HTTPS_ONLY)
    extra_filter_keys: Annotated[list[str], _Json] = Field(
        default_factory=list, description='a list of strings (in the environment as JSON: ["key"])'
    )


class _Flowstate(_Section):
    base_url: Annotated[str, _URL] = Field(default=FLOWSTATE_URL, description=_HTTPS_ONLY)
    tenant: Annotated[str | None, AfterValidator(_tenant)] = Field(
        default=None, description="a host name label"
    )
    org_id: str | None = Field(default=None, description="an organisation id")
    scenarios: Annotated[list[str], _Json] = Field(
        default_factory=list, description='a list of strings (in the environment as JSON: ["scn_a"])'
    )


class _Http(_Section):
    timeout_seconds: Annotated[float, _NotBool] = Field(
        default=defaults.HTTP_TIMEOUT_SECONDS,
        gt=0,
        le=3600,
        allow_inf_nan=False,
        description="a finite number above 0 and at most 3600",
    )
    max_attempts: Annotated[int, _NotBool] = Field(
        default=defaults.HTTP_MAX_ATTEMPTS, ge=1, le=100, description="an integer in 1..100"
    )
    max_wait_seconds: Annotated[float, _NotBool] = Field(
        default=defaults.HTTP_MAX_WAIT_SECONDS,
        ge=0,
        le=86400,
        allow_inf_nan=False,
        description="a finite number in 0..86400",
    )


class _Normalize(_Section):
    reporting_currency: Annotated[str, AfterValidator(_currency)] = Field(
        default=defaults.REPORTING_CURRENCY, description="an ISO 4217 code"
    )
    band_basis: Literal["paid", "full_time"] = Field(
        default=defaults.BAND_BASIS, description="paid or full_time"
    )


class _Match(_Section):
    floor: Annotated[float, _NotBool] = Field(
        default=defaults.MATCH_FLOOR, ge=0, le=100, allow_inf_nan=False, description=_SCORE
    )
    title_floor: Annotated[float, _NotBool] = Field(
        default=defaults.TITLE_FLOOR, ge=0, le=100, allow_inf_nan=False, description=_SCORE
    )
    weights: Annotated[
        dict[Annotated[str, AfterValidator(_component)], _Weight], _Json, AfterValidator(_some_weight)
    ] = Field(
        default_factory=dict,
        description='a table of component = weight (in the environment as JSON: {"title": 0.5})',
    )
    own_companies: Annotated[list[str], _Json] = Field(
        default_factory=list, description='a list of strings (in the environment as JSON: ["Acme"])'
    )
    include_agencies: bool = Field(default=defaults.INCLUDE_AGENCIES, description="true or false")
    require_work_type: bool = Field(default=defaults.REQUIRE_WORK_TYPE, description="true or false")
    # where the match stage runs: this process, or Spark (the spark extra; matcher.match.spark)
    engine: Literal["local", "spark"] = Field(default="local", description="local or spark")


class _Benchmark(_Section):
    min_score: Annotated[float, _NotBool] = Field(
        default=defaults.BENCHMARK_MIN_SCORE, ge=0, le=100, allow_inf_nan=False, description=_SCORE
    )
    company_cap: Annotated[int, _NotBool] = Field(
        default=defaults.COMPANY_CAP, ge=1, le=1_000_000, description="an integer in 1..1000000"
    )
    level_policy: Literal["exact", "adjacent", "any"] = Field(
        default=defaults.LEVEL_POLICY, description="exact, adjacent or any"
    )
    exclusions: str | None = Field(default=None, description="a path")
    # the pool a vacancy is benchmarked against (matcher.benchmark.stage): its country, else its city or
    # region when that holds local_min_salaries salaries from 3 companies; peer companies only, when listed
    pool_by: Literal["national", "metro", "region"] = Field(
        default=defaults.POOL_BY, description="national, metro or region"
    )
    local_min_salaries: Annotated[int, _NotBool] = Field(
        default=defaults.LOCAL_MIN_SALARIES, ge=1, le=1_000_000, description="an integer in 1..1000000"
    )
    peer_sizes: Annotated[list[Annotated[str, AfterValidator(_size_band)]], _Json] = Field(
        default_factory=list,
        description='a list of employee-count bands (in the environment as JSON: ["201-500"])',
    )
    peer_industries: Annotated[list[str], _Json] = Field(
        default_factory=list, description='a list of strings (in the environment as JSON: ["Fintech"])'
    )
    peer_funding_stages: Annotated[list[str], _Json] = Field(
        default_factory=list, description='a list of strings (in the environment as JSON: ["series_b"])'
    )


class _Report(_Section):
    dir: Annotated[str, AfterValidator(_local_path)] = Field(
        default=defaults.REPORTS_DIR, description="a path"
    )
    top_k: Annotated[int, _NotBool] = Field(
        default=defaults.TOP_K, ge=1, le=1_000_000, description="an integer in 1..1000000"
    )


class _Publish(_Section):
    min_confidence: Literal["none", "low", "medium", "high"] = Field(
        default=PUBLISH_MIN_CONFIDENCE, description="none, low, medium or high"
    )
    max_age_days: Annotated[int, _NotBool] = Field(
        default=PUBLISH_MAX_AGE_DAYS, ge=0, le=3650, description="an integer in 0..3650"
    )


_SECTION_MODELS: dict[str, type[_Section]] = {
    "lake": _Lake,
    "ingest": _Ingest,
    "floqer": _Floqer,
    "flowstate": _Flowstate,
    "http": _Http,
    "normalize": _Normalize,
    "match": _Match,
    "benchmark": _Benchmark,
    "report": _Report,
    "publish": _Publish,
}
SECTIONS: dict[str, set[str]] = {name: set(model.model_fields) for name, model in _SECTION_MODELS.items()}

# the MATCHER_* variables of one load_config call (by lower-case name), for the source below
_OVERRIDES: ContextVar[Mapping[str, str]] = ContextVar("_OVERRIDES")


class _OverrideSource(EnvSettingsSource):
    """pydantic-settings' environment source over the variables ``load_config`` picked from its ``env``
    mapping (``os.environ`` unless a test passes one)."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return dict(_OVERRIDES.get())


class _Settings(BaseSettings):
    """The whole file, section by section; the environment's ``MATCHER_<SECTION>__<KEY>`` outranks it."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        enable_decoding=False,  # lists and tables are decoded by _json_text: a bad one is a problem line
        extra="forbid",
        frozen=True,
    )

    lake: _Lake = _Lake()
    ingest: _Ingest = _Ingest()
    floqer: _Floqer = _Floqer()
    flowstate: _Flowstate = _Flowstate()
    http: _Http = _Http()
    normalize: _Normalize = _Normalize()
    match: _Match = _Match()
    benchmark: _Benchmark = _Benchmark()
    report: _Report = _Report()
    publish: _Publish = _Publish()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # first wins: the environment, then the file (passed as init arguments); no .env, no secrets dir
        return (_OverrideSource(settings_cls), init_settings)

    def to_config(self, *, source: Path | None, floqer_key: str | None, flowstate_key: str | None) -> Config:
        url = lake_url(self.lake.root)
        cache = Path(self.lake.cache_dir) if self.lake.cache_dir else None
        return Config(
            lake=lake_working_copy(url, cache) if url else Path(self.lake.root),
            lake_url=url,
            lake_cache_dir=cache,
            lake_configured="root" in self.lake.model_fields_set,
            land_personal_data=self.ingest.land_personal_data,
            page_size=self.ingest.page_size,
            max_pages=self.ingest.max_pages,
            max_response_mb=self.ingest.max_response_mb,
            floqer=FloqerConfig(
                base_url=self.floqer.base_url,
                api_key=floqer_key,
                extra_filter_keys=tuple(self.floqer.extra_filter_keys),
            ),
            flowstate=FlowstateConfig(
                base_url=self.flowstate.base_url,
                tenant=self.flowstate.tenant,
                org_id=self.flowstate.org_id,
                api_key=flowstate_key,
                scenarios=tuple(self.flowstate.scenarios),
            ),
            http=HttpConfig(
                timeout_seconds=self.http.timeout_seconds,
                max_attempts=self.http.max_attempts,
                max_wait_seconds=self.http.max_wait_seconds,
            ),
            reporting_currency=self.normalize.reporting_currency,
            band_basis=self.normalize.band_basis,
            match_floor=self.match.floor,
            title_floor=self.match.title_floor,
            match_weights=tuple(self.match.weights.items()),
            own_companies=tuple(self.match.own_companies),
            include_agencies=self.match.include_agencies,
            require_work_type=self.match.require_work_type,
            match_engine=self.match.engine,
            benchmark_min_score=self.benchmark.min_score,
            company_cap=self.benchmark.company_cap,
            level_policy=self.benchmark.level_policy,
            exclusions=None if self.benchmark.exclusions is None else Path(self.benchmark.exclusions),
            pool_by=self.benchmark.pool_by,
            local_min_salaries=self.benchmark.local_min_salaries,
            peer_sizes=tuple(self.benchmark.peer_sizes),
            peer_industries=tuple(self.benchmark.peer_industries),
            peer_funding_stages=tuple(self.benchmark.peer_funding_stages),
            reports_dir=Path(self.report.dir),
            top_k=self.report.top_k,
            publish_min_confidence=self.publish.min_confidence,
            publish_max_age_days=self.publish.max_age_days,
            source=source,
        )


def load_config(path: Path | str | None = None, *, env: Mapping[str, str] | None = None) -> Config:
    """Read ``path`` (else ``./matcher.toml`` when present) and the environment; report every problem at once.

    ``MATCHER_MATCH__FLOOR=60`` and ``[match] floor = 55`` -> ``match_floor == 60.0``.

    Args:
        path: the settings file; None reads ``./matcher.toml`` when it exists.
        env: the environment (``os.environ`` when None; tests pass a dict).
    """
    environ = os.environ if env is None else env
    data, source = _read_file(path)
    problems: list[str] = []
    table = _file_settings(data, source, problems)
    overrides, origins = _env_settings(environ, problems)
    floqer_key = environ.get("FLOQER_API_KEY") or None
    flowstate_key = environ.get("FLOWSTATE_API_KEY") or None
    register_secret(floqer_key)
    register_secret(flowstate_key)
    for name, key in (("FLOQER_API_KEY", floqer_key), ("FLOWSTATE_API_KEY", flowstate_key)):
        if key is not None and not _HEADER_SAFE.fullmatch(key):  # the key itself is never shown
            problems.append(
                f"{name}: contains spaces, control or non-ASCII characters ({len(key)} characters); expected "
                "the key exactly as issued (no quotes, no newline)"
            )
    settings: _Settings | None = None
    token = _OVERRIDES.set(overrides)
    try:
        settings = _Settings(**table)
    except ValidationError as exc:
        problems += [_describe(error, table, origins) for error in exc.errors(include_url=False)]
    except SettingsError as exc:  # not expected with decoding off; still one line, not a traceback
        problems.append(f"{ENV_PREFIX}* variables: {_plain(str(exc))}")
    finally:
        _OVERRIDES.reset(token)
    if problems or settings is None:
        raise ConfigError(dict.fromkeys(redact(p) for p in problems))
    return settings.to_config(source=source, floqer_key=floqer_key, flowstate_key=flowstate_key)


def _read_file(path: Path | str | None) -> tuple[dict[str, Any], Path | None]:
    """The TOML document at ``path`` (else ``./matcher.toml`` when present, else nothing) and where it was."""
    if path is None and not Path(DEFAULT_FILE).exists():
        return {}, None
    source = Path(path or DEFAULT_FILE)
    try:
        return tomllib.loads(source.read_text(encoding="utf-8")), source
    except FileNotFoundError:
        raise ConfigError([f"--config: {source} does not exist"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            [f"--config: {source} is not UTF-8 text (byte {exc.start}); expected a TOML file"]
        ) from None
    except OSError as exc:  # a directory, unreadable, ...
        raise ConfigError([f"--config: {source}: {exc.strerror or exc}; expected a TOML file"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{source}: not valid TOML ({exc})"]) from None


def _file_settings(data: dict[str, Any], source: Path | None, problems: list[str]) -> dict[str, Any]:
    """The file's known settings by section; an unknown section or key, or a secret, is a problem instead."""
    table: dict[str, Any] = {}
    for section, values in data.items():
        if section not in SECTIONS:
            problems.append(
                f"[{_name(section)}]: unknown section, expected one of {', '.join(sorted(SECTIONS))}"
            )
        elif not isinstance(values, dict):
            problems.append(
                f"[{section}]: got {_show(values)}, expected a table ([{section}] then key = value)"
            )
        else:
            for key, value in values.items():
                if key in SECRET_KEYS:  # the value is never shown
                    problems.append(
                        f"[{section}] {key}: secrets belong in environment variables, not in {source}"
                    )
                elif key not in SECTIONS[section]:
                    problems.append(
                        f"[{section}] {_name(key)}: unknown setting, expected one of "
                        f"{', '.join(sorted(SECTIONS[section]))}"
                    )
                else:
                    table.setdefault(section, {})[key] = value
    return table


# the MATCHER_* variables of another form than MATCHER_<SECTION>__<KEY>: not settings, never refused
ENV_VARIABLES = frozenset(
    f"{ENV_PREFIX}{name}"
    for name in (
        "LAKE", "CACHE_DIR", "REPORTS", "LOG_FORMAT", "LOG_LEVEL", "FX_FILE", "CRASH_AT", "CODER_CACHE",
        "RERANK_CACHE",
    )
)  # fmt: skip


def _env_settings(
    environ: Mapping[str, str], problems: list[str]
) -> tuple[dict[str, str], dict[tuple[str, ...], tuple[str, str]]]:
    """The ``MATCHER_<SECTION>__<KEY>`` variables (and the older names) for pydantic-settings, by lower-case
    name; and for each setting path the variable it came from (as problem lines name it) and its text.

    ``{"MATCHER_MATCH__FLOOR": "60", "FLOQER_BASE_URL": "http://127.0.0.1:9"}`` -> overrides
    ``{"matcher_match__floor": "60", "matcher_floqer__base_url": ...}``, origins
    ``{("match", "floor"): ("MATCHER_MATCH__FLOOR", "60"), ("floqer", "base_url"): ("FLOQER_BASE_URL
    ([floqer] base_url)", ...)}``.
    """
    overrides: dict[str, str] = {}
    origins: dict[tuple[str, ...], tuple[str, str]] = {}
    for name, value in environ.items():
        upper = name.upper()
        if upper.startswith(ENV_PREFIX) and "__" not in upper and value != "":
            # a setting written with one underscore (MATCHER_MATCH_FLOOR) would be ignored without a word
            rest = upper[len(ENV_PREFIX) :].lower()
            section = next((s for s in SECTIONS if rest.startswith(s + "_")), None)
            if section is not None and upper not in ENV_VARIABLES:
                problems.append(
                    f"{_name(name)}: unknown variable, expected {ENV_PREFIX}<SECTION>__<KEY> with two "
                    f"underscores ({ENV_PREFIX}{section.upper()}__{rest[len(section) + 1 :].upper()}?)"
                )
            continue
        if not upper.startswith(ENV_PREFIX) or "__" not in upper or value == "":
            continue  # MATCHER_LAKE, MATCHER_CACHE_DIR, ... are not settings of this form; empty means unset
        path = tuple(upper[len(ENV_PREFIX) :].lower().split("__"))
        if path[0] not in SECTIONS:
            problems.append(
                f"{_name(name)}: unknown section, expected {ENV_PREFIX}<SECTION>__<KEY> with a section in "
                f"{', '.join(sorted(SECTIONS))}"
            )
        elif path[1] in SECRET_KEYS:  # the value is never shown, but masked wherever it turns up
            register_secret(value)
            problems.append(f"{_name(name)}: secrets are read from FLOQER_API_KEY and FLOWSTATE_API_KEY only")
        else:
            overrides[name.lower()] = value
            origins[path] = (_name(name), value)
    for name, (section, key) in ENV_ALIASES.items():
        alias = environ.get(name)
        if alias and (section, key) not in origins:
            overrides[f"{ENV_PREFIX}{section}__{key}".lower()] = alias
            origins[(section, key)] = (f"{name} ([{section}] {key})", alias)
    return overrides, origins


def _describe(
    error: ErrorDetails, table: dict[str, Any], origins: Mapping[tuple[str, ...], tuple[str, str]]
) -> str:
    """One pydantic error as a problem line: the setting (or the variable it came from), the value, what was
    expected; never pydantic's own wording.

    ``loc=("match", "floor"), input="abc"`` from ``MATCHER_MATCH__FLOOR`` ->
    ``MATCHER_MATCH__FLOOR: got "abc", expected scores in 0..100 (a finite number)``.
    """
    loc = tuple(str(part) for part in error["loc"])
    section, key = (*loc, "", "")[:2]
    # a weight is a setting of its own (weights.title); a list's item is reported as the whole list
    depth = 3 if (section, key) == ("match", "weights") and len(loc) > 2 else 2
    head = loc[:depth]
    where, raw = _origin(head, table, origins)
    if error["type"] == "extra_forbidden":
        return f"{where}: unknown setting, expected one of {', '.join(sorted(SECTIONS.get(section, ())))}"
    if loc[-1] == "[key]":
        return f"{where}: unknown component, expected one of {', '.join(MATCH_COMPONENTS)}"
    if error["type"] == "matcher":
        expected = error["msg"]
    elif depth == 3:
        expected = _WEIGHT
    else:
        model = _SECTION_MODELS.get(section)
        info = model.model_fields.get(key) if model else None
        expected = (info.description if info else None) or "a valid value"
    value = raw if len(loc) > depth else error["input"]
    return f"{where}: got {_show(value)}, expected {expected}"


def _origin(
    head: tuple[str, ...],
    table: dict[str, Any],
    origins: Mapping[tuple[str, ...], tuple[str, str]],
) -> tuple[str, object]:
    """Where a setting's value came from, as a problem line names it, and the value as written there."""
    for n in range(len(head), 1, -1):
        if head[:n] in origins:
            name, text = origins[head[:n]]
            return (name if n == len(head) else f"{name} ({'.'.join(_name(p) for p in head[n:])})"), text
    section, key = head[0], head[1]
    where = f"[{section}] {'.'.join(_name(part) for part in head[1:])}"
    under = sorted(name for path, (name, _) in origins.items() if path[: len(head)] == head)
    if under:  # a table from the file, with entries from the environment
        where += f" (with {', '.join(under)})"
    return where, table.get(section, {}).get(key)


def _name(text: str) -> str:
    """A section, key or variable name as it can be shown on one line."""
    return text if text and all(c.isprintable() and not c.isspace() for c in text) else _plain(text)


def _show(value: object) -> str:
    """A value as the user wrote it, quoted plainly and on one line, cut at 80 characters.

    ``"Acme"``, ``60``, ``nan``, ``true``, ``["a", 1]``, ``{title = -1}``.
    """
    text = _plain(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _plain(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return (
            '"'
            + "".join(c if c.isprintable() and c not in '"\\' else json.dumps(c)[1:-1] for c in value)
            + '"'
        )
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_plain(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_name(str(k))} = {_plain(v)}" for k, v in value.items()) + "}"
    return _plain(str(value))  # TOML dates and times
