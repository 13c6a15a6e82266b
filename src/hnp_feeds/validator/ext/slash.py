"""Slash (``slash:comments``, ``slash:hit_parade``, ``slash:section``, ``slash:department``)."""

from __future__ import annotations

import re

from ..namespaces import SLASH
from . import Ext, Vocabulary


def _check_slash(x: Ext) -> None:
    if x.local == "comments":
        x.integer()
    elif x.local == "hit_parade":
        if not re.fullmatch(r"\d+(?:,\d+)*", x.value.strip()):
            x.err("InvalidCommaSeparatedIntegers", value=x.value.strip())
    elif x.local in ("section", "department"):
        x.plain()
    else:
        x.undefined()


VOCABULARIES = (
    Vocabulary(
        frozenset({SLASH}),
        _check_slash,
        entry_once=frozenset(
            {"slash:comments", "slash:section", "slash:department", "slash:hit_parade"}
        ),
        text_only=True,
    ),
)
