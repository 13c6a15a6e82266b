"""GeoRSS-Simple (``georss:point``, ``line``, ``polygon``, ``box``): whitespace-separated
numbers."""

from __future__ import annotations

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
    try:
        numbers = [float(n) for n in value.split()]
    except ValueError:
        x.err("InvalidCoordList" if x.local != "point" else "InvalidCoord", value=x.value.strip())
        return
    if len(numbers) % 2 or (x.local == "point" and len(numbers) != 2):
        x.err("InvalidCoordList" if x.local != "point" else "InvalidCoord", value=x.value.strip())


VOCABULARIES = (Vocabulary(frozenset({GEORSS}), _check_georss),)
