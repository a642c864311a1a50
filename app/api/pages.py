"""Pages: the demo resident portal (`/demo`), and the documents a reply cites (signed links)."""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from sqlalchemy import select

from app.bounds import SearchText
from app.channels.documents import verified_path
from app.channels.tokens import mint
from app.deps import SessionDep, SettingsDep
from app.keys import chat_secret
from app.models import AuditRecord, Resident
from app.web import render

router = APIRouter(include_in_schema=False)

MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".md": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
DEMO_TOKEN_TTL = 60 * 60


def _demo_only(settings: SettingsDep) -> None:
    if settings.ENVIRONMENT == "production":
        raise HTTPException(status.HTTP_404_NOT_FOUND, "not found")


@router.get("/demo", response_class=HTMLResponse)
def demo_portal(
    session: SessionDep,
    settings: SettingsDep,
    resident: Annotated[SearchText | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    """Pick a demo resident, then chat as them: the page mints their token on the server, as a real
    portal's backend would."""
    _demo_only(settings)
    if resident is None:
        return HTMLResponse(
            render("demo.html", heading="Chat as a demo resident", raw_body=_picker(session), raw_widget="")
        )
    person = session.scalars(select(Resident).where(Resident.ref == resident.upper())).first()
    if person is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no demo resident {resident}")
    token = mint(person.ref, secret=chat_secret(settings), ttl_seconds=DEMO_TOKEN_TTL).token
    widget = (
        f'<script src="/assets/widget.js" defer data-token="{html.escape(token)}" '
        f'data-token-url="/demo/token?resident={html.escape(person.ref)}" '
        f'data-title="Questions about your rent?"></script>'
    )
    body = (
        f'<section class="account"><p>Signed in as <strong>{html.escape(person.full_name)}</strong> '
        f"({html.escape(person.ref)}).</p><p>Open the chat in the corner and ask what you owe, when rent "
        "is due, why a fee was charged, or whether you can pay in parts.</p>"
        '<p><a href="/demo">Choose another resident</a></p></section>'
    )
    return HTMLResponse(render("demo.html", heading="Your account", raw_body=body, raw_widget=widget))


@router.get("/demo/token")
def demo_token(
    session: SessionDep, settings: SettingsDep, resident: Annotated[SearchText, Query(max_length=20)]
) -> JSONResponse:
    """A fresh token for the demo page's widget when its token expires (a real portal serves its own)."""
    _demo_only(settings)
    person = session.scalars(select(Resident).where(Resident.ref == resident.upper())).first()
    if person is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no demo resident {resident}")
    minted = mint(person.ref, secret=chat_secret(settings), ttl_seconds=DEMO_TOKEN_TTL)
    return JSONResponse(minted.model_dump(mode="json"))


@router.get("/documents/{relative:path}")
def cited_document(
    relative: str,
    settings: SettingsDep,
    exp: Annotated[int, Query(ge=0, le=2**40)],
    sig: Annotated[str, Query(min_length=64, max_length=64)],
) -> FileResponse:
    path = verified_path(
        relative, exp=exp, sig=sig, documents_dir=settings.documents_dir, secret=chat_secret(settings)
    )
    if path is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "this link has expired or is not valid")
    media = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return FileResponse(path, media_type=media, content_disposition_type="inline", filename=path.name)


_PERSONA_NOTES = {
    "on_time": "always pays on time",
    "sometimes_late": "usually a few days late",
    "partial": "pays in parts",
    "roommates": "roommates who split the rent",
    "nsf": "a returned ACH payment",
    "disputed": "a disputed charge",
    "plan": "on a payment plan",
    "credit": "has a credit balance",
    "moved_out": "moved out, deposit settled",
    "spanish": "writes in Spanish",
    "pending_payment": "a payment still pending",
    "changed_yesterday": "balance changed yesterday",
    "delinquent": "behind on rent",
}


def _picker(session: SessionDep) -> str:
    """The demo personas the seed named (from its audit line), each a link to chat as them."""
    data = session.scalars(
        select(AuditRecord.data)
        .where(AuditRecord.action == "demo.seed")
        .order_by(AuditRecord.id.desc())
        .limit(1)
    ).first()
    found = data.get("personas") if isinstance(data, dict) else None
    personas: dict[str, object] = found if isinstance(found, dict) else {}
    items = []
    for key, note in _PERSONA_NOTES.items():
        ref = personas.get(key)
        if isinstance(ref, str) and "," not in ref:
            items.append(
                f'<li><a href="/demo?resident={html.escape(ref)}">{html.escape(ref)} '
                f'<span class="why">{html.escape(note)}</span></a></li>'
            )
    if not items:
        refs = session.scalars(select(Resident.ref).order_by(Resident.id).limit(12)).all()
        items = [f'<li><a href="/demo?resident={html.escape(r)}">{html.escape(r)}</a></li>' for r in refs]
    return '<ul class="residents">' + "".join(items) + "</ul>"
