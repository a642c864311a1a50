"""Dates and money as residents read them, in English and Spanish. Used by answers and the checker."""

from __future__ import annotations

from datetime import date

from app.money import format_cents

MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
MONTHS_ES = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)


def format_date(day: date, language: str = "en", *, year: bool = False) -> str:
    """ "Nov 1" / "Nov 1, 2026" in English; "1 de noviembre" / "1 de noviembre de 2026" in Spanish."""
    if language == "es":
        text = f"{day.day} de {MONTHS_ES[day.month - 1]}"
        return f"{text} de {day.year}" if year else text
    text = f"{MONTHS_EN[day.month - 1][:3]} {day.day}"
    return f"{text}, {day.year}" if year else text


def format_month(year: int, month: int, language: str = "en") -> str:
    return f"{MONTHS_ES[month - 1]} de {year}" if language == "es" else f"{MONTHS_EN[month - 1]} {year}"


def money(cents: int) -> str:
    return format_cents(cents)
