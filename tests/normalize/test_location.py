"""normalize_location: hand-checked places, properties, the sandbox market and the H-1B file."""

from __future__ import annotations

import csv
import pickle
from pathlib import Path

import pycountry
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.normalize import location
from matcher.normalize.location import ARRANGEMENTS, LocationInfo, _city, normalize_location
from matcher.sandbox.market import MarketConfig, generate_market

# text -> (country_code, admin1, city, arrangement)
CASES = {
    "Austin, TX": ("US", "TX", "Austin", "onsite"),  # TX is no country: the Texas of ISO 3166-2:US
    "London, UK": ("GB", "ENG", "London", "onsite"),  # UK is GB in ISO 3166-1; GeoNames puts London in ENG
    "Remote - US": ("US", None, None, "remote"),
    "Bengaluru, Karnataka, India": ("IN", "KA", "Bengaluru", "onsite"),  # IN-KA is Karnātaka
    "Toronto, ON": ("CA", "ON", "Toronto", "onsite"),  # no country has code ON; CA-ON is Ontario
    "Sydney NSW": ("AU", "NSW", "Sydney", "onsite"),  # the state after the city without a comma
    "Hybrid - New York, NY": ("US", "NY", "New York City", "hybrid"),  # GeoNames' canonical name
    "Concord, CA": ("US", "CA", "Concord", "onsite"),  # California, although Canada has a Concord too
    "Casablanca, MA": (
        "MA",
        "06",
        "Casablanca",
        "onsite",
    ),  # Morocco: the city is there, not in Massachusetts
    "Mount Washington, MA": (
        "US",
        "MA",
        None,
        "onsite",
    ),  # a town too small for GeoNames' list: the state still
    "Munich, BY": ("DE", "BY", "Munich", "onsite"),  # Bavaria, not Belarus: Munich is in DE-BY
    "Paris, France": ("FR", "IDF", "Paris", "onsite"),  # FR-75C is in FR-IDF: admin1 is the top level
    "Madrid, Spain": ("ES", "MD", "Madrid", "onsite"),  # the community (ES-MD), not the province (ES-M)
    "Berlin": ("DE", "BE", "Berlin", "onsite"),  # a city that is its own Land
    "München, Deutschland": ("DE", None, "Munich", "onsite"),  # GeoNames' alternate name and a German name
    "Bangalore": ("IN", None, "Bengaluru", "onsite"),  # an old name
    "San Juan, PR": ("US", "PR", "San Juan", "onsite"),  # ISO 3166-2:US-PR
    "Singapore": ("SG", None, "Singapore", "onsite"),  # a city-state: its capital has its name
    "Remote, Germany": ("DE", None, None, "remote"),
    "Zürich, Switzerland": ("CH", "ZH", "Zürich", "onsite"),
    "Edinburgh, Scotland, United Kingdom": ("GB", "SCT", "Edinburgh", "onsite"),
    "New York, NY 10001": ("US", "NY", "New York City", "onsite"),  # the postal code is dropped
}


@pytest.mark.parametrize("text", sorted(CASES))
def test_hand_checked_places(text: str) -> None:
    info = normalize_location(text)
    assert (info.country_code, info.admin1, info.city, info.arrangement) == CASES[text]
    assert info.is_remote == (info.arrangement == "remote")


