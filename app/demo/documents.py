"""The demo portfolio's documents, written from the same lease terms the demo ledger uses.

Every amount, day and rule in these documents is formatted from a `PropertyDocTerms`, so a demo lease
never says $75 while the ledger charges $50. Per property we write a lease agreement (PDF, with a
running header and footer on every page and numbered clauses), a rent payment policy (PDF, or DOCX
for properties that set `policy_format="docx"`) and a resident handbook (Markdown); and one
portfolio-wide FAQ (Markdown). Output is byte-for-byte deterministic (fixed PDF dates, fixed zip
timestamps), so re-running the generator and re-ingesting skips every file.

The documents are built once as a list of blocks (headings, paragraphs, lists, tables) and rendered
to PDF (fpdf2), DOCX (python-docx) or Markdown, so a document's wording lives in one place whatever
its format.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import docx
from docx.enum.text import WD_BREAK
from fpdf import FPDF
from pydantic import BaseModel, Field, model_validator

from app.knowledge.constants import DocType
from app.money import format_cents, percent_of

PaymentMethodCode = Literal["ach", "card", "check", "cash", "money_order"]
LateFeeKindCode = Literal["flat", "percent", "daily"]

#: Every generated file carries this date, so output does not depend on when it was made.
DOCUMENT_DATE = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)
EFFECTIVE = "January 1, 2025"
COMPANY = "Keystone Residential Management"
FAQ_TITLE = "Resident FAQ: Rent, Fees and Payments"
#: Renter's insurance liability cover every lease in the portfolio requires.
RENTERS_INSURANCE_LIABILITY_CENTS = 100_000_00

_METHOD_NAMES: dict[PaymentMethodCode, str] = {
    "ach": "electronic check (ACH) through the resident portal, one-time or AutoPay",
    "card": "credit or debit card through the resident portal",
    "check": "personal check",
    "money_order": "money order or cashier's check",
    "cash": "cash, at the leasing office only, with a receipt",
}


class PropertyDocTerms(BaseModel):
    """What the documents of one property say, in integer cents and whole days."""

    property_code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description='A slug, e.g. "maple-court".')
    property_name: str
    address: str
    city: str
    state: str = Field(pattern=r"^[A-Z]{2}$")
    zip_code: str
    timezone: str
    company_name: str = COMPANY
    manager_name: str
    office_phone: str
    office_email: str
    emergency_phone: str = Field(description="After-hours emergency maintenance line.")
    portal_url: str
    office_hours: str = Field(description='e.g. "Monday to Friday, 9:00 a.m. to 6:00 p.m."')
    rent_cents_range: tuple[int, int] = Field(description="Lowest and highest monthly rent at the property.")
    typical_rent_cents: int = Field(gt=0, description="Used for worked examples (a percent late fee).")
    due_day: int = Field(ge=1, le=28)
    grace_days: int = Field(ge=0, le=15)
    late_fee_kind: LateFeeKindCode
    late_fee_amount_cents: int = Field(ge=0, description="Flat fee, or the initial fee of a daily rule.")
    late_fee_percent_bp: int = Field(
        default=0, ge=0, description="Basis points of monthly rent (percent rule)."
    )
    late_fee_daily_cents: int = Field(default=0, ge=0, description="Per late day, the first included.")
    late_fee_cap_cents: int | None = Field(default=None, description="Most the late fee can reach per month.")
    nsf_fee_cents: int = Field(ge=0)
    returns_before_certified_funds: int = Field(default=2, ge=1)
    accepted_methods: list[PaymentMethodCode]
    card_fee_percent_bp: int = Field(default=0, ge=0, description="Card convenience fee, e.g. 295 = 2.95%.")
    plan_max_installments: int = Field(ge=2)
    plan_min_down_percent: int = Field(ge=0, le=100)
    plan_min_balance_cents: int = Field(ge=0)
    plan_eligibility_note: str
    deposit_typical_cents: int
    deposit_return_days: int
    pet_deposit_cents: int = 0
    pet_rent_cents: int = 0
    pet_limit: str = Field(description='e.g. "two pets, each under 50 pounds"')
    parking_note: str = Field(description="What parking comes with the home.")
    parking_fee_cents: int = Field(description="Monthly fee for a reserved, covered or garage space.")
    parking_fee_label: str = Field(description='What the parking fee buys, e.g. "a covered carport space".')
    utilities_included: list[str]
    flat_utility_fee_cents: int = Field(default=0, ge=0, description="Monthly fee for included utilities.")
    utilities_resident: list[str]
    utility_billing_note: str
    lockout_fee_cents: int = Field(default=50_00, ge=0, description="After-hours lockout service call.")
    move_out_notice_days: int
    renewal_offer_days: int
    early_termination_months: int
    entry_notice_hours: int = 24
    quiet_hours: str = Field(description='e.g. "10:00 p.m. to 8:00 a.m."')
    trash_note: str
    amenities_note: str
    package_note: str
    policy_format: Literal["pdf", "docx"] = "pdf"

    @model_validator(mode="after")
    def _consistent(self) -> PropertyDocTerms:
        low, high = self.rent_cents_range
        if not 0 < low <= self.typical_rent_cents <= high:
            raise ValueError("typical_rent_cents must lie within rent_cents_range")
        if self.late_fee_kind == "percent" and not self.late_fee_percent_bp:
            raise ValueError("a percent late fee needs late_fee_percent_bp")
        if self.late_fee_kind == "daily" and not self.late_fee_daily_cents:
            raise ValueError("a daily late fee needs late_fee_daily_cents")
        if "card" in self.accepted_methods and not self.card_fee_percent_bp:
            raise ValueError("say what card payments cost: set card_fee_percent_bp")
        return self

    @property
    def last_on_time_day(self) -> int:
        """Rent due on the 1st with 3 grace days is on time through the 4th."""
        return self.due_day + self.grace_days


class DemoDocument(BaseModel):
    """One generated file and how to ingest it."""

    path: Path
    doc_type: DocType
    property_code: str | None
    title: str


# --- document blocks -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Heading:
    text: str
    level: int = 1


@dataclass(frozen=True, slots=True)
class _Para:
    text: str
    lead: str = ""
    """A run-in heading printed in bold before the text ("4.2 Late Charges.")."""


@dataclass(frozen=True, slots=True)
class _Items:
    items: tuple[str, ...]
    numbered: bool = False


@dataclass(frozen=True, slots=True)
class _Rows:
    rows: tuple[tuple[str, ...], ...]


_Block = _Heading | _Para | _Items | _Rows


@dataclass(frozen=True, slots=True)
class _Doc:
    title: str
    blocks: list[_Block]
    header: str = ""
    footer: str = ""


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _percent(basis_points: int) -> str:
    return f"{basis_points / 100:g}%"


def _count(number: int) -> str:
    """Small counts in words, as documents write them: 2 -> 'two'."""
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    return words[number] if 0 <= number < len(words) else str(number)


def _months_rent(months: int) -> str:
    """1 -> "one month's rent"; 2 -> "two months' rent"."""
    return f"{_count(months)} month's rent" if months == 1 else f"{_count(months)} months' rent"


def _end(text: str) -> str:
    """`text` ending a sentence: "... 5:00 p.m." stays as it is, anything else gains a period."""
    return text if text.endswith(".") else f"{text}."


def _join(words: list[str]) -> str:
    if len(words) <= 2:
        return " and ".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def _late_fee_sentence(t: PropertyDocTerms, *, plain: bool = False) -> str:
    """The late-fee rule from the same numbers the ledger's LateFeeRule uses; `plain` says "we"/"you"."""
    if t.late_fee_kind == "flat":
        fee = f"a late charge of {format_cents(t.late_fee_amount_cents)}"
    elif t.late_fee_kind == "percent":
        fee = f"a late charge equal to {_percent(t.late_fee_percent_bp)} of the monthly rent"
    else:
        fee = (
            f"an initial late charge of {format_cents(t.late_fee_amount_cents)} plus "
            f"{format_cents(t.late_fee_daily_cents)} for each day, including the first day, that any part "
            "of the rent remains unpaid"
        )
    cap = ""
    if t.late_fee_cap_cents is not None:
        cap_text = format_cents(t.late_fee_cap_cents)
        cap = f" Late charges for any one month's rent will not exceed {cap_text} in total."
    landlord, resident = ("we", "you") if plain else ("Landlord", "Resident")
    return (
        f"If {landlord} {'have' if plain else 'has'} not received the full monthly rent by 11:59 p.m. on "
        f"the {_ordinal(t.last_on_time_day)} day of the month, {resident} will pay {fee}, due immediately "
        f"and without demand, beginning on the {_ordinal(t.last_on_time_day + 1)}.{cap}"
    )


