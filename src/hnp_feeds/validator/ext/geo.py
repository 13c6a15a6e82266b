"""Positions: W3C Basic Geo (``geo:lat``, ``geo:long``, ``geo:Point``), GeoURL and ICBM."""

from __future__ import annotations

from .. import values
from ..namespaces import GEO, GEOURL, ICBM
from ..tree import iter_elements
from . import Ext, Vocabulary


def _check_geo(x: Ext) -> None:
    if x.local == "Point":
        for child in iter_elements(x.el):
            x.descend(child)
    elif x.local in ("lat", "latitude", "long", "longitude"):
        latitude = x.local.startswith("lat")
        limit = 90.0 if latitude else 180.0
        number = values.decimal_value(x.value)
        if number is None or not -limit <= number <= limit:
            x.err("InvalidLatitude" if latitude else "InvalidLongitude", value=x.value.strip())
    elif x.local == "alt" and values.decimal_value(x.value) is None:
        x.err("InvalidFloat", value=x.value.strip())


VOCABULARIES = (Vocabulary(frozenset({GEO, GEOURL, ICBM}), _check_geo),)