def test_structured_fields_win_and_narrow_the_city() -> None:
    # Floqer: city + state_code + country_code
    assert normalize_location(city="Austin", state="TX", country="US") == LocationInfo(
        country_code="US", admin1="TX", city="Austin", arrangement="onsite"
    )
    # London, Ontario, when the country says Canada; the most populous London otherwise
    assert normalize_location("London", country="CA").country_code == "CA"
    assert normalize_location("London").country_code == "GB"
    # a Flowstate location: name and countryCode
    info = normalize_location("Bengaluru, India", country="IN")
    assert (info.country_code, info.city) == ("IN", "Bengaluru")
    assert normalize_location(city="Munich", country="DEU").country_code == "DE"  # alpha-3 is read too


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "no location given"),
        ("\x00\x01\x02", "no location given"),
        ("N/A", "no country found"),
        ("-1", "no country found"),
        ("x" * 10_000, "no country found"),
        ("Remote", "no country found"),
        ("Mount Washington, MA", "city not found: 'Mount Washington'"),
    ],
)
def test_garbage_gives_nulls_and_a_reason(text: str, reason: str) -> None:
    info = normalize_location(text)
    assert info.reason == reason
    assert info.city is None


def test_an_unknown_country_code_is_a_reason_not_a_guess() -> None:
    info = normalize_location("Austin, TX", country="XX")
    assert info.country_code is None and info.reason == "unknown country 'XX'"


VALID_COUNTRIES = {c.alpha_2 for c in pycountry.countries}


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_gives_valid_fields_and_never_raises(text: str) -> None:
    info = normalize_location(text)
    assert info.country_code is None or info.country_code in VALID_COUNTRIES
    assert info.arrangement is None or info.arrangement in ARRANGEMENTS
    assert info.is_remote == (info.arrangement == "remote")
    assert info.city is None or info.country_code is not None


PLACES = [
    "Austin, TX",
    "London, UK",
    "Toronto, ON",
    "Munich, BY",
    "Paris, France",
    "Sydney NSW",
    "Pune, India",
]


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(PLACES),
    st.sampled_from(["", "Remote - ", "Hybrid - ", "  ", "(On-site) "]),
    st.sampled_from(["", " 12345", " (Remote)"]),
)
def test_normalizing_the_resolved_place_again_changes_nothing(place: str, prefix: str, suffix: str) -> None:
    first = normalize_location(prefix + place + suffix)
    again = normalize_location(city=first.city, state=first.admin1, country=first.country_code)
    assert (again.country_code, again.admin1, again.city) == (first.country_code, first.admin1, first.city)
    text_again = normalize_location(", ".join(x for x in (first.city, first.admin1, first.country_code) if x))
    assert (text_again.country_code, text_again.city) == (first.country_code, first.city)


def test_the_sandbox_markets_text_agrees_with_its_structured_fields() -> None:
    market = generate_market(MarketConfig(n_postings=2_000))
    seen = set()
    for posting in market.postings:
        key = (posting["location"], posting["city"], posting["state_code"], posting["country_code"])
        if key in seen:
            continue
        seen.add(key)
        text_only = normalize_location(posting["location"])
        structured = normalize_location(
            posting["location"],
            city=posting["city"],
            state=posting["state_code"],
            country=posting["country_code"],
        )
        assert structured.country_code == posting["country_code"], key
        assert (text_only.country_code, text_only.city) == (structured.country_code, structured.city), key
        assert text_only.admin1 in (None, structured.admin1), key
    assert len(seen) > 50


@pytest.mark.shared_data
def test_h1b_city_state_text(shared_dir: Path) -> None:
    # the file is Latin-1 (it is not valid UTF-8)
    with (shared_dir / "data" / "h1b" / "h1b_fy13_q3.csv").open(encoding="latin-1") as handle:
        rows = [r for r in csv.DictReader(handle) if r["City"] and r["State"]]
    infos = [normalize_location(f"{r['City']}, {r['State']}") for r in rows]
    admin1 = sum(i.admin1 == r["State"] for i, r in zip(infos, rows, strict=True)) / len(rows)
    cities = sum(i.city is not None for i in infos) / len(rows)
    assert len(rows) > 10_000
    assert admin1 >= 0.99, admin1
    assert cities >= 0.90, cities


