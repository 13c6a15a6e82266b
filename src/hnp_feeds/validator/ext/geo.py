"""Positions: W3C Basic Geo (``geo:lat``, ``geo:long``, ``geo:Point``), GeoURL and ICBM."""

from __future__ import annotations

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
        try:
            number = float(x.value.strip())
        except ValueError:
            number = limit + 1
        if not -limit <= number <= limit:
            x.err("InvalidLatitude" if latitude else "InvalidLongitude", value=x.value.strip())
    elif x.local == "alt":
        try:
            float(x.value.strip())
        except ValueError:
            x.err("InvalidFloat", value=x.value.strip())


VOCABULARIES = (Vocabulary(frozenset({GEO, GEOURL, ICBM}), _check_geo),)