def _late_fee_example(t: PropertyDocTerms) -> str:
    rent = t.typical_rent_cents
    if t.late_fee_kind == "flat":
        return (
            f"For example, rent due on the {_ordinal(t.due_day)} and paid on the "
            f"{_ordinal(t.last_on_time_day)} is on time; rent paid on the "
            f"{_ordinal(t.last_on_time_day + 1)} carries a {format_cents(t.late_fee_amount_cents)} late "
            "charge."
        )
    if t.late_fee_kind == "percent":
        fee = percent_of(rent, t.late_fee_percent_bp)
        capped = min(fee, t.late_fee_cap_cents) if t.late_fee_cap_cents is not None else fee
        return (
            f"For example, on a monthly rent of {format_cents(rent)}, {_percent(t.late_fee_percent_bp)} is "
            f"{format_cents(fee)}, so the late charge is {format_cents(capped)}."
        )
    day_one = t.late_fee_amount_cents + t.late_fee_daily_cents
    day_three = t.late_fee_amount_cents + 3 * t.late_fee_daily_cents
    cap = t.late_fee_cap_cents
    return (
        f"For example, rent still unpaid on the {_ordinal(t.last_on_time_day + 1)} carries "
        f"{format_cents(day_one)} in late charges; on the {_ordinal(t.last_on_time_day + 3)}, "
        f"{format_cents(day_three if cap is None else min(day_three, cap))}"
        + (f"; the total never exceeds {format_cents(cap)}." if cap is not None else ".")
    )


def _methods(t: PropertyDocTerms) -> list[str]:
    return [_METHOD_NAMES[m] for m in t.accepted_methods]


# --- the lease -----------------------------------------------------------------------------------


