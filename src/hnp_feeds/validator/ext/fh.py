"""RFC 5005 feed history markers (``fh:complete``, ``fh:archive``): empty elements."""

from __future__ import annotations

from ..namespaces import FH
from . import Ext, Vocabulary


def _check_fh(x: Ext) -> None:
    if x.local in ("complete", "archive"):
        if x.value.strip() or len(x.el):
            x.err("UnexpectedText")
    else:
        x.undefined()


VOCABULARIES = (
    Vocabulary(frozenset({FH}), _check_fh, feed_once=frozenset({"fh:complete", "fh:archive"})),
)
