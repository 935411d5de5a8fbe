"""How the normalizers read real posting text nobody on the team wrote: pay strings, places and titles.

The labels (``bench/data/real_postings/*_labels.csv``) were written by reading each string, never by running
the parser first: a pay string's (min, max, currency, period) as a person reads it, or ``none`` when it
states no pay; a place's country and the cities it names; a title's stated level (``LEVELS`` of
``matcher.normalize.titles``, ``none`` when it states none, ``a|b`` when either is a fair reading).
``bench/data/real_postings/README.md`` says where the strings come from and under which licence. Labels of
strings whose source has no licence that allows committing them live in ``local/`` (git-ignored); they are
read when present, and each figure is printed for the committed part, the local part and both.

Figures::

    salary      share of pay strings read as labelled (amounts exact, currency, period; ``none`` as None),
                the posting's country passed as Floqer gives it
    country     share of places whose country is read from the text alone; also without the places whose
                text alone cannot say (a bare "Perth" from an Australian board)
    city        share of places whose city is one the text names (or none when it names none), the board's
                country given as Floqer's ``country_code`` would be
    seniority   share of titles that state a level whose level is read; and titles that state none but
                get one

Misses are printed by family (what went wrong), each with its strings. Beside each figure (all labels), the
same measured on each of ``BASELINES``' normalizers in the same invocation: ``git archive`` of its
``matcher/`` run in a subprocess (``--figures-json``, the baseline's code first on ``PYTHONPATH``), as
``bench_quality`` does. Then each figure per country (the posting's, the board's for places), now and on
the last baseline.

    uv run python -m bench.bench_real_text
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from matcher.normalize.location import normalize_location
from matcher.normalize.salary import parse_salary
from matcher.normalize.titles import title_parts

DATA = Path(__file__).resolve().parent / "data" / "real_postings"
ROOT = Path(__file__).resolve().parents[1]
BASELINES = (
    "e8991fa",  # main before the real-text fixes (2026-12-02 afternoon)
    "803e18e",  # main before the markets not seen yet (issue 12: DE, FR, NL, BE, IT, ES, PL, CH, CA, SE)
)
PARTS = {"committed": DATA, "local": DATA / "local"}


@dataclass
class Tally:
    """Right and total counts of one figure, and the misses grouped by family."""

    right: int = 0
    total: int = 0
    misses: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, family: str | None, text: str) -> None:
        self.total += 1
        if family is None:
            self.right += 1
        else:
            self.misses[family].append(text)

    def merge(self, other: Tally) -> None:
        self.right += other.right
        self.total += other.total
        for family, texts in other.misses.items():
            self.misses[family].extend(texts)

    def share(self) -> str:
        if not self.total:
            return "no rows"
        return f"{self.right}/{self.total} ({100 * self.right / self.total:.1f}%)"


def _rows(part: Path, name: str) -> list[dict[str, str]]:
    path = part / name
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def salary_family(row: dict[str, str]) -> str | None:
    """None when the pay string reads as labelled, else the family of the miss."""
    info = parse_salary(row["text"], country=row["country"])
    if row["period"] == "none":
        return None if info is None else "read pay where there is none"
    if info is None:
        return "no pay read"
    if info.period != row["period"]:
        return f"period {info.period} for {row['period']}"
    if (info.min_amount, info.max_amount) != (Decimal(row["min"]), Decimal(row["max"])):
        return "amounts"
    if info.currency != row["currency"]:
        return f"currency {info.currency} for {row['currency']}"
    return None


def _folded(name: str) -> str:
    """A city name without case or accents: GeoNames writes "Thāne", the labels "Thane"."""
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).casefold()


def _cities(row: dict[str, str]) -> tuple[set[str], bool]:
    """The cities a place names (folded), and whether reading none is right too."""
    names = {_folded(c) for c in row["cities"].split("|") if c}
    return names - {"*", "-"}, bool(names & {"*", "-"}) or not names


def country_family(row: dict[str, str]) -> str | None:
    info = normalize_location(row["text"])
    if info.country_code == row["country"]:
        return None
    return "no country" if info.country_code is None else f"country {info.country_code} for {row['country']}"


def city_family(row: dict[str, str]) -> str | None:
    info = normalize_location(row["text"], country=row["board_country"])
    names, none_ok = _cities(row)
    if row["cities"] == "*":  # the text may name a city or not ("Remote in Washington"): any reading is right
        return None
    if info.city is None:
        return None if none_ok else "no city"
    if _folded(info.city) in names:
        return None
    return "a city where none is named" if not names else "another city"


def level_family(row: dict[str, str]) -> str | None:
    level = title_parts(row["text"])[2] or "none"
    if level in row["level"].split("|"):
        return None
    if level == "none":
        return "no level read"
    return f"level {level} for {row['level']}"


def _country(row: dict[str, str]) -> str:
    """The country a row is counted under: the posting's, or the board's for a place."""
    return row.get("board_country") or row["country"]


def measure(
    name: str, rows: Iterable[dict[str, str]], family: Callable[[dict[str, str]], str | None]
) -> Tally:
    tally = Tally()
    for row in rows:
        tally.add(family(row), row["text"])
    return tally


def _by_country(
    rows: Iterable[dict[str, str]], family: Callable[[dict[str, str]], str | None]
) -> dict[str, Tally]:
    tallies: dict[str, Tally] = defaultdict(Tally)
    for row in rows:
        tallies[_country(row)].add(family(row), row["text"])
    return dict(tallies)


def _figure_rows(
    parts: Iterable[Path],
) -> dict[str, tuple[list[dict[str, str]], Callable[[dict[str, str]], str | None]]]:
    """Each figure's rows (of ``parts``) and how a row is judged."""
    parts = list(parts)
    salary = [row for part in parts for row in _rows(part, "salary_labels.csv")]
    places = [row for part in parts for row in _rows(part, "location_labels.csv")]
    titles = [row for part in parts for row in _rows(part, "title_labels.csv")]
    return {
        "salary": (salary, salary_family),
        "country (text alone)": (places, country_family),
        "country (text alone, unambiguous)": (
            [row for row in places if row["text_alone_ambiguous"] != "1"],
            country_family,
        ),
        "city (board country given)": (places, city_family),
        "seniority (title states a level)": ([row for row in titles if row["level"] != "none"], level_family),
        "no level where none is stated": ([row for row in titles if row["level"] == "none"], level_family),
    }


