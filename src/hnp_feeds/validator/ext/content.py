"""RSS 1.0 Content (``content:encoded``): escaped HTML, judged like RSS description."""

from __future__ import annotations

from ..namespaces import CONTENT
from . import Ext, Vocabulary


def _check_content(x: Ext) -> None:
    if x.local == "encoded":
        x.html()


VOCABULARIES = (
    Vocabulary(
        frozenset({CONTENT}),
        _check_content,
        entry_once=frozenset({"content:encoded"}),
        text_only=True,
    ),
)
