"""Job titles -> clean title, core title, seniority level and occupation (SOC 2018).

>>> info = normalize_title("Sr. SWE II - Payments (Remote US)")
>>> info.clean, info.core, info.seniority, info.occupation_code
('senior software engineer ii', 'software engineer', 'senior', '15-1252')
>>> normalize_title("Software Engineer", floqer_seniority="mid_level").seniority
'mid'

Steps, each driven by reference data in ``matcher/reference`` rather than code:

1. **clean**: Unicode-normalized, lower-cased; emojis, bracketed noise ("(Remote)", "(m/w/d)", "(REQ-4821)"),
   requisition and store numbers ("Store #1234") and locations or team names after a separator ("- Payments",
   ", London", "| Growth") removed; schedule and contract words ("full time", "3rd shift", "weekend",
   "temp to perm", "6 month contract") removed; abbreviations expanded (``title_abbreviations.csv``; one
   that is also a word, like "be", only where it is a title's abbreviation).
2. **seniority**: the highest level named by ``seniority_lexicon.csv``, each phrase counted only where its
   ``where`` allows (roman numerals and L-levels at the end, "staff" before tech roles, "associate" with
   words after it); Floqer's own ``seniority`` field when the title names none.
3. **core**: the clean title without its level words.
4. **occupation**: the O*NET-SOC occupation the coder in ``matcher.normalize.occupations`` reads from the
   clean title without its non-managerial levels (``occupation_text``); ``confidence`` is the probability
   the code is right (0..1), and the code is None below the coder's threshold. With an explicit
   ``taxonomy`` (the project's ``occupations.csv`` or O*NET's alternate titles) the old alias lookup runs
   instead: the longest alias contained in the clean title, else in the core, else the closest by rapidfuzz.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass

import polars as pl
from rapidfuzz import fuzz, process

from matcher.common.errors import DataError
from matcher.common.reference import reference_rows

# role nouns that alone say no more than "a job": a title of one of them names no occupation, and is the same
# job as no more specific title ("Engineer" is not "Data Engineer")
GENERIC = frozenset(
    "engineer manager analyst specialist associate consultant director officer coordinator assistant "
    "technician representative administrator lead worker executive supervisor advisor agent staff "
    "head professional expert member operator".split()
)
LEVELS = (
    "intern", "junior", "mid", "senior", "staff", "principal", "manager", "senior_manager", "director",
    "senior_director", "vp", "c_level",
)  # fmt: skip
# "Senior" before a manager's or director's title is a grade of its own ("Senior Finance Manager" leads
# finance managers; it is not a senior individual contributor): a level between it and the next one up
SENIOR_GRADES = {"manager": "senior_manager", "director": "senior_director"}
FLOQER_LEVELS = {
    "c_level": "c_level",
    "staff": "staff",
    "senior": "senior",
    "mid_level": "mid",
    "junior": "junior",
}
# our levels in Floqer's coarser vocabulary (the other way of ``FLOQER_LEVELS``), to compare a title's level
# with a posting's Floqer ``seniority``
LEVEL_AS_FLOQER = {
    "intern": "junior",
    "junior": "junior",
    "mid": "mid_level",
    "senior": "senior",
    "staff": "staff",
    "principal": "staff",
    "manager": "senior",
    "senior_manager": "senior",
    "director": "c_level",
    "senior_director": "c_level",
    "vp": "c_level",
    "c_level": "c_level",
}
MANAGER_IS_THE_JOB = (
    "product manager",
    "program manager",
    "project manager",
    "account manager",
    "marketing manager",
    "brand manager",
    "social media manager",
    "community manager",
    "customer success manager",
    "case manager",
    "office manager",
    "relationship manager",
    "business development manager",
    "contract manager",
    "contracts manager",
)
FUZZY_FLOOR = 86.0  # below this rapidfuzz score the occupation is left unknown
_SEPARATORS = re.compile(r"\s+[-–—|/]\s+|\s*\|\s*|,\s+")
_BRACKETS = re.compile(r"[(\[{][^)\]}]*[)\]}]")
# a store number goes whole ("Store #1234", "store 0456"): "store" alone is a job ("Store Manager")
# a year and a serial number ("Software Development III 2025-00725") is a requisition id too
_REQ_PATTERN = (
    r"(\bstore\s*(?:#|no\.?|number)?\s*\d+"
    r"|#\s*\d+|\breq(uisition)?[-\s#:]*\d+|\bjob\s*id[\s:#]*\d+|\br\d{3,}\b|\b20\d\d-\d{4,6}\b)"
)
_REQ = re.compile(_REQ_PATTERN, re.I)
# a requisition id closing the title after a separator ("Engineer - R12345", "Analyst | Req #881")
_REQ_TAIL_PATTERN = r"\s+[-–—|/]\s+(?:#\s*\d+|req(?:uisition)?[-\s#:]*\d+|job\s*id[\s:#]*\d+|r\d{3,})\s*$"
_REQ_TAIL = re.compile(_REQ_TAIL_PATTERN, re.I)
# a level said in brackets or after a separator: "Engineer (L5)", "Analyst - II", "Engineer (Mid-Level)",
# "Software Engineer, New Grad", "Developer (Senior)"; kept when the rest of the bracket or tail is dropped
_LEVEL_TOKEN = (
    r"L\d|Level\s*\d|I{1,3}|IV|senior|sr\.?|junior|jr\.?|mid[- ]?level|mid|intermediate|entry[- ]level"
    r"|new[- ]grad(?:uate)?|graduate|intern(?:ship)?|principal"
)
# several levels in one bracket: "(Entry-Level / Junior)", "(Junior/Mid)"; a lone "Entry" beside a level
# is left out ("(Entry / Junior)": "entry" alone is no level, "Data Entry" a job)
_LEVEL_LIST = rf"(?:{_LEVEL_TOKEN})(?:\s*[/&,]\s*(?:{_LEVEL_TOKEN}))*"
_LIST_MARKS = r"\s*[/&,]\s*"
# a Swiss workload after the levels is part of the bracket: "(Junior/Intermediate - 100%)", "(Senior,
# 80-100%)"
_WORKLOAD = r"(?:\s*[-–,]?\s*\d{1,3}\s*%?(?:\s*[-–]\s*\d{1,3})?\s*%)?"
_BRACKETED_LEVEL_PATTERN = (
    rf"[(\[]\s*(?:entry{_LIST_MARKS})?({_LEVEL_LIST})(?:{_LIST_MARKS}entry)?{_WORKLOAD}\s*[)\]]"
)
_BRACKETED_LEVEL = re.compile(_BRACKETED_LEVEL_PATTERN, re.I)
# a bracket that is a title of its own, a level first: "PHP Developer (Sr. Software Developer)", "Data
# Scientist (Senior Business Analyst)"; its level counts when the rest names a role ("(Senior Care)" does not)
_BRACKETED_TITLE_PATTERN = rf"[(\[]\s*((?:{_LEVEL_TOKEN})\.?)\s+([^()\[\]{{}}]*?)\s*[)\]]"
_BRACKETED_TITLE = re.compile(_BRACKETED_TITLE_PATTERN, re.I)
_NOT_TITLE_CHARS = re.compile(r"[^a-z0-9&+/ -]+")
_LONE_PUNCTUATION = re.compile(r"(?<![a-z0-9])[-/&+]+(?![a-z0-9])")
# a whole word: not inside letters or digits; "_" separates ("_REMOTE" is the word remote, as the cleaning
# that follows reads it: with \b it stayed, became "remote", and a second cleaning then removed it)
_ARRANGEMENT = re.compile(r"(?<![^\W_])(remote|hybrid|on-?site)(?![^\W_])", re.I)
_ASCII_NOISE = re.compile(r"[\x00-\x1f\x7f$<=>^`|~]")  # ASCII control characters and symbols but & + /
_TAIL_LEVEL = re.compile(rf"^({_LEVEL_TOKEN})$", re.I)
# words about the schedule or the contract, not the job (on folded text): "full time 3rd shift", "temp to
# perm"; "contract" before a role is the job ("Contract Specialist")
_SCHEDULE_NOISE = re.compile(
    r"\b(?:"
    r"(?:full|part)[- ]?time"
    r"|(?:1st|2nd|3rd|first|second|third|day|night|evening|overnight|weekend|swing|graveyard|rotating)"
    r"s?[- ]shifts?"
    r"|weekends?|nights|overnights|evenings"
    r"|(?:temp|contract)[- ]to[- ](?:perm|permanent|hire)"
    r"|\d+[- ]?(?:months?|mos?|weeks?|years?|yrs?)[- ](?:contract|assignment)"
    r"|contract(?!\s+(?:manager|specialist|administrator|analyst|negotiator|attorney|coordinator|officer|lawyer))"
    r"|temporary|temp|seasonal|fixed[- ]term|permanent|perm"
    r"|[mwfd]/[mwfd]/[dxi]"
    r")\b"
)

# what every alternative of _SCHEDULE_NOISE contains: a folded title with none of them has no schedule noise
_SCHEDULE_WORDS = (
    "time", "shift", "weekend", "night", "evening", "temp", "contract", "assignment", "seasonal", "fixed",
    "perm", "/",
)  # fmt: skip
_DIGIT = re.compile(r"\d")
_SEPARATOR_CHARS = re.compile(r"[-–—|/,]")  # one of them is in every match of _SEPARATORS


@dataclass(frozen=True, kw_only=True)
class TitleInfo:
    """A normalized title. ``seniority`` is one of ``LEVELS`` or None; ``confidence`` is in [0, 1]."""

    clean: str
    core: str
    seniority: str | None
    occupation_code: str | None
    occupation_title: str | None
    confidence: float


@dataclass(frozen=True)
class Occupation:
    soc_code: str
    soc_title: str
    canonical: str


@dataclass(frozen=True, eq=False)  # hashed by identity: it keys the per-title cache
class Taxonomy:
    """Aliases -> occupations, with the alias list in a form rapidfuzz can search."""

    by_alias: dict[str, Occupation]
    aliases: tuple[str, ...]


@functools.cache
def abbreviations() -> dict[str, str]:
    return {row["abbreviation"]: row["expansion"] for row in reference_rows("title_abbreviations.csv")}


@functools.cache
def _positional_abbreviations() -> frozenset[str]:
    """Abbreviations that are also words ("be", "pm"): expanded only where they are a title's abbreviation."""
    rows = reference_rows("title_abbreviations.csv")
    return frozenset(row["abbreviation"] for row in rows if row.get("where") == "title_start_or_role")