def _lease(t: PropertyDocTerms) -> _Doc:
    title = f"{t.property_name} Residential Lease Agreement"
    no_cash = "" if "cash" in t.accepted_methods else " Landlord does not accept cash."
    pets = (
        f"Resident will pay a refundable pet deposit of {format_cents(t.pet_deposit_cents)} per pet"
        if t.pet_deposit_cents
        else "No pet deposit is charged"
    )
    blocks: list[_Block] = [
        _Para(
            f'This Residential Lease Agreement ("Lease") is made between {t.company_name}, as managing '
            f'agent for the owner of {t.property_name} ("Landlord"), and each person who signs this Lease '
            'as a resident ("Resident"). The dates, the monthly rent and the security deposit for this '
            "home are stated on the signature page, which is part of this Lease."
        ),
        _Heading("1. PARTIES AND PREMISES"),
        _Para(
            "Landlord leases to Resident, and Resident leases from Landlord, the apartment identified on "
            f"the signature page at {t.property_name}, {t.address}, {t.city}, {t.state} {t.zip_code} (the "
            '"Premises"), together with the appliances and fixtures in it and the shared use of common '
            "areas.",
            lead="1.1 Premises.",
        ),
        _Para(
            "Only the Residents and the occupants listed on the signature page may live in the Premises. A "
            "guest may stay no more than 14 nights in any six-month period without Landlord's written "
            "consent.",
            lead="1.2 Occupants.",
        ),
        _Para(
            f"Landlord's office and agent for notices and service is {t.company_name}, {t.address}, "
            f"{t.city}, {t.state} {t.zip_code}; telephone {t.office_phone}; email {t.office_email}. The "
            f"community manager is {t.manager_name}.",
            lead="1.3 Management.",
        ),
        _Heading("2. LEASE TERM"),
        _Para(
            "The Lease begins on the commencement date and ends at 11:59 p.m. on the expiration date "
            "stated on the signature page, unless renewed or ended earlier as this Lease provides (see "
            "Section 12).",
            lead="2.1 Term.",
        ),
        _Para(
            "If Resident stays after the Lease ends without a written renewal, the tenancy continues month "
            "to month at the then-current market rent, and either party may end it by giving the notice "
            "Section 12.2 requires.",
            lead="2.2 Holding Over.",
        ),
        _Heading("3. SECURITY DEPOSIT"),
        _Para(
            "Resident has paid the security deposit stated on the signature page (typically "
            f"{format_cents(t.deposit_typical_cents)} for homes at {t.property_name}). The deposit is not a "
            "limit on Resident's liability and may not be used by Resident as the last month's rent.",
            lead="3.1 Amount.",
        ),
        _Para(
            "Landlord may apply the deposit to unpaid rent, late charges, returned payment fees, "
            "utilities, and the cost of repairing damage beyond normal wear and tear, as permitted by law.",
            lead="3.2 Use of the Deposit.",
        ),
        _Para(
            f"Within {t.deposit_return_days} days after Resident surrenders the Premises and gives a "
            "forwarding address in writing, Landlord will refund the deposit less lawful deductions and "
            "send an itemized list of any deductions.",
            lead="3.3 Refund.",
        ),
        _Heading("4. RENT"),
        _Para(
            "Resident will pay the monthly rent stated on the signature page, in advance and without "
            f"demand, on or before the {_ordinal(t.due_day)} day of each month. Rent for a partial first "
            "month is prorated by the day. Rent is paid in full only when Landlord has received all of it "
            "in good funds.",
            lead="4.1 Monthly Rent and Due Date.",
        ),
        _Para(f"{_late_fee_sentence(t)} {_late_fee_example(t)}", lead="4.2 Late Charges."),
        _Para(
            f"Rent received on or before the {_ordinal(t.last_on_time_day)} is not late, and no late charge "
            "is due for it. The grace period does not change the due date, and Landlord's acceptance of "
            "late rent does not waive Landlord's right to timely payment in the future.",
            lead="4.3 Grace Period.",
        ),
        _Para(
            "Each payment is applied first to the oldest unpaid charges. Among charges of the same date, "
            "payments go to rent first, then to other charges such as utilities or parking, then to "
            "returned payment fees, and last to late charges.",
            lead="4.4 Application of Payments.",
        ),
        _Para(
            "Landlord may accept a payment of less than the full amount due. A partial payment does not "
            "waive any late charge or any other right of Landlord, and the unpaid balance remains due. "
            "Landlord is not required to accept a partial payment except under a written payment plan (see "
            "the Rent Payment Policy).",
            lead="4.5 Partial Payments.",
        ),
        _Para(
            f"Rent may be paid by {_join(_methods(t))}, as described in the {t.property_name} Rent Payment "
            f"Policy.{no_cash} A payment made by someone other than Resident is accepted on Resident's "
            "behalf and gives that person no rights in the Premises.",
            lead="4.6 Methods of Payment.",
        ),
        _Heading("5. RETURNED PAYMENTS"),
        _Para(
            "If any payment is returned or declined unpaid for any reason (including insufficient funds, a "
            "closed account or a stop-payment order), Resident will pay a returned payment fee of "
            f"{format_cents(t.nsf_fee_cents)}. The returned payment is treated as never made, so late "
            "charges under Section 4.2 apply as if no payment had been received.",
            lead="5.1 Returned Payment Fee.",
        ),
        _Para(
            f"After {_count(t.returns_before_certified_funds)} returned payments within any twelve months, "
            "Landlord may require Resident to pay all amounts by certified funds (cashier's check or money "
            "order) for the rest of the Lease term, and may turn off electronic check payments in the "
            "resident portal.",
            lead="5.2 Certified Funds.",
        ),
        _Heading("6. UTILITIES AND SERVICES"),
        _Para(
            f"Landlord provides {_join(t.utilities_included)}"
            + (
                f", for a flat utility fee of {format_cents(t.flat_utility_fee_cents)} per month"
                if t.flat_utility_fee_cents
                else ""
            )
            + f". Resident will place in Resident's own name, and pay for, {_join(t.utilities_resident)} "
            f"from the commencement date until the Lease ends. {t.utility_billing_note}",
            lead="6.1 Utilities.",
        ),
        _Para(
            "Resident may not allow utilities to be disconnected while the Lease is in effect. Landlord is "
            "not liable for interruptions in service caused by the provider.",
            lead="6.2 Interruptions.",
        ),
        _Heading("7. USE OF THE PREMISES"),
        _Para(
            "The Premises may be used only as a private residence. Resident will not disturb other "
            f"residents, will keep noise down during quiet hours ({t.quiet_hours}), and will follow the "
            "community rules in the Resident Handbook. Smoking of any kind is not permitted inside the "
            "buildings.",
            lead="7.1 Residential Use and Conduct.",
        ),
        _Heading("8. PETS"),
        _Para(
            "No animal may be kept on the Premises, even temporarily, without a signed pet addendum. "
            "Assistance animals for a person with a disability are not pets; Landlord will review requests "
            "for them under fair housing law and charges no pet deposit or pet rent for them.",
            lead="8.1 Pet Approval.",
        ),
        _Para(
            f"{pets}, and monthly pet rent of {format_cents(t.pet_rent_cents)} per pet. The limit is "
            f"{t.pet_limit}.",
            lead="8.2 Pet Deposit and Pet Rent.",
        ),
        _Para(
            "If an unauthorized animal is found in the Premises, Resident must remove it or apply for a "
            "pet addendum within 48 hours, and will pay for any cleaning, de-fleaing or damage it caused.",
            lead="8.3 Unauthorized Animals.",
        ),
        _Heading("9. PARKING AND VEHICLES"),
        _Para(
            f"{t.parking_note} {t.parking_fee_label.capitalize()} is available for "
            f"{format_cents(t.parking_fee_cents)} per month, added to the monthly rent charges.",
            lead="9.1 Parking.",
        ),
        _Para(
            "Vehicles must be operable, currently registered and parked only in marked spaces. Vehicles "
            "parked in fire lanes, accessible spaces without a permit, or another resident's assigned "
            "space may be towed at the owner's expense as state law allows.",
            lead="9.2 Towing.",
        ),
        _Heading("10. MAINTENANCE AND REPAIRS"),
        _Para(
            "Resident must request routine repairs in writing through the resident portal at "
            f"{t.portal_url} or by email to {t.office_email}. Emergencies (fire, flooding, no heat in "
            "winter, gas smell, sewage backup, a door that will not lock) must be reported at once by "
            f"telephone to {t.emergency_phone}, 24 hours a day.",
            lead="10.1 Repair Requests.",
        ),
        _Para(
            "Resident will keep the Premises clean, replace light bulbs and air filters, test smoke alarms "
            "monthly, and pay for repairs of damage caused by Resident, occupants, guests or pets, other "
            "than normal wear and tear.",
            lead="10.2 Resident's Responsibilities.",
        ),
        _Heading("11. LANDLORD'S ENTRY"),
        _Para(
            "Landlord may enter the Premises at reasonable times to make repairs, inspect, or show the "
            f"home, after giving at least {t.entry_notice_hours} hours' notice. Landlord may enter without "
            "notice in an emergency or when Resident has requested the repair.",
            lead="11.1 Entry.",
        ),
        _Heading("12. RENEWAL AND TERMINATION"),
        _Para(
            f"About {t.renewal_offer_days} days before the Lease ends, Landlord will send Resident a "
            "renewal offer stating the new rent and term. Resident accepts by signing a renewal before the "
            "offer expires.",
            lead="12.1 Renewal.",
        ),
        _Para(
            f"Resident must give Landlord written notice of move-out at least {t.move_out_notice_days} days "
            "before the Lease ends. Notice given late makes Resident responsible for rent until "
            f"{t.move_out_notice_days} days after the notice or until the home is re-let, whichever is "
            "sooner.",
            lead="12.2 Notice to Vacate.",
        ),
        _Para(
            f"Resident may end the Lease early by giving {t.move_out_notice_days} days' written notice and "
            f"paying an early termination fee equal to {_months_rent(t.early_termination_months)}, together "
            "with all rent due through the move-out date. Military personnel and victims of family "
            "violence have additional rights under law.",
            lead="12.3 Early Termination.",
        ),
        _Para(
            "If Resident fails to pay rent when due or breaks another term of this Lease, Landlord may end "
            "Resident's right to occupy the Premises after giving the written notice state law requires, "
            "and may recover unpaid rent, charges and damages.",
            lead="12.4 Default.",
        ),
        _Heading("13. MOVE-OUT"),
        _Para(
            "At move-out Resident will leave the Premises clean, return all keys, fobs and parking permits "
            "to the office, and may attend the move-out inspection. Items left behind are handled as state "
            "law provides.",
            lead="13.1 Surrender.",
        ),
        _Heading("14. GENERAL PROVISIONS"),
        _Para(
            "This Lease, its addenda, the Rent Payment Policy and the Resident Handbook are the entire "
            "agreement. If any provision is unenforceable, the rest remains in effect. Notices to Landlord "
            "must be in writing and delivered to the office or by email.",
            lead="14.1 Entire Agreement and Notices.",
        ),
        _Heading("SIGNATURES"),
        _Para(
            "Apartment: ________  Commencement date: ____________  Expiration date: ____________  Monthly "
            "rent: $__________  Security deposit: $__________"
        ),
        _Para("Resident: ______________________________  Date: ____________"),
        _Para(f"Landlord, by {t.company_name}: ______________________________  Date: ____________"),
    ]
    return _Doc(
        title=title,
        blocks=blocks,
        header=f"{t.property_name} - Residential Lease Agreement",
        footer=f"Form KR-{t.state}-LEASE rev. 2025-01",
    )


