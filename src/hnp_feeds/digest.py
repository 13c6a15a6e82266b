"""A digest of a package's own source and of the libraries it relies on: what a cache of
its output is keyed by, so that an upgrade or an edit is never served stale bytes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path


def source_digest(package: Path, libraries: Sequence[str] = ()) -> str:
    """Of every ``.py`` file under the directory ``package`` and the installed versions
    of ``libraries``."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    for library in libraries:
        digest.update(f"\n{library} {metadata.version(library)}".encode())
    return digest.hexdigest()[:16]
