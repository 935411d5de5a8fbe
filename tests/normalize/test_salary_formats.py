"""parse_salary on real display formats: a table of real-looking strings in 13 currencies, and a Hypothesis
round trip from a generator of display formats per locale (separators, period words, symbol placement)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.common.reference import monthly_below
from matcher.normalize.salary import annualize, explain_salary, parse_salary

D = Decimal

# (text, country) -> (min, max, currency, period); the annual amounts follow from ``annualize``
TABLE: list[tuple[tuple[str, str | None], tuple[Decimal, Decimal, str, str]]] = [
    # USD: a unit after each end of the range
    (("$81,000.00/yr - $135,000.00/yr", "US"), (D(81000), D(135000), "USD", "year")),
    (("$75.00/hr - $85.00/hr", "US"), (D(75), D(85), "USD", "hour")),
    (("$120,000 - $150,000 a year", "US"), (D(120000), D(150000), "USD", "year")),
    (("$25 - $30 an hour", "US"), (D(25), D(30), "USD", "hour")),
    (("$22.50/hr", "US"), (D("22.5"), D("22.5"), "USD", "hour")),
    (("$95K/yr - $120K/yr", "US"), (D(95000), D(120000), "USD", "year")),
    (("US$ 6,000 per month", None), (D(6000), D(6000), "USD", "month")),
    (("$500/day", "US"), (D(500), D(500), "USD", "day")),
    (("$1,200/wk - $1,500/wk", "US"), (D(1200), D(1500), "USD", "week")),
    # GBP: ph / pa / pm / pd glued to the amount
    (("£13.00ph", "GB"), (D(13), D(13), "GBP", "hour")),
    (("£15-£32ph", "GB"), (D(15), D(32), "GBP", "hour")),
    (("£30,000pa", "GB"), (D(30000), D(30000), "GBP", "year")),
    (("£35,000 - £40,000 p.a.", "GB"), (D(35000), D(40000), "GBP", "year")),
    (("£450 - £550 per day", "GB"), (D(450), D(550), "GBP", "day")),
    (("£12.50 p.h.", "GB"), (D("12.5"), D("12.5"), "GBP", "hour")),
    (("£2,500pm", "GB"), (D(2500), D(2500), "GBP", "month")),
    (("£400pd - £500pd", "GB"), (D(400), D(500), "GBP", "day")),
    (("£28k - £32k per annum + benefits", "GB"), (D(28000), D(32000), "GBP", "year")),
    # EUR, Germany: dot thousands, decimal comma, German period words
    (("3.440 € brutto im Monat", "DE"), (D(3440), D(3440), "EUR", "month")),
    (("60.000 € - 75.000 € pro Jahr", "DE"), (D(60000), D(75000), "EUR", "year")),
    (("18,50 € pro Stunde", "DE"), (D("18.5"), D("18.5"), "EUR", "hour")),
    (("4.000 - 5.000 EUR monatlich", "DE"), (D(4000), D(5000), "EUR", "month")),
    (("65.000–80.000 € jährlich", "DE"), (D(65000), D(80000), "EUR", "year")),
    (("€ 500 pro Tag", "DE"), (D(500), D(500), "EUR", "day")),
    # EUR, France: space / no-break space thousands, currency after, French period words
    (("45 000 - 52 000 € par an", "FR"), (D(45000), D(52000), "EUR", "year")),
    (("2\u00a0800 € brut par mois", "FR"), (D(2800), D(2800), "EUR", "month")),
    (("12,50 € de l'heure", "FR"), (D("12.5"), D("12.5"), "EUR", "hour")),
    (("De 40\u202f000 € à 48\u202f000 € par an", "FR"), (D(40000), D(48000), "EUR", "year")),
    (("35k€ - 45k€ /an", "FR"), (D(35000), D(45000), "EUR", "year")),
    (("450 € par jour", "FR"), (D(450), D(450), "EUR", "day")),
    # EUR, Spain (14 payments a year), Italy, the Netherlands
    (("30.000 - 36.000 € brutos al año", "ES"), (D(30000), D(36000), "EUR", "year")),
    (("2.000 € al mes", "ES"), (D(2000), D(2000), "EUR", "month")),
    (("12 € por hora", "ES"), (D(12), D(12), "EUR", "hour")),
    (("Entre 28.000 y 32.000 € anuales", "ES"), (D(28000), D(32000), "EUR", "year")),
    (("RAL 35.000 - 42.000 €", "IT"), (D(35000), D(42000), "EUR", "year")),
    (("1.800 € al mese", "IT"), (D(1800), D(1800), "EUR", "month")),
    (("15 € all'ora", "IT"), (D(15), D(15), "EUR", "hour")),
    (("€ 40.000 - € 50.000 lordi annui", "IT"), (D(40000), D(50000), "EUR", "year")),
    (("€ 3.500 - € 4.500 per maand", "NL"), (D(3500), D(4500), "EUR", "month")),
    (("€ 18,50 per uur", "NL"), (D("18.5"), D("18.5"), "EUR", "hour")),
    (("€ 55.000 - € 65.000 per jaar", "NL"), (D(55000), D(65000), "EUR", "year")),
    # SEK
    (("SEK 45 000 per month", "SE"), (D(45000), D(45000), "SEK", "month")),
    (("35 000 - 42 000 kr/mån", "SE"), (D(35000), D(42000), "SEK", "month")),
    (("180 kr i timmen", "SE"), (D(180), D(180), "SEK", "hour")),
    (("550 000 SEK per år", "SE"), (D(550000), D(550000), "SEK", "year")),
    # BRL
    (("R$ 8.000 - R$ 12.000 por mês", "BR"), (D(8000), D(12000), "BRL", "month")),
    (("R$ 4.500,00 mensal", "BR"), (D(4500), D(4500), "BRL", "month")),
    (("R$ 25,00 por hora", "BR"), (D(25), D(25), "BRL", "hour")),
    (("R$ 120.000 por ano", "BR"), (D(120000), D(120000), "BRL", "year")),
    # INR: lakh
    (("12-18 LPA", "IN"), (D(1200000), D(1800000), "INR", "year")),
    (("₹25,000 - ₹35,000 a month", "IN"), (D(25000), D(35000), "INR", "month")),
    (("₹ 8,00,000 - 12,00,000 P.A.", "IN"), (D(800000), D(1200000), "INR", "year")),
    (("Rs. 4.5 Lakhs - 6 Lakhs per annum", "IN"), (D(450000), D(600000), "INR", "year")),
    # Naukri: the first end in rupees, the second in lakh; an end of a thousand or more is rupees already
    (("50,000-1 Lacs PA", "IN"), (D(50000), D(100000), "INR", "year")),
    (("₹12,00,000 LPA", "IN"), (D(1200000), D(1200000), "INR", "year")),
    (("Budget: Up to 2.70 LPM", "IN"), (D(270000), D(270000), "INR", "month")),  # Shine: lakh per month
    # AUD: SEEK's "phr" (per hour)
    (("$125.00 - $140.00 phr (incl. super)", "AU"), (D(125), D(140), "AUD", "hour")),
    # CHF: apostrophe thousands
    (("CHF 110'000 - 130'000 p.a.", "CH"), (D(110000), D(130000), "CHF", "year")),
    (("CHF 45.00/h", "CH"), (D(45), D(45), "CHF", "hour")),
    (("CHF 8'500 pro Monat", "CH"), (D(8500), D(8500), "CHF", "month")),
    # PLN
    (("12 000 - 16 000 zł brutto/mies.", "PL"), (D(12000), D(16000), "PLN", "month")),
    (("PLN 15 000 – 20 000 miesięcznie", "PL"), (D(15000), D(20000), "PLN", "month")),
    (("45 zł/h", "PL"), (D(45), D(45), "PLN", "hour")),
    (("150 000 zł rocznie", "PL"), (D(150000), D(150000), "PLN", "year")),
    # JPY: 万 (ten thousand), 年収 / 月給 / 時給
    (("年収500万円～800万円", "JP"), (D(5000000), D(8000000), "JPY", "year")),
    (("¥6,000,000 - ¥9,000,000 per year", "JP"), (D(6000000), D(9000000), "JPY", "year")),
    (("時給1,200円", "JP"), (D(1200), D(1200), "JPY", "hour")),
    (("月給25万円〜35万円", "JP"), (D(250000), D(350000), "JPY", "month")),
    # AUD
    (("$90,000 - $110,000 + super", "AU"), (D(90000), D(110000), "AUD", "year")),
    (("$45.00 p/h", "AU"), (D(45), D(45), "AUD", "hour")),
    (("AU$120k - AU$140k pa", "AU"), (D(120000), D(140000), "AUD", "year")),
    (("$850 per day + GST", "AU"), (D(850), D(850), "AUD", "day")),
    # CAD
    (("$65,000–$80,000 a year", "CA"), (D(65000), D(80000), "CAD", "year")),
    (("$22.50–$26.00 an hour", "CA"), (D("22.5"), D(26), "CAD", "hour")),
    (("CA$70K/yr - CA$85K/yr", None), (D(70000), D(85000), "CAD", "year")),
    (("C$ 95,000 per annum", None), (D(95000), D(95000), "CAD", "year")),
    # no period: monthly when below what a full-time annual salary can be in the currency
    (("12.000 - 15.000 zł", None), (D(12000), D(15000), "PLN", "month")),
    (("180 000 zł", "PL"), (D(180000), D(180000), "PLN", "year")),
    (("R$ 8.000,00", "BR"), (D(8000), D(8000), "BRL", "month")),
    (("R$ 150.000", "BR"), (D(150000), D(150000), "BRL", "year")),
    (("3.440 € brutto", "DE"), (D(3440), D(3440), "EUR", "month")),
    (("₹25,000 - ₹35,000", "IN"), (D(25000), D(35000), "INR", "month")),
    (("₹ 6,00,000 - 9,00,000", "IN"), (D(600000), D(900000), "INR", "year")),
    (("¥250,000", "JP"), (D(250000), D(250000), "JPY", "month")),
    (("£28,000 - £32,000", "GB"), (D(28000), D(32000), "GBP", "year")),
    (("£10,000 pro rata", "GB"), (D(10000), D(10000), "GBP", "year")),  # a part-time share of a year
    # INR: "L" for lakh beside rupees
    (("₹12L - ₹18L", "IN"), (D(1200000), D(1800000), "INR", "year")),
    (("INR 12.5 L", None), (D(1250000), D(1250000), "INR", "year")),
    # IDR, MYR, TRY, RUB, VND: their signs and period words
    (("Rp 8.000.000 - Rp 12.000.000 per bulan", "ID"), (D(8000000), D(12000000), "IDR", "month")),
    (("Rp10.000.000", None), (D(10000000), D(10000000), "IDR", "month")),
    (("Rp 150.000.000 per tahun", "ID"), (D(150000000), D(150000000), "IDR", "year")),
    (("RM 4,500 sebulan", "MY"), (D(4500), D(4500), "MYR", "month")),
    (("25.000 ₺ aylık", "TR"), (D(25000), D(25000), "TRY", "month")),
    (("от 80 000 руб. в месяц", None), (D(80000), D(80000), "RUB", "month")),
    (("500 руб/час", None), (D(500), D(500), "RUB", "hour")),
    (("15.000.000 VND/tháng", None), (D(15000000), D(15000000), "VND", "month")),
    # millions and ten-thousands written as words: juta / jt (id), triệu (vi), 만 (ko)
    (("Rp 5 juta - Rp 8 juta", "ID"), (D(5000000), D(8000000), "IDR", "month")),
    (("IDR 10jt/bulan", None), (D(10000000), D(10000000), "IDR", "month")),
    (("20-30 triệu VND", None), (D(20000000), D(30000000), "VND", "month")),
    (("월 300만원", None), (D(3000000), D(3000000), "KRW", "month")),
    (("연봉 4,000만원", None), (D(40000000), D(40000000), "KRW", "year")),
    (("月薪15000元", None), (D(15000), D(15000), "CNY", "month")),
    # CZK, HUF, DKK, THB, PEN, KES: signs and period words ("Kč" is no "K" for thousands)
    (("35 000 - 45 000 Kč", None), (D(35000), D(45000), "CZK", "month")),
    (("40 000 Kč měsíčně", None), (D(40000), D(40000), "CZK", "month")),
    (("bruttó 800 000 Ft/hó", None), (D(800000), D(800000), "HUF", "month")),
    (("DKK 40.000 - 50.000 pr. måned", None), (D(40000), D(50000), "DKK", "month")),
    (("30,000-45,000 บาท", None), (D(30000), D(45000), "THB", "month")),
    (("S/ 3,000 - S/ 4,000", None), (D(3000), D(4000), "PEN", "month")),
    (("KSh 80,000 - 120,000", None), (D(80000), D(120000), "KES", "month")),
    # Indian "/-", Swiss ".–", Employer est.
    (("Rs. 25,000/- per month", "IN"), (D(25000), D(25000), "INR", "month")),
    (("₹ 3,00,000/- per annum", "IN"), (D(300000), D(300000), "INR", "year")),
    (("CHF 100 000.– bis 120 000.–", "CH"), (D(100000), D(120000), "CHF", "year")),
    (("$25.50 - $30.00 Per Hour (Employer est.)", "US"), (D("25.5"), D(30), "USD", "hour")),
    (("R$ 5.000,00 a R$ 7.000,00", "BR"), (D(5000), D(7000), "BRL", "month")),
    (("S$5,000 - S$7,000 monthly", None), (D(5000), D(7000), "SGD", "month")),
]


def reads_correctly(text: str, country: str | None, expected: tuple[Decimal, Decimal, str, str]) -> bool:
    """The parse gives the expected amounts, currency and period, and the annual amounts that follow."""
    info = parse_salary(text, country=country)
    low, high, currency, period = expected
    return info is not None and (
        info.min_amount,
        info.max_amount,
        info.currency,
        info.period,
        info.annual_min,
        info.annual_max,
    ) == (low, high, currency, period, annualize(low, period, country), annualize(high, period, country))


@pytest.mark.parametrize(("given_", "expected"), TABLE, ids=[t[0][0] for t in TABLE])
def test_real_display_formats(
    given_: tuple[str, str | None], expected: tuple[Decimal, Decimal, str, str]
) -> None:
    text, country = given_
    info = parse_salary(text, country=country)
    assert info is not None, explain_salary(text, country=country)[1]
    assert (info.min_amount, info.max_amount, info.currency, info.period) == expected
    assert reads_correctly(text, country, expected)


def test_the_table_covers_the_currencies_the_market_posts_in() -> None:
    currencies = {expected[2] for _, expected in TABLE}
    assert {"USD", "GBP", "EUR", "SEK", "BRL", "INR", "CHF", "PLN", "JPY", "AUD", "CAD"} <= currencies
    assert len(TABLE) >= 48


@dataclass(frozen=True)
class Locale:
    """How one market writes pay: currency marks, separators, period words (each a list of real variants)."""

    country: str
    currency: str
    before: tuple[str, ...]  # currency marks written before the amount ("$", "R$ ", "CHF ")
    after: tuple[str, ...]  # currency marks written after it (" €", "円", " kr")
    groups: tuple[str, ...]  # thousands separators
    decimal: str  # decimal mark; "" when the currency has no minor unit in ads (JPY)
    periods: dict[str, tuple[str, ...]]  # period -> words after the amount ("" for a bare yearly amount)
    connectors: tuple[str, ...]
    prefixes: dict[str, tuple[str, ...]] | None = None  # period words written before the amount (ja)


_EN_PERIODS = {
    "hour": ("/hr", " an hour", " per hour", "/h", " /hour", " hourly"),
    "day": ("/day", " per day", " a day", " daily"),
    "week": ("/wk", " per week", " a week", "/week", " weekly"),
    "fortnight": (" per fortnight", " fortnightly", " bi-weekly", " biweekly", " every two weeks"),
    "month": ("/mo", " per month", " a month", "/month", " monthly"),
    "year": ("/yr", " a year", " per year", "/year", " per annum", " annually", ""),
}
_DE_PERIODS = {
    "hour": (" pro Stunde", "/Std.", " brutto pro Stunde", " €/h"),
    "day": (" pro Tag", " Tagessatz", "/Tag"),
    "week": (" pro Woche", " wöchentlich"),
    "month": (" im Monat", " brutto im Monat", " pro Monat", " monatlich", "/Monat"),
    "year": (" pro Jahr", " jährlich", " brutto im Jahr", " p.a.", "/Jahr", ""),
}
LOCALES = {
    "en-US": Locale("US", "USD", ("$", "US$"), (), (",",), ".", _EN_PERIODS, (" - ", "-", " – ", " to ")),
    "en-CA": Locale("CA", "CAD", ("$", "CA$", "C$"), (" CAD",), (",",), ".", _EN_PERIODS, ("–", " - ")),
    "en-AU": Locale(
        "AU",
        "AUD",
        ("$", "AU$", "A$"),
        (" AUD",),
        (",",),
        ".",
        {
            **_EN_PERIODS,
            "hour": (" per hour", " p/h", "/hr", " ph", " phr", " an hour"),
            "year": (" + super", " pa", " p.a.", " per annum", ""),
        },
        (" - ", " to "),
    ),
    "en-GB": Locale(
        "GB",
        "GBP",
        ("£",),
        (" GBP",),
        (",",),
        ".",
        {
            "hour": ("ph", " ph", " per hour", " p.h.", " an hour", "/hr"),
            "day": ("pd", " per day", " p/d", " a day", " day rate"),
            "week": ("pw", " per week", " p/w"),
            "month": (" pcm", " per month", " a month"),
            "year": ("pa", " pa", " p.a.", " per annum", " a year", ""),
        },
        (" - ", "-", " – ", " to "),
    ),
    "en-IN": Locale(
        "IN",
        "INR",
        ("₹", "₹ ", "Rs. ", "INR "),
        (" INR",),
        (",",),
        ".",
        {
            "hour": (" per hour",),
            "day": (" per day",),
            "week": (" per week",),
            "month": (" per month", " a month", " monthly"),
            "year": (" per annum", " p.a.", " PA", " CTC", ""),
        },
        (" - ", "-", " to "),
    ),
    "de-DE": Locale(
        "DE", "EUR", ("€ ", "EUR "), (" €", "€", " EUR"), (".", ""), ",", _DE_PERIODS, (" - ", " – ", " bis ")
    ),
    "fr-FR": Locale(
        "FR",
        "EUR",
        ("€ ",),
        (" €", "€", " EUR", " euros"),
        (" ", "\u202f", "\u00a0", "", "."),
        ",",
        {
            "hour": (" de l'heure", " par heure", "/heure", " brut de l'heure", "/h", " brut/h"),
            "day": (" par jour", "/jour", " brut par jour"),
            "week": (" par semaine",),
            "month": (" par mois", " brut par mois", "/mois", " mensuel", " brut mensuel"),
            "year": (" par an", "/an", " brut annuel", " annuel", " par année", " brut/an", ""),
        },
        (" - ", " à ", "-"),
    ),
    "es-ES": Locale(
        "ES",
        "EUR",
        ("€",),
        (" €", "€", " EUR", " euros"),
        (".",),
        ",",
        {
            "hour": (" por hora", " la hora", "/hora", " brutos/hora"),
            "day": (" por día", " al día", "/día"),
            "week": (" a la semana", " por semana", " semanales"),
            "month": (" al mes", " brutos al mes", " mensuales", "/mes", " brutos mensuales"),
            "year": (" al año", " brutos anuales", " anuales", "/año", " brutos al año", ""),
        },
        (" - ", " a ", "-"),
    ),
    "it-IT": Locale(
        "IT",
        "EUR",
        ("€ ", "€"),
        (" €", " euro", " EUR"),
        (".",),
        ",",
        {
            "hour": (" all'ora", " l'ora", "/ora", " lordi all'ora"),
            "day": (" al giorno", "/giorno", " giornalieri"),
            "week": (" a settimana", " settimanali"),
            "month": (" al mese", " mensili", "/mese", " lordi mensili", " netti al mese"),
            "year": (" all'anno", " annui", " lordi annui", " RAL", "/anno", ""),
        },
        (" - ", " a "),
    ),
    "nl-NL": Locale(
        "NL",
        "EUR",
        ("€ ", "€", "EUR "),
        (" euro",),
        (".",),
        ",",
        {
            "hour": (" per uur", "/uur", " bruto per uur"),
            "day": (" per dag", "/dag"),
            "week": (" per week",),
            "month": (" per maand", " bruto per maand", "/maand", " p/m"),
            "year": (" per jaar", " bruto per jaar", "/jaar", " jaarlijks", ""),
        },
        (" - ", " tot ", "-"),
    ),
    "sv-SE": Locale(
        "SE",
        "SEK",
        ("SEK ",),
        (" SEK", " kr", "kr"),
        (" ", "\u00a0", ""),
        ",",
        {
            "hour": (" i timmen", " per timme", "/tim", "/timme"),
            "day": (" per dag", "/dag"),
            "week": (" per vecka", " i veckan"),
            "month": (" per månad", " i månaden", "/mån", "/månad"),
            "year": (" per år", " om året", "/år", ""),
        },
        (" - ", "–", " till "),
    ),
    "da-DK": Locale(
        "DK",
        "DKK",
        ("kr. ", "DKK "),
        (" kr.", " kr", " DKK"),
        (".",),
        ",",
        {
            "hour": (" i timen", " pr. time", "/time"),
            "day": (" pr. dag", " om dagen"),
            "week": (" om ugen", " pr. uge"),
            "month": (" pr. måned", " om måneden", "/md.", " pr. md."),
            "year": (" om året", " pr. år", ""),
        },
        (" - ", "–", "-", " til "),
    ),
    "nb-NO": Locale(
        "NO",
        "NOK",
        ("kr ", "NOK "),
        (" kr", " NOK", ",-"),
        (" ", "\u00a0", "."),
        ",",
        {
            "hour": (" per time", " i timen", "/t"),
            "day": (" per dag", " pr. dag"),
            "week": (" per uke", " i uken"),
            "month": (" per måned", " i måneden", "/mnd", " pr. mnd."),
            "year": (" per år", " i året", ""),
        },
        (" - ", "–", "-", " til "),
    ),
    "pt-BR": Locale(
        "BR",
        "BRL",
        ("R$ ", "R$", "BRL "),
        (" BRL",),
        (".",),
        ",",
        {
            "hour": (" por hora", "/hora", " a hora"),
            "day": (" por dia", "/dia", " a diária"),
            "week": (" por semana", " semanal"),
            "month": (" por mês", " mensal", "/mês", " ao mês", " mensais"),
            "year": (" por ano", " ao ano", " anual", "/ano", ""),
        },
        (" - ", " a ", " até "),
    ),
    "de-CH": Locale(
        "CH",
        "CHF",
        ("CHF ", "CHF"),
        (" CHF",),
        ("'", "’", ""),
        ".",
        {**_DE_PERIODS, "hour": (" pro Stunde", "/h", "/Std.")},
        (" - ", " – ", " bis "),
    ),
    "pl-PL": Locale(
        "PL",
        "PLN",
        ("PLN ",),
        (" zł", "zł", " PLN"),
        (" ", "\u00a0"),
        ",",
        {
            "hour": (" za godzinę", "/godz.", "/h", " brutto/h", " zł/godz."),
            "day": (" dziennie", "/dzień"),
            "week": (" tygodniowo",),
            "month": (" miesięcznie", " brutto/mies.", "/mies.", " na miesiąc", " brutto miesięcznie"),
            "year": (" rocznie", "/rok", " brutto rocznie", ""),
        },
        (" - ", " – ", "-"),
    ),
    "id-ID": Locale(
        "ID",
        "IDR",
        ("Rp ", "Rp", "Rp. ", "IDR "),
        (" IDR",),
        (".",),
        "",
        {
            "hour": (" per jam", "/jam"),
            "day": (" per hari", "/hari", " harian"),
            "week": (" per minggu", " mingguan"),
            "month": (" per bulan", "/bulan", "/bln", " sebulan", " bulanan"),
            "year": (" per tahun", "/tahun", " setahun", ""),
        },
        (" - ", " – ", "-", " sampai "),
    ),
    "tr-TR": Locale(
        "TR",
        "TRY",
        ("₺", "TRY "),
        (" ₺", " TRY"),
        (".",),
        ",",
        {
            "hour": (" saatlik", "/saat"),
            "day": (" günlük", "/gün"),
            "week": (" haftalık", "/hafta"),
            "month": (" aylık", "/ay", " brüt aylık"),
            "year": (" yıllık", "/yıl", ""),
        },
        (" - ", " – ", "-"),
    ),
    "ru-RU": Locale(
        "RU",
        "RUB",
        ("₽ ",),
        (" ₽", " руб.", " рублей", " RUB"),
        (" ", " "),
        ",",
        {
            "hour": (" в час", "/час"),
            "day": (" в день", "/день"),
            "week": (" в неделю", "/нед."),
            "month": (" в месяц", "/мес.", "/месяц", " ежемесячно"),
            "year": (" в год", "/год", ""),
        },
        (" - ", " – ", "-", " до "),
    ),
    "ja-JP": Locale(
        "JP",
        "JPY",
        ("¥", "￥"),
        ("円",),
        (",",),
        "",
        {"hour": ("",), "day": ("",), "week": ("",), "month": ("", "/月"), "year": ("", "/年")},
        ("~", "〜", "～", " - "),
        prefixes={
            "hour": ("時給",),
            "day": ("日給",),
            "week": ("週給",),
            "month": ("月給", "月収"),
            "year": ("年収", "年俸"),
        },
    ),
}


def _group(digits: str, sep: str, indian: bool) -> str:
    if indian and len(digits) > 3:
        head, tail = digits[:-3], digits[-3:]
        pairs = [head[max(0, i - 2) : i] for i in range(len(head), 0, -2)][::-1]
        return sep.join([*pairs, tail])
    return f"{int(digits):,}".replace(",", sep)


def render(amount: Decimal, locale: Locale, sep: str, *, cents: bool, indian: bool = False) -> str:
    """``amount`` as the locale writes it: grouped integer part, the decimal mark and two digits if any."""
    whole, _, fraction = f"{amount:.2f}".partition(".")
    text = _group(whole, sep, indian)
    if locale.decimal and (fraction != "00" or cents):
        text += locale.decimal + fraction
    return text


# the range of each period's amounts, in the currency's usual magnitude (JPY and INR amounts are larger)
_MAGNITUDE = {
    "hour": (5, 400),
    "day": (80, 3000),
    "week": (300, 9000),
    "fortnight": (600, 18000),
    "month": (800, 40000),
    "year": (1000, 900000),
}
_LARGE = {"JPY": 100, "INR": 50, "IDR": 10_000, "TRY": 10, "RUB": 50}


_GLUED = {"ph", "pd", "pw", "pa"}  # abbreviations written right after the amount


@st.composite
def display_formats(draw: st.DrawFn) -> tuple[str, Locale, Decimal, Decimal, str, str | None]:
    """A salary as a posting in one of the locales would display it, and the amounts and period it says.

    "kr" names a currency only beside a Swedish word ("kr/mån"); else the posting's currency field decides, so
    the round trip passes the locale's currency as that hint for "kr" only.
    """
    locale = LOCALES[draw(st.sampled_from(sorted(LOCALES)))]
    period = draw(st.sampled_from(sorted(locale.periods)))
    low_bound, high_bound = _MAGNITUDE[period]
    factor = _LARGE.get(locale.currency, 1)
    with_cents = bool(locale.decimal) and period != "year" and draw(st.booleans())
    places = 2 if with_cents else 0
    amount = st.decimals(
        min_value=Decimal(low_bound * factor), max_value=Decimal(high_bound * factor), places=places
    )
    low = draw(amount)
    high = draw(st.one_of(st.just(low), amount.filter(lambda value: value > low)))
    is_range = high != low
    word = draw(st.sampled_from(locale.periods[period]))
    if word == "" and locale.prefixes is None and high < 1000:  # a bare amount must look yearly
        word = next(w for w in locale.periods[period] if w)
    prefix = draw(st.sampled_from(locale.prefixes[period])) if locale.prefixes else ""
    if prefix == "" and word == "" and period != "year":
        word = next(w for w in locale.periods[period] if w)
    sep = draw(st.sampled_from(locale.groups))
    mark_before = draw(st.booleans()) if locale.before and locale.after else bool(locale.before)
    mark = draw(st.sampled_from(locale.before if mark_before else locale.after))
    hint = locale.currency if mark.strip() == "kr" else None  # the posting's currency field
    if not mark_before and word.strip() in _GLUED:  # "£80pd", never "80 GBPpd"
        word = next(w for w in locale.periods[period] if w.strip() not in _GLUED)
    # no period word: a bare amount below a full-time annual salary in the currency is monthly
    below = monthly_below().get(locale.currency, Decimal(0))
    if period == "month" and not prefix and 1000 <= high < below and draw(st.booleans()):
        word = ""  # "R$ 8.000", "3.440 €"
    if period == "year" and not prefix and word.strip() in ("", "+ super") and high < below:
        period = "month"
    cents = with_cents and draw(st.booleans())  # "75.00" as well as "75"
    indian = locale.country == "IN" and draw(st.booleans())
    ten_thousands = (
        locale.currency == "JPY" and low % 10000 == 0 and high % 10000 == 0 and draw(st.booleans())
    )
    thousands = (
        locale.country in ("US", "GB", "AU", "CA")
        and low % 1000 == 0
        and high % 1000 == 0
        and draw(st.booleans())
    )

    def amount_text(value: Decimal) -> str:
        if ten_thousands:
            return f"{value // 10000}万"
        if thousands:
            return f"{value // 1000}{draw(st.sampled_from(['k', 'K']))}"
        return render(value, locale, sep, cents=cents, indian=indian)

    def end(value: Decimal, *, with_mark: bool, with_word: bool) -> str:
        core = amount_text(value)
        if with_mark:
            core = mark + core if mark_before else core + mark
        return (prefix if with_word else "") + core + (word if with_word else "")

    if not is_range:
        return end(low, with_mark=True, with_word=True), locale, low, high, period, hint
    mark_each = draw(st.booleans())
    unit_each = draw(st.booleans())
    connector = draw(st.sampled_from(locale.connectors))
    # the first end without the thousands groups the second writes: "45-55 000 €", "50-60.000 kr."
    if (
        not mark_before
        and sep.strip(" \u00a0\u202f") in ("", ".", ",", "'", "’")
        and sep != ""
        and not (thousands or ten_thousands or indian or cents)
        and low % 1000 == 0
        and high % 1 == 0
        and 1000 <= low < high < 1_000_000
        and not prefix
        and draw(st.booleans())
    ):
        text = f"{low // 1000}{connector}" + end(high, with_mark=True, with_word=True)
        return text, locale, low, high, period, hint
    first = end(low, with_mark=mark_each or mark_before, with_word=unit_each)
    second = end(high, with_mark=mark_each or not mark_before, with_word=True)
    if prefix and not unit_each:  # written once, before the whole range: "年収500万円~800万円"
        first = prefix + first
        second = second.removeprefix(prefix)
    return first + connector + second, locale, low, high, period, hint


@given(display_formats())
def test_display_formats_round_trip_to_exact_annual_amounts(
    generated: tuple[str, Locale, Decimal, Decimal, str, str | None],
) -> None:
    text, locale, low, high, period, hint = generated
    info = parse_salary(text, country=locale.country, currency=hint)
    assert info is not None, (text, explain_salary(text, country=locale.country, currency=hint)[1])
    got = (info.min_amount, info.max_amount, info.currency, info.period)
    assert got == (low, high, locale.currency, period), text
    assert (info.annual_min, info.annual_max) == (
        annualize(low, period, locale.country),
        annualize(high, period, locale.country),
    ), text


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        # a lone mark before three digits groups thousands, unless the currency has three minor digits
        ("KWD 850.500 per month", None, (D("850.5"), "KWD", "month")),
        ("EUR 850.500 per year", None, (D(850500), "EUR", "year")),
        # a clock time is no "pm" (per month); a contract length in months is no monthly pay
        ("£12.50 ph, 9am-5pm", "GB", (D("12.5"), "GBP", "hour")),
        ("45 000 € par an, CDD 6 mois", "FR", (D(45000), "EUR", "year")),
        ("£500 per day, 3 month contract", "GB", (D(500), "GBP", "day")),
        # the Japanese period word touches other letters; "kr" is SEK beside a Swedish word only
        ("想定年収600万円", "JP", (D(6000000), "JPY", "year")),
        ("32 000 kr i månaden", None, (D(32000), "SEK", "month")),
        # every two weeks: "bi-weekly" also holds "weekly", and a bare amount this small is no month
        ("$2,500 bi-weekly", "US", (D(2500), "USD", "fortnight")),
        ("$2,000 per fortnight", "AU", (D(2000), "AUD", "fortnight")),
        ("$1,200 weekly", "US", (D(1200), "USD", "week")),
        # "måned" is Danish and Norwegian: the posting's country decides; Norwegian alone without one
        ("kr 45 000 per måned", "DK", (D(45000), "DKK", "month")),
        ("kr 45 000 per måned", None, (D(45000), "NOK", "month")),
        ("SEK 32 000 kr i månaden", "DK", (D(32000), "SEK", "month")),  # a code beats the country
        ("45 000 kronor kr i månaden", "DK", (D(45000), "SEK", "month")),  # so does the word "kronor"
        # the first end leaves out the groups the second writes: in the second's unit
        ("45-55 000 € / an", "FR", (D(45000), "EUR", "year")),
        ("50-60.000 € brutto im Jahr", "DE", (D(50000), "EUR", "year")),
        ("1-2 000 000 ₽ в год", "RU", (D(1000000), "RUB", "year")),
        ("12-15,50 € pro Stunde", "DE", (D(12), "EUR", "hour")),  # a decimal is no group
        ("KWD 850 - 900.500 per month", None, (D(850), "KWD", "month")),  # 850,000 > 900.5: no range
        ("CHF80 - 95 pro Stunde", "CH", (D(80), "CHF", "hour")),
    ],
)
def test_contextual_readings(text: str, country: str | None, expected: tuple[Decimal, str, str]) -> None:
    info = parse_salary(text, country=country)
    assert info is not None, explain_salary(text, country=country)[1]
    assert (info.min_amount, info.currency, info.period) == expected


def test_kr_without_a_swedish_word_is_left_to_the_posting_currency() -> None:
    assert parse_salary("45 000 kr per år") is None  # SEK, NOK, DKK? not guessed
    info = parse_salary("45 000 kr per år", currency="NOK")
    assert info is not None and (info.currency, info.period, info.annual_min) == ("NOK", "year", 45000)


@st.composite
def naukri_lakh_ranges(draw: st.DrawFn) -> tuple[str, Decimal, Decimal, str]:
    """Naukri's and Shine's pay: "4.75-9.75 Lacs PA", "7 Lacs PA", a first end in rupees before a second in
    lakh ("50,000-1 Lacs PA"), and lakh per month ("Up to 2.70 LPM"), with the rupees and period it says."""
    lakh = Decimal(100_000)
    tenths = st.integers(min_value=1, max_value=990).map(lambda n: Decimal(n) / 4)  # 0.25 to 247.5 lakh
    high = draw(tenths)
    yearly = ["Lacs PA", "Lakhs PA", "LPA", "lakh per annum", "Lacs P.A."]
    word, period = draw(st.sampled_from([*((w, "year") for w in yearly), ("LPM", "month"), ("lpm", "month")]))
    form = draw(st.sampled_from(["single", "range", "rupees first"]))
    if form == "single":
        prefix = draw(st.sampled_from(["", "Up to ", "₹", "INR "]))
        return f"{prefix}{high.normalize():f} {word}", high * lakh, high * lakh, period
    if form == "range":
        low = draw(tenths.filter(lambda value: value < high))
        return f"{low.normalize():f}-{high.normalize():f} {word}", low * lakh, high * lakh, period
    thousands = int(min(99, high * lakh / 1000 - 1))  # the rupees end below the lakh end: a rising range
    low = Decimal(draw(st.integers(min_value=1, max_value=thousands)) * 1000)
    text = f"{_group(str(int(low)), ',', indian=True)}-{high.normalize():f} {word}"
    return text, low, high * lakh, period


@given(naukri_lakh_ranges())
def test_naukri_lakh_ranges_read_in_rupees(generated: tuple[str, Decimal, Decimal, str]) -> None:
    text, low, high, period = generated
    info = parse_salary(text, country="IN")
    assert info is not None, (text, explain_salary(text, country="IN")[1])
    assert (info.min_amount, info.max_amount, info.currency, info.period) == (low, high, "INR", period), text