# --- the payment policy --------------------------------------------------------------------------


def _office_payments(t: PropertyDocTerms) -> str:
    """What the office takes in person, from the property's accepted methods."""
    paper = [
        name
        for code, name in (("check", "checks"), ("money_order", "money orders"))
        if code in t.accepted_methods
    ]
    if not paper and "cash" not in t.accepted_methods:
        return (
            f"The office does not take payments in person: pay online at {t.portal_url}. We do not accept "
            "personal checks, money orders or cash, except certified funds we ask for after returned "
            "payments (Section 6)."
        )
    text = ""
    if paper:
        text = (
            f"Make {_join(paper)} payable to {t.property_name} and write your apartment number on them. "
            f"Bring them to the leasing office during office hours ({t.office_hours}) or leave them in the "
            "secure drop box beside the office door. Drop box payments are collected each business "
            "morning. "
        )
    if "cash" in t.accepted_methods:
        return text + "Cash is accepted at the office during office hours only, with a receipt."
    return text + "Never mail cash or leave cash in the drop box; we do not accept cash."


def _policy(t: PropertyDocTerms) -> _Doc:
    title = f"{t.property_name} Rent Payment Policy"
    card = "card" in t.accepted_methods
    card_fee = _percent(t.card_fee_percent_bp)
    posting_rows: list[tuple[str, ...]] = [("Method", "Fee", "When it posts to your account")]
    posting_rows.append(
        ("eCheck (ACH), one-time or AutoPay", "None", "Pending at once; clears in 1-3 business days")
    )
    if card:
        posting_rows.append(("Credit or debit card", f"{card_fee} convenience fee", "Immediately"))
    if "check" in t.accepted_methods:
        posting_rows.append(("Personal check", "None", "The business day it is received"))
    if "money_order" in t.accepted_methods:
        posting_rows.append(("Money order or cashier's check", "None", "The business day it is received"))
    if "cash" in t.accepted_methods:
        posting_rows.append(("Cash at the office", "None", "Immediately, with a receipt"))
    blocks: list[_Block] = [
        _Para(
            f"Effective {EFFECTIVE}. This policy explains how to pay rent and other charges at "
            f"{t.property_name} and what happens when a payment is late, partial or returned. It is part of "
            "your Lease; where the two differ, the Lease controls."
        ),
        _Heading("1. Accepted Payment Methods"),
        _Para("We accept the following:"),
        _Items(tuple(f"{name[0].upper()}{name[1:]}." for name in _methods(t))),
        _Para(
            "".join(
                f"We do not accept {name}. "
                for code, name in (
                    ("card", "credit or debit cards"),
                    ("check", "personal checks"),
                    ("cash", "cash"),
                )
                if code not in t.accepted_methods
            )
            + "Payments must be made in U.S. dollars and must include your apartment number."
        ),
        _Rows(tuple(posting_rows)),
        _Heading("2. Paying Online"),
        _Para(
            f"Log in to the resident portal at {t.portal_url} and choose Make a Payment. Electronic check "
            "(ACH) payments from a checking or savings account are free."
            + (
                f" Card payments carry a {card_fee} convenience fee, charged by our payment processor and "
                "shown before you confirm; we do not keep any part of it."
                if card
                else ""
            )
        ),
        _Heading("3. AutoPay"),
        _Para(
            f"AutoPay drafts your full balance from your bank account on the {_ordinal(t.due_day)} of each "
            "month. Sign up, change the bank account or cancel in the portal under Payments > AutoPay at "
            "least three business days before the draft date. AutoPay pays the balance shown on the draft "
            "date, including any new charges."
        ),
        _Heading("4. Paying at the Office"),
        _Para(_office_payments(t)),
        _Heading("5. When Payments Post"),
        _Para(
            "A payment is credited on the day we receive it. An online payment submitted by 11:59 p.m. "
            "local time counts as received that day, even while it shows as pending. An eCheck stays "
            "pending until your bank settles it, usually one to three business days; if your bank later "
            "returns it, the payment is reversed as described in Section 6."
        ),
        _Heading("6. Returned Payments"),
        _Para(
            "A payment returned by the bank for any reason (insufficient funds, closed account, stop payment)"
            + (" or a card payment that is reversed" if card else "")
            + f" is charged a {format_cents(t.nsf_fee_cents)} returned payment "
            "fee, and the payment is removed from your account. If the rent is then unpaid after the grace "
            "period, the late charge in Section 4.2 of your Lease applies."
        ),
        _Para(
            f"After {_count(t.returns_before_certified_funds)} returned payments in any twelve months, we "
            "accept only certified funds (money order or cashier's check) from your household for the rest "
            "of your lease, and eCheck is turned off in your portal."
        ),
        _Heading("7. Partial Payments and Roommates"),
        _Para(
            "You may pay your balance in more than one payment, and roommates may pay separately; every "
            "payment is applied to the household's account. The rent is on time only if the full amount is "
            f"received by the {_ordinal(t.last_on_time_day)}. A partial payment does not stop a late charge "
            "on the unpaid rent unless a payment plan has been approved in writing."
        ),
        _Heading("8. Late Charges"),
        _Para(
            f"Rent is due on the {_ordinal(t.due_day)}. {_late_fee_sentence(t, plain=True)} "
            f"{_late_fee_example(t)} See Section 4.2 of your Lease."
        ),
        _Heading("9. Payment Plans"),
        _Para(
            "If you cannot pay the full balance on time, ask us for a payment plan before the grace period "
            "ends. Plans are reviewed and approved by the community manager; nothing is agreed until you "
            "receive the approved plan in writing."
        ),
        _Items(
            (
                f"Eligibility: {t.plan_eligibility_note}",
                f"The balance must be at least {format_cents(t.plan_min_balance_cents)}.",
                f"The balance is paid in no more than {_count(t.plan_max_installments)} payments, two weeks "
                "apart, the first within ten days of the plan's approval.",
                f"The first payment is at least {t.plan_min_down_percent}% of the balance; the others are "
                "equal.",
                "While you keep to an approved plan, no new late charges are added to the balance in the "
                "plan and we pause delinquency notices for it. A missed installment ends the plan and the "
                "full balance becomes due.",
            )
        ),
        _Heading("10. Questions and Disputes"),
        _Para(
            f"If a charge looks wrong, contact the office at {t.office_phone} or {t.office_email} within 30 "
            "days. Pay the undisputed part of your balance on time; we will review the disputed charge, "
            "reply in writing within five business days, and hold collection of that charge while we "
            "review it."
        ),
    ]
    return _Doc(
        title=title,
        blocks=blocks,
        header=f"{t.property_name} - Rent Payment Policy",
        footer=f"Effective {EFFECTIVE}",
    )


