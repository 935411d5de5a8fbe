"""Configuration: ``matcher.toml`` (or ``--config FILE``) for settings, environment variables for secrets.

>>> cfg = load_config(None, env={"FLOQER_API_KEY": "floq_x"})      # doctest: +SKIP
>>> cfg.floqer.base_url
'https://api.floqer.com'

Secrets are read from the environment only (``FLOQER_API_KEY``, ``FLOWSTATE_API_KEY``, plus
``FLOWSTATE_TENANT`` and ``FLOWSTATE_ORG_ID``); a secret found in the file is refused. Every problem is
reported at once.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import tomllib
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from matcher.common.errors import ConfigError
from matcher.common.redaction import register_secret

DEFAULT_FILE = "matcher.toml"
_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")  # what an Authorization header can carry as a bearer token
FLOQER_URL = "https://api.floqer.com"
FLOWSTATE_URL = "https://{tenant}.flowstate.inc/api/v1"


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
    timeout_seconds: float = 30.0
    max_attempts: int = 6
    max_wait_seconds: float = 120.0


@dataclass(frozen=True, kw_only=True)
class Config:
    lake: Path = Path("data/lake")
    land_personal_data: bool = False
    page_size: int = 200
    max_pages: int = 10_000  # pages read per source or list and run, at most (a server that never ends)
    max_response_mb: int = 64  # a response body larger than this is refused (never held in memory)
    floqer: FloqerConfig = field(default_factory=FloqerConfig)
    flowstate: FlowstateConfig = field(default_factory=FlowstateConfig)
    http: HttpConfig = field(default_factory=HttpConfig)
    reporting_currency: str = "USD"
    band_basis: str = "paid"  # a part-time vacancy's band: what it pays at its fte ("paid") or "full_time"
    match_floor: float = 50.0
    title_floor: float = 50.0
    match_weights: tuple[tuple[str, float], ...] = ()  # overrides of the default component weights
    own_companies: tuple[str, ...] = ()
    include_agencies: bool = False
    require_work_type: bool = True
    benchmark_min_score: float = 75.0
    company_cap: int = 3
    level_policy: str = "exact"  # which postings' levels count in the salary pool: exact, adjacent or any
    exclusions: Path | None = None  # the analysts' exclusions file (vacancy_id, posting_id, reason)
    reports_dir: Path = Path("reports")
    top_k: int = 50
    source: Path | None = None

    def require_floqer(self) -> None:
        if not self.floqer.api_key:
            raise ConfigError(
                ["FLOQER_API_KEY is not set (export it, or put it in the environment of the run)"]
            )

    def require_flowstate(self) -> None:
        missing = [
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


SECTIONS: dict[str, set[str]] = {
    "lake": {"root"},
    "ingest": {"land_personal_data", "page_size", "max_pages", "max_response_mb"},
    "floqer": {"base_url", "extra_filter_keys"},
    "flowstate": {"base_url", "tenant", "org_id", "scenarios"},
    "http": {"timeout_seconds", "max_attempts", "max_wait_seconds"},
    "normalize": {"reporting_currency", "band_basis"},
    "match": {"floor", "title_floor", "weights", "own_companies", "include_agencies", "require_work_type"},
    "benchmark": {"min_score", "company_cap", "level_policy", "exclusions"},
    "report": {"dir", "top_k"},
}
SECRET_KEYS = {"api_key", "key", "token", "secret"}


MATCH_COMPONENTS = ("title", "seniority", "geography", "recency", "skills")


def _weights(table: dict[str, Any], problems: list[str]) -> tuple[tuple[str, float], ...]:
    """``[match] weights = {title = 0.5, ...}``: known components, non-negative numbers."""
    out = []
    for name, value in table.items():
        if name not in MATCH_COMPONENTS:
            problems.append(
                f"[match] weights.{name}: unknown component, expected one of {list(MATCH_COMPONENTS)}"
            )
        elif (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not 0 <= value <= 1e6
        ):
            problems.append(f"[match] weights.{name}: got {value!r}, expected a number >= 0 (finite, <= 1e6)")
        else:
            out.append((name, float(value)))
    # the four components every pair has must not all weigh 0: a pair without skills would score 0/0
    if all(dict(out).get(c, 1.0) == 0 for c in MATCH_COMPONENTS[:4]):
        problems.append(
            f"[match] weights: got {dict(out)!r}, expected at least one of "
            f"{', '.join(MATCH_COMPONENTS[:4])} above 0"
        )
    return tuple(out)


_SCORE = "scores in 0..100 (a finite number)"
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


def _optional_path(value: str | None) -> Path | None:
    return None if value is None else Path(value)


def load_config(path: Path | str | None = None, *, env: Mapping[str, str] | None = None) -> Config:
    """Read ``path`` (else ``./matcher.toml`` when present) and the environment; report every problem."""
    environ = os.environ if env is None else env
    problems: list[str] = []
    data: dict[str, Any] = {}
    source: Path | None = None
    if path is not None or Path(DEFAULT_FILE).exists():
        source = Path(path or DEFAULT_FILE)
        try:
            data = tomllib.loads(source.read_text(encoding="utf-8"))
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
    for section, values in data.items():
        if section not in SECTIONS or not isinstance(values, dict):
            problems.append(f"[{section}]: unknown section, expected one of {sorted(SECTIONS)}")
            continue
        for key in values:
            if key in SECRET_KEYS:
                problems.append(
                    f"[{section}] {key}: secrets belong in environment variables, not in {source}"
                )
            elif key not in SECTIONS[section]:
                problems.append(
                    f"[{section}] {key}: unknown setting, expected one of {sorted(SECTIONS[section])}"
                )

    def get(section: str, key: str, default: Any, kind: type | tuple[type, ...]) -> Any:
        value = data.get(section, {}).get(key, default) if isinstance(data.get(section), dict) else default
        if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float, (int, float))):
            problems.append(f"[{section}] {key}: got {value!r}, expected {getattr(kind, '__name__', kind)}")
            return default
        return value

    def number(
        section: str,
        key: str,
        default: float,
        low: float,
        high: float,
        *,
        above_low: bool = False,
        expected: str = "",
    ) -> float:
        """A finite number in low..high (above low when ``above_low``); the default after a problem."""
        value = get(section, key, default, (int, float))
        in_range = (low < value if above_low else low <= value) and value <= high
        if not (math.isfinite(value) and in_range):
            expected = expected or (
                f"a finite number above {low:g} and at most {high:g}"
                if above_low
                else f"a finite number in {low:g}..{high:g}"
            )
            problems.append(f"[{section}] {key}: got {value!r}, expected {expected}")
            return float(default)
        return float(value)

    def integer(section: str, key: str, default: int, low: int, high: int) -> int:
        value = get(section, key, default, int)
        if not low <= value <= high:
            problems.append(f"[{section}] {key}: got {value!r}, expected an integer in {low}..{high}")
            return default
        return int(value)

    page_size = get("ingest", "page_size", 200, int)
    if not 1 <= page_size <= 200:
        problems.append(f"[ingest] page_size: got {page_size}, expected 1..200 (Floqer's maximum)")
    http = HttpConfig(
        timeout_seconds=number("http", "timeout_seconds", 30.0, 0, 3600, above_low=True),
        max_attempts=integer("http", "max_attempts", 6, 1, 100),
        max_wait_seconds=number("http", "max_wait_seconds", 120.0, 0, 86400),
    )
    scenarios = get("flowstate", "scenarios", [], list)
    reporting = get("normalize", "reporting_currency", "USD", str).upper()
    if not (len(reporting) == 3 and reporting.isalpha()):
        problems.append(f"[normalize] reporting_currency: got {reporting!r}, expected an ISO 4217 code")
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
    config = Config(
        lake=Path(environ.get("MATCHER_LAKE") or get("lake", "root", "data/lake", str)),
        land_personal_data=get("ingest", "land_personal_data", False, bool),
        page_size=page_size,
        max_pages=integer("ingest", "max_pages", 10_000, 1, 10_000_000),
        max_response_mb=integer("ingest", "max_response_mb", 64, 1, 4096),
        floqer=FloqerConfig(
            base_url=environ.get("FLOQER_BASE_URL") or get("floqer", "base_url", FLOQER_URL, str),
            api_key=floqer_key,
            extra_filter_keys=tuple(str(k) for k in get("floqer", "extra_filter_keys", [], list)),
        ),
        flowstate=FlowstateConfig(
            base_url=environ.get("FLOWSTATE_BASE_URL") or get("flowstate", "base_url", FLOWSTATE_URL, str),
            tenant=environ.get("FLOWSTATE_TENANT") or get("flowstate", "tenant", None, (str, type(None))),
            org_id=environ.get("FLOWSTATE_ORG_ID") or get("flowstate", "org_id", None, (str, type(None))),
            api_key=flowstate_key,
            scenarios=tuple(str(s) for s in scenarios),
        ),
        http=http,
        reporting_currency=reporting,
        band_basis=get("normalize", "band_basis", "paid", str),
        match_floor=number("match", "floor", 50.0, 0, 100, expected=_SCORE),
        title_floor=number("match", "title_floor", 50.0, 0, 100, expected=_SCORE),
        match_weights=_weights(get("match", "weights", {}, dict), problems),
        own_companies=tuple(str(c) for c in get("match", "own_companies", [], list)),
        include_agencies=get("match", "include_agencies", False, bool),
        require_work_type=get("match", "require_work_type", True, bool),
        benchmark_min_score=number("benchmark", "min_score", 75.0, 0, 100, expected=_SCORE),
        company_cap=integer("benchmark", "company_cap", 3, -(2**63), 1_000_000),
        level_policy=get("benchmark", "level_policy", "exact", str),
        exclusions=_optional_path(get("benchmark", "exclusions", None, (str, type(None)))),
        reports_dir=Path(get("report", "dir", "reports", str)),
        top_k=integer("report", "top_k", 50, -(2**63), 1_000_000),
        source=source,
    )
    if config.company_cap < 1 or config.top_k < 1:
        problems.append(
            f"[benchmark] company_cap and [report] top_k: expected >= 1 (got {config.company_cap} and "
            f"{config.top_k})"
        )
    if config.band_basis not in ("paid", "full_time"):
        problems.append(f"[normalize] band_basis: got {config.band_basis!r}, expected paid or full_time")
    if config.level_policy not in ("exact", "adjacent", "any"):
        problems.append(
            f"[benchmark] level_policy: got {config.level_policy!r}, expected exact, adjacent or any"
        )
    for name, url in (("floqer", config.floqer.base_url), ("flowstate", config.flowstate.resolved_url)):
        problem = base_url_problem(url)
        if problem:
            problems.append(f"[{name}] base_url: got {url!r}, expected {problem}")
    if config.flowstate.tenant is not None and not _TENANT.fullmatch(config.flowstate.tenant):
        problems.append(
            f"FLOWSTATE_TENANT: got {config.flowstate.tenant!r}, expected a host name label "
            "(letters, digits and hyphens)"
        )
    if problems:
        raise ConfigError(problems)
    return config
