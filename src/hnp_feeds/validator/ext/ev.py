"""RSS 1.0 Event (``ev:startdate``, ``ev:enddate``): ISO 8601 dates, future ones welcome."""

from __future__ import annotations

from .. import values
from ..namespaces import EV
from . import Ext, Vocabulary


def _check_ev(x: Ext) -> None:
    if x.local in ("startdate", "enddate"):
        # ISO 8601, a zone optional; events are dated in the future as well
        values.check_date_w3cdtf(
            x.report, x.value.strip(), zone_required=False, bounded=False, **x.at()
        )


VOCABULARIES = (Vocabulary(frozenset({EV}), _check_ev, text_only=True),)
