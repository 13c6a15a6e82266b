"""``.gz`` siblings of published files, for nginx ``gzip_static`` and the preview server.

The gzip header holds no name and a zero mtime, so the same bytes always compress to the
same ``.gz`` and an unchanged feed leaves its sibling (and its mtime) untouched.
"""

from __future__ import annotations

import contextlib
import gzip
import os
from pathlib import Path

from .output import write_atomic

# Text the portal publishes: worth compressing.  Images and archives already are.
COMPRESSIBLE_SUFFIXES = frozenset(
    {".xml", ".json", ".html", ".opml", ".css", ".txt", ".svg", ".xsl"}
)


def gzip_bytes(data: bytes) -> bytes:
    """Deterministic gzip (no file name, mtime 0, level 9)."""
    return gzip.compress(data, compresslevel=9, mtime=0)


def gzip_sibling(path: Path) -> Path:
    """``feeds/tin-moi/atom.xml`` -> ``feeds/tin-moi/atom.xml.gz``."""
    return path.with_name(path.name + ".gz")


def write_gzip_sibling(path: Path, data: bytes) -> bool:
    """Write ``<path>.gz`` holding ``data`` compressed, atomically; False when unchanged.

    Call it with the same bytes just written to ``path``.  Files that do not compress
    (by suffix) get no sibling.
    """
    if path.suffix not in COMPRESSIBLE_SUFFIXES:
        return False
    return write_atomic(gzip_sibling(path), gzip_bytes(data))


def write_with_sibling(path: Path, data: bytes) -> bool:
    """Put ``data`` at ``path`` atomically (False when the bytes were already there),
    then its ``.gz`` sibling; a sibling older than its file (a run killed between the
    two writes) is written again even when the file itself was unchanged."""
    if write_atomic(path, data):
        write_gzip_sibling(path, data)
        return True
    sibling = gzip_sibling(path)
    try:
        fresh = sibling.stat().st_mtime_ns >= path.stat().st_mtime_ns
    except FileNotFoundError:
        fresh = False
    if not fresh:
        write_gzip_sibling(path, data)
        with contextlib.suppress(FileNotFoundError):
            os.utime(sibling)  # rewritten or not, it now matches the file
    return False
