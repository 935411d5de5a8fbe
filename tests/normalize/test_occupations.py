"""The O*NET occupation coder: behaviour on titles whose right answer is known, and invariants."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.normalize.occupations import code_title, code_titles
from matcher.normalize.titles import normalize_title


def test_levels_and_shifts_do_not_change_the_occupation() -> None:
    assert code_title("Senior Registered Nurse - Nights").code == "29-1141"
    assert code_title("Registered Nurse").code == "29-1141"


def test_delivery_driver_is_a_light_truck_driver_not_a_tractor_trailer_driver() -> None:
    assert code_title("Delivery Driver").code == "53-3033"


def test_business_analyst_is_not_a_data_scientist() -> None:
    assert code_title("Business Analyst").code != "15-2051"


def test_garbage_gets_no_code() -> None:
    assert code_title("asdf qwer zxcv").code is None


def test_normalize_title_uses_the_coder() -> None:
    info = normalize_title("Sr. SWE II - Payments (Remote US)")
    assert (info.occupation_code, info.occupation_title) == ("15-1252", "Software Developers")


def test_batch_equals_one_by_one() -> None:
    titles = ["Accountant", "Delivery Driver", "Software Engineer", "", "Teacher"]
    assert code_titles(titles) == [code_title(t) for t in titles]


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=80))
def test_any_text_gives_a_code_or_none_and_a_confidence_in_range(text: str) -> None:
    guess = code_title(text)
    assert 0.0 <= guess.confidence <= 1.0
    assert guess.code is None or re.fullmatch(r"\d\d-\d{4}", guess.code)
    assert (guess.code is None) == (guess.title is None)
