"""The occupation coder on real titles coded by someone else: US Department of Labor visa filings (issue 12).

Every row of a labour certification names a job title the employer wrote and the SOC occupation the employer
(or the Department, for a prevailing wage) assigned. ``bench/data/occupation_real_titles.csv.gz`` holds a
de-duplicated sample of two disclosure files (provenance in ``bench/data/README.md``):

- ``h2b``: H-2B (seasonal non-farm work) FY2011-FY2013, 13,278 rows: landscaping, housekeeping, kitchens,
  forestry, amusement parks, construction: the everyday titles H-1B lacks. Coded in SOC 2010; a code is
  carried to SOC 2018 when the BLS crosswalk maps it to one 2018 code (or it is unchanged: the same code
  with the same name), and the row is left out otherwise (a 2010 code split between 2018 codes).
- ``h1b_health``: H-1B FY2025 Q2, the healthcare practitioners' rows (SOC 2018 major group 29; the
  publisher's subset), 8,078 rows: physicians, nurses, therapists, laboratory scientists.

Employer-assigned codes are noisy: the same title is filed under several codes ("Physician" under 29-1229,
29-1216 and 29-1215; "HOUSEKEEPER" under 37-2012 and 37-1011) and some are wrong. So each measure is given
four ways: right at six digits (the code filed), within the broad group (first five digits: "29-114"),
the minor group (first three: "29-1") and the major group (two). Per distinct title, a coded title counts as
right when its code is one of the codes any row filed it under (``any``) and, stricter, when it is the code
most of its rows name (``top``); weighted by rows, each row counts once against its own code (a title filed
under two codes can be right for only one share of its rows, so 100% is out of reach). Coverage is the
share coded at all (the coder's threshold). Titles are the files' own, upper case and levels included; the
coder cleans them as it cleans any posting's title.

The coders measured are the shipped default (``code_titles``) and, to show what the code prior does
(``matcher/reference/onet_employment.csv``, the module docstring of ``occupations``), the same coder with
the prior off (``prior_weight`` 0), and with neither the prior nor the reading of plural head words
(``plurals`` False: the same codes as the coder before both, checked on all 4,453 titles of this sample and
the labels). Then the titles whose code the prior changes, and how its setting
(``PRIOR_MARGIN``, ``PRIOR_WEIGHT``, ``PRIOR_NEIGHBOURS``) was chosen: on the titles the training data names
exactly under two codes or more (the only ones it can change) of H-2B, H-1B healthcare and the 325 labelled
titles (``bench/data/occupation_labels.csv``), the ``GRID`` setting best on a random half of each set,
scored on the other half, for 3 random splits.

Run: ``uv run python -m bench.bench_coder_real`` (about a minute with the coder cached; ``--build-sample
DIR`` rebuilds the sample from the raw files in DIR, see ``build_sample``).
"""

from __future__ import annotations

import copy
import csv
import gzip
import io
import itertools
import re
import sys
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.bench_occupations import labelled_titles
from matcher.normalize import occupations as occ

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "bench" / "data" / "occupation_real_titles.csv.gz"
EMPLOYMENT = ROOT / "bench" / "data" / "oews_employment_2024.csv"
H2B_FILES = ("H-2B_FY2011.csv", "H-2B_FY2012.csv", "H-2B_FY2013-2.csv")
H1B_HEALTH = "h1b_fy2025q2_health.csv"
# SOC 2010 codes the BLS crosswalk carries to one 2018 code that OEWS 2024 does not publish (so the joined
# crosswalk in ``oews_employment_2024.csv`` lacks them): Fishers and Related Fishing Workers, Personal Care
# Aides
EXTRA_CROSSWALK = {"45-3011": "45-3031", "39-9021": "31-1122"}
LEVELS = {"six": 7, "broad": 6, "minor": 4, "major": 2}  # characters of the code compared


def _soc(code: str) -> str:
    """ "373011", "37-3011", "37-3011.00" -> "37-3011"; "" when it is not a six-digit code."""
    digits = re.sub(r"\D", "", code)[:6]
    return f"{digits[:2]}-{digits[2:]}" if len(digits) == 6 else ""


