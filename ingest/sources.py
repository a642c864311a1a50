"""Which files an ingest run may read, and reading them: inside the folders given, regular files only.

A documents folder is shared with whoever can drop files into it, so a symbolic link there must not
carry ingest elsewhere: a link to /etc/passwd would put that file in residents' passages. A link is
followed only when it leads to a place inside the folder the operator named (for a path named on its
own, as a shell glob expands them, the folder it sits in). Such links, and anything that is not a
regular file (a FIFO, a device, a socket), are refused with a reason the report shows. Files are
recorded under their real path, so a file and a link to it are one source.

Reading re-checks what discovery saw, because the folder can change in between: the file is opened
without following a final symbolic link and without blocking on a FIFO, must still be a regular file,
and is read no further than its format's size cap (`ingest.limits`).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingest.document import LoadError
from ingest.limits import too_large


@dataclass(frozen=True, slots=True)
class Refusal:
    """A path ingest will not read, and why (shown to the operator)."""

    path: Path
    reason: str
    stored_as: Path
    """The source its chunks were filed under before links were checked, if it was ingested then:
    the link's own path when a folder walk found it, the link's target when it was named directly."""


@dataclass(slots=True)
class Discovery:
    """The files to ingest (real paths, de-duplicated, in path order) and the paths refused."""

    files: list[Path] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    unusable: list[tuple[Path, str]] = field(default_factory=list)
    """Paths named directly that are not files or folders (a FIFO, a device): (path, reason)."""
    roots: list[Path] = field(default_factory=list)
    """The real paths of the arguments not refused, existing or not: where a file that is gone from
    disk has its chunks dropped."""


def discover(paths: Sequence[Path]) -> Discovery:
    """Regular files under the directories (recursively, hidden names left out) and the files given.

    A path that does not exist is left out silently: the pipeline reports it (or drops the chunks of a
    file that was deleted).
    """
    found: list[tuple[Path, Path]] = []  # (path as walked, real path)
    result = Discovery()
    for given in paths:
        named = given.expanduser().absolute()
        real = real_path(named)
        container = real_path(named.parent) or named.parent
        if real is None or (named.is_symlink() and not real.is_relative_to(container)):
            result.refused.append(_link_refusal(named, real, container, stored_as=real or named, named=True))
            continue
        result.roots.append(real)
        if real.is_dir():
            _walk(real, root=real, found=found, refused=result.refused)
        elif real.is_file():
            found.append((real, real))
        elif real.exists():
            result.unusable.append((real, f"not a regular file ({_kind(real.stat().st_mode)})"))
    seen: set[Path] = set()
    for _, real in sorted(found):
        if real not in seen:
            seen.add(real)
            result.files.append(real)
    result.refused.sort(key=lambda refusal: refusal.path)
    return result


def _walk(directory: Path, *, root: Path, found: list[tuple[Path, Path]], refused: list[Refusal]) -> None:
    try:
        entries = sorted(directory.iterdir())
    except OSError as exc:
        refused.append(Refusal(directory, f"cannot list this folder: {exc.strerror or exc}", directory))
        return
    for entry in entries:
        if entry.name.startswith((".", "~$")):
            continue
        real = entry
        try:
            mode = entry.lstat().st_mode
            if stat.S_ISLNK(mode):
                target = real_path(entry)
                if target is None or not target.is_relative_to(root):
                    refused.append(_link_refusal(entry, target, root, stored_as=entry))
                    continue
                if not target.exists():
                    refused.append(Refusal(entry, f"a broken symbolic link (to {target})", entry))
                    continue
                if target.is_dir():
                    continue  # a link to a folder inside: its files are found where they really are
                real, mode = target, target.stat().st_mode
        except OSError:
            continue  # gone since the folder was listed
        if stat.S_ISDIR(mode):
            _walk(entry, root=root, found=found, refused=refused)
        elif stat.S_ISREG(mode):
            found.append((entry, real))
        else:
            refused.append(Refusal(entry, f"not a regular file ({_kind(mode)})", entry))


def real_path(path: Path) -> Path | None:
    """The real path, or None when symbolic links loop."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):  # RuntimeError: "Symlink loop" (Python 3.11 and 3.12)
        return None


def _link_refusal(
    link: Path, target: Path | None, root: Path, *, stored_as: Path, named: bool = False
) -> Refusal:
    """`named`: the operator named the link itself (a shell glob does), so say how to ingest its target."""
    if target is None:
        return Refusal(link, "a symbolic link that loops", stored_as)
    hint = f" (name {target} itself to ingest it)" if named else ""
    return Refusal(link, f"a symbolic link to {target}, outside {root}: not followed{hint}", stored_as)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


_OPEN_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
)


def read_source(path: Path, *, max_bytes: int) -> bytes:
    """The file's bytes, or LoadError when it is no longer a regular file or is over `max_bytes`.

    Opened without following a final symbolic link (discovery resolved every link, so one here appeared
    since) and without waiting on a FIFO; the size is checked before reading and enforced while reading,
    since a file can grow in between.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise LoadError("became a symbolic link while ingest ran: not followed") from exc
        raise LoadError(f"cannot read: {exc.strerror or exc}") from exc
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise LoadError(f"not a regular file ({_kind(info.st_mode)})")
        if info.st_size > max_bytes:
            raise LoadError(too_large(info.st_size, max_bytes))
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise LoadError(too_large(len(data), max_bytes))
    return data


__all__ = ["Discovery", "Refusal", "discover", "read_source", "real_path"]