# --- the resident handbook -----------------------------------------------------------------------


def _handbook(t: PropertyDocTerms) -> _Doc:
    title = f"{t.property_name} Resident Handbook"
    blocks: list[_Block] = [
        _Para(
            f"Welcome to {t.property_name}. This handbook covers everyday life in the community. Your Lease "
            "and the Rent Payment Policy cover rent, fees and payments."
        ),
        _Heading("Office Hours", 2),
        _Para(
            f"The leasing office at {t.address} is open {_end(t.office_hours)} It is closed on New Year's "
            "Day, Memorial Day, Independence Day, Labor Day, Thanksgiving and Christmas Day."
        ),
        _Heading("Contacting the Office", 2),
        _Items(
            (
                f"Phone: {t.office_phone} during office hours.",
                f"Email: {t.office_email}. We answer within one business day.",
                f"Resident portal: {t.portal_url} for payments, your ledger, repair requests and messages.",
                f"Community manager: {t.manager_name}.",
            )
        ),
        _Para("Tell us in writing when your phone number or email changes, so notices reach you."),
        _Heading("Paying Rent", 2),
        _Para(
            f"Rent is due on the {_ordinal(t.due_day)} of each month. The quickest way to pay is the "
            "resident portal; see the Rent Payment Policy for every way to pay, fees, and payment plans."
        ),
        _Heading("Maintenance Requests", 2),
        _Para(
            f"Submit routine requests in the resident portal at {t.portal_url} under Maintenance, with "
            "photos if you can. Tell us whether we may enter when you are not home and whether you have "
            "pets. Most requests are completed within three business days; you can follow the status in "
            "the portal."
        ),
        _Heading("Emergencies", 2),
        _Para(
            "For fire, a medical emergency or a crime in progress, call 911 first. For a maintenance "
            "emergency (flooding or an active leak, no heat in freezing weather, a gas smell, sewage "
            "backup, a door that will not lock, or a power loss affecting only your home) call "
            f"{t.emergency_phone} at any hour. Do not use the portal or email for emergencies."
        ),
        _Heading("Lockouts", 2),
        _Para(
            "During office hours, come to the office with photo ID to borrow a key. After hours, call the "
            "emergency line; an after-hours lockout service call costs "
            f"{format_cents(t.lockout_fee_cents)}, billed to your account."
        ),
        _Heading("Quiet Hours", 2),
        _Para(
            f"Quiet hours are {_end(t.quiet_hours)} Please keep music, television and voices at a level "
            "your neighbors cannot hear. Report ongoing noise to the office; for a disturbance during "
            "quiet hours, call the courtesy line at the emergency number."
        ),
        _Heading("Trash and Recycling", 2),
        _Para(t.trash_note),
        _Heading("Parking", 2),
        _Para(
            f"{t.parking_note} {t.parking_fee_label.capitalize()} costs {format_cents(t.parking_fee_cents)} "
            "per month; ask the office to join the waiting list. Guests must park in marked visitor "
            "spaces. Vehicles without a current permit, or parked in a fire lane, may be towed without "
            "further notice."
        ),
        _Heading("Packages", 2),
        _Para(t.package_note),
        _Heading("Amenities", 2),
        _Para(t.amenities_note),
        _Heading("Pets in the Community", 2),
        _Para(
            "Keep pets on a leash in common areas, pick up after them right away, and do not leave them on "
            "balconies unattended. Only pets named on a signed pet addendum may live in your home."
        ),
        _Heading("Moving Out", 2),
        _Para(
            f"Give written notice at least {t.move_out_notice_days} days before you move. Schedule a "
            "move-out inspection with the office, return every key, fob and parking permit, and leave a "
            "forwarding address so we can send your deposit refund."
        ),
    ]
    return _Doc(title=title, blocks=blocks)


# --- the portfolio-wide FAQ ----------------------------------------------------------------------