def _words(name: str) -> set[str]:
    return set(re.findall(r"[a-z]+", name.lower().replace("/managers", ""))) - {"and", "of", "except", "all"}


def crosswalk_2010(employment: Path = EMPLOYMENT) -> dict[str, set[str]]:
    """SOC 2010 code -> the SOC 2018 codes it became (the BLS crosswalk in ``oews_employment_2024``)."""
    to_2018: dict[str, set[str]] = defaultdict(set)
    with employment.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for old in row["soc_2010"].split(";"):
                if old.strip():
                    to_2018[old.strip()].add(row["soc_code"])
    return to_2018


def build_sample(raw: Path, target: Path = SAMPLE) -> None:
    """Write ``target`` (source, title, soc_code, rows; gzip, sorted) from the raw disclosure files in
    ``raw``: ``H2B_FILES`` (SOC 2010, carried to SOC 2018 as the module docstring says) and ``H1B_HEALTH``
    (SOC 2018).
    Titles are the filed text with runs of white space made one space; rows without a title or code are
    left out."""
    names = occ.onet_occupations()
    to_2018 = crosswalk_2010()
    counts: Counter[tuple[str, str, str]] = Counter()
    dropped: Counter[str] = Counter()
    for name in H2B_FILES:
        text = (raw / name).read_text(encoding="latin-1").replace("\r\n", "\n").replace("\r", "\n")
        for row in csv.DictReader(io.StringIO(text)):
            title, old = " ".join((row.get("JOB_TITLE") or "").split()), _soc(row.get("SOC_CODE") or "")
            if not title or not old:
                continue
            new = to_2018.get(old, set()) or ({EXTRA_CROSSWALK[old]} if old in EXTRA_CROSSWALK else set())
            if len(new) == 1:
                code = next(iter(new))
            elif (
                not new
                and old in names
                and len(_words(row["SOC_NAME"]) & _words(names[old])) * 2 >= len(_words(names[old]))
            ):
                code = old  # not in the crosswalk's 2010 column, but the same code with the same name in 2018
            else:
                dropped[old] += 1
                continue
            counts[("h2b", title, code)] += 1
    with (raw / H1B_HEALTH).open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        for row in csv.DictReader(handle):
            title, code = " ".join(row["JOB_TITLE"].split()), _soc(row["SOC_CODE"])
            if title and code:
                counts[("h1b_health", title, code)] += 1
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["source", "title", "soc_code", "rows"])
    writer.writerows([*key, n] for key, n in sorted(counts.items()))
    with gzip.GzipFile(target, "wb", mtime=0) as handle:
        handle.write(buffer.getvalue().encode("utf-8"))
    print(f"wrote {target}: {len(counts):,} (source, title, code), {sum(counts.values()):,} rows")
    print(f"  H-2B rows left out (a SOC 2010 code with no single 2018 code): {sum(dropped.values()):,}")
    print(f"  their codes: {dropped.most_common(12)}")


@dataclass(frozen=True)
class RealTitle:
    """One distinct filed title of a source: each code it was filed under with its rows."""

    source: str
    title: str
    codes: dict[str, int]

    @property
    def top(self) -> str:
        return max(sorted(self.codes), key=lambda c: self.codes[c])

    @property
    def rows(self) -> int:
        return sum(self.codes.values())


def real_titles(path: Path = SAMPLE) -> list[RealTitle]:
    """The sample's distinct (source, title)s with their codes; empty when the file is absent."""
    if not path.exists():
        return []
    grouped: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            grouped[(row["source"], row["title"])][row["soc_code"]] = int(row["rows"])
    return [RealTitle(s, t, codes) for (s, t), codes in sorted(grouped.items())]


@dataclass(frozen=True)
class Scores:
    """Shares of one coder on one set of titles: coverage and, per level in ``LEVELS``, right over distinct
    titles (against any filed code and against the top code) and over rows."""

    coverage: float
    coverage_rows: float
    any: dict[str, float]
    top: dict[str, float]
    rows: dict[str, float]


