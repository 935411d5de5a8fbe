"""The occupation coder's code prior (``code_employment``, ``code_prior``, ``_exact``) and the real coded
titles it was measured on (``bench/bench_coder_real.py``, ``bench/data/occupation_real_titles.csv.gz``)."""

from __future__ import annotations

import copy
import filecmp
import re
from pathlib import Path

import numpy as np
import pytest

from bench import bench_coder_real as real
from bench.bench_occupations import EMPLOYMENT, build_employment
from matcher.normalize import occupations as occ

COOK, CHEF, PRIVATE = "35-2014", "35-1011", "35-2013"  # restaurant cooks, chefs, private household cooks
NAMES = {COOK: "Cooks, Restaurant", CHEF: "Chefs and Head Cooks", PRIVATE: "Cooks, Private Household"}
REFERENCE = Path(occ.__file__).resolve().parents[1] / "reference"


@pytest.fixture(scope="module")
def coder() -> occ.OccupationCoder:
    """ "cook" listed by the three codes: chefs at 3, the other two at 4; the chefs' and private cooks' other
    titles are closer to "cook" than the restaurant cooks' are, so the neighbours lean away from 35-2014."""
    listed = [("cook", COOK, 4), ("cook", PRIVATE, 4), ("cook", CHEF, 3)]
    others = [
        ("grill operator", COOK, 3), ("fry station worker", COOK, 3),
        ("head cook", CHEF, 3), ("cook supervisor", CHEF, 3),
        ("family cook", PRIVATE, 3), ("personal cook", PRIVATE, 3), ("cook housekeeper", PRIVATE, 3),
    ]  # fmt: skip
    titles = [occ.TrainingTitle(title=t, soc_code=c, weight=w) for t, c, w in [*listed, *others]]
    employment = {COOK: 1_400_000.0, CHEF: 160_000.0, PRIVATE: 400.0}
    return occ.OccupationCoder.fit(titles, NAMES, linear=False, employment=employment)


def exact_code(model: occ.OccupationCoder, text: str) -> str:
    return model.codes[model._exact([text])[0][0]]


def test_without_the_prior_the_neighbours_break_the_tie(coder: occ.OccupationCoder) -> None:
    flat = copy.copy(coder)
    flat.prior_weight = 0.0
    assert exact_code(flat, "cook") == PRIVATE


def test_the_prior_picks_the_common_reading_of_a_tie(coder: occ.OccupationCoder) -> None:
    assert exact_code(coder, "cook") == COOK


def test_a_code_listing_the_title_less_than_the_margin_below_can_win_only_on_the_prior(
    coder: occ.OccupationCoder,
) -> None:
    boosted = copy.copy(coder)
    boosted.prior = coder.prior.copy()
    boosted.prior[boosted.codes.index(CHEF)] = 5.0  # far more common than any other code
    assert exact_code(boosted, "cook") == CHEF
    # a code listing the title more than PRIOR_MARGIN below the top weight never wins, whatever its prior
    boosted.votes = coder.votes.copy().tolil()
    boosted.votes[boosted.lookup["cook"], boosted.codes.index(CHEF)] = 4.0 - occ.PRIOR_MARGIN - 0.5
    boosted.votes = boosted.votes.tocsr()
    assert exact_code(boosted, "cook") == COOK


def test_code_prior_is_log_share_of_the_largest_with_a_floor_for_unknown_codes() -> None:
    prior = occ.code_prior(["a", "b", "c", "d"], {"a": 1000.0, "b": 100.0, "c": 10.0})
    assert prior[0] == 0.0
    assert prior[1] == pytest.approx(np.log(0.1), abs=1e-6)
    assert prior[2] <= prior[3] <= prior[1]  # the floor: a low percentile of the known figures
    assert not occ.code_prior(["a"], {}).any()


