"""The policy-search tool: passages from the resident's property's documents and portfolio-wide ones."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from app.knowledge.retrieval import Passage
from app.models import Property
from tools.account import load_account
from tools.context import ResidentContext
from tools.results import Citation, ToolArgs, ToolResult

PRECEDENCE_QUERY = "conflict inconsistent between lease rules policy control govern prevail precedence"
PRECEDENCE = re.compile(
    r"\b(?:conflict\w*|inconsisten\w*|discrepanc\w*)\b[^.]{0,240}?\b(?:control|govern|prevail|precedence|supersede)"
    r"|\b(?:control|govern|prevail|precedence)\w*\b[^.]{0,160}?\b(?:conflict\w*|inconsisten\w*|discrepanc\w*)\b"
    r"|\border of precedence\b",
    re.IGNORECASE,
)
"""A sentence that says which document controls where they differ."""
PASSAGES = 8
"""Passages returned per search: the reader quotes from the best few; a conflict check looks at all."""


class SearchPoliciesArgs(ToolArgs):
    query: str = Field(min_length=1, max_length=500, description="What to look up, in the resident's words.")


class PolicyPassage(BaseModel):
    text: str
    citation: Citation
    score: float
    doc_type: str


class PolicySearchResult(ToolResult):
    property_name: str | None = None
    passages: list[PolicyPassage] = []
    precedence: list[PolicyPassage] = []
    """Passages that say which document controls where documents differ (an order-of-precedence
    clause), looked up beside every search so a conflict can be answered with what the lease says."""


def search_policies(ctx: ResidentContext, args: SearchPoliciesArgs) -> PolicySearchResult:
    """Search the lease, payment policy, handbook and FAQ that apply to the resident's property (never
    another property's documents) and return the best passages with their citations."""
    if ctx.retriever is None:
        return PolicySearchResult(ok=False, note="the document index is not available right now")
    property_code, property_name = ctx.property_code, None
    with ctx.sessions() as session:
        account = load_account(session, ctx)
        if account is not None:
            property_code, property_name = account.property.code, account.property.name
        elif property_code:
            prop = session.query(Property).filter_by(code=property_code).first()
            property_name = prop.name if prop else None
    passages = ctx.retriever.retrieve(args.query, property_code=property_code, k=PASSAGES)
    # Lexical only (BM25, well under a millisecond): the clause's words are fixed, no embedding needed.
    precedence = ctx.retriever.retrieve(PRECEDENCE_QUERY, property_code=property_code, k=3, mode="lexical")
    return PolicySearchResult(
        property_name=property_name,
        passages=[_passage(p) for p in passages],
        precedence=[_passage(p) for p in precedence if PRECEDENCE.search(p.text)],
        ok=bool(passages),
        note=None if passages else "nothing in the documents answers that",
    )


def _passage(p: Passage) -> PolicyPassage:
    return PolicyPassage(
        text=p.text,
        score=p.score,
        doc_type=p.doc_type,
        citation=Citation(title=p.title, section=p.section, page=p.page, source=p.source),
    )
