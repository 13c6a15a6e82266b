"""OpenSearch 1.1 response elements (``totalResults``, ``startIndex``, ``itemsPerPage``,
``Query``)."""

from __future__ import annotations

import codecs
import re

from .. import values
from ..namespaces import OPENSEARCH
from . import Ext, Vocabulary

_OPENSEARCH_ROLES = frozenset({"request", "example", "related", "correction", "subset", "superset"})


_URL_ENCODED = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/? ]|%[0-9A-Fa-f]{2})*$")


def _check_opensearch(x: Ext) -> None:
    """OpenSearch 1.1 response elements (totalResults, startIndex, itemsPerPage, Query)."""
    if x.local in ("totalResults", "itemsPerPage"):
        x.integer()
    elif x.local == "startIndex":
        x.integer(minimum=-(2**63))
    elif x.local == "Query":
        _opensearch_query(x)
    elif x.local != "link":
        x.undefined()


def _opensearch_query(x: Ext) -> None:
    role = x.el.get("role")
    if role is None:
        x.err("MissingAttribute", attr="role")
    elif role not in _OPENSEARCH_ROLES:
        prefix, _, local = role.partition(":")
        if not local or prefix not in (x.el.nsmap or {}):
            x.err("InvalidLocalRole", attr="role", value=role)
    title = x.el.get("title")
    if title is not None:
        if len(title) > 256:
            x.err("TooLong", name="title", parent=x.name, value=title[:80])
        x.plain(title, "title")
    for attr, minimum, code in (
        ("totalResults", 0, "InvalidInteger"),
        ("count", 0, "InvalidNonNegativeInteger"),
        ("startIndex", None, "InvalidInteger"),
        ("startPage", None, "InvalidInteger"),
    ):
        value = x.el.get(attr)
        if value is None:
            continue
        number = values.int_value(value)
        if number is None or (minimum is not None and number < minimum):
            x.err(code, name=attr, parent=x.name, value=value)
    terms = x.el.get("searchTerms")
    if terms is not None and not _URL_ENCODED.match(terms):
        x.err("NotURLEncoded", name="searchTerms", parent=x.name, value=terms)
    language = x.el.get("language")
    if language is not None and language != "*":
        x.language(language, "language")
    for attr in ("inputEncoding", "outputEncoding"):
        value = x.el.get(attr)
        if value is None:
            continue
        try:
            codecs.lookup(value)
        except LookupError:
            x.err("InvalidEncoding", name=attr, parent=x.name, value=value)


VOCABULARIES = (
    Vocabulary(
        frozenset({OPENSEARCH}),
        _check_opensearch,
        feed_once=frozenset(
            {"opensearch:totalResults", "opensearch:startIndex", "opensearch:itemsPerPage"}
        ),
    ),
)
