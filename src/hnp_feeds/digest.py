"""A digest of source files and of the libraries they rely on: what a cache of their
output is keyed by, so that an upgrade or an edit is never served stale bytes."""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Sequence
from pathlib import Path

#: The package's own directory.
PACKAGE = Path(__file__).resolve().parent


def text_digest(text: str) -> str:
    """The SHA-256 of ``text``'s UTF-8, in hex: a stored body's ``content_hash``, which
    is also what an entry's cache key is made of (``writers.fragments.entry_keys``)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
    for library in libraries:
        digest.update(f"\n{library} {installed_version(library)}".encode())
    return digest.hexdigest()[:16]


def installed_version(library: str) -> str:
    """The installed version of the importable ``library``: read from the name of its
    distribution's ``<name>-<version>.dist-info`` folder beside it, as pip installs it
    (``importlib.metadata``, ~40 ms to import, a tenth of a cron run, only when there is
    no such folder: another installer, an egg)."""
    spec = importlib.util.find_spec(library)
    if spec is not None and spec.origin:
        home = Path(spec.origin).parent.parent
        found = list(home.glob(f"{library}-*.dist-info"))
        if len(found) == 1:
            return found[0].name[len(library) + 1 : -len(".dist-info")]
    from importlib import metadata

    return metadata.version(library)
