"""Google Base item attributes (``g:price``, ``g:image_link`` ...): typed values, a few
repeatable up to ten times."""

from __future__ import annotations

import re

from .. import values
from ..namespaces import GBASE
from . import Ext, Vocabulary

_GBASE_TYPES: dict[str, re.Pattern[str]] = {
    "integer": re.compile(r"^[0-9]+$"),
    "year": re.compile(r"^[0-9]{4}$"),
    "currency": re.compile(r"^[A-Z]{3}$"),
    "boolean": re.compile(r"^(?:true|false)$", re.I),
    "price": re.compile(r"^[0-9]+(?:\.[0-9]+)?(?:\s*[A-Za-z]{3})?$"),
    "location": re.compile(r"^[^,\s][^,]*(?:,\s*[^,\s][^,]*)+$"),
    "label": re.compile(r"^[^,\s](?:[^,]*[^,\s])?$"),
    "payment": re.compile(
        r"^(?:Cash|Check|Visa|MasterCard|AmericanExpress|Discover|WireTransfer)$", re.I
    ),
    "price_type": re.compile(r"^(?:negotiable|starting)$", re.I),
    "rating": re.compile(r"^[1-5](?:\.[0-9]+)?$"),
}


_GBASE_ATTRIBUTES = {
    "age": "integer",
    "quantity": "integer",
    "bathrooms": "integer",
    "bedrooms": "integer",
    "year": "year",
    "currency": "currency",
    "listing_type": "boolean",
    "pickup": "boolean",
    "price": "price",
    "location": "location",
    "from_location": "location",
    "to_location": "location",
    "label": "label",
    "payment_accepted": "payment",
    "price_type": "price_type",
    "rating": "rating",
}


_GBASE_MAX = {"image_link": 10, "label": 10}


def _check_gbase(x: Ext) -> None:
    """Google Base item attributes (typed values, a few repeatable up to ten times)."""
    limit = _GBASE_MAX.get(x.local)
    if limit is not None:
        before = sum(1 for s in x.el.itersiblings(preceding=True) if s.tag == x.el.tag)
        if before == limit:
            x.err("TooMany", value=str(limit))
    if x.local == "image_link":
        for url in x.value.split(","):
            if values.uri_fault(url.strip(), iri=False, full=True) is not None:
                x.err("InvalidValue", value=x.value.strip())
                break
        return
    kind = _GBASE_ATTRIBUTES.get(x.local)
    if kind is not None and not _GBASE_TYPES[kind].match(x.value):
        x.err("InvalidValue", value=x.value, type=kind)


VOCABULARIES = (Vocabulary(frozenset({GBASE}), _check_gbase),)