def test_the_place_index_is_cached_on_disk_and_a_bad_cache_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matcher.normalize import location

    monkeypatch.setenv("MATCHER_CACHE_DIR", str(tmp_path))
    location._index.cache_clear()
    try:
        built = normalize_location("Munich, BY")
        (cached,) = tmp_path.glob("places-*.pickle")
        location._index.cache_clear()
        assert normalize_location("Munich, BY") == built  # read back from the file
        cached.write_bytes(b"not a pickle")
        location._index.cache_clear()
        assert normalize_location("Munich, BY") == built  # rebuilt, and the file rewritten
        assert cached.read_bytes() != b"not a pickle"
    finally:
        location._index.cache_clear()


# issue 12: the country from the whole string, and arrangement words before a place.
# text -> (country_code, admin1, city, arrangement)
ISSUE_12_CASES = {
    "MH, IN": ("IN", "MH", None, "onsite"),  # Maharashtra, India: MH is a state of the country IN names
    "KA, IN": ("IN", "KA", None, "onsite"),
    "DL, IN": ("IN", "DL", None, "onsite"),
    "Indianapolis, IN": ("US", "IN", "Indianapolis", "onsite"),  # a city of Indiana before IN
    "Bengaluru, KA, IN": ("IN", "KA", "Bengaluru", "onsite"),
    "Mumbai, Maharashtra, India": ("IN", "MH", "Mumbai", "onsite"),
    "Pune, MH": ("IN", "MH", "Pune", "onsite"),  # MH is the Marshall Islands too: Pune decides
    "Hybrid work in Chicago, IL": ("US", "IL", "Chicago", "hybrid"),
    "Remote in Herndon, VA": ("US", "VA", "Herndon", "remote"),
    "Remote - Austin, TX": ("US", "TX", "Austin", "remote"),
    "Hybrid: Seattle, WA": ("US", "WA", "Seattle", "hybrid"),
    "Seattle, WA (Remote)": ("US", "WA", "Seattle", "remote"),
    "Work from home in Dallas, TX": ("US", "TX", "Dallas", "remote"),
    "On-site in Boston, MA": ("US", "MA", "Boston", "onsite"),
    "Hybrid remote in Pune, Maharashtra": ("IN", "MH", "Pune", "hybrid"),
    "Fully remote in Toronto, ON": ("CA", "ON", "Toronto", "remote"),
    "Remote - IN": ("IN", None, None, "remote"),  # a country code after a dash, not the word "in"
    "Anywhere in the US": ("US", None, None, "remote"),
    "St. John's, NL": ("CA", "NL", "St. John's", "onsite"),  # Newfoundland, not the Netherlands
    "NL": ("NL", None, None, None),
    "Perth, WA": ("AU", "WA", "Perth", "onsite"),  # Western Australia, not Washington
    "WA, AU": ("AU", "WA", None, "onsite"),
    "WA, US": ("US", "WA", None, "onsite"),
    "ON, CA": ("CA", "ON", None, "onsite"),  # Ontario, Canada, not California
    "Ontario, CA": ("US", "CA", "Ontario", "onsite"),  # Ontario is a city of California
    "Sydney, NSW": ("AU", "NSW", "Sydney", "onsite"),
    "Melbourne VIC": ("AU", "VIC", "Melbourne", "onsite"),
    "Brisbane QLD 4000": ("AU", "QLD", "Brisbane", "onsite"),
    "Vancouver, BC": ("CA", "BC", "Vancouver", "onsite"),
    "Wilmington, DE": ("US", "DE", "Wilmington", "onsite"),  # Delaware
    "Berlin, DE": ("DE", "BE", "Berlin", "onsite"),  # Germany: Berlin is one of its Länder
    "BY, DE": ("DE", "BY", None, "onsite"),
    "Stuttgart, Baden-Württemberg, Germany": ("DE", "BW", "Stuttgart", "onsite"),  # no split at the hyphen
    "Winston-Salem, NC": ("US", "NC", "Winston-Salem", "onsite"),
    "Columbus, Georgia": ("US", "GA", "Columbus", "onsite"),  # the US state: Columbus is there
    "Tbilisi, Georgia": ("GE", "TB", "Tbilisi", "onsite"),
    "Greater London": ("GB", "ENG", "London", "onsite"),  # LinkedIn's metro areas
    "Greater Chicago Area": ("US", "IL", "Chicago", "onsite"),
    "Greater Toronto Area": ("CA", None, "Toronto", "onsite"),
    "Waterloo": ("CA", None, "Waterloo", "onsite"),  # not Austin, TX, whose former name it is
    "Cologne": ("DE", None, "Köln", "onsite"),  # but not the Italian town of 7,000 either
}


