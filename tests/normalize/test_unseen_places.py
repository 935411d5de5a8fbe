"""Places of markets first measured for issue 12 (Sweden, Canada): county names pycountry writes with a
bracket ("Stockholms län [SE-01]"), Adzuna Canada's "<town>, <region> region" and "City of <town>"."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.normalize.location import normalize_location

# -- places -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "country", "admin1"),
    [
        # pycountry writes "Stockholms län [SE-01]": the county's name without its bracketed code
        ("Stockholms län", "SE", "AB"),
        ("Västra Götalands län", "SE", "O"),
        ("Uppsala län", "SE", "C"),
        # and "Catalunya [Cataluña]": both names
        ("Cataluña", "ES", "CT"),
    ],
)
def test_bracketed_subdivision_names(text: str, country: str, admin1: str) -> None:
    info = normalize_location(text)
    assert (info.country_code, info.admin1) == (country, admin1)


@pytest.mark.parametrize(
    ("text", "country", "city"),
    [
        # Adzuna Canada: "<town>, <region> region"; the town first, not a larger town named like the region
        ("Oshawa, Durham region", "CA", "Oshawa"),
        ("Brampton, Peel region", "CA", "Brampton"),
        # "City of <town>" is the town
        ("Liberty Village, City of Toronto", "CA", "Toronto"),
        ("City of Vancouver", "CA", "Vancouver"),
        # a metro area and a lone region still name their town
        ("Greater Vancouver, British Columbia", "CA", "Vancouver"),
        ("Greater London", "GB", "London"),
    ],
)
def test_towns_beside_regions(text: str, country: str, city: str) -> None:
    info = normalize_location(text)
    assert (info.country_code, info.city) == (country, city)


@given(
    st.sampled_from(["Toronto", "Montréal", "Calgary", "Ottawa", "Winnipeg", "Halifax"]), st.text(max_size=20)
)
def test_property_city_of_names_the_city(city: str, noise: str) -> None:
    """ "City of X" reads as X wherever X is, and noise before it never raises."""
    assert normalize_location(f"City of {city}").city == normalize_location(city).city
    normalize_location(f"{noise}, City of {city}")
