"""GeoRSS-Simple (``georss:point``, ``line``, ``polygon``, ``box``): whitespace-separated
numbers."""

from __future__ import annotations

from .. import values
from ..namespaces import GEORSS
from . import Ext, Vocabulary


def _check_georss(x: Ext) -> None:
    """GeoRSS-Simple: point, line, polygon, box are whitespace-separated numbers."""
    if x.local not in ("point", "line", "polygon", "box"):
        return
    value = x.value.strip()
    if "," in value:
        x.warn("CoordComma", value=value)
        value = value.replace(",", " ")
    numbers = [values.decimal_value(n) for n in value.split()]
    if None in numbers or len(numbers) % 2 or (x.local == "point" and len(numbers) != 2):
        x.err("InvalidCoordList" if x.local != "point" else "InvalidCoord", value=x.value.strip())


VOCABULARIES = (Vocabulary(frozenset({GEORSS}), _check_georss),)
