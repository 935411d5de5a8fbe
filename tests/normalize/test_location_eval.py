"""Country and city of text-only locations, measured on strings built from real data (issue 12).

US places are the H-1B file's own (City, State) pairs; the other countries are the ones ai-jobs.net's
``company_location`` column names most, with their largest cities and the ISO 3166-2 codes of their states.
Each place is written in the formats Indeed and LinkedIn use ("City, ST", "City, ST 12345",
"City, State, Country", "City, CC", "Remote in City, ST", "Hybrid work in City, ST", "City (Hybrid)",
"MH, IN", ...). Print the table with::

    uv run pytest tests/normalize/test_location_eval.py -m shared_data -s -q
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pycountry
import pytest

from matcher.normalize.location import LocationInfo, _fold, _index, normalize_location

# The largest cities of the non-US countries and their ISO 3166-2 subdivision (no prefix), with the names that
# job boards write for the subdivision (Indeed India writes "Karnataka", LinkedIn "Bavaria" or "Bayern").
CITIES: dict[str, list[tuple[str, str, str]]] = {
    "IN": [
        ("Bengaluru", "KA", "Karnataka"),
        ("Mumbai", "MH", "Maharashtra"),
        ("Pune", "MH", "Maharashtra"),
        ("Hyderabad", "TS", "Telangana"),
        ("Chennai", "TN", "Tamil Nadu"),
        ("New Delhi", "DL", "Delhi"),
        ("Gurugram", "HR", "Haryana"),
        ("Noida", "UP", "Uttar Pradesh"),
        ("Kolkata", "WB", "West Bengal"),
        ("Ahmedabad", "GJ", "Gujarat"),
        ("Jaipur", "RJ", "Rajasthan"),
        ("Kochi", "KL", "Kerala"),
        ("Chandigarh", "CH", "Chandigarh"),
        ("Indore", "MP", "Madhya Pradesh"),
        ("Coimbatore", "TN", "Tamil Nadu"),
        ("Bhubaneswar", "OD", "Odisha"),
    ],
    "GB": [
        ("London", "ENG", "England"),
        ("Manchester", "ENG", "England"),
        ("Birmingham", "ENG", "England"),
        ("Leeds", "ENG", "England"),
        ("Bristol", "ENG", "England"),
        ("Edinburgh", "SCT", "Scotland"),
        ("Glasgow", "SCT", "Scotland"),
        ("Cardiff", "WLS", "Wales"),
        ("Belfast", "NIR", "Northern Ireland"),
        ("Cambridge", "ENG", "England"),
        ("Reading", "ENG", "England"),
        ("Newcastle upon Tyne", "ENG", "England"),
        ("Nottingham", "ENG", "England"),
        ("Sheffield", "ENG", "England"),
    ],
    "AU": [
        ("Sydney", "NSW", "New South Wales"),
        ("Melbourne", "VIC", "Victoria"),
        ("Brisbane", "QLD", "Queensland"),
        ("Perth", "WA", "Western Australia"),
        ("Adelaide", "SA", "South Australia"),
        ("Canberra", "ACT", "Australian Capital Territory"),
        ("Hobart", "TAS", "Tasmania"),
        ("Darwin", "NT", "Northern Territory"),
        ("Gold Coast", "QLD", "Queensland"),
        ("Newcastle", "NSW", "New South Wales"),
        ("Geelong", "VIC", "Victoria"),
        ("Parramatta", "NSW", "New South Wales"),
    ],
    "CA": [
        ("Toronto", "ON", "Ontario"),
        ("Vancouver", "BC", "British Columbia"),
        ("Montreal", "QC", "Quebec"),
        ("Calgary", "AB", "Alberta"),
        ("Ottawa", "ON", "Ontario"),
        ("Edmonton", "AB", "Alberta"),
        ("Winnipeg", "MB", "Manitoba"),
        ("Halifax", "NS", "Nova Scotia"),
        ("Waterloo", "ON", "Ontario"),
        ("Mississauga", "ON", "Ontario"),
        ("Regina", "SK", "Saskatchewan"),
        ("St. John's", "NL", "Newfoundland and Labrador"),
        ("Fredericton", "NB", "New Brunswick"),
        ("Charlottetown", "PE", "Prince Edward Island"),
    ],
    "DE": [
        ("Berlin", "BE", "Berlin"),
        ("Munich", "BY", "Bayern"),
        ("Hamburg", "HH", "Hamburg"),
        ("Frankfurt am Main", "HE", "Hessen"),
        ("Cologne", "NW", "Nordrhein-Westfalen"),
        ("Stuttgart", "BW", "Baden-Württemberg"),
        ("Düsseldorf", "NW", "Nordrhein-Westfalen"),
        ("Leipzig", "SN", "Sachsen"),
        ("Dresden", "SN", "Sachsen"),
        ("Hannover", "NI", "Niedersachsen"),
        ("Nuremberg", "BY", "Bayern"),
        ("Bremen", "HB", "Bremen"),
        ("Karlsruhe", "BW", "Baden-Württemberg"),
        ("Mainz", "RP", "Rheinland-Pfalz"),
    ],
}
COUNTRY_NAMES = {"US": "United States", "GB": "United Kingdom", "IN": "India", "AU": "Australia"}
COUNTRY_NAMES |= {"CA": "Canada", "DE": "Germany"}

# (format, whether the string names the city): {c} city, {s} state code, {n} state name, {cc} country code,
# {country} country name, {zip} a postal code
FORMATS = [
    ("{c}, {s}", True),
    ("{c}, {s} {zip}", True),
    ("{c}, {n}, {country}", True),
    ("{c}, {cc}", True),
    ("{c}, {s}, {cc}", True),
    ("{c}, {country}", True),
    ("{c}, {n}", True),
    ("Remote in {c}, {s}", True),
    ("Hybrid work in {c}, {s}", True),
    ("Hybrid remote in {c}, {s}", True),
    ("{c}, {s} (Hybrid)", True),
    ("{c}, {s} (Remote)", True),
    ("Remote - {c}, {s}", True),
    ("Hybrid: {c}, {n}", True),
    ("On-site in {c}, {s}", True),
    ("Work from home in {c}, {s}", True),
    ("{s}, {cc}", False),
    ("{n}, {country}", False),
    ("Remote, {country}", False),
]
# formats of the countries' own boards ("Sydney NSW 2000", "London EC2A", "80331 München")
LOCAL_FORMATS = {
    "AU": [("{c} {s}", True), ("{c} {s} {zip}", True)],
    "GB": [("{c} EC2A 1NT", True), ("Greater {c}", True), ("{c}, England", True)],
    "US": [],
    "DE": [("{zip} {c}", True)],
    "IN": [("{c}, {n} {zip}", True)],
}
OTHER_FORMATS = [("{c} (Remote)", True), ("{c} (Hybrid)", True), ("{c}", True)]  # a large city alone
# LinkedIn's metro areas, as it writes them
METROS = [
    ("Greater Chicago Area", "US", "Chicago"),
    ("Greater Seattle Area", "US", "Seattle"),
    ("Greater Boston", "US", "Boston"),
    ("New York City Metropolitan Area", "US", "New York City"),
    ("Greater Houston", "US", "Houston"),
    ("Greater London", "GB", "London"),
    ("Greater Manchester", "GB", "Manchester"),
    ("Greater Sydney Area", "AU", "Sydney"),
    ("Greater Melbourne Area", "AU", "Melbourne"),
    ("Greater Toronto Area", "CA", "Toronto"),
    ("Greater Vancouver Metropolitan Area", "CA", "Vancouver"),
    ("Greater Bengaluru Area", "IN", "Bengaluru"),
    ("Greater Hyderabad Area", "IN", "Hyderabad"),
    ("Mumbai Metropolitan Region", "IN", "Mumbai"),
    ("Berlin Metropolitan Area", "DE", "Berlin"),
    ("Greater Munich Metropolitan Area", "DE", "Munich"),
]


def _zip(country: str, rng: random.Random) -> str:
    return {"US": f"{rng.randint(10000, 99999)}", "AU": f"{rng.randint(2000, 7999)}"}.get(
        country, f"{rng.randint(100000, 999999)}" if country == "IN" else f"{rng.randint(10000, 99999)}"
    )


def _state_name(country: str, code: str) -> str:
    subdivision = pycountry.subdivisions.get(code=f"{country}-{code}")
    return subdivision.name if subdivision else code


def _h1b_places(shared: Path, n: int) -> list[tuple[str, str]]:
    with (shared / "data" / "h1b" / "h1b_fy13_q3.csv").open(encoding="latin-1") as handle:
        pairs = {(r["City"].strip(), r["State"].strip()) for r in csv.DictReader(handle)}
    pairs = {(c, s) for c, s in pairs if c and len(s) == 2}
    return random.Random(12).sample(sorted(pairs), n)


def _aijobs_countries(shared: Path) -> Counter[str]:
    with (shared / "data" / "aijobs" / "salaries.csv").open(encoding="utf-8") as handle:
        return Counter(r["company_location"] for r in csv.DictReader(handle))


def evaluation_table(shared: Path) -> Iterator[tuple[str, str, str | None]]:
    """(text, true country, true city or None) for every evaluation string."""
    rng = random.Random(12)
    places: dict[str, list[tuple[str, str, str]]] = {
        "US": [(c.title(), s, _state_name("US", s)) for c, s in _h1b_places(shared, 300)]
    }
    places |= CITIES
    counts = _aijobs_countries(shared)
    assert all(counts[c] >= 100 for c in places), counts  # the countries ai-jobs.net's companies are in most
    for country, rows in places.items():
        formats = FORMATS + LOCAL_FORMATS.get(country, []) + (OTHER_FORMATS if country != "US" else [])
        # every format for the first places, then one format each (the US has 300 places)
        for i, (city, code, name) in enumerate(rows):
            chosen = formats if i < 12 else [formats[i % len(formats)]]
            for template, has_city in chosen:
                text = template.format(
                    c=city, s=code, n=name, cc=country, country=COUNTRY_NAMES[country], zip=_zip(country, rng)
                )
                yield text, country, city if has_city else None
    yield from METROS


def _city_right(found: str | None, expected: str) -> bool:
    if found is None:
        return False
    if _fold(found) == _fold(expected):
        return True
    return any(c.name == found for c in _index().cities.get(_fold(expected), []))  # an alternate name


def measure(
    table: list[tuple[str, str, str | None]], normalize: Callable[[str], LocationInfo]
) -> dict[str, tuple[int, float, float, list[str]]]:
    """country -> (strings, country accuracy, city accuracy where the string names a city, failures)."""
    result = {}
    for country in dict.fromkeys(c for _, c, _ in table):
        rows = [(t, c) for t, cc, c in table if cc == country]
        infos = [normalize(t) for t, _ in rows]
        right = [i.country_code == country for i in infos]
        with_city = [(i, c) for i, (_, c) in zip(infos, rows, strict=True) if c is not None]
        cities = sum(_city_right(i.city, c) for i, c in with_city) / len(with_city)
        wrong = [
            f"{t!r} -> {i.country_code} {i.city}"
            for (t, _), i, ok in zip(rows, infos, right, strict=True)
            if not ok
        ]
        result[country] = (len(rows), sum(right) / len(rows), cities, wrong)
    return result


def report(figures: dict[str, tuple[int, float, float, list[str]]]) -> str:
    lines = ["country  strings  country_acc  city_acc"]
    for country, (n, acc, city, _) in figures.items():
        lines.append(f"{country:<8} {n:>7}  {acc:>10.1%}  {city:>8.1%}")
    return "\n".join(lines)


@pytest.mark.shared_data
def test_country_of_real_looking_locations(shared_dir: Path) -> None:
    table = list(evaluation_table(shared_dir))
    assert len(table) >= 300
    figures = measure(table, normalize_location)
    print()
    print(report(figures))
    for country, (n, acc, city, wrong) in figures.items():
        assert acc >= 0.99, (country, n, acc, wrong[:20])
        # H-1B towns under 1,000 people are not in GeoNames' list: the US floor is lower (83.9% now; 74% when
        # only the towns of 5,000 people and more were known)
        assert city >= (0.82 if country == "US" else 0.97), (country, city)
