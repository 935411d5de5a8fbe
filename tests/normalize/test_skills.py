"""Skill extraction: hand-checked texts, properties, and the sandbox market's descriptions."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.normalize.skills import add_skills, extract_skills, vocabulary
from matcher.sandbox.market import MarketConfig, generate_market

CASES = {
    "You will work with Python, PostgreSQL and K8s; Go is a plus.": [
        "go",
        "kubernetes",
        "postgresql",
        "python",
    ],
    # symbols inside aliases; "React Native" is one skill, the later "react" another
    "We use C++, C#, .NET and Node.js. Also React Native and react.": [
        "cplusplus",
        "csharp",
        "dotnet",
        "nodejs",
        "react",
        "react-native",
    ],
    "SQL/Python, CI/CD and scikit-learn.": ["ci-cd", "python", "scikit-learn", "sql"],
    # "go" the verb and "go-to-market" are no language; a word containing an alias is no match
    "We go fast on our go-to-market. Javascripting is not a skill.": [],
    "Machine   Learning (deep learning) on AWS.": ["aws", "deep-learning", "machine-learning"],
    "": [],
}


@pytest.mark.parametrize("text", sorted(CASES))
def test_hand_checked_texts(text: str) -> None:
    assert extract_skills(text) == CASES[text]


def test_floqer_slugs_are_mapped_through_aliases_and_unknown_ones_kept() -> None:
    assert extract_skills(None, ["postgres", "K8s", "some-new-tool"]) == [
        "kubernetes",
        "postgresql",
        "some-new-tool",
    ]


def test_the_column_expression_handles_nulls() -> None:
    frame = pl.DataFrame({"d": [None, "Kafka and Spark", "x" * 10_000]}, schema={"d": pl.String})
    assert add_skills(frame, "d", name="s")["s"].to_list() == [[], ["kafka", "spark"], []]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.lists(st.sampled_from(sorted(vocabulary().slugs)), max_size=4))
def test_any_text_gives_sorted_known_slugs_and_reextraction_changes_nothing(
    text: str, slugs: list[str]
) -> None:
    skills = extract_skills(text, slugs)
    assert skills == sorted(set(skills))
    assert set(skills) <= vocabulary().slugs
    assert set(slugs) <= set(skills)
    assert extract_skills(None, skills) == skills  # idempotent: slugs map to themselves


def test_sandbox_descriptions_name_their_technologies() -> None:
    market = generate_market(MarketConfig(n_postings=1_500))
    frame = pl.DataFrame(
        {
            "description": [p["description"] for p in market.postings],
            "slugs": [p["job_technology_slugs"] for p in market.postings],
        }
    )
    found = add_skills(frame, "description", name="s")["s"].to_list()
    named = sum(len(slugs) for slugs in frame["slugs"])
    recovered = sum(
        len(set(slugs) & set(skills)) for slugs, skills in zip(frame["slugs"], found, strict=True)
    )
    assert recovered / named >= 0.98, recovered / named