def test_the_shipped_coder_reads_the_common_reading_of_generic_titles() -> None:
    # O*NET lists "project manager" at the same weight under 11-9041 and 13-1082, "food service worker"
    # under 35-3023 and 35-3041 (hospital food service), "physician" under the physician specialties:
    # real filings use the larger occupation (H-1B files "Physician" under 29-1229 80 times of 138)
    assert occ.code_title("Project Manager").code == "13-1082"
    assert occ.code_title("Food Service Worker").code == "35-3023"
    assert occ.code_title("Physician").code == "29-1229"
    # "cleaner": 37-2011, 37-2012 and 53-7061 at the same weight; before, its neighbours ("car cleaner")
    # chose 53-7061 Cleaners of Vehicles and Equipment
    assert occ.code_title("Cleaner").code == "37-2011"


def test_every_onet_code_with_a_published_figure_has_employment() -> None:
    employment = occ.code_employment()
    names = occ.onet_occupations()
    assert set(employment) <= set(names)
    assert len(employment) >= 0.97 * len(names)  # 848 of 867: military and fishers lack OEWS figures
    assert all(v > 0 for v in employment.values())
    # aggregates OEWS publishes are shared among the O*NET codes of the broad group
    assert employment["13-1021"] == employment["13-1022"] == employment["13-1023"]


def test_the_shipped_employment_is_built_from_the_committed_oews_file(tmp_path: Path) -> None:
    build_employment(occ.onet_occupations(), source=EMPLOYMENT, target=tmp_path)
    assert filecmp.cmp(tmp_path / "onet_employment.csv", REFERENCE / "onet_employment.csv", shallow=False)


def test_the_real_coded_titles_are_soc_2018_codes_the_coder_knows() -> None:
    titles = real.real_titles()
    assert {t.source for t in titles} == {"h2b", "h1b_health"}
    names = occ.onet_occupations()
    unknown = sum(r for t in titles for code, r in t.codes.items() if code not in names)
    assert unknown <= 5  # one H-1B row filed under 29-1069, a SOC 2010 code: kept as filed (noise)
    assert all(code in names for t in titles if t.source == "h2b" for code in t.codes)  # carried to 2018
    assert sum(t.rows for t in titles) == 21_150
    assert all(t.title == " ".join(t.title.split()) and t.rows > 0 for t in titles)


def test_score_counts_any_top_rows_and_groups() -> None:
    titles = [
        real.RealTitle("x", "Physician", {"29-1229": 3, "29-1216": 1}),
        real.RealTitle("x", "Cook", {"35-2014": 2}),
        real.RealTitle("x", "Widget", {"11-1011": 1}),
    ]
    s = real.score(titles, ["29-1216", "35-2015", None])
    assert s.coverage == pytest.approx(2 / 3) and s.coverage_rows == pytest.approx(6 / 7)
    assert s.any["six"] == pytest.approx(1 / 3) and s.top["six"] == 0.0
    assert s.rows["six"] == pytest.approx(1 / 7)
    assert s.any["broad"] == pytest.approx(2 / 3)  # 35-201x
    assert s.rows["minor"] == pytest.approx(6 / 7)


@pytest.mark.parametrize("raw", ["373011", "37-3011", "37-3011.00", " 37-3011 "])
def test_soc_codes_of_any_filing_format(raw: str) -> None:
    assert real._soc(raw) == "37-3011"
    assert re.fullmatch(r"\d\d-\d{4}", real._soc(raw))


def test_a_code_that_is_not_six_digits_is_no_code() -> None:
    assert real._soc("37-30") == ""


@pytest.mark.parametrize(
    ("plural", "singular"),
    [("Housekeepers", "Housekeeper"), ("Cooks", "Cook"), ("Oyster Shuckers", "Oyster Shucker")],
)
def test_a_plural_title_takes_the_code_of_its_singular(plural: str, singular: str) -> None:
    asked, reference = occ.code_titles([plural, singular])
    assert asked.code == reference.code is not None
    assert asked.confidence == reference.confidence


def test_plural_words_training_knows_and_plural_training_texts_stay() -> None:
    coder = occ.default_coder()
    assert coder.singular_head("registered nurses") == "registered nurses"  # an O*NET occupation name
    assert coder.singular_head("sales") == "sales"  # a training word; "sale" names no training title
    assert coder.singular_head("housekeepers") == "housekeeper"
    assert coder.singular_head("") == ""
