"""Places of markets first measured for issue 12 (Sweden, Canada): county names pycountry writes with a
bracket ("Stockholms län [SE-01]"), Adzuna Canada's "<town>, <region> region" and "City of <town>"."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.normalize.location import SMALL_TOWN, _index, normalize_location

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


# -- towns of 1,000 to 5,000 people -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "country", "city"),
    [
        ("Barbing", "DE", "Barbing"),  # Bavarian villages Arbeitnow lists whole
        ("Gemmrigheim", "DE", "Gemmrigheim"),
        ("Föhren, Rheinland-Pfalz", "DE", "Föhren"),
        ("Queensland", "AU", None),  # the state, not the Nova Scotian village of that name
        ("Trafford Park, Manchester", "GB", "Manchester"),  # a district before its city: the city
    ],
)
def test_small_towns(text: str, country: str, city: str | None) -> None:
    info = normalize_location(text)
    assert (info.country_code, info.city) == (country, city)


def test_a_small_town_is_never_read_from_a_later_part() -> None:
    # "Drummond" is the regional county of Saint-Charles-de-Drummond (Québec), not a South African village
    assert normalize_location("Saint-Charles-de-Drummond, Drummond").country_code != "ZA"


def _states_named_like_small_towns() -> list[tuple[str, str]]:
    index = _index()
    out = []
    for key, states in index.subdivision_names.items():
        towns = index.cities.get(key, [])
        if len({country for country, _ in states}) == 1 and towns and towns[0].population < SMALL_TOWN:
            out.append((key, states[0][0]))
    return sorted(out)


@settings(max_examples=60)
@given(st.data())
def test_property_a_small_town_never_hides_a_state(data: st.DataObject) -> None:
    """A state or province named like towns that all have under 5,000 people is read as the state."""
    name, country = data.draw(st.sampled_from(_states_named_like_small_towns()))
    assert normalize_location(name).country_code == country, name