@functools.cache
def seniority_lexicon() -> dict[str, str]:
    """Phrase -> level (its first rule's); ``_lexicon_rules`` has the positions where a phrase counts."""
    return {phrase: rules[0][0] for phrase, rules in _lexicon_rules().items()}


@functools.cache
def _lexicon_rules() -> dict[str, tuple[tuple[str, str], ...]]:
    """Phrase -> ((level, where), ...) in file order; the first rule whose ``where`` holds gives the level."""
    rules: dict[str, list[tuple[str, str]]] = {}
    for row in reference_rows("seniority_lexicon.csv"):
        rules.setdefault(row["phrase"], []).append((row["level"], row.get("where") or ""))
    return {phrase: tuple(found) for phrase, found in rules.items()}


@functools.cache
def _phrase_starts() -> frozenset[str]:
    """First words of the lexicon's phrases: a token that starts none needs no lookup."""
    return frozenset(phrase.split()[0] for phrase in seniority_lexicon())


@functools.cache
def project_taxonomy() -> Taxonomy:
    """The project-authored taxonomy (``matcher/reference/occupations.csv``)."""
    by_alias: dict[str, Occupation] = {}
    for row in reference_rows("occupations.csv"):
        occupation = Occupation(row["soc_code"], row["soc_title"], row["canonical"])
        for alias in [row["canonical"], *row["aliases"].split("|")]:
            key = _key(_expand(_fold(alias)))
            if key:
                by_alias.setdefault(key, occupation)
    return _taxonomy(by_alias)


