"""British spellings read as the American ones the O*NET-fitted coder knows (``known_spelling``): a title
from a UK, Irish, Indian or Australian board is coded as its American twin; words and titles the training
data already has stay as written."""

from __future__ import annotations

import functools
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.normalize import occupations as occ


@functools.cache
def _coder() -> occ.OccupationCoder:
    return occ.default_coder()


def test_british_titles_get_their_american_twins_code() -> None:
    pairs = [
        ("Call Centre Agent", "Call Center Agent"),
        ("Organisational Psychologist", "Organizational Psychologist"),
        ("Anaesthetist", "Anesthetist"),
        ("Haematology Technician", "Hematology Technician"),
        ("Colour Technician", "Color Technician"),
        ("Defence Analyst", "Defense Analyst"),
    ]
    british = _coder().code_titles([b for b, _ in pairs])
    american = _coder().code_titles([a for _, a in pairs])
    for (title, _), b, a in zip(pairs, british, american, strict=True):
        assert a.code is not None and (b.code, b.confidence) == (a.code, a.confidence), title


def test_words_and_titles_the_training_data_has_stay_as_written() -> None:
    coder = _coder()
    # breame would write these "gage", "disk": O*NET lists "Gauge Operator" and "Disc Jockey" as they are
    assert coder.known_spelling("gauge operator") == "gauge operator"
    assert coder.known_spelling("disc jockey") == "disc jockey"
    assert coder.known_spelling("call centre agent") == "call center agent"
    assert coder.known_spelling("") == ""


def _respellable() -> list[tuple[str, str]]:
    """(American training text, the same with one word in its British spelling) for training texts with a
    word whose British spelling the training data does not know."""
    coder = _coder()
    vocabulary = coder.word_vectorizer.vocabulary_
    british_of = {a: b for b, a in occ.american_spellings().items() if b not in vocabulary}
    found = []
    for text in sorted(coder.lookup):
        words = text.split(" ")
        for i, word in enumerate(words):
            if word in british_of and re.fullmatch(r"[a-z]+", word):
                found.append((text, " ".join([*words[:i], british_of[word], *words[i + 1 :]])))
                break
    return found


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_training_title_respelled_british_keeps_its_code(data: st.DataObject) -> None:
    american, british = data.draw(st.sampled_from(_respellable()))
    got_a, got_b = _coder().code_texts([american, british])
    assert got_b.code == got_a.code, (american, british)


def test_the_default_coder_is_loaded_once_per_process() -> None:
    """A decorator lost to a new function above it once made every title reload the 170 MB pickle (77 ms a
    title, the sandbox-market test past its timeout): the coder is one object per process."""
    assert occ.default_coder() is occ.default_coder()
    assert occ.american_spellings() is occ.american_spellings()
