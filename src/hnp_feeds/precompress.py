"""``.gz`` siblings of published files, for nginx ``gzip_static`` and the preview server.

The gzip header holds no name and a zero mtime, so the same bytes always compress to the
same ``.gz`` and an unchanged feed leaves its sibling (and its mtime) untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .output import Writes, io_threads, write_atomic

# Text the portal publishes: worth compressing.  Images and archives already are.
COMPRESSIBLE_SUFFIXES = frozenset(
    {".xml", ".json", ".html", ".opml", ".css", ".txt", ".svg", ".xsl"}
)
#: zlib's default: on the sample portal's feeds level 9 costs 30 % more CPU for 0.3 % less.
GZIP_LEVEL = 6


def gzip_bytes(data: bytes) -> bytes:
    """Deterministic gzip (no file name, mtime 0, ``GZIP_LEVEL``) by zlib-ng: the same
    ratio as zlib's at half its CPU (a first publish compresses every archive page)."""
    from zlib_ng import gzip_ng

    packed: bytes = gzip_ng.compress(data, compresslevel=GZIP_LEVEL, mtime=0)  # type: ignore[no-untyped-call]
    return packed


def gzip_files(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """``gzip_bytes`` of each compressible file (by name), compressed side by side in
    ``output.io_threads`` (zlib lets go of the GIL while it compresses): a document's
    formats take the time of the largest of them, not of all."""
    names = [name for name in files if compressible(name)]
    if len(names) < 2:
        return {name: gzip_bytes(files[name]) for name in names}
    packed = io_threads().map(gzip_bytes, [files[name] for name in names])
    return dict(zip(names, packed, strict=True))


def compressible(name: str) -> bool:
    """Whether a file of this name gets a ``.gz`` sibling (by its suffix)."""
    return Path(name).suffix in COMPRESSIBLE_SUFFIXES


def gzip_sibling(path: Path) -> Path:
    """``feeds/tin-moi/atom.xml`` -> ``feeds/tin-moi/atom.xml.gz``."""
    return path.with_name(path.name + ".gz")


def write_gzip_sibling(
    path: Path, data: bytes, gz: bytes | None = None, unsynced: set[Path] | None = None
) -> bool:
    """Write ``<path>.gz`` holding ``data`` compressed (``gz``, when already compressed
    by a render worker), atomically; False when unchanged.

    Call it with the same bytes just written to ``path``.  Files that do not compress
    (by suffix) get no sibling.
    """
    if path.suffix not in COMPRESSIBLE_SUFFIXES:
        return False
    return write_atomic(gzip_sibling(path), gz or gzip_bytes(data), unsynced)


def write_with_sibling(
    path: Path, data: bytes, gz: bytes | None = None, unsynced: set[Path] | None = None
) -> bool:
    """``add_with_sibling`` of one file, put in place now."""
    with Writes(unsynced) as writes:
        return add_with_sibling(writes, path, data, gz)


def add_with_sibling(writes: Writes, path: Path, data: bytes, gz: bytes | None = None) -> bool:
    """Put ``data`` at ``path`` and its ``.gz`` sibling with ``writes``, atomically each;
    False when the bytes were already there (a sibling that does not hold them is written
    again).

    A reader never sees a file newer than its ``.gz`` (nginx ``gzip_static`` would serve
    the stale one): a file already published gets its new ``.gz`` first, then itself; a new
    file is put in place first, then its ``.gz`` (a ``.gz`` without its file is never left).
    A run killed in between leaves a ``.gz`` one version ahead, which the next run's write
    of the same bytes completes.

    ``gz``: ``data`` already compressed (``gzip_bytes``, in a render worker)."""
    if path.suffix not in COMPRESSIBLE_SUFFIXES:
        return writes.add(path, data)
    sibling = gzip_sibling(path)
    try:
        current = path.read_bytes()
    except FileNotFoundError:
        sibling.unlink(missing_ok=True)  # an orphan must not stand for the new file
        writes.add(path, data)
        writes.add(sibling, gz or gzip_bytes(data))
        return True
    if current == data:
        if not holds(sibling, data):
            writes.add(sibling, gz or gzip_bytes(data))
        return False
    writes.add(sibling, gz or gzip_bytes(data))
    writes.add(path, data)
    return True


def holds(sibling: Path, data: bytes) -> bool:
    """Whether the ``.gz`` file ``sibling`` is there and decompresses to ``data``."""
    import gzip  # a run with nothing to write never loads it
    import zlib

    try:
        return gzip.decompress(sibling.read_bytes()) == data
    except (OSError, EOFError, zlib.error):
        return False
