"""Slot extraction: amounts, dates, months, installments, charge kinds, payment methods, people, units."""

from __future__ import annotations

from datetime import date

import pytest

from agents.offline import Slots, extract_slots
from agents.offline.dataset import HELDOUT_FILE, TRAINING_FILE, load_examples

#: A Monday.
TODAY = date(2025, 11, 10)


def slots(text: str) -> Slots:
    return extract_slots(text, today=TODAY)


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("why was I charged $75", [7500]),
        ("it's 75 dollars", [7500]),
        ("the fee was 75.50", [7550]),
        ("rent is 1,850 a month", [185000]),
        ("$1850 due?", [185000]),
        ("$1,850.00", [185000]),
        ("$ 75", [7500]),
        ("75 bucks for what", [7500]),
        ("me cobraron 75$", [7500]),
        ("setenta y cinco dólares", [7500]),
        ("two hundred and fifty dollars", [25000]),
        ("mil quinientos dolares", [150000]),
        ("I owe like 2k", [200000]),
        ("$2k", [200000]),
        ("$75.5", [7550]),
        ("50 cents extra?", [50]),
        ("i can pay 800 today and the rest friday", [80000]),
        ("pague 500 el lunes", [50000]),
        ("my rent is 1200 not 1250", [120000]),
        ("i paid $500 and $500 again, $500 twice", [50000]),
        ("$600 on the 1st and $600 on the 15th", [60000]),
        ("can i split the $1,850 into 2 payments", [185000]),
    ],
)
def test_amounts(text: str, cents: list[int]) -> None:
    assert slots(text).amounts_cents == cents


@pytest.mark.parametrize(
    "text",
    [
        "what does unit 12 owe",
        "can I pay in 2 payments",
        "paid 3 days ago",
        "pay on the 15th",
        "call me at 555-123-4567",
        "I'm in 4B",
        "24/7 maintenance?",
        "1/2 now",
    ],
)
def test_numbers_that_are_not_money(text: str) -> None:
    assert slots(text).amounts_cents == []


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("I paid on the 3rd why the late fee", [date(2025, 11, 3)]),
        ("can i pay half now and half on the 15th", [date(2025, 11, 15)]),
        ("i'll pay on the 28th", [date(2025, 11, 28)]),
        ("i paid on the 28th", [date(2025, 10, 28)]),
        ("i'll pay on the 5th", [date(2025, 12, 5)]),
        ("Nov 3", [date(2025, 11, 3)]),
        ("November 3rd, 2024", [date(2024, 11, 3)]),
        ("3 nov", [date(2025, 11, 3)]),
        ("11/3", [date(2025, 11, 3)]),
        ("11/3/24", [date(2024, 11, 3)]),
        ("15/11", [date(2025, 11, 15)]),
        ("2025-12-01", [date(2025, 12, 1)]),
        ("i'll pay Dec 28", [date(2025, 12, 28)]),
        ("i'll pay jan 3", [date(2026, 1, 3)]),
        ("i paid jan 3", [date(2025, 1, 3)]),
        ("on friday", [date(2025, 11, 14)]),
        ("I'll pay friday", [date(2025, 11, 14)]),
        ("paid friday", [date(2025, 11, 7)]),
        ("last friday", [date(2025, 11, 7)]),
        ("next friday", [date(2025, 11, 21)]),
        ("pending since friday", [date(2025, 11, 7)]),
        ("tomorrow", [date(2025, 11, 11)]),
        ("today", [date(2025, 11, 10)]),
        ("tonight after work", [date(2025, 11, 10)]),
        ("yesterday", [date(2025, 11, 9)]),
        ("day after tomorrow", [date(2025, 11, 12)]),
        ("in 3 days", [date(2025, 11, 13)]),
        ("in two weeks", [date(2025, 11, 24)]),
        ("by the end of the month", [date(2025, 11, 30)]),
        ("the 1st of next month", [date(2025, 12, 1)]),
        ("first of the month", [date(2025, 11, 1)]),
        ("the fifteenth", [date(2025, 11, 15)]),
        ("by the twenty-first", [date(2025, 11, 21)]),
        ("on the 1st or the 3rd?", [date(2025, 11, 1), date(2025, 11, 3)]),
        ("paid on the 3rd, will pay the rest on the 20th", [date(2025, 11, 3), date(2025, 11, 20)]),
        ("el 15", [date(2025, 11, 15)]),
        ("el dia 3 me pagan", [date(2025, 12, 3)]),
        ("hasta el 10", [date(2025, 11, 10)]),
        ("el viernes", [date(2025, 11, 14)]),
        ("el viernes pasado", [date(2025, 11, 7)]),
        ("pague el lunes", [date(2025, 11, 3)]),
        ("mañana pago", [date(2025, 11, 11)]),
        ("mañana en la mañana", [date(2025, 11, 11)]),
        ("esta mañana pagué", [date(2025, 11, 10)]),
        ("pasado mañana", [date(2025, 11, 12)]),
        ("ayer", [date(2025, 11, 9)]),
        ("hoy", [date(2025, 11, 10)]),
        ("15 de noviembre", [date(2025, 11, 15)]),
        ("el quince de diciembre", [date(2025, 12, 15)]),
        ("el primero", [date(2025, 11, 1)]),
        ("a fin de mes", [date(2025, 11, 30)]),
        ("en dos semanas", [date(2025, 11, 24)]),
    ],
)
def test_dates_resolve_against_today(text: str, dates: list[date]) -> None:
    assert slots(text).dates == dates


