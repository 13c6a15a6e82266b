"""The Conversations Network's podcast ratings (``conversationsNetwork:``)."""

from __future__ import annotations

from .. import values
from ..namespaces import CONVERSATIONS
from . import Ext, Vocabulary


def _check_conversations_network(x: Ext) -> None:
    """The Conversations Network's podcast ratings."""
    if x.local == "image":
        x.full_url(code="InvalidURLAttribute")
    elif x.local in ("introMilliseconds", "ratingCount"):
        x.integer("InvalidNonNegativeInteger")
    elif x.local == "ratingIndividual":
        x.integer("InvalidPositiveInteger", minimum=1)
    elif x.local == "ratingAverage":
        if values.decimal_value(x.value) is None:
            x.err("InvalidFloat", value=x.value.strip())
    elif x.local == "ratingTimestamp" and (
        not values.is_w3cdtf(x.value.strip()) or "T" not in x.value
    ):
        x.err("InvalidISO8601DateTime", value=x.value.strip())


VOCABULARIES = (Vocabulary(frozenset({CONVERSATIONS}), _check_conversations_network),)
