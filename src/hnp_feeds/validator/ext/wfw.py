"""Well-Formed Web CommentAPI (``wfw:comment``, ``wfw:commentRss``): URLs."""

from __future__ import annotations

from ..namespaces import WFW
from . import Ext, Vocabulary


def _check_wfw(x: Ext) -> None:
    if x.local == "commentRSS":  # the misspelt form: still a URL (issue 13)
        x.warn("CommentRSS")
    if x.local in ("comment", "commentRss", "commentRSS"):
        x.full_url()


VOCABULARIES = (Vocabulary(frozenset({WFW}), _check_wfw),)
