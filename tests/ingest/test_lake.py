"""The lake's building blocks: exact JSON, atomic parts, the lock, crash points."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.common.errors import MatcherError
from matcher.ingest.lake import CrashPoints, Lake, LakeBusyError, dumps_exact

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_dumps_exact_round_trips_every_digit(value: object) -> None:
    text = dumps_exact(value)
    back = json.loads(text, parse_float=Decimal)

    def same(a: object, b: object) -> bool:
        if isinstance(a, Decimal):
            # a Decimal without a fraction or exponent parses back as an int; digits must match exactly
            return str(a) == str(b) or (
                isinstance(b, int) and Decimal(b) == a and "E" not in str(a).upper() and "." not in str(a)
            )
        if isinstance(a, list):
            return (
                isinstance(b, list)
                and len(a) == len(b)
                and all(same(x, y) for x, y in zip(a, b, strict=True))
            )
        if isinstance(a, dict):
            return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        return a == b and type(a) is type(b)

    assert same(value, back)


def test_money_keeps_trailing_zeros() -> None:
    assert (
        dumps_exact({"min": Decimal("120000.10"), "max": Decimal("1E+5")}) == '{"min":120000.10,"max":1E+5}'
    )


def test_parts_are_atomic_and_readable(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    schema = {"posting_id": pl.String, "n": pl.Int64}
    path = lake.append("floqer_postings", [{"posting_id": "1", "n": 1}], schema, run_id="r1")
    assert path is not None and path.exists()
    assert lake.append("floqer_postings", [], schema, run_id="r1") is None
    assert lake.keys("floqer_postings") == {("1",)}
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_crash_during_a_write_leaves_only_a_temp_file_that_is_swept(tmp_path: Path) -> None:
    class Crash(Exception):
        pass

    def boom(name: str) -> None:
        raise Crash(name)

    lake = Lake(tmp_path, crash=CrashPoints("during_write:1", action=boom))
    with pytest.raises(Crash):
        lake.append("floqer_postings", [{"posting_id": "1"}], {"posting_id": pl.String}, run_id="r1")
    assert lake.parts("floqer_postings") == []
    assert list(tmp_path.rglob("*.tmp"))
    with Lake(tmp_path).lock(run_id="r2"):
        assert not list(tmp_path.rglob("*.tmp"))


def test_the_lock_refuses_a_second_holder_with_its_name(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    with lake.lock(run_id="first"):
        with pytest.raises(LakeBusyError, match="locked by run first"), Lake(tmp_path).lock(run_id="second"):
            pass
        with pytest.raises(LakeBusyError), Lake(tmp_path).lock(run_id="third", wait=True, timeout=0.3):
            pass
    with Lake(tmp_path).lock(run_id="fourth"):
        pass


def test_unknown_crash_point_is_a_clear_error() -> None:
    with pytest.raises(MatcherError, match="MATCHER_CRASH_AT: got 'sometime:1'"):
        CrashPoints("sometime:1")


def test_cursors_and_state_are_atomic_json(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    lake.move_cursor("floqer:abc", {"next_page": 3})
    lake.move_cursor("floqer:def", {"next_page": 1})
    assert lake.cursor("floqer:abc") == {"next_page": 3}
    assert json.loads((tmp_path / "state" / "cursors.json").read_text())["floqer:def"] == {"next_page": 1}
    assert lake.cursor("missing") == {}