def _faq() -> _Doc:
    blocks: list[_Block] = [
        _Para(
            f"Answers to the questions residents of every {COMPANY} community ask most. Your own lease and "
            "your community's Rent Payment Policy set the exact due date, grace period and fees for your "
            "home."
        ),
        _Heading("When is my rent due?", 2),
        _Para(
            "Your lease sets the due date, usually the 1st of the month, and a grace period of a few days "
            "after it. Rent paid within the grace period is not late. Your community's due date and grace "
            "period are in Section 4 of your lease."
        ),
        _Heading("How do I see what I owe?", 2),
        _Para(
            "Log in to your community's resident portal and open Ledger. It lists every charge and "
            "payment, including pending ones, and your current balance. You can also ask the office for a "
            "printed ledger."
        ),
        _Heading("Why was I charged a late fee?", 2),
        _Para(
            "A late fee is added when the full rent has not been received by the end of the grace period. "
            "Common reasons: a payment covered only part of the rent, a payment was returned by the bank, "
            "or a check arrived after the grace period. If you believe the fee is wrong, contact the "
            "office; staff review every disputed fee."
        ),
        _Heading("My payment says pending. What does that mean?", 2),
        _Para(
            "Bank (eCheck) payments show as pending until your bank settles them, usually within one to "
            "three business days. A pending payment made on time counts as on time. If the bank returns "
            "it, the payment is reversed and a returned payment fee applies."
        ),
        _Heading("Can I pay by credit or debit card?", 2),
        _Para(
            "Most of our communities accept cards through the resident portal. The card processor charges "
            "a convenience fee, shown before you confirm. Paying from a bank account by eCheck is always "
            "free. Check your community's Rent Payment Policy for the methods it accepts."
        ),
        _Heading("What happens if my payment bounces?", 2),
        _Para(
            "The payment is reversed, your community's returned payment fee is charged, and the rent "
            "counts as unpaid. After repeated returned payments, a household may be asked to pay by "
            "certified funds only."
        ),
        _Heading("Can my roommates and I pay separately?", 2),
        _Para(
            "Yes. Each roommate can pay their share through the portal; every payment goes to the same "
            "household account. The rent is on time only when the full amount has been received."
        ),
        _Heading("Can I set up a payment plan?", 2),
        _Para(
            "Yes, if you qualify. Ask the office or the assistant before the grace period ends. A staff "
            "member reviews each request and sends an approved plan in writing; the plan is not in effect "
            "until then. Your community's Rent Payment Policy lists the eligibility rules and how many "
            "installments are allowed."
        ),
        _Heading("I lost my job or my hours were cut. What can I do?", 2),
        _Para(
            "Talk to the office as early as you can; we would rather agree a plan than send notices. You "
            "can also call 211 or visit 211.org to find emergency rental assistance programs near you, "
            "which can pay landlords directly."
        ),
        _Heading("How do I dispute a charge?", 2),
        _Para(
            "Write to the office within 30 days of the charge, saying which charge and why. Pay the part "
            "you do not dispute on time. Staff review the charge and reply in writing; an assistant never "
            "decides a dispute or a fee waiver on its own."
        ),
        _Heading("How do I change or cancel AutoPay?", 2),
        _Para(
            "In the resident portal, open Payments > AutoPay. Changes must be made at least three business "
            "days before the draft date to apply to that month."
        ),
        _Heading("Will I get a receipt?", 2),
        _Para(
            "Yes. The portal emails a receipt for every online payment, and the office gives a receipt for "
            "every payment made in person. All receipts are also listed in your ledger."
        ),
        _Heading("Do I need renter's insurance?", 2),
        _Para(
            "Yes. Every lease requires liability coverage of at least "
            f"{format_cents(RENTERS_INSURANCE_LIABILITY_CENTS)} for the whole lease term. Upload proof of "
            "coverage in the portal under Documents."
        ),
        _Heading("Can I talk to a person?", 2),
        _Para(
            "Always. Ask the assistant for a person, or call your community's office during office hours. "
            "Messages about disputes, hardship, or anything sensitive go straight to staff."
        ),
    ]
    return _Doc(title=FAQ_TITLE, blocks=blocks)


# --- renderers -----------------------------------------------------------------------------------