def per_country() -> dict[str, dict[str, Tally]]:
    """Every figure per country, over every part."""
    return {name: _by_country(rows, family) for name, (rows, family) in _figure_rows(PARTS.values()).items()}


def figures() -> dict[str, dict[str, Tally]]:
    """Every figure per part (committed, local), as tallies."""
    return {
        part_name: {
            name: measure(name, rows, family) for name, (rows, family) in _figure_rows([part]).items()
        }
        for part_name, part in PARTS.items()
    }


def _totals(per_part: dict[str, dict[str, Tally]]) -> dict[str, Tally]:
    """Each figure over every part."""
    totals: dict[str, Tally] = {}
    for name in next(iter(per_part.values())):
        total = Tally()
        for tallies in per_part.values():
            total.merge(tallies[name])
        totals[name] = total
    return totals


Counts = dict[str, tuple[int, int]]


def baseline_figures(baseline: str) -> tuple[dict[str, Tally], dict[str, dict[str, Tally]]] | str:
    """Every figure (all parts, and per country) on ``baseline``'s normalizers, or why that could not be
    measured."""
    if not (ROOT / ".git").exists():
        return "baseline unavailable (no git history)"
    with tempfile.TemporaryDirectory(prefix="bench-real-text-") as folder:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", baseline, "matcher"], capture_output=True, check=False
        )
        if archive.returncode != 0:
            return "baseline unavailable (" + (archive.stderr.decode(errors="replace").strip() or "git") + ")"
        subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--figures-json"],
            env=dict(os.environ, PYTHONPATH=folder),
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        return "baseline failed: " + (done.stderr.strip().splitlines() or ["no output"])[-1]
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    totals = {name: Tally(right=right, total=total) for name, (right, total) in counts["all"].items()}
    countries = {
        name: {country: Tally(right=right, total=total) for country, (right, total) in by.items()}
        for name, by in counts["per_country"].items()
    }
    return totals, countries


def main() -> None:
    per_part = figures()
    baselines = {baseline: baseline_figures(baseline) for baseline in BASELINES}
    print(
        "== Real posting text (bench/data/real_postings): share read as a person reads it, beside the "
        f"normalizers of {', '.join(BASELINES)} measured in this run"
    )
    for baseline, measured in baselines.items():
        if isinstance(measured, str):
            print(f"  {baseline}: {measured}")
    head = "".join(f"{'all, ' + b:>18}" for b in BASELINES)
    print(f"  {'figure':<36} {'committed':>18} {'local':>18} {'all':>18}{head}")
    totals = _totals(per_part)
    for name, total in totals.items():
        cells = [per_part[p][name].share() for p in PARTS]
        bases = ""
        for measured in baselines.values():
            base = (
                measured[0][name].share() if not isinstance(measured, str) and name in measured[0] else "n/a"
            )
            bases += f"{base:>18}"
        print(f"  {name:<36} {cells[0]:>18} {cells[1]:>18} {total.share():>18}{bases}")
    last = BASELINES[-1]
    before = baselines[last]
    print(f"\n== Per country (the posting's; the board's for places): now, and on {last}")
    for name, by in per_country().items():
        print(f"  {name}")
        for country in sorted(by):
            was = "n/a"
            if not isinstance(before, str) and country in before[1].get(name, {}):
                was = before[1][name][country].share()
            print(f"    {country:<4} {by[country].share():>18}   {last}: {was}")
    for name, total in totals.items():
        if not total.misses:
            continue
        print(f"\n-- misses: {name}")
        for family, texts in sorted(total.misses.items(), key=lambda item: -len(item[1])):
            print(f"  {family} ({len(texts)}): " + "; ".join(repr(t) for t in texts[:12]))


if __name__ == "__main__":
    if sys.argv[1:] == ["--figures-json"]:  # the baseline's side: its normalizers, every part's counts
        import matcher

        assert "bench-real-text-" in str(Path(matcher.__file__)), matcher.__file__  # the baseline's code
        every = {k: (t.right, t.total) for k, t in _totals(figures()).items()}
        countries = {
            name: {country: (t.right, t.total) for country, t in by.items()}
            for name, by in per_country().items()
        }
        print(json.dumps({"all": every, "per_country": countries}))
    else:
        main()