@pytest.mark.parametrize("text", sorted(ISSUE_12_CASES))
def test_country_from_the_whole_string_and_arrangement_prefixes(text: str) -> None:
    info = normalize_location(text)
    assert (info.country_code, info.admin1, info.city, info.arrangement) == ISSUE_12_CASES[text]
    assert info.is_remote == (info.arrangement == "remote")


PLACES_12 = [
    "Chicago, IL",
    "Herndon, VA",
    "Bengaluru, KA, IN",
    "Pune, MH",
    "Mumbai, Maharashtra, India",
    "Perth, WA",
    "Toronto, ON, CA",
    "Berlin, DE",
    "London, UK",
    "Sydney NSW",
    "Indianapolis, IN",
]
PREFIXES = [
    ("Remote in ", "remote"),
    ("Remote - ", "remote"),
    ("Hybrid work in ", "hybrid"),
    ("Hybrid: ", "hybrid"),
    ("Hybrid remote in ", "hybrid"),
    ("Work from home in ", "remote"),
    ("WFH in ", "remote"),
    ("On-site in ", "onsite"),
    ("Onsite - ", "onsite"),
    ("Fully remote from ", "remote"),
]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(PLACES_12), st.sampled_from(PREFIXES), st.sampled_from(["", " 12345"]))
def test_an_arrangement_prefix_changes_neither_country_nor_city(
    place: str, prefix: tuple[str, str], suffix: str
) -> None:
    bare = normalize_location(place)
    info = normalize_location(prefix[0] + place + suffix)
    assert (info.country_code, info.admin1, info.city) == (bare.country_code, bare.admin1, bare.city)
    assert info.arrangement == prefix[1]
    assert info.is_remote == (info.arrangement == "remote")


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(PLACES_12 + sorted(ISSUE_12_CASES)), st.sampled_from(["", "Remote in ", "Hybrid: "]))
def test_normalizing_its_own_output_is_idempotent(place: str, prefix: str) -> None:
    first = normalize_location(prefix + place)
    text = ", ".join(x for x in (first.city, first.admin1, first.country_code) if x)
    again = normalize_location(text)
    assert (again.country_code, again.city) == (first.country_code, first.city), text
    assert again.admin1 in (None, first.admin1), text


@pytest.mark.parametrize(
    ("text", "country", "city", "arrangement"),
    [
        ("Télétravail à Paris", "FR", "Paris", "remote"),
        ("Télétravail partiel à Lyon", "FR", "Lyon", "hybrid"),  # some days at home
        ("Teletrabajo en Madrid", "ES", "Madrid", "remote"),
        ("Remoto desde Barcelona", "ES", "Barcelona", "remote"),
        ("Hybride, Paris", "FR", "Paris", "hybrid"),
        ("Praca zdalna, Warszawa", "PL", "Warsaw", "remote"),
        ("Homeoffice in München", "DE", "Munich", "remote"),
        ("Vor Ort in Hamburg", "DE", "Hamburg", "onsite"),
        ("Presencial, Madrid", "ES", "Madrid", "onsite"),
        ("Remote - IN", "IN", None, "remote"),  # after a dash, "IN" is India, not a connector
    ],
)
def test_arrangement_words_in_the_markets_languages_are_no_place(
    text: str, country: str, city: str | None, arrangement: str
) -> None:
    info = normalize_location(text)
    assert (info.country_code, info.city, info.arrangement) == (country, city, arrangement)


