"""Dates and months a message names, resolved against the day it was sent.

Dates: "2025-11-03", "11/3", "11/3/25", "Nov 3", "November 3rd, 2025", "3 Nov", "15 de noviembre",
"the 15th", "on the 5", "the fifteenth", "el 15", "el dia 3", "el quince", "el primero", "today",
"tonight", "tomorrow", "yesterday", "hoy", "manana" (not "la manana", the morning), "pasado manana",
"ayer", "in 3 days", "en dos semanas", "end of the month", "fin de mes", weekdays ("friday",
"next friday", "last friday", "el viernes", "el viernes pasado").
Months (no day named): "October", "octubre", "this month", "last month", "next month", "el mes pasado",
"el proximo mes".

No year is ever invented: a date or month without one gets the candidate nearest to `today`, unless
its clause says which way to look. A past cue ("paid", "sent", "pague", "since") picks the latest
candidate on or before today; a future cue ("will", "I'll", "can I", "by", "until", "voy a", "hasta")
the earliest on or after today. A bare day ("the 15th") is tried in last, this and next month, the same
way. Weekdays: "friday" is the next Friday after today (the previous one after a past cue, as in "paid
friday"); "last friday" the previous one; "next friday" the Friday of next week (Monday to Sunday) —
on a Monday that is eleven days away, on a Saturday six. Numeric dates are month/day (US) unless
the first number cannot be a month ("15/11"). "1/2", "1/3", "2/3", "1/4", "3/4" and "24/7" are
fractions, not dates.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import Final

from agents.offline.slot_parsers.numbers import (
    NUMBER_WORD_PATTERN,
    ORDINAL_WORD_PATTERN,
    number_word_spans,
    ordinal_value,
)
from agents.offline.slot_parsers.spans import Claimed, first_seen
from agents.offline.slot_parsers.tense import Tense, tense_at

YearMonth = tuple[int, int]

MONTHS: Final = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
    "enero": 1, "ene": 1, "febrero": 2, "marzo": 3, "abril": 4, "abr": 4, "mayo": 5, "junio": 6,
    "julio": 7, "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11,
    "diciembre": 12, "dic": 12,
}  # fmt: skip
#: Month words that are also ordinary words ("may I", "march", "mar" the sea): months only in context.
_AMBIGUOUS_MONTHS: Final = frozenset({"may", "march", "mar", "jan", "ene"})
_MONTH: Final = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")"
_MONTH_CONTEXT_BEFORE: Final = re.compile(
    r"\b(?:in|for|of|since|until|til|till|through|last|this|next|early|late|mid|from|to|de|en|desde|hasta|"
    r"para|el mes de|rent|renta)\s+$"
)
_MONTH_CONTEXT_AFTER: Final = re.compile(r"\s+(?:rent|renta|\d{4}|payment|pago|bill|'s)\b")

WEEKDAYS: Final = {
    "monday": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "thursday": 3, "thurs": 3, "thu": 3,
    "friday": 4, "fri": 4, "saturday": 5, "sunday": 6, "mon": 0, "wed": 2, "sat": 5, "sun": 6,
    "lunes": 0, "martes": 1, "miercoles": 2, "jueves": 3, "viernes": 4, "sabado": 5, "domingo": 6,
}  # fmt: skip
#: Abbreviations that are also English words ("sat", "sun", "wed", "mon"): weekdays only after a modifier.
_AMBIGUOUS_WEEKDAYS: Final = frozenset({"mon", "wed", "sat", "sun"})
_WEEKDAY: Final = r"(?P<weekday>" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")"

_ORDINAL_SUFFIX: Final = r"(?:st|nd|rd|th)"
_YEAR: Final = r"(?P<year>\d{4})"

_ISO: Final = re.compile(r"\b(?P<year>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b")
_NUMERIC: Final = re.compile(r"(?<![\d$.,/])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?(?![\d/%])")
_FRACTIONS: Final = frozenset({(1, 2), (1, 3), (2, 3), (1, 4), (3, 4), (24, 7)})
_MONTH_DAY: Final = re.compile(
    r"\b" + _MONTH + r"\.?\s+(?:the\s+)?(?P<day>\d{1,2})" + _ORDINAL_SUFFIX + r"?\b(?:,?\s+" + _YEAR + r")?"
)
_DAY_MONTH: Final = re.compile(
    r"\b(?P<day>\d{1,2})" + _ORDINAL_SUFFIX + r"?\s+(?:of\s+|de\s+)?" + _MONTH + r"\b"
    r"(?:,?\s+(?:de\s+|del\s+)?" + _YEAR + r")?"
)
_WORD_DAY_MONTH: Final = re.compile(
    r"\b(?:the\s+|el\s+)?(?P<words>" + ORDINAL_WORD_PATTERN + r"|(?:" + NUMBER_WORD_PATTERN + r")"
    r"(?:\s+y\s+(?:" + NUMBER_WORD_PATTERN + r"))?)\s+(?:of|de)\s+" + _MONTH + r"\b"
)

_RELATIVE_DAYS: Final = (
    (re.compile(r"\b(?:the\s+)?day\s+after\s+tomorrow\b|\bpasado\s+manana\b"), 2),
    (re.compile(r"\b(?:the\s+)?day\s+before\s+yesterday\b|\bantier\b|\banteayer\b|\bantes\s+de\s+ayer"), -2),
    (re.compile(r"\b(?:this|esta)\s+(?:morning|afternoon|evening|noche|tarde|manana)\b"), 0),
    (re.compile(r"\b(?:today|tonight|tonite|hoy)\b"), 0),
    (re.compile(r"\b(?:tomorrow|tmrw|tmr|tmrrw|tomorow|tommorow|tommorrow|tomorrw|2morrow|2moro)\b"), 1),
    (re.compile(r"\b(?:yesterday|yday|last\s+night|ayer|anoche)\b"), -1),
    # "manana" is tomorrow, except "la manana" / "en la manana" / "de la manana": the morning.
    (re.compile(r"(?<!\bla )(?<!\buna )\bmanana\b"), 1),
)
_IN_PERIOD: Final = re.compile(
    r"\b(?:in|en|within|dentro\s+de)\s+(?P<count>\d{1,2}|a|an|un|una|a\s+couple(?:\s+of)?|"
    + NUMBER_WORD_PATTERN
    + r")\s+(?P<unit>days?|dias|weeks?|semanas?)\b"
)
_END_OF_MONTH: Final = re.compile(
    r"\b(?:(?:the\s+)?end\s+of\s+(?:the\s+)?(?P<en>next\s+|this\s+)?month|"
    r"(?:a\s+)?(?:fin|finales)\s+(?:de|del)\s+(?P<es>proximo\s+)?mes)\b"
)
_WEEKDAY_PHRASE: Final = re.compile(
    r"(?<!\blos )(?<!\bevery )(?<!\bcada )"
    r"\b(?:(?P<mod>last|this|next|coming|on|by|until|til|till|el\s+proximo|el|este|proximo)\s+)?"
    + _WEEKDAY
    + r"\b(?:\s+(?P<after>pasado|que\s+viene|que\s+entra|proximo))?"
)
_DAY_ORDINAL: Final = re.compile(
    r"(?:\bthe\s+)?\b(?P<day>\d{1,2})" + _ORDINAL_SUFFIX + r"\b"
    r"(?!\s+(?:floor|fl|street|st|ave|avenue|grade|time|try|attempt|place|payment|installment|month|week|"
    r"year|day|person|party|unit|door|building|child|kid)s?\b)"
)
_DAY_AFTER_PREPOSITION: Final = re.compile(
    r"\b(?:on|by|before|after|until|til|till|since)\s+(?:the\s+)?(?P<day>\d{1,2})\b"
    r"(?!\s*(?:am|pm|a\.m|p\.m|:|%|\$|dollars?|bucks|days?|weeks?|months?|years?|payments?|installments?|"
    r"o'?clock|ish|units?|people|times|hours?|minutes?)\b)(?![:%$.,]\d)"
)
_DAY_SPANISH: Final = re.compile(
    r"\b(?:(?:hasta|para|desde|antes|despues)\s+)?(?:el|del|al)\s+(?:dia\s+)?(?P<day>\d{1,2})\b"
    r"(?!\s*(?:%|de\s+(?:la\s+)?(?:manana|tarde|noche)|dolares?|dlls?|pagos?|partes|dias|semanas|meses|"
    r"por\s+ciento|am|pm|a\.m|p\.m)\b)(?![:%$.,]?\d)|\bdia\s+(?P<bare>\d{1,2})\b"
)
_DAY_WORDS: Final = re.compile(
    r"\b(?:(?:the|on\s+the|by\s+the)\s+(?P<ordinal>" + ORDINAL_WORD_PATTERN + r")\b"
    r"|(?P<bare_ordinal>" + ORDINAL_WORD_PATTERN + r")(?=\s+of\s+(?:the\s+|this\s+|next\s+)?month\b)"
    r"|(?:el|del|al)\s+(?:dia\s+)?(?P<spanish>primero|(?:" + NUMBER_WORD_PATTERN + r")"
    r"(?:\s+y\s+(?:" + NUMBER_WORD_PATTERN + r"))?)\b)"
)
#: After a bare day: which month it belongs to ("the 1st of next month", "el 5 del mes que viene").
_MONTH_SUFFIX: Final = re.compile(
    r"\s+(?:of\s+(?:the\s+)?(?P<en>this|next|last|current|coming)?\s*month"
    r"|(?:de|del)\s+(?:(?P<es_this>este)\s+mes|mes\s+(?P<es_next>que\s+viene|que\s+entra)|"
    r"(?P<es_next2>proximo|siguiente)\s+mes|mes\s+(?P<es_last>pasado)|mes))\b"
)

_RELATIVE_MONTHS: Final = (
    (re.compile(r"\b(?:this|current|este)\s+month\b|\beste\s+mes\b"), 0),
    (re.compile(r"\b(?:last|previous|past)\s+month\b|\bmes\s+(?:pasado|anterior)\b"), -1),
    (
        re.compile(
            r"\b(?:next|coming|following)\s+month\b|\b(?:proximo|siguiente)\s+mes\b|\bmes\s+que\s+(?:viene|entra)\b"
        ),
        1,
    ),
)
_MONTH_ALONE: Final = re.compile(r"\b" + _MONTH + r"\b(?:\s+(?:de\s+|del\s+)?" + _YEAR + r")?")


def find_dates_and_months(folded: str, *, today: date) -> tuple[list[date], list[YearMonth]]:
    """Dates and (year, month) pairs named in `folded` text, each in order of appearance, once."""
    claimed = Claimed()
    dates: list[tuple[int, date]] = []
    dates.extend(_explicit_dates(folded, today, claimed))
    dates.extend(_relative_dates(folded, today, claimed))
    dates.extend(_weekday_dates(folded, today, claimed))
    dates.extend(_day_only_dates(folded, today, claimed))
    months = _months(folded, today, claimed)
    return first_seen(dates), first_seen(months)


def _explicit_dates(folded: str, today: date, claimed: Claimed) -> list[tuple[int, date]]:
    found: list[tuple[int, date]] = []
    for match in claimed.take(_ISO, folded):
        found.extend(_exact(match.start(), int(match["year"]), int(match["m"]), int(match["d"])))
    for match in claimed.take(_NUMERIC, folded):
        first, second = int(match["a"]), int(match["b"])
        if match["y"] is None and (first, second) in _FRACTIONS:
            continue
        month, day = (second, first) if first > 12 else (first, second)
        if match["y"]:
            found.extend(_exact(match.start(), _full_year(match["y"]), month, day))
        else:
            found.extend(_month_day(folded, match, today, month, day))
    for pattern in (_MONTH_DAY, _DAY_MONTH):
        for match in claimed.take(pattern, folded):
            month, day = MONTHS[match["month"]], int(match["day"])
            if match["year"]:
                found.extend(_exact(match.start(), int(match["year"]), month, day))
            else:
                found.extend(_month_day(folded, match, today, month, day))
    for match in claimed.take(_WORD_DAY_MONTH, folded):
        worded_day = _day_from_words(match["words"])
        if worded_day is not None:
            found.extend(_month_day(folded, match, today, MONTHS[match["month"]], worded_day))
    return found


def _relative_dates(folded: str, today: date, claimed: Claimed) -> list[tuple[int, date]]:
    found: list[tuple[int, date]] = []
    for pattern, offset in _RELATIVE_DAYS:
        for match in claimed.take(pattern, folded):
            found.append((match.start(), today + timedelta(days=offset)))
    for match in claimed.take(_IN_PERIOD, folded):
        count = _count(match["count"])
        if count is not None:
            days = count * (7 if match["unit"].startswith(("week", "semana")) else 1)
            found.append((match.start(), today + timedelta(days=days)))
    for match in claimed.take(_END_OF_MONTH, folded):
        next_month = bool(match["en"] and match["en"].startswith("next")) or bool(match["es"])
        year, month = _shift_month(today.year, today.month, 1 if next_month else 0)
        found.append((match.start(), date(year, month, calendar.monthrange(year, month)[1])))
    return found


def _weekday_dates(folded: str, today: date, claimed: Claimed) -> list[tuple[int, date]]:
    found: list[tuple[int, date]] = []
    for match in _WEEKDAY_PHRASE.finditer(folded):
        modifier = (match["mod"] or "").replace(" ", "")
        name = match["weekday"]
        if name in _AMBIGUOUS_WEEKDAYS and not modifier:
            continue
        if claimed.overlaps(*match.span()):
            continue
        claimed.claim(*match.span())
        weekday = WEEKDAYS[name]
        after = (match["after"] or "").replace(" ", "")
        ahead = (weekday - today.weekday()) % 7 or 7
        behind = (today.weekday() - weekday) % 7 or 7
        if modifier == "last" or after == "pasado":
            found.append((match.start(), today - timedelta(days=behind)))
        elif modifier == "next":
            upcoming = today + timedelta(days=ahead)
            same_week = upcoming.isocalendar()[:2] == today.isocalendar()[:2]
            found.append((match.start(), upcoming + timedelta(days=7 if same_week else 0)))
        elif (
            not modifier.startswith(("this", "coming", "elproximo", "proximo", "este"))
            and not after
            and (tense_at(folded, *match.span()) == "past")
        ):
            found.append((match.start(), today - timedelta(days=behind)))
        else:
            found.append((match.start(), today + timedelta(days=ahead)))
    return found


def _day_only_dates(folded: str, today: date, claimed: Claimed) -> list[tuple[int, date]]:
    found: list[tuple[int, date]] = []
    for pattern in (_DAY_ORDINAL, _DAY_AFTER_PREPOSITION, _DAY_SPANISH, _DAY_WORDS):
        for match in claimed.take(pattern, folded):
            day = _day_of(match)
            if day is None or not 1 <= day <= 31:
                continue
            suffix = _MONTH_SUFFIX.match(folded, match.end())
            if suffix:
                claimed.claim(match.end(), suffix.end())
                offset = _suffix_offset(suffix)
                year, month = _shift_month(today.year, today.month, offset)
                found.extend(_exact(match.start(), year, month, day))
                continue
            tense = tense_at(folded, *match.span())
            candidates = []
            for offset in (-1, 0, 1):
                year, month = _shift_month(today.year, today.month, offset)
                if day <= calendar.monthrange(year, month)[1]:
                    candidates.append(date(year, month, day))
            chosen = _choose(candidates, today, tense)
            if chosen is not None:
                found.append((match.start(), chosen))
    return found


def _months(folded: str, today: date, claimed: Claimed) -> list[tuple[int, YearMonth]]:
    found: list[tuple[int, YearMonth]] = []
    for pattern, offset in _RELATIVE_MONTHS:
        for match in claimed.take(pattern, folded):
            found.append((match.start(), _shift_month(today.year, today.month, offset)))
    for match in _MONTH_ALONE.finditer(folded):
        if claimed.overlaps(*match.span()):
            continue
        name = match["month"]
        if name in _AMBIGUOUS_MONTHS and not (
            _MONTH_CONTEXT_BEFORE.search(folded, 0, match.start())
            or _MONTH_CONTEXT_AFTER.match(folded, match.end("month"))
        ):
            continue
        claimed.claim(*match.span())
        month = MONTHS[name]
        if match["year"]:
            found.append((match.start(), (int(match["year"]), month)))
            continue
        candidates = [date(today.year + shift, month, 1) for shift in (-1, 0, 1)]
        chosen = _choose(candidates, today.replace(day=1), tense_at(folded, *match.span()))
        if chosen is not None:
            found.append((match.start(), (chosen.year, chosen.month)))
    return found


def _month_day(
    folded: str, match: re.Match[str], today: date, month: int, day: int
) -> list[tuple[int, date]]:
    """A month and day without a year: the year the clause's tense (or nearness) picks."""
    candidates = []
    for year in (today.year - 1, today.year, today.year + 1):
        if 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]:
            candidates.append(date(year, month, day))
    chosen = _choose(candidates, today, tense_at(folded, *match.span()))
    return [(match.start(), chosen)] if chosen else []


