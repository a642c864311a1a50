"""The demo portal and the signed links behind citation chips."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from app.channels.documents import citation_url
from app.channels.tokens import resident_ref
from tests.channels.conftest import CHAT_SECRET
from tests.support.databases import Database


def test_the_demo_portal_lists_residents_and_mints_a_token_server_side(
    chat_client: TestClient, demo_db: Database
) -> None:
    picker = chat_client.get("/demo")
    assert picker.status_code == 200
    ref = demo_db.report.personas["partial"]  # type: ignore[union-attr]
    assert f'href="/demo?resident={ref}"' in picker.text
    page = chat_client.get(f"/demo?resident={ref}")
    assert page.status_code == 200
    tag = re.search(r'<script src="/assets/widget.js" defer data-token="([^"]+)"', page.text)
    assert tag is not None
    assert resident_ref(tag.group(1), secret=CHAT_SECRET.encode()) == ref
    widget = chat_client.get("/assets/widget.js")
    assert widget.status_code == 200 and "attachShadow" in widget.text
    assert chat_client.get("/demo?resident=R99999").status_code == 404


def test_a_cited_document_opens_only_through_its_signed_link(
    chat_client: TestClient, demo_db: Database
) -> None:
    documents = demo_db.settings.documents_dir
    (documents / "maple-court").mkdir(parents=True)
    lease = documents / "maple-court" / "lease.pdf"
    lease.write_bytes(b"%PDF-1.4 a lease")
    (documents.parent / "secret.txt").write_text("not for residents")
    url = citation_url(str(lease), 3, documents_dir=documents, secret=CHAT_SECRET.encode())
    assert url is not None and url.endswith("#page=3")
    opened = chat_client.get(url.split("#")[0])
    assert opened.status_code == 200
    assert opened.headers["content-type"] == "application/pdf" and opened.content == b"%PDF-1.4 a lease"
    tampered = url.split("#")[0].replace("lease.pdf", "..%2Fsecret.txt")
    assert chat_client.get(tampered).status_code == 404
    forged = re.sub(r"sig=[0-9a-f]+", "sig=" + "0" * 64, url.split("#")[0])
    assert chat_client.get(forged).status_code == 404
    expired = citation_url(str(lease), 3, documents_dir=documents, secret=CHAT_SECRET.encode(), now=0)
    assert expired is not None and chat_client.get(expired.split("#")[0]).status_code == 404
    # A document outside the documents folder is cited without a link.
    assert citation_url(str(documents.parent / "secret.txt"), 1, documents_dir=documents, secret=b"k") is None
    assert isinstance(documents, Path)