# Real board places (bench/data/real_postings): how GB boards, Reed and Naukri write a district or a region.
BOARD_PLACES: dict[str, tuple[str | None, str | None]] = {
    # a district of a city named by a compass point ("Central" was Central, Louisiana)
    "Central London": ("GB", "London"),
    "North West London, London": ("GB", "London"),
    "South East London": ("GB", "London"),
    # a part named whole beats a part named by its first word ("Fleet" is a Hampshire town)
    "Fleet Street, Central London": ("GB", "London"),
    "Oxford Circus, Central London": ("GB", "London"),
    # cities of different countries, no country stated: a city by its own name, then the most populous
    "Victoria, South West London": ("GB", "London"),
    "Northville, Bristol": ("GB", "Bristol"),
    "Monument, Central London": ("GB", "London"),
    "St. James, Bristol": ("GB", "Bristol"),  # "St. James" is an alternate name of Vũng Tàu
    "Bengaluru(Whitefield)": ("IN", "Bengaluru"),  # Naukri: the city first, its locality in brackets
    "Delhi / NCR": ("IN", "Delhi"),  # "NCR" is an alternate name of a town in Nicaragua
    # a compass word before a county or region is no district of a city ("Yorkshire", New York)
    "Leeds, West Yorkshire": ("GB", "Leeds"),
    "East Midlands": (None, None),
    # a part's first words name a town by its own name only, never by an alternate one
    "Port Adelaide": ("AU", "Port Adelaide"),  # was Le Port, Réunion; the suburb itself since towns of 1,000
    "Not specified": (None, None),  # was Novato, California
    "Major Cities": (None, None),  # was Măieru, Romania
    "Hobart TAS": ("AU", "Hobart"),  # a town's own name first still reads
    # a state whose town of that name is in another state of the same country; a city of another country's
    # state stays the city
    "California": ("US", None),  # was California, Maryland
    "Kochi": ("IN", "Kochi"),
    # a full GB postcode says Great Britain
    "Rose Hill, SL1 4LG": ("GB", None),
    "Pride Park, DE24 8UJ": ("GB", None),
    # a GB district that is its city, read as the subdivision first
    "Colton, Leeds": ("GB", "Leeds"),
    # the county after a town too small to know, without a comma (Reed)
    "Hinxton Essex": ("GB", None),
    # all of a country
    "Australia-wide": ("AU", None),
    "UK wide": ("GB", None),
    "Pan India": ("IN", None),
}


@pytest.mark.parametrize("text", sorted(BOARD_PLACES))
def test_board_districts_and_regions(text: str) -> None:
    info = normalize_location(text)
    assert (info.country_code, info.city) == BOARD_PLACES[text]


@pytest.mark.parametrize(
    ("text", "country", "city"),
    [
        ("Pryor, Florida", "US", "Pryor"),  # Florida names a US state (and a Cuban town): the state
        ("South Beach, Florida", "US", "South Beach"),
        # both name states somewhere: Maryland's, with no Marlborough of 5,000 people in it (Massachusetts'
        # was read before the towns of 1,000 people came in)
        ("Marlborough, Maryland", "US", None),
    ],
)
def test_a_state_after_a_town_is_no_foreign_town(text: str, country: str, city: str) -> None:
    info = normalize_location(text)
    assert (info.country_code, info.city) == (country, city)


@pytest.mark.parametrize(
    ("text", "admin1", "city"),
    [
        ("Virginia, USA", "VA", None),  # Dice: the state, not Virginia, Minnesota
        ("Florida, United States", "FL", None),  # LinkedIn: not Valle Vista (whose other name is Florida)
        ("New Mexico, United States", "NM", None),
        ("New York, USA", "NY", "New York City"),  # the state's own city of that name stays the city
    ],
)
def test_a_state_and_its_country_name_no_town_elsewhere(text: str, admin1: str, city: str | None) -> None:
    info = normalize_location(text)
    assert (info.country_code, info.admin1, info.city) == ("US", admin1, city)
    # where GeoNames does not code states the ISO way, a city first stays a city
    assert normalize_location("Berlin, Germany").city == "Berlin"


