"""Title levels of markets first measured for issue 12 (Germany, Switzerland, France): a level glued by a
hyphen to a German compound ("Senior-IT-Administrator"), German and French lead words ("Teamleiter",
"Leiter", "Responsable"), a Swiss workload beside a level in brackets ("(Junior/Intermediate - 100%)")."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.normalize.titles import title_parts

# -- titles -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("Senior-IT-Systemadministrator (m/w/d)", "senior"),
        ("Junior-SAP-Berater (w/m/d)", "junior"),
        ("Teamleiter Logistik (m/w/d)", "manager"),
        ("Teamlead Backend (all genders)", "manager"),
        ("Leiter Finanzbuchhaltung (m/w/d)", "director"),
        ("Responsable Paie (H/F)", "manager"),
        ("Technical Leader Java", "senior"),
        ("Data Engineer (Junior/Intermediate - 100%)", "mid"),
        ("Java Developer (Senior, 80-100%)", "senior"),
        # the job itself, no level
        ("Bauleiter Tiefbau (m/w/d)", None),
        ("Sachbearbeiter Einkauf (m/w/d)", None),
    ],
)
def test_german_and_french_levels(title: str, level: str | None) -> None:
    assert title_parts(title)[2] == level


@given(
    level=st.sampled_from(["Senior", "Junior"]),
    parts=st.lists(st.sampled_from(["IT", "SAP", "Java", "Cloud", "HR", "Web"]), min_size=1, max_size=3),
    role=st.sampled_from(["Administrator", "Berater", "Entwickler", "Architekt"]),
)
def test_property_a_hyphen_compound_keeps_its_level(level: str, parts: list[str], role: str) -> None:
    """ "Senior-IT-Administrator" states the level "Senior IT-Administrator" does."""
    glued = title_parts(f"{level}-{'-'.join(parts)}-{role} (m/w/d)")[2]
    spaced = title_parts(f"{level} {'-'.join(parts)}-{role} (m/w/d)")[2]
    assert glued == spaced == level.lower()
