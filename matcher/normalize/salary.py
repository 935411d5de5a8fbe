"""Salary text -> exact amounts, currency, period and annual figures.

>>> info = parse_salary("£45,000 – £55,000 per annum")
>>> (info.min_amount, info.max_amount, info.currency, info.period, info.annual_max)
(Decimal('45000'), Decimal('55000'), 'GBP', 'year', Decimal('55000'))
>>> parse_salary("₹ 12-18 LPA").annual_min
Decimal('1200000')
>>> parse_salary("$55 - $65 an hour", country="US").annual_min   # 55 x 2080 hours
Decimal('114400')
>>> parse_salary("competitive") is None
True

Amounts stay ``Decimal`` from the text to the annual figure: no float ever touches money. Unparseable text
gives None, never a guess; ``explain_salary`` says why. Annualization uses the per-country conventions in
``matcher/reference/countries.csv`` (hours, days, weeks and payments per year), not constants in code.

Number reading needs no country (the normalize stage reads each distinct text once, before the country is
applied): a separator followed by exactly three digits groups thousands ("45.000", "120,000", "1,20,000",
"120'000", and a space, no-break or narrow no-break space: "45 000"), one followed by one or two digits at the
end is a decimal mark ("45,50", "55.5"), and when both marks appear the last one is the decimal mark
("45.000,00", "1 234,56"). The one ambiguous form, a lone mark before three digits ("3.440"), groups thousands
(as in the dot-grouping locales: "3.440 €", "R$ 8.000") unless the text's currency has three minor digits
(KWD, BHD, OMR, JOD, TND, LYD, IQD: "KWD 850.500" is 850.5). "k" and "千" multiply by a thousand, "万" by ten
thousand ("年収500万円"); a unit on the second end of a range only applies to both ("120-150K"). In a pay
sentence that holds other numbers ("Standort: 48151, 38 Stunden/Woche, Gehalt: EUR 75.000", "Clapiers (34) –
40-47K€"), the amounts are the numbers with a currency or a scale beside them and the other ends of their
ranges, and the words after the other numbers name no pay period; a percentage is never an amount, and a
lower-case word a scraper glued to an amount is read apart ("bis zu60.000 €", "max.100.000 €").

Pay periods are read in English and in French, German, Spanish, Portuguese, Italian, Dutch, Swedish,
Danish, Polish, Czech, Hungarian, Indonesian/Malay, Turkish, Russian, Vietnamese, Japanese, Chinese and
Korean ("par an", "im Monat", "por hora", "por mês", "all'ora", "per maand", "i timmen", "miesięcznie",
"měsíčně", "per bulan", "aylık", "в месяц", "/tháng", "月給", "月薪", "연봉"), glued to the amount or not
("£13.00ph", "$40phr", "£2,500pm", "45k€/an", "£30kpa"), once or after each end of a range ("$75.00/hr -
$85.00/hr"); the first period in the order hour, day, fortnight, week, month, year wins (a fortnight,
"bi-weekly", "per fortnight", "every two weeks", is half the weeks of a year; "bi-weekly" holds
"weekly", hence before the week). English is searched first: a text mixing English with another
language's period word of an earlier period is read by its English word. A text that names no period is
yearly unless even its high end is below what a full-time annual salary can be in its currency
(``matcher/reference/pay_periods.csv``, about the lowest full-time annual minimum wage where the
currency is paid): "R$ 8.000,00", "12.000 - 15.000 zł" and "₹25,000" are monthly, "45.000 €" and "₹
6,00,000" yearly; pro-rata pay stays yearly. Currencies are read from symbols and ISO codes before or
after the amount ("R$", "zł", "円", "€", "SEK", "Rp", "RM", "Kč", "Ft", "S/", "руб", "원"), "L" for lakh
beside rupees ("₹12L"; an end of a thousand or more beside a lakh or crore word is in rupees already:
Naukri's "50,000-1 Lacs PA", "₹12,00,000 LPA"; "LPM" is lakh per month), "juta"/"jt" and "triệu" for a
million and "만" for ten thousand ("Rp 5 juta", "300만원"), a few currency words ("euros", "kronor") and
"kr" beside a Swedish or Norwegian word (else "kr" is left to the posting's currency or country, like a
bare "$"; a posting whose currency or country is a krone's, SEK, NOK, DKK or ISK, keeps its own: "kr 45 000
per måned" is DKK in Denmark, "måned" being Danish as well as Norwegian). A range whose first end leaves
out the thousands groups its second end writes is in the second's unit ("45-55 000 €", "50-60.000 €",
"1-2 000 000"), as "45-55k" is."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext

import pycountry

from matcher.common.reference import conventions_for, monthly_below

PERIODS = ("hour", "day", "week", "fortnight", "month", "year")
DOLLAR_CURRENCIES = frozenset({"USD", "CAD", "AUD", "SGD", "NZD", "HKD"})  # what a default may make of "$"
MAX_TEXT = 500  # salary strings are short; longer text is not a salary string

_SYMBOLS = (
    ("US$", "USD"),
    ("C$", "CAD"),
    ("CA$", "CAD"),
    ("A$", "AUD"),
    ("AU$", "AUD"),
    ("S$", "SGD"),
    ("NZ$", "NZD"),
    ("HK$", "HKD"),
    ("R$", "BRL"),
    ("£", "GBP"),
    ("€", "EUR"),
    ("₹", "INR"),
    ("¥", "JPY"),
    ("₩", "KRW"),
    ("zł", "PLN"),
    ("円", "JPY"),
    ("元", "CNY"),
    ("RMB", "CNY"),
    ("₽", "RUB"),
    ("₺", "TRY"),
    ("₱", "PHP"),
    ("₪", "ILS"),
    ("₦", "NGN"),
)
_CURRENCY_WORD_CODES = {"euro": "EUR", "euros": "EUR", "kronor": "SEK", "reais": "BRL", "yen": "JPY"}
_CURRENCY_WORDS = re.compile(r"(?<![^\W\d_])(euros?|kronor|reais|yen)(?![^\W\d_])", re.I)
# "kr" is the Swedish, Norwegian, Danish and Icelandic crown: named only by words of one language around it
_KRONA = re.compile(r"(?<![^\W\d_])kr\.?(?![^\W\d_])", re.I)
_KRONA_LANGUAGES = (
    (
        "SEK",
        re.compile(
            r"(?<![^\W\d_])(mån(ad|aden)?|timme|timmen|tim|vecka|veckan|årslön|månadslön|timlön)"
            r"(?![^\W\d_])|/\s*mån",
            re.I,
        ),
    ),
    ("NOK", re.compile(r"(?<![^\W\d_])(mnd|måned|timen|uken)(?![^\W\d_])|/\s*mnd", re.I)),
)
KRONE_CURRENCIES = frozenset({"SEK", "NOK", "DKK", "ISK"})  # the currencies "kr" can name
_CURRENCY_CODES = frozenset(c.alpha_3 for c in pycountry.currencies)  # ISO 4217 (pycountry)
_WORDLIKE_CODES = frozenset(
    {"ALL", "TOP", "CUP", "MOP", "SOS", "BOB"}
)  # real codes, but usually English words
_THREE_CAPITALS = re.compile(
    r"(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])"
)  # then looked up: faster than 180 branches
# three capitals right before or after an amount that are no ISO 4217 code: an unknown currency, not noise
# (the lookahead first: a match starts at a capital or a space, a cheap test at every other position)
_CODE_BY_AMOUNT = re.compile(
    r"(?=[A-Z\s])(?:(?<![A-Za-z])([A-Z]{3})\s*(?=\d)|(?<=\d)\s*([A-Z]{3})(?![A-Za-z]))"
)
_NOT_CURRENCIES = frozenset(
    {"OTE", "DOE", "LPA", "LPM", "PTO", "CTC", "EST", "TBD", "PER", "AND", "BASE", "GROSS"}
    | {"RAL", "TJM", "NET", "CDI", "CDD", "RMB"}  # it: annual gross, fr: day rate, net, contracts; yuan
)
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EMPLOYER_PROVIDED = re.compile(r"^\s*employer\s+provided\s+salary\s*:?", re.I)
_SPACES = re.compile(r"\s+")
# a lower-case word (or an abbreviation's dot) glued to an amount by a scraper that dropped the space:
# "bis zu60.000 €", "von15 €/Stunde", "max.100.000 €" (capitals before digits stay: "CHF80", "R25,000")
_GLUED_WORD = re.compile(r"(?:(?<=[a-zß]{2})|(?<=[a-zß]\.))(?=\d)")
_RUPEES = re.compile(r"(?<![A-Za-z])rs\.?(?=\s*\d)", re.I)
# Period words, in English and in the languages of the markets (French, German, Spanish, Portuguese,
# Italian, Dutch, Swedish, Polish, Japanese). "_B" / "_E": no letter (of any script) right before / after, so
# a unit may be glued to the amount ("£13.00ph", "45k€/an") but not sit inside a word ("graph", "Monate").
# Searched in this order, the first that matches wins ("£12 ph, £23,400 pa" is hourly).
_B = r"(?:(?<![^\W\d_])|(?=/)|(?<=\d[kK]))"  # "£30kpa": a unit right after "k" too
_E = r"(?![^\W\d_])"
_AFTER_AMOUNT = r"(?:(?<=\d)|(?<=\d[kK]))\s?"  # "400pd", "900 pw": only right after an amount
_AFTER_BIG_AMOUNT = r"(?:(?<=\d\d\d)|(?<=[kK]))\s?"  # "2,500pm", "30k pm", but not the clock's "5pm"
_PERIOD_WORDS: dict[str, tuple[str, ...]] = {  # one alternation per language
    "hour": (
        r"per\s*h(ou)?r|an?\s*hour|hourly|/\s*h(ou)?r|/\s*h|ph|phr|p/hr?|p\.h\.?",  # "phr": SEEK
        r"(par|/)\s*heure|de\s*l['’]heure|taux\s*horaire|salaire\s*horaire",  # fr
        r"(pro|je|die)\s*stunde|/\s*std\.?|stundenlohn|stündlich|/\s*stunde",  # de
        r"(por|la|a|/)\s*hora",  # es, pt
        r"all['’]\s*ora|l['’]\s*ora|/\s*ora|paga\s*oraria",  # it
        r"(per|/|p/)\s*uur|uurloon",  # nl
        r"(per|i|/)\s*tim(me|men)?|timlön",  # sv
        r"(za|na|/)\s*godz(in[ęe]|\.)?",  # pl
        r"(per|/)\s*jam|sejam",  # id, ms
        r"saatlik|saat\s*başı|/\s*saat",  # tr
        r"в\s*час|/\s*час|почасов[а-я]*",  # ru
        r"(mỗi|/)\s*giờ",  # vi
        r"za\s*hodinu|/\s*hod\.?|hodinov[áé]",  # cs
        r"óránként|/\s*óra|órabér",  # hu
        r"(pr\.?|i|per|/)\s*timen?|/\s*t|timeløn(nen)?|timelønn",  # da, no
    ),
    "day": (
        r"per\s*day|a\s*day|/\s*day|daily|day\s*rate|p/d|per\s*diem|" + _AFTER_AMOUNT + r"p\.?d\.?",
        r"(par|/)\s*jour|journalier|tjm",  # fr
        r"(pro|je|/)\s*tag|tagessatz|täglich",  # de
        r"(por|al|/|o)\s*d[ií]a|diari[oa]|diária",  # es, pt
        r"(al|/)\s*giorno|giornalier[oaie]",  # it
        r"(per|/)\s*dag|dagtarief|om\s*dagen|dagslön",  # nl, sv
        r"dziennie|(za|/)\s*dzie[ńn]",  # pl
        r"(per|/)\s*hari|sehari|harian",  # id, ms
        r"günlük|/\s*gün",  # tr
        r"в\s*день|/\s*день|/\s*сут(ки)?",  # ru
        r"(mỗi|/)\s*ngày",  # vi
        r"za\s*den|/\s*den|denně",  # cs
        r"naponta|/\s*nap|napidíj",  # hu
        r"(pr\.?|om|/)\s*dag(en)?|dagløn|dagsats",  # da, no
    ),
    # before "week": "bi-weekly" also holds "weekly" (every two weeks: half the weeks of a year)
    "fortnight": (
        r"bi-?\s*weekly|every\s*(two|2|other)\s*weeks?|(per|a|/|each|every)\s*fortnight|fortnightly",
        r"zweiwöchentlich|alle\s*(zwei|2)\s*wochen",  # de
        r"toutes\s*les\s*(deux|2)\s*semaines|par\s*quinzaine",  # fr
        r"tweewekelijks|per\s*twee\s*weken",  # nl
        r"varannan\s*vecka",  # sv
    ),
    "week": (
        r"per\s*w(ee)?k|a\s*week|/\s*w(ee)?k|weekly|p/w|" + _AFTER_AMOUNT + r"p\.?w\.?",
        r"(par|/)\s*semaine|hebdomadaire",  # fr
        r"(pro|je|/)\s*woche|wöchentlich",  # de
        r"(por|a\s*la|/)\s*semana|semanal(es)?|semanais",  # es, pt
        r"(a|/)\s*settimana|settimanal[ei]",  # it
        r"(per|/)\s*vecka|i\s*veckan",  # sv
        r"tygodniowo",  # pl
        r"(per|/)\s*minggu|mingguan",  # id, ms
        r"haftalık|/\s*hafta",  # tr
        r"в\s*неделю|/\s*нед\.?",  # ru
        r"(mỗi|/)\s*tuần",  # vi
        r"(pr\.?|om|per|i|/)\s*(ug(e|en)|uke(n)?)|ugeløn|ukelønn",  # da, no
    ),
    "month": (
        r"per\s*m(on)?th|a\s*month|/\s*mo(nth)?|/\s*mth|monthly|pcm|p/m|lpm|"
        + _AFTER_BIG_AMOUNT
        + r"p\.?m\.?",
        r"(par|/|le|du)\s*mois|mensuel(le)?s?",  # fr
        r"(pro|im|je|/)\s*monat|monatlich|monatsgehalt|mtl\.?",  # de
        r"(al|por|/|el)\s*mes|mensual(es)?",  # es
        r"(por|ao|/|o)\s*m[eê]s|mensal|mensais",  # pt
        r"(al|/|il)\s*mese|mensil[ei]",  # it
        r"(per|/|p/)\s*maand|maandelijks|maandsalaris",  # nl
        r"(per|i|/)\s*mån(ad|aden)?|månadslön|(per|pr\.?|/)\s*mnd\.?|(per|pr\.?|i)\s*måned(en)?",  # sv, no
        r"miesięcznie|(/|na)\s*mies(iąc)?\.?|mies\.",  # pl
        r"(per|/)\s*(bulan|bln)|sebulan|bulanan",  # id, ms
        r"aylık|/\s*ay|ayda",  # tr
        r"в\s*месяц|/\s*мес(яц)?\.?|ежемесячно",  # ru
        r"(mỗi|hàng|/)\s*tháng",  # vi
        r"měsíčně|za\s*měsíc|/\s*měs(íc)?\.?",  # cs
        r"havi|havonta|/\s*hó(nap)?",  # hu
        r"(pr\.?|om)\s*måned(en)?|månedsløn|(pr\.?|/)\s*md\.?",  # da
    ),
    "year": (
        r"per\s*annum|/\s*annum|per\s*y(ea)?r|an?\s*year|/\s*y(ea)?r|annual(ly)?|p\.?\s?a\.?|yearly|lpa|ctc",
        r"(par|/|l['’])\s*an|(par|/)\s*année|annuel(le)?s?",  # fr
        r"(pro|im|je|/)\s*jahr|jährlich|jahresgehalt|jahreseinkommen",  # de
        r"(al|por|/|el)\s*año|anual(es)?",  # es
        r"(por|ao|/|o)\s*ano",  # pt
        r"(all['’]|l['’]|per|/)\s*anno|annu[oi]|annual[ei]|ral",  # it
        r"(per|/)\s*jaar|jaarlijks|jaarsalaris",  # nl
        r"(per|/|om|i)\s*år(et)?|årslön|årlig(en|t)?",  # sv, no, da
        r"rocznie|(/|na|za)\s*rok",  # pl
        r"(per|/)\s*(tahun|thn)|setahun|tahunan",  # id, ms
        r"yıllık|/\s*yıl|yılda",  # tr
        r"в\s*год|/\s*год|ежегодно|годово[йе]",  # ru
        r"(mỗi|hàng|/)\s*năm",  # vi
        r"ročně|/\s*rok",  # cs
        r"évi|éves|évente|/\s*év",  # hu
        r"pr\.?\s*år|årsløn",  # da
    ),
}
# Japanese words stand between other letters ("想定年収"): no word boundaries there
_CJK_PERIOD_WORDS = {  # Japanese, Chinese, Korean
    "hour": ("時給", "時間給", "时薪", "時薪", "시급"),
    "day": ("日給", "日当", "日薪", "일급", "일당"),
    "fortnight": ("隔週",),
    "week": ("週給", "周薪", "주급"),
    "month": ("月給", "月収", "月薪", r"/\s*月", "월급", r"(?<![가-힣])월(?![가-힣])", r"/\s*월"),
    "year": ("年収", "年俸", "年薪", r"/\s*年", "연봉", r"/\s*년"),
}
# English first (small patterns, most texts); the other languages only when English names no period and the
# text has a lower-case or non-ASCII letter or a slash (a long alternation is slow on every text).
_ENGLISH_PERIODS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (period, re.compile(f"{_B}(?:{words[0]}){_E}", re.I)) for period, words in _PERIOD_WORDS.items()
)
_OTHER_PERIODS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (
        period,
        re.compile(f"{_B}(?:{'|'.join(words[1:])}){_E}|{'|'.join(_CJK_PERIOD_WORDS[period])}", re.I),
    )
    for period, words in _PERIOD_WORDS.items()
)
# a lower-case or non-Latin-ASCII letter, a slash, or two capitals ("1.000 € RAL", "2.000 EUR POR MES")
_OTHER_LANGUAGE_HINT = re.compile(r"[a-z/]|[^\W\d_A-Za-z]|[A-Z]{2}")
# a letter every English word of the period holds: when the text lacks it, that pattern is not searched
_ENGLISH_PERIOD_LETTER = {"hour": "h", "day": "d", "week": "w", "fortnight": "", "month": "m", "year": ""}
_LAKH = re.compile(r"\b(lpa|lpm|lakhs?|lacs?|lakh\s+per\s+annum)\b", re.I)  # "LPM": lakh per month
_LAKH_LETTER = re.compile(r"(?<=\d)\s?L(?![A-Za-z])")  # "₹12L - ₹18L", "INR 12.5 L": only beside rupees
_RUPEE_CONTEXT = re.compile(r"₹|\bINR\b|(?<![A-Za-z])rs\.?(?=\s*\d)", re.I)
_LOCAL_SIGNS = (  # signs of two letters that are also the start of words: only right before an amount
    ("IDR", re.compile(r"(?<![A-Za-z])Rp\.?(?=\s*\d)")),
    ("MYR", re.compile(r"(?<![A-Za-z])RM(?=\s*\d)")),
    ("RUB", re.compile(r"(?<![^\W\d_])руб(\.|л[а-я]*)?(?![^\W\d_])", re.I)),
    ("KRW", re.compile(r"(?<=[\d만천])\s?원")),
    ("CZK", re.compile(r"(?<![^\W\d_])Kč(?![^\W\d_])")),
    ("HUF", re.compile(r"(?<![^\W\d_])Ft(?![^\W\d_])")),
    ("THB", re.compile(r"บาท|฿")),
    ("VND", re.compile(r"₫|(?<![^\W\d_])(đồng|vnđ)(?![^\W\d_])", re.I)),
    ("PEN", re.compile(r"(?<![A-Za-z])S/\.?\s*(?=\d)")),
    ("KES", re.compile(r"(?<![A-Za-z])K[Ss]h\.?\s*(?=\d)")),
)
_CRORE = re.compile(r"\b(crores?|cr)\b", re.I)
_ESTIMATE = re.compile(r"(glassdoor\s+est|employer\s+est|\bestimated?\b|\best\.)", re.I)
_MODIFIERS = {
    "ote": re.compile(r"\bote\b", re.I),
    "doe": re.compile(r"\bdoe\b|depending on experience", re.I),
    "pro_rata": re.compile(r"pro[\s-]?rata", re.I),
    "plus_super": re.compile(r"\+\s*super", re.I),
    "plus_bonus": re.compile(r"\+\s*bonus", re.I),
    "plus_equity": re.compile(r"\+\s*(equity|stock|options)", re.I),
    "up_to": re.compile(r"\bup\s*to\b", re.I),
    "from": re.compile(r"^\s*(from|starting at)\b", re.I),
}
# Substrings (case-insensitive, as the patterns are) that any match of the patterns below must contain:
# when the hint finds none, those patterns cannot match and are not searched.
_MODIFIER_HINT = re.compile(r"ote|doe|depending|rata|\+|up|from|starting", re.I)  # _MODIFIERS
_RARE_HINT = re.compile(r"lpa|lpm|lakh|lac|cr|est|rs", re.I)  # _LAKH, _CRORE, _ESTIMATE, _RUPEES
_SCALES = {  # keys lower-case
    "k": Decimal(1000),
    "千": Decimal(1000),
    "万": Decimal(10_000),
    "만": Decimal(10_000),
    "juta": Decimal(1_000_000),  # id, ms: million
    "jt": Decimal(1_000_000),
    "triệu": Decimal(1_000_000),  # vi: million
}
_NUMBER = re.compile(
    # "年収500万円", "CHF80", "R25,000" (rand), "Rs25,000", "Rp10.000.000", but not "Q4" or "H1B"
    r"(?:(?<![0-9A-Za-z_.,'’])|(?<=[A-Z]{3})|(?<=\bR)|(?<=\bR[sp]))"
    r"(\d{1,3}(?:(?:[,.'’]\d{2,3})+|(?: \d{3}(?!\d))+)(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)"
    # "30k", "£30kpa", "9k p.w." (not "Kč"), "500万", "300만", "5 juta", "10jt", "20 triệu"
    r"(\s*[kK](?:(?![^\W\d_])|(?=p[ahdwm](?![^\W\d_])|p\.))|千|万|만|\s?(?i:juta|jt|triệu)(?![^\W\d_]))?"
    r"(?!\s*%|\d)"  # never the first digits of a longer number ("100% remote" holds no "10")
)
# What may stand between the two ends of a range: the connector, and before and after it a few short tokens
# (currency symbols and codes, a unit repeated on each end: "$81,000.00/yr - $135,000.00/yr",
# "3.000 € brutto/Monat bis 4.000 €"). A conjunction ("and", "y", "e", "und", "en", "och", "et") joins only
# with at most one token on each side ("between 45 and 55", "entre 28.000 y 32.000 €").
_GAP_TOKEN = r"[^\d\s]{1,12}\s*"
_RANGE_GAP = re.compile(
    rf"^\s*(?:{_GAP_TOKEN}){{0,4}}?(?:-|–|—|~|〜|{_B}(?:to|bis|à|a|até|hasta|tot|till|til|do|sampai|hingga|до)(?![^\W\d_]))\s*"
    rf"(?:{_GAP_TOKEN}){{0,2}}$",
    re.I,
)
_SIMPLE_GAP = re.compile(r"^\s*[$£€₹¥]?\s*(?:-|–|—|to)\s*[$£€₹¥]?\s*$", re.I)
_RANGE_AND = re.compile(
    rf"^\s*(?:{_GAP_TOKEN})?{_B}(?:and|y|e|und|en|och|et)(?![^\W\d_])\s*(?:{_GAP_TOKEN})?$", re.I
)
_SPACE_AND_APOSTROPHES = ("'", "’", " ", "\u202f", "\u00a0")
_THREE_DECIMAL_CURRENCIES = re.compile(r"(?<![A-Za-z])(KWD|BHD|OMR|JOD|TND|LYD|IQD)(?![A-Za-z])")


@dataclass(frozen=True, kw_only=True)
class SalaryInfo:
    """A parsed salary: exact amounts per ``period`` in ``currency``, and the same as annual amounts."""

    min_amount: Decimal
    max_amount: Decimal
    currency: str
    period: str
    annual_min: Decimal
    annual_max: Decimal
    is_estimate: bool = False
    modifiers: tuple[str, ...] = ()


def parse_salary(
    text: str | None, *, country: str | None = None, currency: str | None = None
) -> SalaryInfo | None:
    """Parse free salary text; None when it holds no salary that can be read without guessing.

    Args:
        text: the salary string as published.
        country: ISO country of the posting (resolves a bare "$" and the annualization conventions).
        currency: the currency to assume when the text names none (e.g. a structured ``salary_currency``).
    """
    return explain_salary(text, country=country, currency=currency)[0]


@dataclass(frozen=True, kw_only=True)
class SalaryText:
    """What a salary text says by itself, before a country or a default currency is applied."""

    low: Decimal
    high: Decimal
    period: str
    code: str | None  # a currency the text names (symbol, ISO code, rupees or lakh)
    dollar: bool  # a bare "$", resolved by country
    is_estimate: bool
    modifiers: tuple[str, ...]
    period_stated: bool = True  # False: the text names no period ("year" until its currency says otherwise)
    krone: bool = False  # "kr" named the currency (``code``: the language's guess or None): a krone hint wins


def explain_salary(
    text: object, *, country: str | None = None, currency: str | None = None
) -> tuple[SalaryInfo | None, str | None]:
    """``parse_salary`` plus the reason when the result is None (for the clean table's reason column)."""
    read, reason = read_salary_text(text)
    if read is None:
        return None, reason
    return finish_salary(read, country=country, currency=currency)


def read_salary_text(text: object) -> tuple[SalaryText | None, str | None]:
    """The country-free half of parsing: amounts, period, named currency, flags (or why there are none).

    The normalize stage runs this once per distinct text and applies ``finish_salary``'s rules as columns.
    Texts that differ only in their digits ("£45,000 - £55,000 pa", "£38,500 - £41,000 pa") have one shape:
    where the amounts stand, the period, the currency and the flags are read once per shape (every pattern
    here sees a digit only as a digit, never its value), then each text's own amounts from its digits.
    """
    if text is None:
        return None, "no salary text"
    if not isinstance(text, str):
        return None, f"salary text: got {type(text).__name__}, expected a string"
    cleaned = _clean(text)
    if not cleaned:
        return None, "empty salary text"
    if len(cleaned) > MAX_TEXT:
        return None, f"salary text is {len(cleaned)} characters, longer than any salary string ({MAX_TEXT})"
    key = cleaned.translate(_ZERO_DIGITS)
    shape = _SHAPES.get(key)
    if shape is None:
        if len(_SHAPES) >= MAX_SHAPES:
            _SHAPES.clear()
        shape = _SHAPES[key] = _shape(cleaned)
    return _read(cleaned, shape)


_ZERO_DIGITS = str.maketrans("123456789", "000000000")
MAX_SHAPES = 50_000  # the shapes kept (a dict cleared when full): a market has a few thousand
_SHAPES: dict[str, _Shape] = {}


@dataclass(frozen=True, slots=True)
class _Shape:
    """What a cleaned salary text says apart from the values of its digits (``read_salary_text``)."""

    amounts: tuple[tuple[int, int, Decimal | None], ...]  # the first two amounts: token span, "k"/"万" scale
    is_range: bool  # the two amounts form a range
    three_decimals: bool  # a lone mark before three digits is a decimal mark (KWD, BHD, ...)
    unknown_currency: str | None  # three capitals by an amount that are no ISO 4217 code
    period: str | None
    scale: Decimal  # lakh, crore or 1
    code: str | None
    dollar: bool
    is_estimate: bool
    modifiers: tuple[str, ...]
    krone: bool


def _shape(cleaned: str) -> _Shape:
    if "#" in cleaned or "req" in cleaned.lower():
        matches = [m for m in _NUMBER.finditer(cleaned) if not _is_noise(cleaned, m)]
    elif "(k)" in cleaned:  # no number can follow "#" or "req": only "401(k)" can be noise
        matches = [m for m in _NUMBER.finditer(cleaned) if cleaned[m.end() : m.end() + 3] != "(k)"]
    else:
        matches = list(_NUMBER.finditer(cleaned))
    period_text = cleaned
    if len(matches) > 1:
        kept = _money_amounts(cleaned, matches)
        if len(kept) < len(matches):  # a period word after a number that is not pay is that number's
            period_text = _without_units_of(cleaned, [m for m in matches if m not in kept])
        matches = kept
    matches = matches[:2]
    three_decimals = any(_lone_mark_then_three_digits(m.group(1)) for m in matches) and (
        _THREE_DECIMAL_CURRENCIES.search(cleaned) is not None
    )
    is_range = len(matches) == 2 and _is_range_gap(cleaned[matches[0].end() : matches[1].start()])
    rare = _RARE_HINT.search(cleaned) is not None  # one search instead of four when none can match
    lakh = (rare and _LAKH.search(cleaned) is not None) or (
        "L" in cleaned
        and _LAKH_LETTER.search(cleaned) is not None
        and _RUPEE_CONTEXT.search(cleaned) is not None
    )
    crore = rare and _CRORE.search(cleaned) is not None
    code, krone = _named_currency(cleaned, lakh=lakh or crore, rupees=rare)
    unknown = None
    for match in _CODE_BY_AMOUNT.finditer(cleaned):
        token = match.group(1) or match.group(2)
        if token not in _CURRENCY_CODES and token not in _NOT_CURRENCIES:
            unknown = token
            break
    return _Shape(
        amounts=tuple(
            (m.start(1), m.end(1), _SCALES[m.group(2).strip().lower()] if m.group(2) else None)
            for m in matches
        ),
        is_range=is_range,
        three_decimals=three_decimals,
        unknown_currency=unknown,
        period=_period(period_text, lakh=lakh or crore),
        scale=Decimal(100_000) if lakh else Decimal(10_000_000) if crore else Decimal(1),
        code=code,
        dollar="$" in cleaned,
        is_estimate=rare and _ESTIMATE.search(cleaned) is not None,
        modifiers=_modifiers(cleaned),
        krone=krone,
    )


def _read(cleaned: str, shape: _Shape) -> tuple[SalaryText | None, str | None]:
    """``read_salary_text`` of ``cleaned`` from its shape: the amounts' values, and what depends on them."""
    numbers = _amounts_from(cleaned, shape)
    if not numbers:
        return None, f"no amount in {cleaned[:60]!r}"
    if shape.unknown_currency is not None:
        return None, f"unknown currency {shape.unknown_currency!r} (expected an ISO 4217 code)"
    # an end of a thousand or more is written in rupees already: Naukri's "50,000-1 Lacs PA", "₹12,00,000 LPA"
    low, high = (n if n >= 1000 else n * shape.scale for n in numbers)
    period = shape.period
    if period is None:
        if high < 1000:
            return None, f"no pay period in {cleaned[:60]!r} and {high} is too small for an annual salary"
        period = "year"
    if low <= 0 or high <= 0:
        return None, f"non-positive amount in {cleaned[:60]!r}"
    if low > high:
        low, high = high, low
    return SalaryText(
        low=_tidy(low),
        high=_tidy(high),
        period=period,
        code=shape.code,
        dollar=shape.dollar,
        is_estimate=shape.is_estimate,
        modifiers=shape.modifiers,
        period_stated=shape.period is not None,
        krone=shape.krone,
    ), None


def finish_salary(
    read: SalaryText, *, country: str | None = None, currency: str | None = None
) -> tuple[SalaryInfo | None, str | None]:
    """The country-dependent half: the currency of a bare "$" or of no symbol, and annualization."""
    code = (read.krone and krone_hint(country=country, fallback=currency)) or read.code
    code = code or resolve_currency(dollar=read.dollar, country=country, fallback=currency)
    if code is None:
        return None, f"no currency in the salary text and none known for country {country!r}"
    period = read.period if read.period_stated else unstated_period(read.high, code, read.modifiers)
    return SalaryInfo(
        min_amount=read.low,
        max_amount=read.high,
        currency=code,
        period=period,
        annual_min=_tidy(annualize(read.low, period, country)),
        annual_max=_tidy(annualize(read.high, period, country)),
        is_estimate=read.is_estimate,
        modifiers=read.modifiers,
    ), None


def unstated_period(high: Decimal, currency: str, modifiers: tuple[str, ...] = ()) -> str:
    """The period of pay whose text names none: "month" when even its high end is below what a full-time
    annual salary can be in that currency (``matcher/reference/pay_periods.csv``: about the lowest full-time
    annual minimum wage), else "year". Pro-rata pay stays annual (a part-time share of a yearly salary).

    >>> unstated_period(Decimal("15000"), "PLN"), unstated_period(Decimal("150000"), "PLN")
    ('month', 'year')
    """
    below = monthly_below().get(currency)
    if below is not None and high < below and "pro_rata" not in modifiers:
        return "month"
    return "year"


def annualize(amount: Decimal, period: str, country: str | None = None) -> Decimal:
    """An amount per ``period`` as an annual amount, with the country's conventions.

    >>> annualize(Decimal("4500"), "month", "ES")   # 14 payments a year in Spain
    Decimal('63000')
    """
    return amount * _periods_per_year(period, country)


def deannualize(amount: Decimal, period: str, country: str | None = None) -> Decimal:
    """The inverse of ``annualize``."""
    return amount / _periods_per_year(period, country)


def periods_per_year(period: str, country: str | None) -> Decimal:
    """How many of ``period`` a year holds in ``country`` (hours, days, weeks, payments)."""
    return _periods_per_year(period, country)


def _periods_per_year(period: str, country: str | None) -> Decimal:
    conventions = conventions_for(country)
    table: dict[str, Decimal | int] = {
        "year": 1,
        "month": conventions.payments_per_year,
        "week": conventions.weeks_per_year,
        "fortnight": Decimal(conventions.weeks_per_year) / 2,  # "bi-weekly", "per fortnight": every 2 weeks
        "day": conventions.days_per_year,
        "hour": conventions.hours_per_year,
    }
    if period not in table:
        raise ValueError(f"period: got {period!r}, expected one of {', '.join(PERIODS)}")
    return Decimal(table[period])


FTE_SCALE = Decimal("0.000001")  # full-time equivalents are kept to 6 decimal places, like source amounts
FTE_MAX_DIGITS = 20  # integer digits of the Decimal(26, 6) amount columns


def read_fte(value: str | None) -> tuple[Decimal, str | None]:
    """The full-time equivalent a band is divided by, and why the band is kept as stated (or None).

    Flowstate's ``fte`` defaults to 1.0: missing or null is 1. A number in (0, 1] is used as is (its exact
    digits); anything else (0, negative, above 1, not a number) keeps the band as stated (factor 1), and the
    reason says so.

    >>> read_fte("0.6")
    (Decimal('0.6'), None)
    >>> read_fte(None)
    (Decimal('1'), None)
    >>> read_fte("1.5")[1]
    "fte '1.5': expected a number in (0, 1]; the band is compared as stated"
    """
    if value is None:
        return Decimal(1), None
    unusable = f"fte {value[:40]!r}: expected a number in (0, 1]; the band is compared as stated"
    try:
        fte = Decimal(value.strip())
    except InvalidOperation:
        return Decimal(1), unusable
    if not fte.is_finite() or not Decimal(0) < fte <= Decimal(1):
        return Decimal(1), unusable
    return fte, None


def full_time_equivalent(amount: Decimal, fte: Decimal) -> Decimal | None:
    """``amount`` (paid at ``fte``) as a full-time amount: ``amount / fte``, exact Decimal arithmetic rounded
    half-even to 6 decimal places only at the end; None when the result would not fit a Decimal(26, 6).

    >>> full_time_equivalent(Decimal("60000.00"), Decimal("0.6"))
    Decimal('100000.000000')
    >>> full_time_equivalent(Decimal("100000"), Decimal("0.6"))
    Decimal('166666.666667')
    """
    with localcontext() as context:
        context.prec = 80
        result = (amount / fte).quantize(FTE_SCALE, rounding=ROUND_HALF_EVEN)
    if abs(result) >= Decimal(10) ** FTE_MAX_DIGITS:
        return None
    return result


def _tidy(amount: Decimal) -> Decimal:
    """Drop a fractional part of zero ("120000.00" -> 120000) without ever rounding a real fraction."""
    if amount != amount.to_integral_value():
        return amount.normalize()
    try:
        return amount.quantize(Decimal(1))
    except InvalidOperation:  # more digits than the context holds (absurd amounts): keep the value as is
        return amount


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():  # the same, without a category lookup per character
        text = _ASCII_CONTROL.sub(" ", text)
    elif text.isprintable():  # no character of category C (nor other separators than space): nothing to do
        pass
    else:
        text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = _EMPLOYER_PROVIDED.sub("", text)
    if _GLUED_WORD.search(text):
        text = _GLUED_WORD.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def _modifiers(text: str) -> tuple[str, ...]:
    if not _MODIFIER_HINT.search(text):  # one search instead of eight when none can match
        return ()
    return tuple(name for name, pattern in _MODIFIERS.items() if pattern.search(text))


def _named_currency(text: str, *, lakh: bool, rupees: bool = True) -> tuple[str | None, bool]:
    """The currency the text names (or None), and whether "kr" named it (the code then is the language's
    guess, or None): nothing else in the text names one."""
    for symbol, code in _SYMBOLS:
        if symbol in text:
            return code, False
    for found in _THREE_CAPITALS.finditer(text):
        if found.group(1) in _CURRENCY_CODES and found.group(1) not in _WORDLIKE_CODES:
            return found.group(1), False
    if (rupees and _RUPEES.search(text)) or lakh:
        return "INR", False
    for code, sign in _LOCAL_SIGNS:
        if sign.search(text):
            return code, False
    word = _CURRENCY_WORDS.search(text)
    if word:
        return _CURRENCY_WORD_CODES[word.group(1).lower()], False
    if "kr" in text.lower() and _KRONA.search(text):
        for code, language in _KRONA_LANGUAGES:
            if language.search(text):
                return code, True
        return None, True
    return None, False


def krone_hint(*, country: str | None, fallback: str | None) -> str | None:
    """The krone a "kr" text is paid in when the posting says: its currency, else its country's (a krone)."""
    if fallback and fallback.upper() in KRONE_CURRENCIES:
        return fallback.upper()
    own = conventions_for(country).currency
    return own if own in KRONE_CURRENCIES else None


def resolve_currency(*, dollar: bool, country: str | None, fallback: str | None) -> str | None:
    """The currency of a text that names none: a bare "$" by country, else the default, else the country's."""
    conventions = conventions_for(country)
    if dollar:
        if fallback and fallback.upper() in DOLLAR_CURRENCIES:
            return fallback.upper()
        return conventions.dollar_currency or "USD"
    if fallback:
        return fallback.upper()
    return conventions.currency or None


def _period(text: str, *, lakh: bool) -> str | None:
    lower = text.lower()
    for period, pattern in _ENGLISH_PERIODS:
        if _ENGLISH_PERIOD_LETTER[period] in lower and pattern.search(text):
            return period
    if _OTHER_LANGUAGE_HINT.search(text):
        for period, pattern in _OTHER_PERIODS:
            if pattern.search(text):
                return period
    return "year" if lakh else None


def _amounts_from(text: str, shape: _Shape) -> tuple[Decimal, Decimal] | None:
    """The first amount, and the second when the two form a range ("45 - 55", "45K to 55K", "500万~800万"),
    read from ``text`` at the spans of ``shape``'s amounts."""
    if not shape.amounts:
        return None
    values = []
    for start, end, scale in shape.amounts:
        value = _number(text[start:end], three_decimals=shape.three_decimals)
        if value is None:
            return None
        values.append((value, scale))
    first, first_scale = values[0]
    if shape.is_range:
        second, second_scale = values[1]
        if second_scale is None and first_scale is not None and second < 1000:
            second_scale = first_scale  # "45K - 55": both in thousands
        if first_scale is None and second_scale is not None and first < 1000:
            first_scale = second_scale  # "120-150K", "500~800万": the unit of the second applies to both
        if first_scale is None and second_scale is None:
            first_scale = _shared_groups(text[_span(shape, 0)], text[_span(shape, 1)], first, second)
        return _scaled(first, first_scale), _scaled(second, second_scale)
    single = _scaled(first, first_scale)
    return single, single


def _span(shape: _Shape, i: int) -> slice:
    return slice(shape.amounts[i][0], shape.amounts[i][1])


_GROUPS = re.compile(r"(?:[ ,.'’\u00a0\u202f]\d{3})+$")


def _shared_groups(first_token: str, second_token: str, first: Decimal, second: Decimal) -> Decimal | None:
    """The scale of a range's first end that leaves out the thousands groups its second end writes: "45" of
    "45-55 000" is 45 000 (1,000: one group), "1" of "1-2 000 000" a million; None when the first end is no
    bare whole number below 1,000, or the second writes no groups, or the range would not rise."""
    if not first_token.isdigit() or first >= 1000 or first <= 0:
        return None
    groups = _GROUPS.search(second_token)
    if groups is None or groups.start() == 0:
        return None
    scale = Decimal(1000) ** (len(groups.group(0)) // 4)
    return scale if first * scale <= second else None


def _scaled(value: Decimal, scale: Decimal | None) -> Decimal:
    return value * scale if scale is not None else value


def _is_range_gap(gap: str) -> bool:
    if _SIMPLE_GAP.match(gap):  # most ranges: "$45 - $55", "45K to 55K" (one search, no backtracking)
        return True
    return _RANGE_GAP.match(gap) is not None or _RANGE_AND.match(gap) is not None


def _lone_mark_then_three_digits(token: str) -> bool:
    """ "3.440", "1,250": one mark, exactly three digits after it (a thousands group, or 3 decimals)."""
    return len(token) >= 5 and token[-4] in ".," and token.count(".") + token.count(",") == 1


# A currency (symbol, ISO code, a few words and local signs) or a scale right beside an amount: that amount is
# money. Three capitals count only when they are an ISO 4217 code (``_is_money_mark``).
_MONEY_MARK = (
    r"(?:[A-Z]{0,3}\$|[£€₹¥₩₽₺₱₪₦]|zł|円|元|원|[A-Z]{3}|(?i:rs\.?|rp|rm|kr\.?|kč|ft|lei|euros?|reais|kronor|"
    r"lakhs?|lacs?|lpa|crores?)(?![^\W\d_]))"
)
_MONEY_BEFORE = re.compile(rf"(?<![A-Za-z])({_MONEY_MARK})\s?$")
_MONEY_AFTER = re.compile(rf"^\s?({_MONEY_MARK})")


def _is_money_mark(mark: str) -> bool:
    return not (len(mark) == 3 and mark.isupper() and mark.isalpha()) or (
        mark in _CURRENCY_CODES and mark not in _WORDLIKE_CODES
    )


def _money_amounts(text: str, matches: list[re.Match[str]]) -> list[re.Match[str]]:
    """The amounts among the numbers of a pay text that also holds other numbers: when some number has a
    currency or a scale right beside it, the numbers that have none and are no end of a range with one are
    not pay ("Standort: 48151, 38 Stunden, Gehalt: EUR 75.000", "Clapiers (34) – 40-47K€")."""
    money = []
    for m in matches:
        before = _MONEY_BEFORE.search(text, max(0, m.start() - 6), m.start())
        after = _MONEY_AFTER.search(text[m.end() : m.end() + 8])
        money.append(
            m.group(2) is not None
            or (before is not None and _is_money_mark(before.group(1)))
            or (after is not None and _is_money_mark(after.group(1)))
        )
    if not any(money) or all(money):
        return matches
    kept = []
    for i, m in enumerate(matches):
        neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(matches) and money[j]]
        if money[i] or any(_is_range_gap(_between(m, matches[j])) for j in neighbours):
            kept.append(m)
    return kept


_UNIT_END = re.compile(r"[,;()\[\]]|\s[-–|]\s")


def _without_units_of(text: str, numbers: list[re.Match[str]]) -> str:
    """``text`` without the numbers that are not pay and the words after each up to the next comma, bracket
    or dash: their units are no pay period ("40 Stunden/Woche", "35h/semaine", "38 hours per week")."""
    out = text
    for m in numbers:
        end = _UNIT_END.search(text, m.end())
        stop = min(end.start() if end else len(text), m.end() + 24)
        out = out[: m.start()] + " " * (stop - m.start()) + out[stop:]
    return out


def _between(a: re.Match[str], b: re.Match[str]) -> str:
    """The text between two number matches of the same string."""
    first, second = (a, b) if a.start() < b.start() else (b, a)
    return first.string[first.end() : second.start()]


def _is_noise(text: str, match: re.Match[str]) -> bool:
    """Numbers that are not pay: requisition ids, percentages, "401(k)", years in "2024 bonus"."""
    before = text[max(0, match.start() - 4) : match.start()].lower()
    return "#" in before or "req" in before or text[match.end() : match.end() + 3] == "(k)"


def _number(token: str, *, three_decimals: bool = False) -> Decimal | None:
    """A number token (see the module docstring); ``three_decimals``: the currency has 3 minor digits."""
    if token.isascii() and token.isdigit():  # most tokens: "45", "120000"
        return Decimal(token)
    text = token
    for group_mark in _SPACE_AND_APOSTROPHES:
        text = text.replace(group_mark, "")
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        group_mark = "." if decimal_mark == "," else ","
        text = text.replace(group_mark, "").replace(decimal_mark, ".")
    else:
        for mark in (",", "."):
            if mark in text:
                parts = text.split(mark)
                if len(parts) == 2 and (len(parts[1]) in (1, 2) or (three_decimals and len(parts[1]) == 3)):
                    text = parts[0] + "." + parts[1]  # a decimal mark
                else:
                    text = "".join(parts)  # grouping (thousands, or Indian lakh groups)
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
