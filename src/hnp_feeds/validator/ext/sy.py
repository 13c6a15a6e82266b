"""RSS 1.0 Syndication (``sy:updatePeriod``, ``sy:updateFrequency``, ``sy:updateBase``)."""

from __future__ import annotations

from .. import values
from ..namespaces import SY
from . import Ext, Vocabulary

_UPDATE_PERIODS = frozenset({"hourly", "daily", "weekly", "monthly", "yearly"})


def _check_sy(x: Ext) -> None:
    if x.local == "updatePeriod":
        if x.value.strip() not in _UPDATE_PERIODS:
            x.err("InvalidUpdatePeriod", value=x.value.strip())
    elif x.local == "updateFrequency":
        if not x.value.strip():
            x.warn("NotBlank")
        number = values.int_value(x.value)
        if number is None or number < 1:
            x.err("InvalidPositiveInteger", value=x.value.strip())
    elif x.local == "updateBase":
        x.w3cdtf()
    else:
        x.undefined()


VOCABULARIES = (
    Vocabulary(
        frozenset({SY}),
        _check_sy,
        feed_once=frozenset({"sy:updateBase", "sy:updateFrequency", "sy:updatePeriod"}),
        text_only=True,
    ),
)