class _PDF(FPDF):
    """Letter pages with a running header and a numbered footer, as a printed lease has."""

    def __init__(self, *, running_header: str, running_footer: str) -> None:
        super().__init__(format="letter", unit="mm")
        self.running_header = running_header
        self.running_footer = running_footer
        self.set_margins(22, 20, 22)
        self.set_auto_page_break(auto=True, margin=22)

    def header(self) -> None:
        self.set_font("Helvetica", "I", 8)
        self.cell(0, 5, self.running_header, align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", "I", 8)
        self.cell(0, 5, f"{self.running_footer}  |  Page {self.page_no()} of {{nb}}", align="C")


def _pdf_safe(text: str) -> str:
    """fpdf2's core fonts are Latin-1; the documents are written in plain ASCII punctuation."""
    return text.encode("latin-1", errors="replace").decode("latin-1")


def _render_pdf(doc: _Doc, author: str) -> bytes:
    pdf = _PDF(running_header=doc.header, running_footer=doc.footer)
    pdf.set_creation_date(DOCUMENT_DATE)
    pdf.set_title(doc.title)
    pdf.set_author(author)
    pdf.set_creator("Doorstep demo documents")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(0, 8, _pdf_safe(doc.title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for block in doc.blocks:
        if isinstance(block, _Heading):
            pdf.ln(2)
            pdf.set_font("Helvetica", "B", 11)
            pdf.multi_cell(0, 6, _pdf_safe(block.text), new_x="LMARGIN", new_y="NEXT")
        elif isinstance(block, _Para):
            pdf.set_font("Helvetica", "", 10)
            text = f"**{block.lead}** {block.text}" if block.lead else block.text
            pdf.multi_cell(0, 5, _pdf_safe(text), markdown=True, new_x="LMARGIN", new_y="NEXT")
        elif isinstance(block, _Items):
            pdf.set_font("Helvetica", "", 10)
            for n, item in enumerate(block.items, 1):
                marker = f"{n}." if block.numbered else "-"
                pdf.multi_cell(0, 5, _pdf_safe(f"{marker} {item}"), new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.set_font("Helvetica", "", 10)
            header, *rows = block.rows
            for row in rows:
                line = "; ".join(
                    f"{label}: {value}" for label, value in zip(header[1:], row[1:], strict=True)
                )
                pdf.multi_cell(0, 5, _pdf_safe(f"- {row[0]}. {line}."), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    return bytes(pdf.output())


def _render_docx(doc: _Doc, author: str) -> bytes:
    document = docx.Document()
    props = document.core_properties
    props.title = doc.title
    props.author = author
    props.last_modified_by = author
    props.created = props.modified = props.last_printed = DOCUMENT_DATE.replace(tzinfo=None)
    props.revision = 1
    document.add_heading(doc.title, level=0)
    for block in doc.blocks:
        if isinstance(block, _Heading):
            if block.text.startswith("9."):  # a printed policy starts payment plans on a fresh page
                document.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
            document.add_heading(block.text, level=block.level)
        elif isinstance(block, _Para):
            paragraph = document.add_paragraph()
            if block.lead:
                paragraph.add_run(f"{block.lead} ").bold = True
            paragraph.add_run(block.text)
        elif isinstance(block, _Items):
            style = "List Number" if block.numbered else "List Bullet"
            for item in block.items:
                document.add_paragraph(item, style=style)
        else:
            table = document.add_table(rows=0, cols=len(block.rows[0]))
            table.style = "Table Grid"
            for row in block.rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip_times(buffer.getvalue())


def _fixed_zip_times(data: bytes) -> bytes:
    """Rewrite a zip with every entry dated DOCUMENT_DATE, so the same document gives the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    stamp = DOCUMENT_DATE.timetuple()[:6]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def _render_markdown(doc: _Doc) -> str:
    lines = [f"# {doc.title}", ""]
    for block in doc.blocks:
        if isinstance(block, _Heading):
            lines += [f"{'#' * (block.level)} {block.text}", ""]
        elif isinstance(block, _Para):
            lines += [f"**{block.lead}** {block.text}" if block.lead else block.text, ""]
        elif isinstance(block, _Items):
            lines += [f"{f'{n}.' if block.numbered else '-'} {item}" for n, item in enumerate(block.items, 1)]
            lines.append("")
        else:
            header, *rows = block.rows
            lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            lines += ["| " + " | ".join(row) + " |" for row in rows]
            lines.append("")
    return "\n".join(lines)


def _write_if_changed(path: Path, data: bytes) -> None:
    """Leave an identical file untouched (its mtime too)."""
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


# --- entry points --------------------------------------------------------------------------------


def write_demo_documents(terms: list[PropertyDocTerms], out_dir: Path) -> list[DemoDocument]:
    """Write each property's lease, payment policy and handbook, and the portfolio FAQ, under `out_dir`.

    Layout: `out_dir/<property_code>/{lease.pdf, payment-policy.pdf|.docx, resident-handbook.md}` and
    `out_dir/portfolio/resident-faq.md`. Returns every file with the doc type and property to ingest it as.
    """
    written: list[DemoDocument] = []
    for t in terms:
        folder = out_dir / t.property_code
        lease = _lease(t)
        _write_if_changed(folder / "lease.pdf", _render_pdf(lease, t.company_name))
        written.append(
            DemoDocument(
                path=folder / "lease.pdf", doc_type="lease", property_code=t.property_code, title=lease.title
            )
        )
        policy = _policy(t)
        policy_path = folder / f"payment-policy.{t.policy_format}"
        render = _render_docx if t.policy_format == "docx" else _render_pdf
        _write_if_changed(policy_path, render(policy, t.company_name))
        written.append(
            DemoDocument(
                path=policy_path, doc_type="policy", property_code=t.property_code, title=policy.title
            )
        )
        handbook = _handbook(t)
        _write_if_changed(folder / "resident-handbook.md", _render_markdown(handbook).encode())
        written.append(
            DemoDocument(
                path=folder / "resident-handbook.md",
                doc_type="handbook",
                property_code=t.property_code,
                title=handbook.title,
            )
        )
    faq = _faq()
    faq_path = out_dir / "portfolio" / "resident-faq.md"
    _write_if_changed(faq_path, _render_markdown(faq).encode())
    written.append(DemoDocument(path=faq_path, doc_type="faq", property_code=None, title=faq.title))
    return written


def _written_terms() -> list[PropertyDocTerms]:
    """The three demo communities as written: names, notes and wording (numbers come from the portfolio)."""
    return [
        PropertyDocTerms(
            property_code="maple-court",
            property_name="Maple Court Apartments",
            address="4410 Maple Court Drive",
            city="Austin",
            state="TX",
            zip_code="78745",
            timezone="America/Chicago",
            manager_name="Dana Whitfield",
            office_phone="(512) 555-0148",
            office_email="office@maplecourtapts.example",
            emergency_phone="(512) 555-0199",
            portal_url="https://portal.maplecourtapts.example",
            office_hours="Monday to Friday, 9:00 a.m. to 6:00 p.m., and Saturday, 10:00 a.m. to 5:00 p.m.",
            rent_cents_range=(1_295_00, 1_895_00),
            typical_rent_cents=1_450_00,
            due_day=1,
            grace_days=3,
            late_fee_kind="flat",
            late_fee_amount_cents=75_00,
            nsf_fee_cents=35_00,
            accepted_methods=["ach", "card", "check", "money_order"],
            card_fee_percent_bp=295,
            plan_max_installments=3,
            plan_min_down_percent=50,
            plan_min_balance_cents=200_00,
            plan_eligibility_note=(
                "residents who have lived here at least six months, have had no returned payment in the "
                "last six months, and have not had more than one payment plan in the last twelve months."
            ),
            deposit_typical_cents=500_00,
            deposit_return_days=30,
            pet_deposit_cents=300_00,
            pet_rent_cents=35_00,
            pet_limit="two pets per home, each under 50 pounds at maturity; no aggressive breeds",
            parking_note=(
                "Each home includes one unreserved parking space; additional vehicles need a permit."
            ),
            parking_fee_cents=35_00,
            parking_fee_label="a covered carport space",
            utilities_included=["trash collection", "pest control"],
            utilities_resident=["electricity (Austin Energy)", "internet and cable"],
            utility_billing_note=(
                "Water and sewer are billed monthly by Landlord's third-party billing company based on "
                "submetered use, and appear on the monthly rent ledger."
            ),
            move_out_notice_days=30,
            renewal_offer_days=60,
            early_termination_months=2,
            quiet_hours="10:00 p.m. to 8:00 a.m.",
            trash_note=(
                "Valet trash is collected from your door Sunday through Thursday between 7:00 p.m. and "
                "8:00 p.m. Put bagged trash in the provided can no earlier than 6:00 p.m. and bring the "
                "can in by 9:00 a.m. Break down boxes and take them and recycling to the compactor area by "
                "Building C. Furniture and mattresses may not be left at the compactor; ask the office "
                "about bulk pickup."
            ),
            amenities_note=(
                "The pool is open 8:00 a.m. to 10:00 p.m. from Memorial Day to Labor Day; the fitness "
                "center is open 24 hours with your fob. Glass containers are not allowed in the pool area. "
                "Guests must be accompanied by a resident, two guests per home at most."
            ),
            package_note=(
                "Packages are delivered to the Parcel Pending lockers beside the office. You receive a "
                "text and email with a code; collect within five days. Oversized packages are held in the "
                "office."
            ),
            policy_format="pdf",
        ),
        PropertyDocTerms(
            property_code="hudson-terrace",
            property_name="Hudson Terrace",
            address="118 Hudson Avenue",
            city="Albany",
            state="NY",
            zip_code="12207",
            timezone="America/New_York",
            manager_name="Marcus Bell",
            office_phone="(518) 555-0172",
            office_email="leasing@hudsonterrace.example",
            emergency_phone="(518) 555-0190",
            portal_url="https://residents.hudsonterrace.example",
            office_hours="Monday to Friday, 9:00 a.m. to 5:00 p.m.",
            rent_cents_range=(1_150_00, 1_750_00),
            typical_rent_cents=1_450_00,
            due_day=1,
            grace_days=5,
            late_fee_kind="percent",
            late_fee_amount_cents=0,
            late_fee_percent_bp=500,
            late_fee_cap_cents=50_00,
            nsf_fee_cents=20_00,
            accepted_methods=["ach", "check", "money_order"],
            card_fee_percent_bp=0,
            plan_max_installments=4,
            plan_min_down_percent=25,
            plan_min_balance_cents=300_00,
            plan_eligibility_note=(
                "any household that is not already in a payment plan and has not defaulted on a plan in "
                "the last twelve months; the balance in the plan may not exceed two months' rent."
            ),
            deposit_typical_cents=1_200_00,
            deposit_return_days=14,
            pet_deposit_cents=0,
            pet_rent_cents=40_00,
            pet_limit="two cats, or one dog under 40 pounds",
            parking_note="Street parking on Hudson Avenue requires a City of Albany residential permit.",
            parking_fee_cents=95_00,
            parking_fee_label="a space in the building's garage",
            utilities_included=["heat", "hot water", "water and sewer", "trash and recycling collection"],
            utilities_resident=["electricity and cooking gas (National Grid)", "internet"],
            utility_billing_note=(
                "Landlord keeps the heat at least at the temperatures the Albany housing code sets."
            ),
            move_out_notice_days=30,
            renewal_offer_days=90,
            early_termination_months=1,
            quiet_hours="10:00 p.m. to 7:00 a.m.",
            trash_note=(
                "Each floor has a trash room with a chute for bagged household trash. Recycling (paper, "
                "cardboard, cans and plastic bottles, rinsed) goes in the blue bins in the basement; City "
                "of Albany recycling is collected on Tuesdays. Never put boxes or loose recycling down the "
                "chute."
            ),
            amenities_note=(
                "The laundry room in the basement is open 7:00 a.m. to 10:00 p.m. and takes cards or the "
                "laundry app. The rooftop terrace is open 9:00 a.m. to 10:00 p.m., April through October; "
                "grills are not permitted on balconies or the terrace."
            ),
            package_note=(
                "Carriers leave packages in the mail room off the lobby. Packages too large for the "
                "shelves are kept in the office; bring ID to collect them during office hours."
            ),
            policy_format="docx",
        ),
        PropertyDocTerms(
            property_code="aspen-ridge",
            property_name="Aspen Ridge Residences",
            address="2250 Aspen Ridge Way",
            city="Denver",
            state="CO",
            zip_code="80219",
            timezone="America/Denver",
            manager_name="Priya Raman",
            office_phone="(303) 555-0119",
            office_email="hello@aspenridgeliving.example",
            emergency_phone="(303) 555-0188",
            portal_url="https://pay.aspenridgeliving.example",
            office_hours="Monday to Friday, 8:30 a.m. to 5:30 p.m., and Saturday, 10:00 a.m. to 4:00 p.m.",
            rent_cents_range=(1_650_00, 2_450_00),
            typical_rent_cents=1_850_00,
            due_day=5,
            grace_days=7,
            late_fee_kind="daily",
            late_fee_amount_cents=25_00,
            late_fee_daily_cents=10_00,
            late_fee_cap_cents=75_00,
            nsf_fee_cents=30_00,
            accepted_methods=["ach", "card", "money_order"],
            card_fee_percent_bp=299,
            plan_max_installments=2,
            plan_min_down_percent=50,
            plan_min_balance_cents=150_00,
            plan_eligibility_note=(
                "residents whose lease has at least two months left, with no more than two late payments "
                "in the last twelve months."
            ),
            deposit_typical_cents=750_00,
            deposit_return_days=30,
            pet_deposit_cents=300_00,
            pet_rent_cents=35_00,
            pet_limit="two pets per home; dogs over 80 pounds need the manager's approval",
            parking_note=(
                "Each home includes one surface space with a hang tag; guests park in spaces marked VISITOR."
            ),
            parking_fee_cents=125_00,
            parking_fee_label="a detached garage",
            utilities_included=["water, sewer and trash"],
            flat_utility_fee_cents=65_00,
            utilities_resident=["electricity and gas (Xcel Energy)", "internet"],
            utility_billing_note="The flat utility fee appears on the monthly rent ledger.",
            move_out_notice_days=60,
            renewal_offer_days=90,
            early_termination_months=2,
            quiet_hours="10:00 p.m. to 7:00 a.m. on weeknights and 11:00 p.m. to 8:00 a.m. on weekends",
            trash_note=(
                "Trash goes in the compactor behind the leasing office, open around the clock. Recycling "
                "bins stand beside each building's mail kiosk; flatten boxes first. Denver collects large "
                "items monthly; ask the office for the schedule rather than leaving furniture by the "
                "dumpsters, where it is removed at the household's expense."
            ),
            amenities_note=(
                "The clubhouse, fitness center and dog park are open 6:00 a.m. to 10:00 p.m. The heated "
                "pool is open from Memorial Day weekend through September. The electric-vehicle chargers "
                "in the north lot are first come, first served, two hours at a time."
            ),
            package_note=(
                "Packages go to the Amazon Hub lockers in the clubhouse; you receive a pickup code by "
                "email. Collect within three days, or the carrier returns the package."
            ),
            policy_format="pdf",
        ),
    ]


def demo_terms() -> list[PropertyDocTerms]:
    """The demo communities' document terms, every amount, rule and contact taken from the demo portfolio
    (`app/demo/portfolio.py`), the same numbers the demo leases and ledger use."""
    from app.demo.portfolio import PROPERTIES

    portfolio = {p.code: p for p in PROPERTIES}
    terms = []
    for written in _written_terms():
        p = portfolio[written.property_code]
        rents = sorted(p.rent_by_bedrooms.values())
        terms.append(
            PropertyDocTerms.model_validate(
                written.model_dump()
                | {
                    "property_name": p.name,
                    "address": p.address,
                    "city": p.city,
                    "state": p.state,
                    "zip_code": p.postal_code,
                    "timezone": p.timezone,
                    "manager_name": p.manager_name,
                    "office_phone": _national(p.office_phone),
                    "office_email": p.office_email,
                    "rent_cents_range": (
                        rents[0] * 96 // 100 // 500 * 500,
                        rents[-1] * 104 // 100 // 500 * 500,
                    ),
                    "typical_rent_cents": p.rent_by_bedrooms[1],
                    "due_day": p.due_day,
                    "grace_days": p.grace_days,
                    "late_fee_kind": p.late_fee.kind.value,
                    "late_fee_amount_cents": p.late_fee.amount_cents,
                    "late_fee_percent_bp": p.late_fee.percent_bp,
                    "late_fee_daily_cents": p.late_fee.daily_cents,
                    "late_fee_cap_cents": p.late_fee.cap_cents,
                    "nsf_fee_cents": p.nsf_fee_cents,
                    "accepted_methods": list(p.accepted_methods),
                    "card_fee_percent_bp": p.card_fee_bp,
                    "plan_max_installments": p.plan_max_installments,
                    "plan_min_down_percent": p.plan_min_down_bp // 100,
                    "plan_min_balance_cents": p.plan_min_balance_cents,
                    "pet_rent_cents": p.pet_rent_cents,
                    "parking_fee_cents": p.parking_cents,
                    "deposit_typical_cents": 500_00 if p.state == "TX" else p.rent_by_bedrooms[1],
                }
            )
        )
    return terms


def _national(e164: str) -> str:
    import phonenumbers

    return phonenumbers.format_number(phonenumbers.parse(e164, "US"), phonenumbers.PhoneNumberFormat.NATIONAL)