def score(titles: Sequence[RealTitle], predicted: Sequence[str | None]) -> Scores:
    n = max(len(titles), 1)
    total_rows = max(sum(t.rows for t in titles), 1)
    any_right: dict[str, float] = {}
    top_right: dict[str, float] = {}
    row_right: dict[str, float] = {}
    for level, k in LEVELS.items():
        hits_any = hits_top = hits_rows = 0
        for t, p in zip(titles, predicted, strict=True):
            if p is None:
                continue
            hits_any += any(p[:k] == c[:k] for c in t.codes)
            hits_top += p[:k] == t.top[:k]
            hits_rows += sum(r for c, r in t.codes.items() if p[:k] == c[:k])
        any_right[level], top_right[level] = hits_any / n, hits_top / n
        row_right[level] = hits_rows / total_rows
    coded = [p is not None for p in predicted]
    return Scores(
        coverage=sum(coded) / n,
        coverage_rows=sum(t.rows for t, c in zip(titles, coded, strict=True) if c) / total_rows,
        any=any_right,
        top=top_right,
        rows=row_right,
    )


Coders = dict[str, Callable[[Sequence[str]], list[str | None]]]


def coders() -> Coders:
    """The shipped coder, the same fitted coder without the code prior, and without the prior or the
    reading of plurals (the coder before both)."""
    shipped = occ.default_coder()
    flat = copy.copy(shipped)
    flat.prior_weight = 0.0
    before = copy.copy(flat)
    before.plurals = False
    return {
        "shipped": lambda ts: [g.code for g in shipped.code_titles(ts)],
        "without the code prior": lambda ts: [g.code for g in flat.code_titles(ts)],
        "without prior, plurals": lambda ts: [g.code for g in before.code_titles(ts)],
    }


def report(titles: Sequence[RealTitle], models: Coders) -> None:
    for source in sorted({t.source for t in titles}):
        chosen = [t for t in titles if t.source == source]
        asked = [t.title for t in chosen]
        print(
            f"\n== {source}: {len(chosen):,} distinct titles, {sum(t.rows for t in chosen):,} rows, "
            f"{sum(len(t.codes) > 1 for t in chosen):,} titles filed under two codes or more"
        )
        print(
            f"{'coder':24} {'coded':>6} {'rows':>6} | {'six any':>7} {'top':>6} {'rows':>6} | "
            f"{'broad':>6} {'rows':>6} | {'minor':>6} {'rows':>6} | {'major':>6} {'rows':>6}"
        )
        for name, code in models.items():
            s = score(chosen, code(asked))
            groups = " | ".join(f"{s.any[g]:6.1%} {s.rows[g]:6.1%}" for g in ("broad", "minor", "major"))
            print(
                f"{name:24} {s.coverage:6.1%} {s.coverage_rows:6.1%} | {s.any['six']:7.1%} "
                f"{s.top['six']:6.1%} {s.rows['six']:6.1%} | {groups}"
            )


def changed(titles: Sequence[RealTitle], models: Coders) -> None:
    """The most-filed titles whose code the prior changes, with the codes filed."""
    (a, first), (b, second) = list(models.items())[:2]
    asked = [t.title for t in titles]
    ours, theirs = first(asked), second(asked)
    moved = sorted(
        ((t, x, y) for t, x, y in zip(titles, ours, theirs, strict=True) if x != y), key=lambda m: -m[0].rows
    )
    better = sum((x in t.codes) - (y in t.codes) for t, x, y in moved)
    print(f"\n== codes changed between '{a}' and '{b}': {len(moved)} titles (net right: {better:+d})")
    for t, x, y in moved[:25]:
        filed = ", ".join(f"{c} x{r}" for c, r in sorted(t.codes.items(), key=lambda i: -i[1])[:3])
        print(f"  {t.source:10} {t.title[:40]:40} {y} -> {x}   filed: {filed}")


