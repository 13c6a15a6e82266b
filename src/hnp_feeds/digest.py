"""A digest of source files and of the libraries they rely on: what a cache of their
output is keyed by, so that an upgrade or an edit is never served stale bytes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

#: The package's own directory.
PACKAGE = Path(__file__).resolve().parent


def source_digest(paths: Sequence[str], libraries: Sequence[str] = ()) -> str:
    """Of the package's files or directories (every ``.py`` under one) at ``paths``
    (relative to the package), and the installed versions of ``libraries``."""
    digest = hashlib.sha256()
    for name in paths:
        root = PACKAGE / name
        files = sorted(root.rglob("*.py")) if root.is_dir() else [root]
        for path in files:
            digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    if libraries:  # importlib.metadata only then: it is slow to import
        from importlib import metadata
    for library in libraries:
        digest.update(f"\n{library} {metadata.version(library)}".encode())
    return digest.hexdigest()[:16]
