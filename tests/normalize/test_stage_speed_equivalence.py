"""The normalize stage's fast paths give the same clean tables as the plain ones (issue 15).

- the stage with its per-value work started early in worker processes == the stage in one process;
- skills once per distinct (description, slugs) == skills row by row;
- the gated number scan of salary texts and the ASCII fold of place names == their general paths.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from bench.synthetic import write_raw_lake
from matcher.normalize import location, salary, skills, stage
from matcher.normalize.stage import NormalizeOptions, normalize_lake


def _clean(root: Path, workers: int) -> pl.DataFrame:
    normalize_lake(root, NormalizeOptions(workers=workers, as_of=None))
    return pl.read_parquet(root / "clean" / "postings.parquet")


def test_worker_processes_give_the_in_process_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 3,000 synthetic postings: ~1,500 distinct titles, 600 salary texts, 150 places; every per-value map
    # goes to the two workers (PARALLEL_FROM lowered), started before the title keys and skills
    one, two = tmp_path / "one", tmp_path / "two"
    write_raw_lake(one, 3_000)
    write_raw_lake(two, 3_000)
    expected = _clean(one, workers=1)
    monkeypatch.setattr(stage, "PARALLEL_FROM", 1)
    assert_frame_equal(_clean(two, workers=2), expected)
    assert expected.height == 3_000


def test_value_thread_gives_the_in_place_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # one process: the per-value maps run in one thread beside the title keys and skills (PARALLEL_FROM
    # lowered so that 3,000 postings use it); the same table as each computed when its step asks for it
    plain, threaded = tmp_path / "plain", tmp_path / "threaded"
    write_raw_lake(plain, 3_000)
    write_raw_lake(threaded, 3_000)
    expected = _clean(plain, workers=1)
    submitted: list[int] = []
    original = stage.start_distinct

    def counting(*args: Any, **kwargs: Any) -> stage.PendingValues:
        pending = original(*args, **kwargs)
        submitted.append(len(pending.chunks or []))
        return pending

    monkeypatch.setattr(stage, "PARALLEL_FROM", 1)
    monkeypatch.setattr(stage, "start_distinct", counting)
    assert_frame_equal(_clean(threaded, workers=1), expected)
    assert submitted[:3] == [1, 1, 1]  # salary texts, places, titles: each one chunk in the thread


def test_landing_order_and_later_copies_do_not_change_the_clean_table(tmp_path: Path) -> None:
    # the stage keeps the raw rows in landing order and sorts only when the ids are not already in order:
    # the same postings landed shuffled, with later copies of some (another title) and an earlier copy of
    # one, give the table of the ordered lake, with each posting's earliest copy
    ordered, shuffled = tmp_path / "ordered", tmp_path / "shuffled"
    write_raw_lake(ordered, 2_000)
    expected = _clean(ordered, workers=1)
    # copies land the same day (a day is a part of the clean table): the first at noon, others an hour apart
    raw = pl.read_parquet(ordered / "raw" / "floqer" / "postings")
    raw = raw.with_columns(pl.col("ingested_at").dt.offset_by("12h"))
    later = raw.head(50).with_columns(
        pl.lit("Chief Banana Officer").alias("job_title"),
        pl.col("raw_json").str.replace('"job_title":"[^"]*"', '"job_title":"Chief Banana Officer"'),
        pl.col("ingested_at").dt.offset_by("1h"),
    )
    earlier = raw.slice(100, 1).with_columns(pl.col("ingested_at").dt.offset_by("-1h"))
    first = raw.slice(100, 1).with_columns(pl.lit("Chief Banana Officer").alias("job_title"))
    first = first.with_columns(
        pl.col("raw_json").str.replace('"job_title":"[^"]*"', '"job_title":"Chief Banana Officer"')
    )
    landed = pl.concat([later, raw.slice(101).sample(fraction=1.0, shuffle=True, seed=3), first])
    landed = pl.concat([landed, raw.head(100), earlier])
    folder = shuffled / "raw" / "floqer" / "postings"
    folder.mkdir(parents=True)
    landed.write_parquet(folder / "part-bench-000001.parquet")
    got = _clean(shuffled, workers=1)
    assert not landed["posting_id"].is_sorted()
    assert got["posting_id"].is_sorted() and got.height == expected.height == 2_000
    assert "chief banana officer" not in got["title_clean"].to_list()
    assert_frame_equal(got, expected)


def test_pending_values_join_like_map_distinct() -> None:
    frame = pl.DataFrame({"salary_string": ["$50,000 a year", None, "£12 ph", "$50,000 a year", "x"]})
    schema = stage.SALARY_TEXT_SCHEMA
    plain, n = stage.map_distinct(frame, ["salary_string"], stage.salary_text_values, schema)
    pending = stage.start_distinct(frame, ["salary_string"], stage.salary_text_values, schema)
    early, m = stage.map_distinct(frame, ["salary_string"], stage.salary_text_values, schema, pending=pending)
    assert (n, m) == (4, 4)  # null is a key like any other
    assert_frame_equal(early, plain)


def test_skills_per_distinct_description_equal_row_by_row() -> None:
    texts = ["Python and Go on AWS", None, "C++ / .NET, React Native", "", "go to market with Salesforce"]
    slugs = [["python"], None, [], ["postgres", "kafka"], ["Snowflake "]]
    frame = pl.DataFrame(
        {
            "description": [texts[i % len(texts)] for i in range(40)],
            "slugs": [slugs[(i // 3) % len(slugs)] for i in range(40)],
            "n": list(range(40)),
        },
        schema={"description": pl.String, "slugs": pl.List(pl.String), "n": pl.Int64},
    )
    row_by_row = skills._add_skills(frame, "description", "slugs")
    assert_frame_equal(skills.add_skills(frame, "description", "slugs"), row_by_row)
    text_only = skills._add_skills(frame, "description")
    assert_frame_equal(skills.add_skills(frame, "description"), text_only)
    # every row distinct: the row-by-row path itself
    assert_frame_equal(skills.add_skills(frame.head(5), "description", "slugs"), row_by_row.head(5))
    assert row_by_row["skills"][0].to_list() == ["aws", "go", "python"]


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("Req #4521: $50,000 - $60,000", ("50000", "60000")),  # the requisition number is skipped
        ("Job req 2024, $80k", ("80000", "80000")),
        ("$90,000 + 401(k) match", ("90000", "90000")),  # "401" before "(k)" is not pay
        ("£45,000 – £55,000 per annum", ("45000", "55000")),
        ("Employer Provided Salary: $120K-$150K", ("120000", "150000")),
    ],
)
def test_salary_numbers_gated_scan(text: str, amounts: tuple[str, str]) -> None:
    read, _ = salary.read_salary_text(text)
    assert read is not None
    assert (str(read.low), str(read.high)) == amounts
    # the general scan (every match checked for noise) finds the same numbers
    cleaned = salary._clean(text)
    general = [m for m in salary._NUMBER.finditer(cleaned) if not salary._is_noise(cleaned, m)]
    shape = salary._shape(cleaned)
    assert [(m.start(1), m.end(1)) for m in general[:2]] == [(a, b) for a, b, _ in shape.amounts]


_SALARY_ALPHABET = st.sampled_from(
    list("0123456789") * 4
    + list(" ,.'-–/$£€₹kK万")
    + ["per hour", "pa", "a month", "k", "Rs", "EUR", "KWD"]
    + ["lakh", "LPA", "L", "#", "req", "(k)", "%", "to", "bis", "par an", "zł", "R$", "Glassdoor est.", "OTE"]
)


@given(
    st.lists(_SALARY_ALPHABET, min_size=1, max_size=14).map("".join),
    st.randoms(use_true_random=False),
)
@example("£45,000 – £55,000 per annum", None)
@example("KWD 850.500 per month", None)
@example("45K - 55", None)
@example("₹12L - ₹18L", None)
def test_texts_of_one_shape_read_as_each_alone(text: str, rng: Any) -> None:
    """Reading a text whose shape (its digits aside) was cached by another text gives what the text gives
    read alone: the amounts come from its own digits, everything else from the shape."""
    digits = "0123456789"
    other = "".join((rng.choice(digits) if rng is not None else "7") if ch in digits else ch for ch in text)
    salary._SHAPES.clear()
    alone = salary.read_salary_text(other)
    salary._SHAPES.clear()
    salary.read_salary_text(text)  # caches the shape
    assert salary._clean(text).translate(salary._ZERO_DIGITS) in salary._SHAPES or not salary._clean(text)
    assert salary.read_salary_text(other) == alone


@pytest.mark.parametrize(
    "text",
    ["Austin, TX", "  New   York.", "St. John's", "Zürich", "Straße", "São Paulo", "Ｔｏｋｙｏ", "A-B/C"],
)
def test_fold_fast_path(text: str) -> None:
    slow = unicodedata.normalize("NFKD", text)
    slow = "".join(ch for ch in slow if not unicodedata.combining(ch)).lower().replace("ß", "ss")
    slow = re.sub(r"\s+", " ", re.sub(r"[^a-z0-9. ]+", " ", slow)).strip(" .")
    assert location._fold(text) == slow


_UNGATED_CODE_BY_AMOUNT = re.compile(r"(?<![A-Za-z])([A-Z]{3})\s*(?=\d)|(?<=\d)\s*([A-Z]{3})(?![A-Za-z])")


@given(st.text(alphabet=st.sampled_from("0123456789 .,-kK$€£EURUSDCHFabcxyzXYZ\u00a0\t"), max_size=40))
@example("EUR 45.000 - 55.000 EUR")
@example("45,000XYZ per year")
def test_code_by_amount_gate_finds_what_the_plain_pattern_finds(text: str) -> None:
    # the lookahead before the two alternatives only skips positions where neither can start
    found = [(m.span(), m.groups()) for m in salary._CODE_BY_AMOUNT.finditer(text)]
    assert found == [(m.span(), m.groups()) for m in _UNGATED_CODE_BY_AMOUNT.finditer(text)]