# the grid the code prior's settings were chosen on: margin, prior weight, neighbours' weight
GRID = tuple(itertools.product((0.0, 1.0, 2.0), (0.0, 0.05, 0.1, 0.2, 0.3, 0.5), (0.1, 0.3, 0.5, 1.0)))
Choice = tuple[np.ndarray, np.ndarray, list[set[str]]]


def ambiguous_exact(coder: occ.OccupationCoder, titles: Sequence[tuple[str, set[str]]]) -> Choice:
    """The titles (with their right codes) that the training data names exactly under two codes or more, the
    only ones the code prior can change: their listing weights and neighbours' shares (``exact_listings``)."""
    texts = occ._texts([t for t, _ in titles])
    kept = [i for i, x in enumerate(texts) if x in coder.lookup and x not in occ.GENERIC]
    rows, others = coder.exact_listings([texts[i] for i in kept])
    many = (rows > 0).sum(axis=1) >= 2
    return rows[many], others[many], [titles[i][1] for i, m in zip(kept, many, strict=True) if m]


def right(
    coder: occ.OccupationCoder, sets: dict[str, Choice], setting: tuple[float, float, float]
) -> dict[str, np.ndarray]:
    """Per set, per title: is the code ``exact_choice`` picks with ``setting`` (margin, prior, neighbours)
    one of its right codes."""
    margin, weight, neighbours = setting
    out = {}
    for name, (rows, others, truth) in sets.items():
        best = occ.exact_choice(rows, others, weight * coder.prior, margin=margin, neighbours=neighbours)
        out[name] = np.array([coder.codes[b] in t for b, t in zip(best, truth, strict=True)], dtype=bool)
    return out


def split_half(coder: occ.OccupationCoder, titles: Sequence[RealTitle]) -> None:
    """How the shipped setting was chosen, checked on halves it was not chosen on: for 3 random splits of each
    set's ambiguous exact titles into halves, the ``GRID`` setting with the best mean share right on one half
    (the three sets weighing alike), scored on the other half against the rule without the prior."""
    labelled = labelled_titles()
    pairs = {s: [(t.title, set(t.codes)) for t in titles if t.source == s] for s in ("h2b", "h1b_health")}
    if labelled is not None:
        pairs["labels"] = [(r["title"], truth) for r, truth in zip(*labelled, strict=True)]
    sets = {name: ambiguous_exact(coder, items) for name, items in pairs.items()}
    hits = {setting: right(coder, sets, setting) for setting in GRID}
    shipped = (occ.PRIOR_MARGIN, occ.PRIOR_WEIGHT, occ.PRIOR_NEIGHBOURS)
    before = right(coder, sets, (0.0, 0.0, 1.0))
    now = right(coder, sets, shipped)
    sizes = ", ".join(f"{n} {len(v[2])}" for n, v in sets.items())
    print(f"\n== the code prior's setting (margin, prior, neighbours), titles named under 2+ codes: {sizes}")
    print(
        f"  shipped {shipped}: " + ", ".join(f"{n} {now[n].sum()} (before {before[n].sum()})" for n in sets)
    )
    for seed, half in itertools.product(range(3), (0, 1)):
        masks = {
            n: np.array(
                [zlib.crc32(f"{seed}{n}{i}".encode()) % 2 == half for i in range(len(v[2]))], dtype=bool
            )
            for n, v in sets.items()
        }
        best = max(GRID, key=lambda g: sum(hits[g][n][masks[n]].mean() for n in sets if masks[n].any()))
        scored = ", ".join(
            f"{n} {hits[best][n][~m].sum()}/{(~m).sum()} (before {before[n][~m].sum()})"
            for n, m in masks.items()
        )
        print(f"  split {seed}, half {half}: chose {best}; on the other half {scored}")


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    if "--build-sample" in sys.argv:
        build_sample(Path(sys.argv[sys.argv.index("--build-sample") + 1]))
        return
    titles = real_titles()
    if not titles:
        print(f"\n== real coded titles: skipped, {SAMPLE} is absent")
        return
    started = time.perf_counter()
    models = coders()
    report(titles, models)
    changed(titles, models)
    split_half(occ.default_coder(), titles)
    print(f"(real coded titles bench: {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
