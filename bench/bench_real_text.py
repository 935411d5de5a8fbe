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
same measured on ``BASELINE``'s normalizers in the same invocation: ``git archive`` of its ``matcher/`` run in
a subprocess (``--figures-json``, the baseline's code first on ``PYTHONPATH``), as ``bench_quality`` does.

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
BASELINE = "e8991fa"  # main before the real-text fixes (2026-12-02 afternoon)
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


def measure(
    name: str, rows: Iterable[dict[str, str]], family: Callable[[dict[str, str]], str | None]
) -> Tally:
    tally = Tally()
    for row in rows:
        tally.add(family(row), row["text"])
    return tally


def figures() -> dict[str, dict[str, Tally]]:
    """Every figure per part (committed, local), as tallies."""
    result: dict[str, dict[str, Tally]] = {}
    for part_name, part in PARTS.items():
        salary = _rows(part, "salary_labels.csv")
        places = _rows(part, "location_labels.csv")
        titles = _rows(part, "title_labels.csv")
        clear = [row for row in places if row["text_alone_ambiguous"] != "1"]
        stated = [row for row in titles if row["level"] != "none"]
        unstated = [row for row in titles if row["level"] == "none"]
        result[part_name] = {
            "salary": measure("salary", salary, salary_family),
            "country (text alone)": measure("country", places, country_family),
            "country (text alone, unambiguous)": measure("country", clear, country_family),
            "city (board country given)": measure("city", places, city_family),
            "seniority (title states a level)": measure("seniority", stated, level_family),
            "no level where none is stated": measure("none", unstated, level_family),
        }
    return result


def _totals(per_part: dict[str, dict[str, Tally]]) -> dict[str, Tally]:
    """Each figure over every part."""
    totals: dict[str, Tally] = {}
    for name in next(iter(per_part.values())):
        total = Tally()
        for tallies in per_part.values():
            total.merge(tallies[name])
        totals[name] = total
    return totals


def baseline_figures() -> dict[str, Tally] | str:
    """Every figure (all parts) on ``BASELINE``'s normalizers, or why that could not be measured."""
    if not (ROOT / ".git").exists():
        return "baseline unavailable (no git history)"
    with tempfile.TemporaryDirectory(prefix="bench-real-text-") as folder:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", BASELINE, "matcher"], capture_output=True, check=False
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
    return {name: Tally(right=right, total=total) for name, (right, total) in counts.items()}


def main() -> None:
    per_part = figures()
    baseline = baseline_figures()
    print(
        "== Real posting text (bench/data/real_postings): share read as a person reads it, beside the "
        f"normalizers of {BASELINE} measured in this run"
    )
    if isinstance(baseline, str):
        print(f"  {baseline}")
    print(f"  {'figure':<36} {'committed':>18} {'local':>18} {'all':>18} {'all, ' + BASELINE:>18}")
    totals = _totals(per_part)
    for name, total in totals.items():
        cells = [per_part[p][name].share() for p in PARTS]
        base = baseline[name].share() if isinstance(baseline, dict) and name in baseline else "n/a"
        print(f"  {name:<36} {cells[0]:>18} {cells[1]:>18} {total.share():>18} {base:>18}")
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
        print(json.dumps({k: (t.right, t.total) for k, t in _totals(figures()).items()}))
    else:
        main()
