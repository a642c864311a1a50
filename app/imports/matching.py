"""Finding the Doorstep lease a PM export's row is about: by property, unit, resident name and date.

PM exports carry no Doorstep ids. A row names a property (by code, name, or AppFolio's "Name - Address"),
a unit, and a resident; the lease is the one on that unit with a resident of that name (any order of
first and last name, "Last, First" included) that runs on the row's date, or failing that the latest
one that began by then. No match, or two equally good ones, is a `no_lease` flag, never a guess.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Lease, LeaseResident, Property, Resident, Unit

_NOT_NAME = re.compile(r"[^\w\s'-]+")
_SEVERAL = re.compile(r"\s*(?:;|&|\band\b|\n)\s*", re.IGNORECASE)


def normalize_text(text: str) -> str:
    return " ".join(text.split()).casefold()


def normalize_name(text: str) -> str:
    """ "Doe, Jane" and "jane  DOE" are the same name: "jane doe". Accents are kept."""
    text = unicodedata.normalize("NFC", text)
    if "," in text:
        last, _, first = text.partition(",")
        text = f"{first} {last}"
    return " ".join(_NOT_NAME.sub(" ", text).split()).casefold()


@lru_cache(maxsize=65_536)
def _names(text: str) -> tuple[str, ...]:
    return tuple(n for part in _SEVERAL.split(text) if (n := normalize_name(part)))


def names_in(text: str | None) -> list[str]:
    """The people a cell names ("Doe, Jane; Doe, John" is two)."""
    return list(_names(text)) if text else []


@dataclass(frozen=True, slots=True)
class LeaseFacts:
    id: int
    ref: str
    unit_id: int
    start_on: date
    end_on: date | None
    moved_out_on: date | None
    rent_cents: int
    deposit_cents: int

    def runs_on(self, day: date) -> bool:
        return self.start_on <= day and (self.moved_out_on is None or self.moved_out_on >= day)


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    ref: str
    name: str
    """Normalized full name."""
    email: str | None
    phone: str | None


@dataclass(frozen=True, slots=True)
class Match:
    lease: LeaseFacts | None
    problem: str | None = None


@dataclass
class Directory:
    """The properties, units, leases and residents an import may refer to, read once."""

    properties: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    """Normalized code, name or name-before-" - " -> [(property id, code)]."""
    units: dict[tuple[int, str], int] = field(default_factory=dict)
    """(property id, normalized unit number) -> unit id."""
    units_by_number: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    """Normalized unit number -> [(property id, unit id)], for exports that name no property."""
    leases_by_unit: dict[int, list[LeaseFacts]] = field(default_factory=dict)
    people: dict[int, list[Person]] = field(default_factory=dict)
    """Lease id -> its residents."""
    leases: dict[int, LeaseFacts] = field(default_factory=dict)
    _cache: dict[tuple[str | None, str, tuple[str, ...]], tuple[list[LeaseFacts], str | None]] = field(
        default_factory=dict
    )

    def match(self, *, prop: str | None, unit: str, names: list[str], on: date) -> Match:
        key = (normalize_text(prop) if prop else None, normalize_text(unit), tuple(names))
        if key not in self._cache:
            self._cache[key] = self._candidates(prop, unit, names)
        candidates, problem = self._cache[key]
        if problem:
            return Match(None, problem)
        live = [le for le in candidates if le.runs_on(on)]
        if len(live) > 1:
            refs = ", ".join(le.ref for le in live)
            return Match(None, f"{self._where(prop, unit)} has more than one lease on {on} ({refs})")
        if live:
            return Match(live[0])
        started = [le for le in candidates if le.start_on <= on]
        if started:
            return Match(max(started, key=lambda le: le.start_on))
        return Match(None, f"no lease on {self._where(prop, unit)} had begun by {on}")

    def _where(self, prop: str | None, unit: str) -> str:
        return f"{prop} unit {unit}" if prop else f"unit {unit}"

    def _candidates(
        self, prop: str | None, unit: str, names: list[str]
    ) -> tuple[list[LeaseFacts], str | None]:
        where = self._where(prop, unit)
        number = normalize_text(unit)
        if prop:
            found = self.properties.get(normalize_text(prop)) or self.properties.get(
                normalize_text(prop.split(" - ", 1)[0])
            )
            if not found:
                return [], f"no property {prop!r} in Doorstep"
            unit_ids = [u for pid, _ in found if (u := self.units.get((pid, number))) is not None]
        else:
            unit_ids = [u for _, u in self.units_by_number.get(number, [])]
            if len(unit_ids) > 1:
                return [], f"unit {unit} exists at {len(unit_ids)} properties and the row names none"
        if not unit_ids:
            return [], f"no unit {where} in Doorstep"
        leases = [le for u in unit_ids for le in self.leases_by_unit.get(u, [])]
        if not names:
            return leases, None if leases else f"no lease on {where}"
        wanted = set(names)
        named = [le for le in leases if wanted & {p.name for p in self.people.get(le.id, [])}]
        if not named:
            who = " or ".join(repr(n.title()) for n in names)
            return [], f"no lease on {where} lists a resident named {who}"
        return named, None

    def resident_named(self, lease_id: int, names: list[str]) -> int | None:
        """The resident of the lease with one of these names, when exactly one has."""
        found = {p.id for p in self.people.get(lease_id, []) if p.name in names}
        return found.pop() if len(found) == 1 else None

    def duplicates(self, lease_id: int) -> str | None:
        """Why two residents on the lease look like one person entered twice, or None."""
        people = self.people.get(lease_id, [])
        for i, a in enumerate(people):
            for b in people[i + 1 :]:
                same = [
                    what
                    for what, x, y in (("name", a.name, b.name), ("phone", a.phone, b.phone))
                    if x and x == y
                ]
                if same:
                    return f"residents {a.ref} and {b.ref} on the lease have the same {' and '.join(same)}"
        return None


def load_directory(session: Session, *, units: Iterable[str] | None = None) -> Directory:
    """Everything matching needs, in four queries. `units`: the unit numbers the file names (to read only
    the leases that can match); None reads every lease."""
    directory = Directory()
    for pid, code, name in session.execute(select(Property.id, Property.code, Property.name)):
        for key in {normalize_text(code), normalize_text(name)}:
            directory.properties.setdefault(key, []).append((pid, code))
    wanted = {normalize_text(u) for u in units} if units is not None else None
    unit_ids: list[int] = []
    for uid, pid, number in session.execute(select(Unit.id, Unit.property_id, Unit.number)):
        key = normalize_text(number)
        if wanted is not None and key not in wanted:
            continue
        directory.units[(pid, key)] = uid
        directory.units_by_number.setdefault(key, []).append((pid, uid))
        unit_ids.append(uid)
    by_unit: dict[int, list[LeaseFacts]] = defaultdict(list)
    for chunk in _chunks(unit_ids):
        rows = session.execute(
            select(
                Lease.id,
                Lease.ref,
                Lease.unit_id,
                Lease.start_on,
                Lease.end_on,
                Lease.moved_out_on,
                Lease.rent_cents,
                Lease.deposit_cents,
            ).where(Lease.unit_id.in_(chunk))
        )
        for row in rows:
            facts = LeaseFacts(*row)
            by_unit[facts.unit_id].append(facts)
            directory.leases[facts.id] = facts
    directory.leases_by_unit = dict(by_unit)
    people: dict[int, list[Person]] = defaultdict(list)
    for chunk in _chunks(list(directory.leases)):
        residents = session.execute(
            select(
                LeaseResident.lease_id,
                Resident.id,
                Resident.ref,
                Resident.first_name,
                Resident.last_name,
                Resident.email,
                Resident.phone,
            )
            .join(Resident, Resident.id == LeaseResident.resident_id)
            .where(LeaseResident.lease_id.in_(chunk))
            .order_by(LeaseResident.lease_id, Resident.id)
        )
        for lease_id, rid, ref, first, last, email, phone in residents:
            people[lease_id].append(Person(rid, ref, normalize_name(f"{first} {last}"), email, phone))
    directory.people = dict(people)
    return directory


def _chunks(ids: list[int], size: int = 5_000) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
