"""The demo portfolio's fixed facts: three properties in three states, each with its own lease terms.

The demo leases, the demo documents and the evals all read these numbers, so a lease document can never
say $75 while the ledger charges $50.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.ledger.types import LateFeeKind, LateFeeRule


@dataclass(frozen=True)
class DemoProperty:
    code: str
    name: str
    address: str
    city: str
    state: str
    postal_code: str
    timezone: str
    area_code: str
    manager_name: str
    office_phone: str
    office_email: str
    share: float
    """Fraction of the portfolio's units at this property."""
    rent_by_bedrooms: dict[int, int]
    """Typical monthly rent in cents by bedroom count; each unit varies around it."""
    due_day: int
    grace_days: int
    late_fee: LateFeeRule
    nsf_fee_cents: int
    accepted_methods: tuple[str, ...]
    card_fee_bp: int
    plan_max_installments: int
    plan_min_down_bp: int
    plan_min_balance_cents: int
    parking_cents: int
    pet_rent_cents: int
    utility_cents: int
    unit_scheme: str
    """How unit numbers read here: "building" (A-101), "floor" (4B) or "tower" (1204)."""


PROPERTIES: tuple[DemoProperty, ...] = (
    DemoProperty(
        code="maple-court",
        name="Maple Court Apartments",
        address="4100 Maple Court Drive",
        city="Austin",
        state="TX",
        postal_code="78745",
        timezone="America/Chicago",
        area_code="512",
        manager_name="Denise Alvarado",
        office_phone="+15125550142",
        office_email="office@maplecourt.example.com",
        share=0.40,
        rent_by_bedrooms={1: 1_325_00, 2: 1_650_00, 3: 2_050_00},
        due_day=1,
        grace_days=3,
        late_fee=LateFeeRule(LateFeeKind.FLAT, amount_cents=75_00),
        nsf_fee_cents=35_00,
        accepted_methods=("ach", "card", "check", "money_order"),
        card_fee_bp=295,
        plan_max_installments=3,
        plan_min_down_bp=2500,
        plan_min_balance_cents=500_00,
        parking_cents=50_00,
        pet_rent_cents=35_00,
        utility_cents=65_00,
        unit_scheme="building",
    ),
    DemoProperty(
        code="hudson-terrace",
        name="Hudson Terrace",
        address="215 Quail Street",
        city="Albany",
        state="NY",
        postal_code="12203",
        timezone="America/New_York",
        area_code="518",
        manager_name="Michael Okafor",
        office_phone="+15185550117",
        office_email="leasing@hudsonterrace.example.com",
        share=0.35,
        rent_by_bedrooms={1: 1_450_00, 2: 1_795_00, 3: 2_300_00},
        due_day=1,
        grace_days=5,
        late_fee=LateFeeRule(LateFeeKind.PERCENT, percent_bp=500, cap_cents=50_00),
        nsf_fee_cents=20_00,
        accepted_methods=("ach", "card", "check"),
        card_fee_bp=300,
        plan_max_installments=4,
        plan_min_down_bp=2000,
        plan_min_balance_cents=300_00,
        parking_cents=75_00,
        pet_rent_cents=25_00,
        utility_cents=0,
        unit_scheme="floor",
    ),
    DemoProperty(
        code="aspen-ridge",
        name="Aspen Ridge Residences",
        address="1880 Larimer Street",
        city="Denver",
        state="CO",
        postal_code="80202",
        timezone="America/Denver",
        area_code="720",
        manager_name="Priya Raman",
        office_phone="+17205550163",
        office_email="residents@aspenridge.example.com",
        share=0.25,
        rent_by_bedrooms={1: 1_725_00, 2: 2_150_00, 3: 2_795_00},
        due_day=5,
        grace_days=7,
        late_fee=LateFeeRule(LateFeeKind.DAILY, amount_cents=25_00, daily_cents=10_00, cap_cents=75_00),
        nsf_fee_cents=30_00,
        accepted_methods=("ach", "card"),
        card_fee_bp=275,
        plan_max_installments=2,
        plan_min_down_bp=5000,
        plan_min_balance_cents=750_00,
        parking_cents=95_00,
        pet_rent_cents=40_00,
        utility_cents=85_00,
        unit_scheme="tower",
    ),
)

FIRST_NAMES = (
    "James",
    "Maria",
    "Aisha",
    "Wei",
    "Olivia",
    "Jamal",
    "Sofia",
    "Ethan",
    "Priya",
    "Diego",
    "Hannah",
    "Kwame",
    "Emily",
    "Luis",
    "Fatima",
    "Noah",
    "Grace",
    "Mateo",
    "Chloe",
    "Andre",
    "Mei",
    "Samuel",
    "Isabella",
    "Tyrone",
    "Ava",
    "Carlos",
    "Nadia",
    "Liam",
    "Zoe",
    "Omar",
    "Ruth",
    "Daniel",
    "Keisha",
    "Ana",
    "Marcus",
    "Yuki",
    "Elena",
    "Brian",
    "Leah",
    "Rosa",
    "Kevin",
    "Amara",
    "Jorge",
    "Tanya",
    "Hassan",
    "Megan",
    "Victor",
    "Lucia",
    "Derek",
    "Imani",
    "Pedro",
    "Sarah",
    "Tomas",
    "Jasmine",
)
LAST_NAMES = (
    "Johnson",
    "Garcia",
    "Nguyen",
    "Smith",
    "Patel",
    "Williams",
    "Hernandez",
    "Kim",
    "Brown",
    "Lopez",
    "Okafor",
    "Davis",
    "Martinez",
    "Chen",
    "Wilson",
    "Rodriguez",
    "Thompson",
    "Ali",
    "Moore",
    "Sanchez",
    "Jackson",
    "Ramirez",
    "White",
    "Torres",
    "Harris",
    "Flores",
    "Clark",
    "Rivera",
    "Lewis",
    "Gomez",
    "Walker",
    "Diaz",
    "Hall",
    "Cruz",
    "Young",
    "Reyes",
    "King",
    "Morales",
    "Wright",
    "Ortiz",
    "Scott",
    "Gutierrez",
    "Green",
    "Castillo",
    "Baker",
    "Mendoza",
    "Adams",
    "Vargas",
    "Nelson",
    "Romero",
)

STAFF = (
    ("admin@doorstep.example.com", "Operations Admin", "admin"),
    ("denise.alvarado@maplecourt.example.com", "Denise Alvarado", "manager"),
    ("michael.okafor@hudsonterrace.example.com", "Michael Okafor", "manager"),
    ("priya.raman@aspenridge.example.com", "Priya Raman", "manager"),
    ("collections@doorstep.example.com", "Jordan Ellis", "agent"),
    ("leasing@doorstep.example.com", "Sam Whitaker", "agent"),
)