def test_a_district_is_read_in_the_boards_country() -> None:
    # Floqer gives the country: "Manchester" and "Leeds" are read as GB districts; the city is theirs
    assert normalize_location("Trafford Park, Manchester", country="GB").city == "Manchester"
    assert normalize_location("Colton, Leeds", country="GB").city == "Leeds"


def test_compass_words_keep_cities_of_their_own() -> None:
    # a city whose name holds a compass word stays itself; an alternate name is no district ("North Goa")
    assert normalize_location("East Palo Alto").city == "East Palo Alto"
    assert normalize_location("North Las Vegas, NV").city == "North Las Vegas"
    assert normalize_location("South San Francisco").city == "South San Francisco"
    assert normalize_location("Japan").country_code == "JP"  # "pan" only as a word


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(
        ["London", "Manchester", "Bristol", "Leeds", "Birmingham", "Sydney", "Melbourne", "Mumbai"]
    ),
    st.sampled_from(["Central", "North", "South", "East", "West", "North West", "South East", "Inner"]),
    st.sampled_from(["", "Broadgate, ", "Monument, ", "Northville, ", "Victoria, ", "Fleet Street, "]),
)
def test_a_compass_district_of_a_city_is_that_city(city: str, compass: str, before: str) -> None:
    # "<compass> <city>" that is no city of its own, after a street or a neighbourhood whose name is no town
    # or a town abroad (Monument and Northville are US towns, Victoria Hong Kong's): the city itself
    expected = normalize_location(city)
    district = f"{compass} {city}"
    if _city(district, country=None, admin1=None) is not None:
        return  # a place of that very name ("North Melbourne", "West Chicago"): not a district
    info = normalize_location(before + district)
    assert (info.country_code, info.city) == (expected.country_code, expected.city)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["Rose Hill", "Pride Park", "Civic Centre", "Business Park", "Station Road"]),
    st.from_regex(r"\A[A-Z]{1,2}[0-9]{1,2} ?[0-9][ABDEFGHJLNPQRSTUWXYZ]{2}\Z"),
)
def test_a_full_gb_postcode_places_the_text_in_great_britain(place: str, postcode: str) -> None:
    info = normalize_location(f"{place}, {postcode}")
    assert info.country_code == "GB", (place, postcode)
    assert normalize_location(f"{place}, {postcode}", country="IE").country_code == "IE"  # the field wins


@given(
    st.dictionaries(
        st.text(alphabet="abc ", min_size=1, max_size=4),
        st.lists(
            st.builds(
                location._City,
                name=st.sampled_from(["Springfield", "Paris", "Ely"]),
                country=st.sampled_from(["US", "FR", "GB"]),
                admin1=st.none() | st.just("IL"),
                population=st.integers(1_000, 10_000_000),
            ),
            min_size=1,
            max_size=4,
        ),
        max_size=12,
    ),
    st.text(alphabet="abc ", max_size=4),
)
def test_the_city_table_answers_as_the_dict_it_was_built_from(
    cities: dict[str, list[location._City]], probe: str
) -> None:
    """The place index keeps its towns as sorted arrays (fast to unpickle); every lookup is the dict's."""
    table = location._CityTable(cities)
    assert len(table) == len(cities)
    for name, towns in cities.items():
        assert name in table and table[name] == towns and table.get(name) == towns
    assert (probe in table) == (probe in cities)
    assert table.get(probe) == cities.get(probe)
    assert pickle.loads(pickle.dumps(table)).get(probe) == cities.get(probe)
