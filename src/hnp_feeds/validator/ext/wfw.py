"""Well-Formed Web CommentAPI (``wfw:comment``, ``wfw:commentRss``): URLs."""

from __future__ import annotations

from ..namespaces import WFW
from . import Ext, Vocabulary


def _check_wfw(x: Ext) -> None:
    if x.local == "commentRSS":
        x.warn("CommentRSS")
    elif x.local in ("comment", "commentRss"):
        x.full_url()


VOCABULARIES = (Vocabulary(frozenset({WFW}), _check_wfw),)
