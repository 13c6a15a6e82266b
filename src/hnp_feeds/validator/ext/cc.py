"""Creative Commons licences: UserLand's ``creativeCommons:license`` (text) and RDF's
``cc:license`` (rdf:resource), a URL either way."""

from __future__ import annotations

from ..namespaces import CC, CREATIVECOMMONS
from . import Ext, Vocabulary


def _check_url_element(x: Ext) -> None:
    x.resource_or_text_url()


VOCABULARIES = (
    Vocabulary(frozenset({CREATIVECOMMONS}), _check_url_element, text_only=True),
    Vocabulary(frozenset({CC}), _check_url_element),
)
