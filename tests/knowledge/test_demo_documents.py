"""The demo documents: written from the lease terms the ledger uses, deterministic, in every format."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.demo.corpus import ingest_demo_documents
from app.demo.documents import PropertyDocTerms, demo_terms, write_demo_documents
from app.knowledge.constants import PORTFOLIO_WIDE
from app.knowledge.store import make_client, open_collection
from app.ledger.jurisdictions import jurisdiction_for
from app.ledger.late_fees import effective_rule, first_late_day, late_fee_on
from app.ledger.types import LateFeeKind, LateFeeRule
from app.money import format_cents
from ingest.loaders import load_document
from ingest.pipeline import ingest_paths
from tests.knowledge.conftest import DemoCorpus


def _text(path: Path) -> str:
    document = load_document(path, path.read_bytes())
    return " ".join(" ".join(page.text.split()) for page in document.pages)


def _rule(terms: PropertyDocTerms) -> LateFeeRule:
    return LateFeeRule(
        LateFeeKind(terms.late_fee_kind),
        amount_cents=terms.late_fee_amount_cents,
        percent_bp=terms.late_fee_percent_bp,
        daily_cents=terms.late_fee_daily_cents,
        cap_cents=terms.late_fee_cap_cents,
    )


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str | None, str], Path]:
    documents = write_demo_documents(demo_terms(), tmp_path_factory.mktemp("demo-docs"))
    return {(d.property_code, d.doc_type): d.path for d in documents}


def test_the_demo_terms_are_the_agreed_ones() -> None:
    terms = {t.property_code: t for t in demo_terms()}

    maple, hudson, aspen = terms["maple-court"], terms["hudson-terrace"], terms["aspen-ridge"]
    assert (maple.city, maple.state, maple.due_day, maple.grace_days, maple.late_fee_kind) == (
        "Austin",
        "TX",
        1,
        3,
        "flat",
    )
    assert (maple.late_fee_amount_cents, maple.nsf_fee_cents) == (75_00, 35_00)
    assert (hudson.city, hudson.state, hudson.due_day, hudson.grace_days) == ("Albany", "NY", 1, 5)
    assert (hudson.late_fee_percent_bp, hudson.late_fee_cap_cents, hudson.nsf_fee_cents) == (
        500,
        50_00,
        20_00,
    )
    assert (aspen.city, aspen.state, aspen.due_day, aspen.grace_days) == ("Denver", "CO", 5, 7)
    assert (aspen.late_fee_amount_cents, aspen.late_fee_daily_cents, aspen.late_fee_cap_cents) == (
        25_00,
        10_00,
        75_00,
    )
    assert aspen.nsf_fee_cents == 30_00


def test_every_property_gets_a_lease_policy_and_handbook_and_there_is_one_faq(
    written: dict[tuple[str | None, str], Path],
) -> None:
    assert set(written) == {
        *(
            (code, kind)
            for code in ("maple-court", "hudson-terrace", "aspen-ridge")
            for kind in ("lease", "policy", "handbook")
        ),
        (None, "faq"),
    }
    assert written[("hudson-terrace", "policy")].suffix == ".docx"
    assert written[("maple-court", "policy")].suffix == ".pdf"
    assert written[("maple-court", "lease")].suffix == ".pdf"
    assert written[("maple-court", "handbook")].suffix == ".md"


@pytest.mark.parametrize("terms", demo_terms(), ids=lambda t: t.property_code)
def test_the_late_fee_the_documents_state_is_the_fee_the_ledger_charges(
    terms: PropertyDocTerms, written: dict[tuple[str | None, str], Path]
) -> None:
    rule = _rule(terms)
    due = date(2026, 3, terms.due_day)
    effective = effective_rule(
        rule,
        grace_days=terms.grace_days,
        rent_cents=terms.typical_rent_cents,
        jurisdiction=jurisdiction_for(terms.state),
    )
    late = first_late_day(due, terms.grace_days)

    def fee(lease_rule: LateFeeRule, on: date) -> int:
        return late_fee_on(
            lease_rule, rent_cents=terms.typical_rent_cents, due_on=due, grace_days=terms.grace_days, on=on
        )

    # the lease is within the state's law: the ledger's capped rule charges what the lease says, every day
    assert effective.grace_days == terms.grace_days
    assert all(
        fee(effective.rule, late + timedelta(days=n)) == fee(rule, late + timedelta(days=n))
        for n in range(20)
    )
    assert fee(rule, late - timedelta(days=1)) == 0
    first_fee = fee(rule, late)

    for kind in ("lease", "policy"):
        text = _text(written[(terms.property_code, kind)])
        assert f"by 11:59 p.m. on the {(late - timedelta(days=1)).day}" in text
        assert format_cents(first_fee) in text
        assert format_cents(terms.nsf_fee_cents) in text
    if terms.late_fee_cap_cents is not None:
        assert f"will not exceed {format_cents(terms.late_fee_cap_cents)}" in _text(
            written[(terms.property_code, "lease")]
        )


@pytest.mark.parametrize("terms", demo_terms(), ids=lambda t: t.property_code)
def test_the_policy_offers_exactly_the_payment_methods_the_property_accepts(
    terms: PropertyDocTerms, written: dict[tuple[str | None, str], Path]
) -> None:
    policy = _text(written[(terms.property_code, "policy")])

    card_fee = f"{terms.card_fee_percent_bp / 100:g}% convenience fee"
    assert (card_fee in policy) == ("card" in terms.accepted_methods)
    assert ("We do not accept credit or debit cards." in policy) == ("card" not in terms.accepted_methods)
    assert ("We do not accept personal checks." in policy) == ("check" not in terms.accepted_methods)
    assert ("Make money orders" in policy or "and money orders payable" in policy) == (
        "money_order" in terms.accepted_methods
    )


def test_the_lease_has_numbered_clauses_running_headers_and_cross_references(
    written: dict[tuple[str | None, str], Path],
) -> None:
    path = written[("aspen-ridge", "lease")]
    pages = load_document(path, path.read_bytes()).pages

    assert len(pages) >= 3
    assert all(page.text.startswith("Aspen Ridge Residences - Residential Lease Agreement") for page in pages)
    assert all(f"Page {page.number} of {len(pages)}" in page.text for page in pages)
    text = _text(path)
    for clause in (
        "1. PARTIES AND PREMISES",
        "4. RENT",
        "4.2 Late Charges.",
        "5. RETURNED PAYMENTS",
        "8. PETS",
    ):
        assert clause in text
    assert "under Section 4.2" in text


def test_output_is_byte_for_byte_deterministic(tmp_path: Path) -> None:
    first = write_demo_documents(demo_terms(), tmp_path / "a")
    second = write_demo_documents(demo_terms(), tmp_path / "b")

    for a, b in zip(first, second, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes(), a.path.name


def test_inconsistent_terms_are_refused() -> None:
    data = demo_terms()[0].model_dump()

    with pytest.raises(ValidationError, match="typical_rent_cents"):
        PropertyDocTerms.model_validate({**data, "typical_rent_cents": 99_999_00})
    with pytest.raises(ValidationError, match="card_fee_percent_bp"):
        PropertyDocTerms.model_validate({**data, "card_fee_percent_bp": 0})
    with pytest.raises(ValidationError):
        PropertyDocTerms.model_validate({**data, "due_day": 31})


def test_regenerating_and_reingesting_the_demo_corpus_skips_every_file(demo_corpus: DemoCorpus) -> None:
    documents = write_demo_documents(demo_terms(), demo_corpus.settings.documents_dir)

    for document in documents:
        report = ingest_paths(
            [document.path],
            doc_type=document.doc_type,
            property_code=document.property_code,
            settings=demo_corpus.settings,
        )
        assert (report.skipped, report.files) == (1, 0), document.path

    report = ingest_demo_documents(documents, settings=demo_corpus.settings)
    assert (report.skipped, report.files, report.removed) == (len(documents), 0, 0)


def test_every_demo_chunk_carries_its_own_documents_type_and_property(demo_corpus: DemoCorpus) -> None:
    expected = {
        str(d.path.resolve()): (d.doc_type, d.property_code or PORTFOLIO_WIDE) for d in demo_corpus.documents
    }
    collection = open_collection(make_client(settings=demo_corpus.settings))

    metadatas = collection.get(include=["metadatas"])["metadatas"] or []

    assert {str(m["source"]) for m in metadatas} == set(expected)
    assert all((m["doc_type"], m["property"]) == expected[str(m["source"])] for m in metadatas)
