"""A .docx is a zip package: inflate it only within `ingest.limits`, so a zip bomb is refused, not read.

Before the package is even opened, the size of its table of contents is checked (a zip of 500,000 empty
files would otherwise cost seconds and hundreds of MB to list). Before anything is inflated, the
package's table of contents is checked: how many parts, their
declared sizes in total, and each part's compression ratio. Declared sizes can lie, so each part is
then read with a hard cap of what the total may still grow by, and its ratio checked again on the
bytes actually read. A part that declares XML entities (a "billion laughs" document.xml) is refused
too. python-docx gets the parts re-packed without compression, so it reads exactly
the bytes counted here and inflates nothing itself.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from ingest import limits
from ingest.document import LoadError

_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError)
"""What zipfile raises on a damaged, encrypted or oddly compressed part (RuntimeError: a password)."""


def bounded_package(data: bytes) -> bytes:
    """The zip package in `data` with every part inflated within the limits, re-packed uncompressed;
    LoadError naming the limit a zip bomb breaks, or saying the zip is damaged."""
    _check_directory(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise LoadError(f"not a Word .docx (a damaged zip: {exc})") from exc
    out = io.BytesIO()
    with archive, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as repacked:
        parts = [part for part in archive.infolist() if not part.is_dir()]
        _check_declared(parts)
        budget = limits.MAX_DOCX_UNCOMPRESSED_BYTES
        for part in parts:
            try:
                with archive.open(part) as stream:
                    content = stream.read(budget + 1)
            except _READ_ERRORS as exc:
                raise LoadError(f"not a Word .docx (part {part.filename!r} cannot be read: {exc})") from exc
            if len(content) > budget:
                raise LoadError(_too_big(None))
            _check_ratio(part, len(content))
            _check_entities(part, content)
            budget -= len(content)
            repacked.writestr(part.filename, content)
    return out.getvalue()


_END = b"PK\x05\x06"
_END_SIZE = 22
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_END = b"PK\x06\x06"


def _check_directory(data: bytes) -> None:
    """Refuse a package whose table of contents is over `limits.MAX_DOCX_DIRECTORY_BYTES`, before zipfile
    parses it: zipfile reads exactly the size the end record gives, so bounding it bounds the parsing."""
    size = _directory_size(data)
    if size is not None and size > limits.MAX_DOCX_DIRECTORY_BYTES:
        raise LoadError(
            f"zip bomb? the .docx lists its files in {size / limits.MB:,.1f} MB, over the limit of "
            f"{limits.MAX_DOCX_DIRECTORY_BYTES / limits.MB:,.0f} MB (Word lists its files in a few kB)"
        )


def _directory_size(data: bytes) -> int | None:
    """The central directory's size as the end record (or its zip64 record) declares it; None when there is
    none to read (zipfile then says the zip is damaged)."""
    at = data.rfind(_END, max(0, len(data) - _END_SIZE - 0xFFFF))  # the end record, then its comment
    if at < 0 or at + _END_SIZE > len(data):
        return None
    (size,) = struct.unpack_from("<I", data, at + 12)
    locator = at - 20
    if size != 0xFFFFFFFF or locator < 0 or data[locator : locator + 4] != _ZIP64_LOCATOR:
        return int(size)
    (record,) = struct.unpack_from("<Q", data, locator + 8)
    if record + 56 > len(data) or data[record : record + 4] != _ZIP64_END:
        return None
    (size64,) = struct.unpack_from("<Q", data, record + 40)
    return int(size64)


def _check_declared(parts: list[zipfile.ZipInfo]) -> None:
    if len(parts) > limits.MAX_DOCX_PARTS:
        raise LoadError(
            f"zip bomb? the .docx holds {len(parts):,} files, over the limit of {limits.MAX_DOCX_PARTS:,}"
        )
    names = [part.filename for part in parts]
    if len(set(names)) != len(names):
        raise LoadError("not a Word .docx (two parts of the zip share one name)")
    if (total := sum(part.file_size for part in parts)) > limits.MAX_DOCX_UNCOMPRESSED_BYTES:
        raise LoadError(_too_big(total))
    for part in parts:
        _check_ratio(part, part.file_size)


def _check_ratio(part: zipfile.ZipInfo, inflated: int) -> None:
    if inflated < limits.COMPRESSION_RATIO_FLOOR_BYTES:
        return
    ratio = inflated / max(part.compress_size, 1)
    if ratio > limits.MAX_COMPRESSION_RATIO:
        raise LoadError(
            f"zip bomb? part {part.filename!r} inflates {ratio:,.0f} times, over the limit of "
            f"{limits.MAX_COMPRESSION_RATIO} times"
        )


_ENTITY_DECLARATIONS = tuple("<!ENTITY".encode(codec) for codec in ("ascii", "utf-16-le", "utf-16-be"))


def _check_entities(part: zipfile.ZipInfo, content: bytes) -> None:
    """Word never declares XML entities; a part that does is an entity-expansion attack ("billion laughs")
    or an attempt to pull in another file. The XML parser would refuse most of them too (libxml2 caps entity
    amplification), but with a message no operator could act on; this names the part."""
    if any(marker in content for marker in _ENTITY_DECLARATIONS):
        raise LoadError(
            f"not a Word .docx (part {part.filename!r} declares XML entities, which Word never writes: "
            "an entity-expansion attack?)"
        )


def _too_big(declared: int | None) -> str:
    """`declared`: the sizes the package claims, in total; None when it claimed less than it holds."""
    limit = f"{limits.MAX_DOCX_UNCOMPRESSED_BYTES / limits.MB:,.0f} MB"
    if declared is None:
        return f"zip bomb? the .docx inflates to more than {limit} (more than its parts declare), the limit"
    return f"zip bomb? the .docx inflates to {declared / limits.MB:,.1f} MB, over the limit of {limit}"


__all__ = ["bounded_package"]