def _choose(candidates: list[date], today: date, tense: Tense) -> date | None:
    """The candidate the tense points at (on or before / on or after today), else the nearest."""
    if not candidates:
        return None
    if tense == "past":
        past = [candidate for candidate in candidates if candidate <= today]
        if past:
            return max(past)
    if tense == "future":
        future = [candidate for candidate in candidates if candidate >= today]
        if future:
            return min(future)
    return min(candidates, key=lambda candidate: (abs((candidate - today).days), candidate < today))


def _exact(start: int, year: int, month: int, day: int) -> list[tuple[int, date]]:
    if 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]:
        return [(start, date(year, month, day))]
    return []


def _day_of(match: re.Match[str]) -> int | None:
    groups = match.groupdict()
    for name in ("day", "bare"):
        if groups.get(name):
            return int(groups[name])
    for name in ("ordinal", "bare_ordinal"):
        if groups.get(name):
            return ordinal_value(groups[name])
    if groups.get("spanish"):
        return _day_from_words(groups["spanish"])
    return None


def _day_from_words(words: str) -> int | None:
    ordinal = ordinal_value(words)
    if ordinal is not None:
        return ordinal
    spans = number_word_spans(words)
    if len(spans) == 1 and 1 <= spans[0].value <= 31:
        return spans[0].value
    return None


def _count(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text in ("a", "an", "un", "una"):
        return 1
    if text.startswith("a couple"):
        return 2
    spans = number_word_spans(text)
    return spans[0].value if len(spans) == 1 else None


def _suffix_offset(suffix: re.Match[str]) -> int:
    if suffix["en"] in ("next", "coming") or suffix["es_next"] or suffix["es_next2"]:
        return 1
    if suffix["en"] == "last" or suffix["es_last"]:
        return -1
    return 0


def _shift_month(year: int, month: int, offset: int) -> YearMonth:
    index = year * 12 + (month - 1) + offset
    return index // 12, index % 12 + 1


def _full_year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)
