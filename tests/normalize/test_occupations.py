"""The O*NET occupation coder: behaviour on titles whose right answer is known, and invariants."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.normalize import occupations as occ
from matcher.normalize.occupations import THRESHOLD, code_title, code_titles
from matcher.normalize.titles import normalize_title


def test_levels_and_shifts_do_not_change_the_occupation() -> None:
    assert code_title("Senior Registered Nurse - Nights").code == "29-1141"
    assert code_title("Registered Nurse").code == "29-1141"


def test_delivery_driver_is_a_light_truck_driver_not_a_tractor_trailer_driver() -> None:
    assert code_title("Delivery Driver").code == "53-3033"
    assert code_title("Route Driver (Non CDL)").code == "53-3033"


def test_business_analyst_is_not_a_data_scientist() -> None:
    assert code_title("Business Analyst").code == "13-1111"


def test_data_analyst_is_where_onet_lists_it_most() -> None:
    # O*NET 27.0 lists "Data Analyst" under eight codes, most heavily 15-2051 (whose 15-2051.01 Business
    # Intelligence Analysts also reports it)
    assert code_title("Data Analyst").code == "15-2051"


@pytest.mark.parametrize("title", ["Assembler", "Assembly Line Worker", "Production Assembler"])
def test_assembly_titles_share_one_occupation(title: str) -> None:
    assert code_title(title).code == "51-2092"


def test_a_veterinary_nurse_is_not_a_registered_nurse() -> None:
    assert code_title("Registered Veterinary Nurse").code == "29-2056"


@pytest.mark.parametrize(
    "title", ["Care Assistant", "Carer", "Night Care Worker", "Healthcare Support Worker"]
)
def test_care_work_is_personal_care_or_nursing_assistance(title: str) -> None:
    assert code_title(title).code in {"31-1122", "31-1131"}


@pytest.mark.parametrize("title", ["Widget Wrangler", "Rockstar Coder", "asdf", "asdf qwer zxcv"])
def test_nonsense_is_unsure(title: str) -> None:
    guess = code_title(title)
    assert guess.code is None
    assert guess.confidence < THRESHOLD


def test_one_generic_word_names_no_occupation() -> None:
    assert code_title("Manager").code is None


def test_normalize_title_uses_the_coder() -> None:
    info = normalize_title("Sr. SWE II - Payments (Remote US)")
    assert (info.occupation_code, info.occupation_title) == ("15-1252", "Software Developers")


def test_batch_equals_one_by_one() -> None:
    titles = ["Accountant", "Delivery Driver", "Software Engineer", "", "Teacher", "Carer"]
    assert code_titles(titles) == [code_title(t) for t in titles]


def test_title_words_are_words_pairs_and_the_head_word() -> None:
    # "delivery truck driver": 3 words, 2 adjacent pairs, the last word marked as the head
    assert occ.title_words("delivery truck driver") == [
        "delivery", "truck", "driver", "delivery truck", "truck driver", ">driver",
    ]  # fmt: skip
    assert occ.title_words("end-touching") == ["end", "touching", "end touching", ">touching"]
    assert occ.title_words("") == []


def test_confidence_is_calibrated_monotone() -> None:
    xs, ys = zip(*occ.CALIBRATION, strict=True)
    assert list(xs) == sorted(xs)
    assert list(ys) == sorted(ys)
    assert 0.0 <= min(ys) <= max(ys) <= 1.0


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80))
def test_any_text_gives_a_code_or_none_and_a_confidence_in_range(text: str) -> None:
    guess = code_title(text)
    assert 0.0 <= guess.confidence <= 1.0
    assert guess.code is None or re.fullmatch(r"\d\d-\d{4}", guess.code)
    assert (guess.code is None) == (guess.title is None)
    assert (guess.code is None) == (guess.confidence < THRESHOLD)


def test_held_out_accuracy_floor() -> None:
    """Health, construction, production and transport occupations (SOC 29, 47, 51, 53: a third of O*NET's
    titles, so the fit stays quick): every 10th occupation text held out (grouped by exact text: none is a
    training text), the coder fitted on the rest of those groups. Measured: six-digit 0.548, two-digit
    0.860 with every title coded (the candidate with word pairs and head word: 0.571, 0.863; the opt-in
    reranking, ``reranked()``: 0.575, 0.881); the floors leave a margin."""
    groups = ("29-", "47-", "51-", "53-")
    titles = [t for t in occ.onet_titles() if t.soc_code.startswith(groups)]
    texts = occ._texts([t.title for t in titles])
    truth: dict[str, set[str]] = defaultdict(set)
    for text, t in zip(texts, titles, strict=True):
        if text:
            truth[text].add(t.soc_code)
    asked = sorted(truth)[3::10]
    held = set(asked)
    train = [t for t, x in zip(titles, texts, strict=True) if x and x not in held]
    coder = occ.OccupationCoder.fit(train, occ.onet_occupations())

    def accuracy(model: occ.OccupationCoder) -> tuple[float, float]:
        codes = [model.codes[i] for i in model.scores(asked)[0]]
        six = sum(c in truth[x] for c, x in zip(codes, asked, strict=True))
        two = sum(c[:2] in {t[:2] for t in truth[x]} for c, x in zip(codes, asked, strict=True))
        return six / len(asked), two / len(asked)

    six, two = accuracy(coder)
    assert six >= SIX_FLOOR, six
    assert two >= TWO_FLOOR, two
    reranked_six, reranked_two = accuracy(coder.reranked())
    assert reranked_six >= six + 0.015, (reranked_six, six)  # measured +0.026
    assert reranked_two >= two, (reranked_two, two)


SIX_FLOOR = 0.50
TWO_FLOOR = 0.81