@pytest.mark.parametrize(
    "text",
    [
        "the 3rd floor",
        "24/7",
        "pay 1/2 now",
        "by 5pm",
        "may i pay by card",
        "sat down",
        "every friday",
        "los viernes",
    ],
)
def test_not_dates(text: str) -> None:
    assert slots(text).dates == []


def test_weekday_on_its_own_day_is_next_week() -> None:
    friday = date(2025, 11, 14)
    assert extract_slots("i'll pay friday", today=friday).dates == [date(2025, 11, 21)]


def test_next_weekday_from_a_saturday_is_the_coming_one() -> None:
    saturday = date(2025, 11, 15)
    assert extract_slots("next friday", today=saturday).dates == [date(2025, 11, 21)]


def test_year_rolls_over_at_new_year() -> None:
    assert extract_slots("i'll pay on jan 2", today=date(2025, 12, 28)).dates == [date(2026, 1, 2)]
    assert extract_slots("i paid on dec 30", today=date(2026, 1, 3)).dates == [date(2025, 12, 30)]
    assert extract_slots("the 30th", today=date(2026, 1, 3)).dates == [date(2025, 12, 30)]


def test_a_day_the_month_lacks_is_skipped_for_that_month() -> None:
    assert extract_slots("the 31st", today=date(2025, 11, 10)).dates == [date(2025, 10, 31)]
    assert extract_slots("feb 30", today=TODAY).dates == []


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("October rent", [(2025, 10)]),
        ("octubre", [(2025, 10)]),
        ("last month", [(2025, 10)]),
        ("this month", [(2025, 11)]),
        ("next month's rent", [(2025, 12)]),
        ("el mes pasado", [(2025, 10)]),
        ("el próximo mes", [(2025, 12)]),
        ("el mes que viene", [(2025, 12)]),
        ("este mes", [(2025, 11)]),
        ("january", [(2026, 1)]),
        ("rent for march 2024", [(2024, 3)]),
        ("what did i pay in may", [(2025, 5)]),
        ("october and november charges", [(2025, 10), (2025, 11)]),
    ],
)
def test_months(text: str, months: list[tuple[int, int]]) -> None:
    assert slots(text).months == months


@pytest.mark.parametrize("text", ["may i pay late", "march over to the office", "Nov 3", "end of the month"])
def test_not_months(text: str) -> None:
    assert slots(text).months == []


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("can i pay in two parts", 2),
        ("2 payments", 2),
        ("3 installments", 3),
        ("half now half later", 2),
        ("split it into 3", 2 + 1),
        ("en dos pagos", 2),
        ("en 3 partes", 3),
        ("puedo pagar la mitad ahora", 2),
        ("dividirlo en cuatro", 4),
        ("can I spread it over 3 paychecks", 3),
        ("can i pay twice a month", 2),
        ("what do i owe", None),
        ("i'll pay in one payment", None),
        ("in 3 days", None),
    ],
)
def test_installments(text: str, parts: int | None) -> None:
    assert slots(text).installments == parts


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("why the late fee", ["late_fee"]),
        ("what's the NSF thing", ["nsf_fee"]),
        ("bounced check fee?", ["nsf_fee"]),
        ("returned payment fee", ["nsf_fee"]),
        ("why am i paying pet rent", ["pet"]),
        ("pet deposit refund", ["pet"]),
        ("parking spot charge", ["parking"]),
        ("the water bill is high", ["utility"]),
        ("what's this trash fee", ["utility"]),
        ("RUBS charge", ["utility"]),
        ("carpet cleaning charge", ["cleaning"]),
        ("damage charge from move out", ["damage"]),
        ("lost key fee", ["key"]),
        ("security deposit", ["deposit"]),
        ("rent and the late fee", ["rent", "late_fee"]),
        ("cargo por atraso", ["late_fee"]),
        ("me pusieron un recargo", ["late_fee"]),
        ("el cobro de agua", ["utility"]),
        ("cargo de estacionamiento", ["parking"]),
        ("me cobraron limpieza", ["cleaning"]),
        ("perdí mi llave", ["key"]),
        ("me devuelven el depósito?", ["deposit"]),
        ("la renta", ["rent"]),
        ("water is pouring from the ceiling", []),
        ("la llave del baño gotea", []),
        ("my direct deposit hits friday", []),
        ("mañana deposito", []),
        ("gas leak", []),
    ],
)
def test_charge_kinds(text: str, kinds: list[str]) -> None:
    assert slots(text).charge_kinds == kinds