def load_onet_taxonomy(occupation_data: str, alternate_titles: str) -> Taxonomy:
    """A taxonomy from the official O*NET text files (``Occupation Data.txt``, ``Alternate Titles.txt``).

    O*NET-SOC codes ("15-1252.00") are cut to their SOC 2018 six digits; an alternate title listed under
    several codes keeps the first. Tab-separated files with header rows, as O*NET publishes them.
    """
    titles = {
        row["O*NET-SOC Code"]: row["Title"]
        for row in _onet_rows(occupation_data, ("O*NET-SOC Code", "Title"))
    }
    by_alias: dict[str, Occupation] = {}
    for code, title in titles.items():
        by_alias.setdefault(_key(_expand(_fold(title))), Occupation(code[:7], title, title.lower()))
    for row in _onet_rows(alternate_titles, ("O*NET-SOC Code", "Alternate Title")):
        code = row["O*NET-SOC Code"]
        occupation = Occupation(code[:7], titles.get(code, code), titles.get(code, code).lower())
        for field in ("Alternate Title", "Short Title"):
            if row.get(field) and row[field] != "n/a":
                by_alias.setdefault(_key(_expand(_fold(row[field]))), occupation)
    return _taxonomy(by_alias)


def _onet_rows(path: str, required: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows of an O*NET tab-separated file; bytes that are not UTF-8 become U+FFFD instead of an error."""
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t")
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise DataError(
                    f"{path} columns", reader.fieldnames, f"an O*NET file with the columns {list(required)}"
                )
            return list(reader)
    except OSError as exc:
        raise DataError("O*NET file", path, f"a readable file ({exc.strerror})") from None


def _taxonomy(by_alias: dict[str, Occupation]) -> Taxonomy:
    for alias, occupation in list(
        by_alias.items()
    ):  # SOC titles are plural ("Pharmacists"); postings are not
        if alias.endswith("s") and not alias.endswith("ss") and len(alias) > 4:
            by_alias.setdefault(alias[:-1], occupation)
    aliases = tuple(sorted(by_alias))
    return Taxonomy(by_alias, aliases)


_UNDECOMPOSED = str.maketrans(  # letters NFKD does not split into a base letter and a mark
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ı": "i", "ß": "ss", "æ": "ae", "Æ": "AE",
     "œ": "oe", "Œ": "OE", "þ": "th", "ð": "d"}
)  # fmt: skip


def _fold(text: str) -> str:
    if text.isascii():
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = _NOT_TITLE_CHARS.sub(" ", text)
    text = _LONE_PUNCTUATION.sub(" ", text)  # a lone dash or slash is punctuation
    return " ".join(text.split())


def _key(text: str) -> str:
    """The form aliases are matched in: "director of engineering" and "director engineering" meet."""
    return " ".join(word for word in text.split() if word not in ("of", "the"))


def title_key(title: pl.Expr) -> pl.Expr:
    """A vectorized key whose ``normalize_title`` equals the title's own, with far fewer distinct values.

    For printable-ASCII titles, ``clean_title``'s first steps run in Polars (Rust regex, whole column): the
    closing requisition id, bracketed noise (levels kept), requisition numbers, and what follows a separator
    after a head that names a role ("Engineer - Payments", "Designer, Growth (Remote)"); then lower case and
    single spaces. So thousands of team and place variants are normalized once. Other titles, and titles
    whose head is a bare role word ("Manager, Finance": the tail may be the function), are their own key.
    Property tests check ``normalize_title(key) == normalize_title(title)``. Computed by ``title_keys``.
    """
    return title.map_batches(title_keys, return_dtype=pl.String)


def title_keys(titles: pl.Series) -> pl.Series:
    """``title_key`` of each title in a Series, its parts built column by column: each intermediate (the head,
    its words, whether it names a role) is computed once, where one expression tree evaluated the shared parts
    once per use (500,000 distinct titles: 9.4 -> 2.7 CPU-s).

    >>> title_keys(pl.Series(["Senior Engineer - Payments (Remote)"])).to_list()
    ['senior engineer']
    """
    frame = titles.cast(pl.String).to_frame("t")
    t0 = pl.col("t").str.replace(f"(?i){_REQ_TAIL_PATTERN}", "")
    frame = frame.with_columns(t0.alias("t0"))
    bracketed_level = f"(?i){_BRACKETED_LEVEL_PATTERN}"
    bracketed = pl.col("t0").str.extract_all(bracketed_level).list.join(" ")
    t1 = pl.col("t0").str.replace_all(r"[(\[{][^)\]}]*[)\]}]", " ")
    frame = frame.with_columns(
        bracketed.str.replace_all(rf"(?i)[(\[]\s*entry{_LIST_MARKS}|{_LIST_MARKS}entry\s*[)\]]", " ")
        .str.replace_all(r"[(\[\])]", " ")
        .str.replace_all(_LIST_MARKS, " ")
        .alias("levels"),
        t1.str.replace_all(f"(?i){_REQ_PATTERN}", " ").alias("t2"),
    )
    parts = pl.col("t2").str.extract_groups(r"^(.*?)(?:\s+[-|/]\s+|\s*\|\s*|,\s+)(.*)$")
    frame = frame.with_columns(parts.struct.field("1").alias("head"), parts.struct.field("2").alias("rest"))
    frame = frame.with_columns(
        pl.col("head").str.to_lowercase().str.replace_all(r"[^a-z0-9&+/ -]+", " ").alias("folded")
    )
    word = pl.element()
    words = pl.col("folded").str.split(" ").list.eval(word.filter(word.str.contains("[a-z0-9]")))
    frame = frame.with_columns(words.alias("words"))
    roles = "|".join(re.escape(t) for t in sorted(_role_tokens(), key=len, reverse=True))
    of = r"[a-z0-9]\S*(?:\s+[-/&+]+)*\s+of\s+(?:[-/&+]+\s+)*\S*[a-z0-9]"  # "head of data"
    words = pl.col("words")
    leader = words.list.eval(pl.element().is_in(list(_LEADER_WORDS))).list.any()
    field = words.list.eval(pl.element().is_in(list(_level_words())).not_()).list.any()
    role = pl.col("folded").str.contains(f"(?:^|\\s)(?:{roles})(?:\\s|$)|{of}") | (leader & field)
    tail = pl.col("rest").str.strip_chars().str.replace(r"(?:\s+[-|/]\s+|\s*\|\s*|,\s+).*$", "")
    tail = tail.str.strip_chars(" -–—|,:/\t\n")  # as clean_title strips it: "Data Engineer - II/" is level II
    # a head of one generic role word and levels ("Manager, Finance") may take its tail as its function
    # (``_bare_role``): such titles are their own key
    bare_words = list(_level_words() | GENERIC | _role_tokens())  # wider than ``_bare_role``: never less
    frame = frame.with_columns(
        role.fill_null(False).alias("role"),
        tail.alias("tail"),
        words.list.eval(pl.element().is_in(bare_words)).list.all().fill_null(False).alias("bare"),
        pl.col("t").str.contains(r"^[\x20-\x7e]*$").alias("ascii"),
    )
    role = pl.col("role")
    tail_level = pl.col("tail").str.contains(rf"(?i)^(?:{_LEVEL_TOKEN})$").fill_null(False)
    text = pl.when(role).then(pl.col("head")).otherwise(pl.col("t2"))
    extra = pl.when(role & tail_level).then(pl.col("tail")).otherwise(pl.lit(""))
    key = pl.concat_str([text, pl.col("levels"), extra], separator=" ")
    key = key.str.to_lowercase().str.replace_all(" {2,}", " ").str.strip_chars_end(" ")
    # a bracket that is a title with a level first: its role decides (``_names_a_role``), its own key
    titled = pl.col("t0").str.contains(f"(?i){_BRACKETED_TITLE_PATTERN}").fill_null(False)
    keyed = pl.col("ascii") & ~(role & pl.col("bare")) & ~titled
    return frame.select(pl.when(keyed).then(key).otherwise(pl.col("t")).alias(titles.name)).to_series()


@functools.cache
def _role_tokens() -> frozenset[str]:
    """Folded tokens whose expansion names a role (what ``_names_a_role`` looks for)."""
    expansions = abbreviations()
    tokens = {t for t, expanded in expansions.items() if any(w in _ROLE_WORDS for w in expanded.split())}
    tokens |= {w for w in _ROLE_WORDS if w not in expansions}
    return frozenset(tokens)


def clean_title(title: str) -> str:
    """Step 1 alone: lower-cased, noise removed, abbreviations expanded."""
    # each pattern below runs only where a character it cannot match without is present (most titles have
    # no digit, bracket or schedule word): the result is the same, at a third of the cost
    text = unicodedata.normalize("NFKC", title)
    digits = _DIGIT.search(text) is not None  # every requisition pattern needs one; removing adds none
    if digits:
        text = _REQ_TAIL.sub("", text)
    # a level in brackets or after a separator is kept ("Engineer (L5)", "Specialist - Level 2")
    levels: list[str] = []
    if "(" in text or "[" in text or "{" in text:
        levels = [re.sub(_LIST_MARKS, " ", m.group(1)) for m in _BRACKETED_LEVEL.finditer(text)]
        levels += [m.group(1) for m in _BRACKETED_TITLE.finditer(text) if _names_a_role(m.group(2))]
        text = _BRACKETS.sub(" ", text)
    if digits:
        text = _REQ.sub(" ", text)
    head = _SEPARATORS.split(text, maxsplit=1) if _SEPARATOR_CHARS.search(text) else [text]
    if len(head) == 2 and _names_a_role(head[0]):
        text = head[0]  # what follows a separator is a team, a place or an arrangement
        # "- Level 2 - Full Time"; "- Level 2 - Store #1234" is "Level 2 -" once the store number is gone
        tail = _SEPARATORS.split(head[1].strip(), maxsplit=1)[0].strip(" -–—|,:/")
        if _TAIL_LEVEL.match(tail):
            levels.append(tail)
        elif (role := _bare_role(head[0])) is not None and _names_a_function(tail):
            # ... unless the head is only a role word: "Manager, Finance" is a finance manager and
            # "Sr. Analyst II - Marketing" a senior marketing analyst II (the function before the role)
            words = text.split()
            text = " ".join([*words[:role], tail, *words[role:]])
    text = " ".join([text, *levels])
    if text.isascii():  # the same filter, without a category lookup per character
        text = _ASCII_NOISE.sub("", text)
    else:
        text = "".join(ch for ch in text if unicodedata.category(ch)[0] not in ("C", "S") or ch in "&+/")
    if not text.isascii() or any(word in text.lower() for word in ("remote", "hybrid", "site")):
        text = _ARRANGEMENT.sub(" ", text)  # (re.I also folds some non-ASCII letters: not gated then)
    folded = _fold(text)  # ASCII: the schedule words gate exactly
    if any(word in folded for word in _SCHEDULE_WORDS):
        folded = _SCHEDULE_NOISE.sub(" ", folded)
    return _expand(" ".join(folded.split()))


@functools.lru_cache(maxsize=100_000)  # heads and tails recur across titles
def _names_a_role(text: str) -> bool:
    """Whether ``text`` (what precedes a separator) names a job, not just a level ("VP", "Director").

    Token by token, as ``title_key``'s Polars twin does (``_role_tokens``)."""
    roles = _role_tokens()
    words = _fold(text).split()
    if any(word in roles for word in words) or "of" in words[1:-1]:  # "Head of Data", "Director of Sales"
        return True
    # a leader with a field ("Art Director", "Executive Director"), not a bare level ("Senior Director")
    plain = _level_words()
    return any(word in _LEADER_WORDS for word in words) and any(word not in plain for word in words)


_LEADER_WORDS = frozenset({"director", "president", "head", "chief"})


@functools.lru_cache(maxsize=100_000)  # heads and tails recur across titles
def _bare_role(text: str) -> int | None:
    """When ``text`` is one generic role word and level words at most ("Manager", "Sr. Analyst II", not
    "Tech Lead"): the role word's position among its words; else None."""
    words = text.split()
    expanded = [_expand(_fold(w)) for w in words]
    core = _levels(" ".join(expanded), keep=OCCUPATION_LEVELS)[1]
    if core not in GENERIC or expanded.count(core) != 1:
        return None
    return expanded.index(core)


@functools.lru_cache(maxsize=100_000)  # heads and tails recur across titles
def _names_a_function(tail: str) -> bool:
    """Whether a title's tail after a bare role names its function ("Finance", "Data Platform"): one to four
    words with letters and no digits, not a level, not a place or an arrangement ("London", "Remote")."""
    from matcher.normalize.location import names_a_place  # the place index: only for such titles

    words = _fold(tail).split()
    return (
        0 < len(words) <= 4
        and all(w.isalpha() for w in words)
        and not _SCHEDULE_NOISE.search(" ".join(words))
        and not all(w in _level_words() for w in words)
        and not names_a_place(tail)
    )


@functools.cache
def _level_words() -> frozenset[str]:
    """Folded tokens that only name a level: the lexicon's words and abbreviations of them ("sr", "vp")."""
    words = {w for phrase in _lexicon_rules() for w in phrase.split()} | {"of", "the", "and", "&"}
    expansions = abbreviations()
    words |= {t for t, expanded in expansions.items() if all(w in words for w in expanded.split())}
    return frozenset(words)


_ROLE_WORDS = frozenset(
    "engineer developer scientist analyst manager designer executive representative specialist nurse "
    "pharmacist electrician technician recruiter accountant architect administrator consultant owner "
    "partner researcher softwareentwickler writer officer associate coordinator assistant operator "
    "cashier clerk driver worker handler picker packer loader stocker mechanic cook chef server teller "
    "therapist physician aide caregiver merchandiser attendant supervisor teacher lead programmer "
    "inspector tester assembler auditor planner buyer dispatcher barista bartender host housekeeper "
    "janitor custodian guard courier receptionist".split()
)


def _expand(text: str) -> str:
    """Abbreviations expanded; one that is also a word ("be", "pm") only at the title's start, after level
    words alone ("Senior PM"), or before a role word ("Senior BE Engineer"), never in a sentence."""
    expansions = abbreviations()
    positional = _positional_abbreviations()
    tokens = text.split()
    out = []
    for i, token in enumerate(tokens):
        if token in positional and not _abbreviation_position(tokens, i):
            out.append(token)
        else:
            out.append(expansions.get(token, token))
    return " ".join(out)


def _abbreviation_position(tokens: list[str], i: int) -> bool:
    lexicon = _lexicon_rules()
    expansions = abbreviations()
    if all(expansions.get(t, t) in lexicon for t in tokens[:i]):
        return True
    if i + 1 < len(tokens):
        return any(
            w in _ROLE_WORDS or w == "engineering" for w in expansions.get(tokens[i + 1], "").split()
        ) or (tokens[i + 1] in _ROLE_WORDS or tokens[i + 1] == "engineering")
    return False


# levels that are part of the occupation: a "Nursing Director" is a manager of nurses, not a nurse
OCCUPATION_LEVELS = frozenset({"manager", "director", "vp", "c_level"})


def occupation_text(clean: str) -> str:
    """What the occupation coder reads: the clean title without the levels that do not change the job.

    >>> occupation_text(clean_title("Senior Registered Nurse - Nights"))
    'registered nurse'
    >>> occupation_text(clean_title("Sr. Director of Nursing"))
    'director nursing'
    """
    return _levels(clean, keep=OCCUPATION_LEVELS)[1]


def _levels(clean: str, keep: frozenset[str] = frozenset()) -> tuple[list[str], str]:
    """The levels a clean title names, and the title without those words (the core); words of a level in
    ``keep`` stay in the core. Levels joined by a slash are read each ("Assistant Director/Director",
    "Senior/Lead Engineer"); a slash between other words stays ("CI/CD Engineer")."""
    if "/" in clean or "-" in clean:
        clean = _split_level_slashes(clean)
    tokens = clean.split()
    lexicon = _lexicon_rules()
    protected = _protected_spans(clean)
    found: list[str] = []
    kept: list[str] = []
    i = 0
    starts = _phrase_starts()
    while i < len(tokens):
        matched = False
        for width in (3, 2, 1) if tokens[i] in starts else ():
            phrase = " ".join(tokens[i : i + width])
            if len(tokens[i : i + width]) < width or phrase not in lexicon:
                continue
            if any(start <= i < end for start, end in protected):
                continue
            level = _rule_level(lexicon[phrase], tokens, i, width)
            if level is None:
                continue
            found.append(level)
            if level in keep:
                kept.extend(tokens[i : i + width])
            i += width
            matched = True
            break
        if not matched:
            kept.append(tokens[i])
            i += 1
    core = " ".join(t for t in kept if t not in ("of", "the", "and")).strip()
    return found, core or clean


def _level(levels: list[str], clean: str) -> str:
    """The title's level: the highest it names, a grade up when the word "senior" qualifies a manager or
    director ("Manager III" stays a manager: a number grades within the level).

    >>> _level(["senior", "manager"], "senior manager"), _level(["senior", "manager"], "manager iii")
    ('senior_manager', 'manager')
    """
    top = max(levels, key=LEVELS.index)
    return SENIOR_GRADES.get(top, top) if "senior" in clean.split() else top


def _rule_level(rules: tuple[tuple[str, str], ...], tokens: list[str], i: int, width: int) -> str | None:
    """The level of the first rule whose position holds for ``tokens[i : i + width]``, else None.

    ``where``: empty, anywhere; ``end``, closing the title ("Engineer II"); ``not_end``, with words after it
    ("Associate Director", not "Production Associate"); ``end_after_role``, closing the title after a role
    word ("Analyst 3"); ``before:a|b``, with one of those words after it ("Staff Engineer", not "Staff
    Nurse").
    """
    at_end = i + width == len(tokens)
    for level, where in rules:
        if where == "end" and not at_end:
            continue
        if where == "not_end" and at_end:
            continue
        if where == "end_after_role" and not (at_end and i > 0 and tokens[i - 1] in _ROLE_WORDS):
            continue
        if where.startswith("before:") and not set(where[7:].split("|")) & set(tokens[i + width :]):
            continue
        return level
    return None


def _split_level_slashes(clean: str) -> str:
    """``clean`` with each slash-joined token made of level words only written as its words, and a level
    glued by a hyphen to the word after it written apart ("intern-software developer": Indian boards)."""
    words = _level_words()
    lexicon = _lexicon_rules()
    out = []
    for token in clean.split():
        parts = [part for part in token.split("/") if part]
        if "/" in token and len(parts) > 1 and all(p in words for p in parts):
            out.append(_expand(" ".join(parts)))  # "sr/lead": "senior lead"
            continue
        level, _, rest = token.partition("-")
        # "senior-it-administrator": a German compound after the level keeps its own hyphens
        if rest.replace("-", "").isalpha() and level in _GLUED_LEVELS and token not in lexicon:
            # "sr-engineer"; "senior-level" is the level alone ("entry-level" is a phrase already)
            out.append(_expand(level) if rest == "level" else f"{_expand(level)} {rest}")
            continue
        out.append(token)
    return " ".join(out)


# levels a board glues to the next word with a hyphen; not "lead" ("lead-generation"), "head" or "staff"
_GLUED_LEVELS = frozenset({"intern", "trainee", "junior", "jr", "senior", "sr", "graduate", "principal"})


def _protected_spans(clean: str) -> list[tuple[int, int]]:
    """Token spans where "manager" is the job, not a level ("product manager")."""
    if "manager" not in clean:
        return []
    tokens = clean.split()
    spans = []
    for phrase in MANAGER_IS_THE_JOB:
        words = phrase.split()
        for i in range(len(tokens) - len(words) + 1):
            if tokens[i : i + len(words)] == words:
                spans.append((i + len(words) - 1, i + len(words)))
    return spans


def _contained(text: str, taxonomy: Taxonomy) -> str | None:
    """The longest alias (in words, then leftmost) that appears in ``text`` as whole words."""
    tokens = _key(text).split()
    for width in range(min(len(tokens), 8), 0, -1):
        for start in range(len(tokens) - width + 1):
            phrase = " ".join(tokens[start : start + width])
            if phrase in taxonomy.by_alias:
                return phrase
    return None


def title_parts(title: str) -> tuple[str, str, str | None]:
    """(clean, core, seniority) of one title without the occupation: what the stage needs per title before
    it codes all distinct titles' occupations in one batch."""
    info = _normalize(title[:300], None, _NO_OCCUPATION)
    return info.clean, info.core, info.seniority


_NO_OCCUPATION = Taxonomy({}, ())  # a taxonomy with no alias: codes nothing, fast


@functools.lru_cache(maxsize=200_000)
def _normalize(title: str, floqer_seniority: str | None, taxonomy: Taxonomy | None) -> TitleInfo:
    clean = clean_title(title)
    levels, core = _levels(clean)
    seniority = _level(levels, clean) if levels else FLOQER_LEVELS.get(floqer_seniority or "")
    if taxonomy is _NO_OCCUPATION:
        return TitleInfo(clean=clean, core=core, seniority=seniority, occupation_code=None,
                         occupation_title=None, confidence=0.0)  # fmt: skip
    if taxonomy is None:  # the O*NET coder (imported here: it imports this module)
        from matcher.normalize.occupations import default_coder

        guess = default_coder().code_texts([occupation_text(clean)])[0]
        return TitleInfo(
            clean=clean,
            core=core,
            seniority=seniority,
            occupation_code=guess.code,
            occupation_title=guess.title,
            confidence=guess.confidence,
        )
    alias = _contained(clean, taxonomy) or _contained(core, taxonomy)
    confidence = 0.0
    if alias is not None:
        exact = alias in (_key(clean), _key(core))
        confidence = 1.0 if exact else 0.9 if len(alias.split()) > 1 else 0.75
    elif len(core.split()) > 1:  # one generic word ("engineer") is too little to place an occupation
        best = process.extractOne(_key(core), taxonomy.aliases, scorer=fuzz.WRatio, score_cutoff=FUZZY_FLOOR)
        if best is not None:
            alias = str(best[0])
            confidence = round(float(best[1]) / 100 * 0.85, 3)
    occupation = taxonomy.by_alias[alias] if alias is not None else None
    return TitleInfo(
        clean=clean,
        core=core,
        seniority=seniority,
        occupation_code=occupation.soc_code if occupation else None,
        occupation_title=occupation.soc_title if occupation else None,
        confidence=confidence,
    )


def normalize_title(
    title: str | None, *, floqer_seniority: str | None = None, taxonomy: Taxonomy | None = None
) -> TitleInfo:
    """Normalize one job title (see the module docstring).

    Args:
        title: the title as published; None or garbage gives an empty result, never an error.
        floqer_seniority: a Floqer row's ``seniority`` (c_level, staff, senior, mid_level, junior), used only
            when the title itself names no level.
        taxonomy: None (default) codes the occupation with the O*NET coder
            (``matcher.normalize.occupations``); a taxonomy (``project_taxonomy()``,
            ``load_onet_taxonomy(...)``) codes it by alias lookup instead.
    """
    if not isinstance(title, str) or not title.strip():
        return TitleInfo(clean="", core="", seniority=FLOQER_LEVELS.get(floqer_seniority or ""),
                         occupation_code=None, occupation_title=None, confidence=0.0)  # fmt: skip
    return _normalize(title[:300], floqer_seniority, taxonomy)
