"""RSS 1.0 Admin (``admin:errorReportsTo``, ``admin:generatorAgent``): rdf:resource URLs."""

from __future__ import annotations

from ..namespaces import ADMIN
from . import RDF_RESOURCE, Ext, Vocabulary


def _check_admin(x: Ext) -> None:
    if x.local in ("errorReportsTo", "generatorAgent"):
        resource = x.el.get(RDF_RESOURCE)
        if resource is None:
            x.err("MissingAttribute", attr="rdf:resource")
        else:
            x.full_url(resource)
    else:
        x.undefined()


VOCABULARIES = (
    Vocabulary(
        frozenset({ADMIN}),
        _check_admin,
        feed_once=frozenset({"admin:errorReportsTo", "admin:generatorAgent"}),
        text_only=True,
    ),
)