@pytest.mark.parametrize(
    ("text", "methods"),
    [
        ("can i pay by card", ["card"]),
        ("credit card fee?", ["card"]),
        ("debit ok?", ["card"]),
        ("puedo pagar con tarjeta", ["card"]),
        ("pay from my bank account", ["ach"]),
        ("is my ach pending", ["ach"]),
        ("echeck", ["ach"]),
        ("where do i mail a check", ["check"]),
        ("cashier's check", ["check"]),
        ("did my check clear", ["check"]),
        ("acepta cheque?", ["check"]),
        ("money order", ["money_order"]),
        ("cash at the office", ["cash"]),
        ("pago en efectivo", ["cash"]),
        ("money order or cash", ["money_order", "cash"]),
        ("can you check my balance", []),
        ("cash app?", []),
        ("my key card doesn't work", []),
        ("i'll pay when my check comes in", []),
        ("do i have a credit on my account", []),
    ],
)
def test_payment_methods(text: str, methods: list[str]) -> None:
    assert slots(text).payment_methods == methods


@pytest.mark.parametrize(
    "text",
    [
        "my neighbor in 4B",
        "how much does my neighbor owe",
        "is my neighbor behind on rent",
        "how much does John Smith owe",
        "what does he owe",
        "did Maria pay",
        "what does unit 12 owe",
        "is apt 3C behind",
        "unit 12's balance",
        "John's balance?",
        "my mom's account balance",
        "cuanto debe mi vecino",
        "mi vecino ya pagó la renta?",
        "cuanto debe Juan?",
        "el 4b debe mucho?",
        "la cuenta de Maria",
        "another tenant's balance",
    ],
)
def test_other_person(text: str) -> None:
    assert slots(text).other_person


@pytest.mark.parametrize(
    "text",
    [
        "how much does my roommate owe",
        "did my roommate pay her half",
        "my husband's payment",
        "cuanto debe mi compañero de cuarto",
        "what do i owe",
        "how much do we owe",
        "did my mom pay yet",
        "i live in 4B, what's my balance",
        "my neighbor is really loud",
        "mi vecino me esta amenazando",
        "balance for unit 4B",
        "how much does rent cost",
        "cuanto debe ser el deposito",
        "when do i have to pay by",
        "hey when's rent due this month",
        "is there a late fee if i pay on the 2nd",
        "how late is too late",
        "is there a fee to transfer to another unit",
        "how much has been paid this month",
        "cuando tengo que pagar la renta de diciembre",
        "le prometo que el 5 pago todo",
    ],
)
def test_not_other_person(text: str) -> None:
    assert not slots(text).other_person


def test_other_person_is_rare_in_ordinary_messages() -> None:
    examples = load_examples(TRAINING_FILE) + load_examples(HELDOUT_FILE)
    flagged = [example.text for example in examples if slots(example.text).other_person]
    assert len(flagged) <= len(examples) // 100, flagged


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("my neighbor in 4B", ["4B"]),
        ("unit 12", ["12"]),
        ("apt 4b", ["4B"]),
        ("Apartment #204", ["204"]),
        ("#12 here", ["12"]),
        ("apto 5", ["5"]),
        ("el del 4b", ["4B"]),
        ("unit B", ["B"]),
        ("unit B-12", ["B12"]),
        ("I'm in 12A", ["12A"]),
        ("what do i owe", []),
        ("I owe 2k", []),
        ("the 3rd floor", []),
    ],
)
def test_unit_mentions(text: str, units: list[str]) -> None:
    assert slots(text).unit_mentions == units


def test_a_mixed_message_fills_several_slots() -> None:
    result = slots(
        "paid $600 by card on the 3rd, can I pay the other $600 + late fee in 2 payments by the 20th?"
    )
    assert result.amounts_cents == [60000]
    assert result.dates == [date(2025, 11, 3), date(2025, 11, 20)]
    assert result.payment_methods == ["card"]
    assert result.charge_kinds == ["late_fee"]
    assert result.installments == 2


