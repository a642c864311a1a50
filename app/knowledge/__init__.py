"""Doorstep's knowledge layer: the documents index (Chroma), its embedding model and hybrid retrieval.

Import the submodules you need; this package imports nothing heavy on its own, so modules that only
need `constants` (the demo document generator, say) do not pull in chromadb or onnxruntime.
"""