def test_nothing_to_find() -> None:
    assert slots("hello") == Slots()


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("can i pay 500 now and the rest friday", [(500_00, TODAY), (None, date(2025, 11, 14))]),
        ("half now and half on the 15th", [(None, TODAY), (None, date(2025, 11, 15))]),
        (
            "i can do 300 on the 1st, 300 on the 15th and the rest on the 30th",
            [(300_00, date(2025, 12, 1)), (300_00, date(2025, 12, 15)), (None, date(2025, 12, 30))],
        ),
        ("puedo pagar 500 ahora y el resto el viernes", [(500_00, TODAY), (None, date(2025, 11, 14))]),
        ("can i pay in 2 parts", []),
        ("can i pay 800 today", []),
        # as typed on a phone: a thousands comma, "could i do", no conjunction, "n", "&"
        ("Can I pay $2,000 today and the rest Friday?", [(2000_00, TODAY), (None, date(2025, 11, 14))]),
        (
            "could i do 2500 friday and the remainder on the 20th",
            [(2500_00, date(2025, 11, 14)), (None, date(2025, 11, 20))],
        ),
        ("pay 2000 now rest friday", [(2000_00, TODAY), (None, date(2025, 11, 14))]),
        ("can i pay 500 now n the rest fri", [(500_00, TODAY), (None, date(2025, 11, 14))]),
        ("500 today & rest on friday", [(500_00, TODAY), (None, date(2025, 11, 14))]),
        ("can i pay 500, 600 and 700", [(500_00, None), (600_00, None), (700_00, None)]),
    ],
)
def test_the_residents_own_plan_terms(text: str, terms: list[tuple[int | None, date | None]]) -> None:
    assert slots(text).plan_terms == terms


@pytest.mark.parametrize(
    ("text", "claim"),
    [
        ("I already paid", True),
        ("i paid 700 on the 2nd didnt that go thru?", True),
        ("my roommate paid his part", True),
        ("ya pague", True),
        ("mi compañera ya pagó su parte", True),
        ("i alredy paid", True),
        ("paid it already", True),
        ("already paid!!", True),
        ("my roomate paid his part", True),
        ("roommate paid his half", True),
        ("my roommate sent his part", True),
        ("we both paid our parts", True),
        ("i pd 700 on the 2nd", True),
        ("can u show me what i paid in november", False),
        ("my roommate will pay his part friday", False),
        ("is it already paid", False),
        ("how much i paid last month", False),
        ("i get paid on the 15th", False),
    ],
)
def test_a_claim_to_have_paid(text: str, claim: bool) -> None:
    assert slots(text).paid_claim is claim


def test_saying_the_ledger_is_wrong_is_told_apart_from_a_claim() -> None:
    assert slots("this late fee is wrong, we paid on time").contests
    assert not slots("I already paid").contests


@pytest.mark.parametrize(
    "text",
    [
        "wat",
        "?",
        "huh",
        "what do you mean",
        "no entiendo",
        "que?",
        "??",
        "what u mean",
        "wdym",
        "idk what that means",
        "i dont get it",
        "not sure what u mean",
    ],
)
def test_a_short_what_is_confusion(text: str) -> None:
    assert slots(text).confused


@pytest.mark.parametrize("text", ["what is the late fee", "thanks", "what do i owe", "que debo"])
def test_a_question_is_not_confusion(text: str) -> None:
    assert not slots(text).confused


@pytest.mark.parametrize(
    ("text", "refund", "credit"),
    [
        ("can u refund the 150 to my card", True, False),
        ("me pueden reembolsar el credito", True, True),
        ("why do i have a credit", False, True),
        ("por que tengo saldo a favor", False, True),
        ("is there a fee for a credit card", False, False),
        ("when do i get my deposit back", False, False),
        ("can i get the 150 back", True, False),
        ("can u send the 150 back to my card", True, False),
        ("i want my 150 refunded", True, False),
        ("can i get a refund of my credit", True, True),
        ("can i get my deposit back", False, False),
        ("why is my balance negative", False, True),
    ],
)
def test_refund_requests_and_account_credit(text: str, refund: bool, credit: bool) -> None:
    found = slots(text)
    assert (found.refund_request, found.account_credit) == (refund, credit)


@pytest.mark.parametrize("text", ["cuanto paga mi vecino", "what is my neighbor in the next unit paying"])
def test_another_residents_payments_are_someone_elses(text: str) -> None:
    assert slots(text).other_person


@pytest.mark.parametrize(
    ("text", "deposit"),
    [
        ("what about my depost", True),
        ("wheres my deposite", True),
        ("did i get my security depsit back", True),
        ("que paso con mi deposito", True),
        ("the bus depot", False),
        ("mi deposito directo", False),
    ],
)
def test_the_deposit_as_typed_on_a_phone(text: str, deposit: bool) -> None:
    assert slots(text).deposit is deposit
