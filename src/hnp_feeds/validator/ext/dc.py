"""Dublin Core (``dc:``, https://www.dublincore.org/specifications/dublin-core/dces/)
and DCMI Metadata Terms (``dcterms:``): W3C-DTF dates, language codes, plain text."""

from __future__ import annotations

from ..namespaces import DC, DCTERMS
from . import Ext, Vocabulary

_DC_DATES = frozenset({"date"})


_DCTERMS_DATES = frozenset(
    "created issued modified dateAccepted dateCopyrighted dateSubmitted date".split()
)


_DCTERMS = frozenset(
    """abstract accessRights accrualMethod accrualPeriodicity accrualPolicy alternative
    audience available bibliographicCitation conformsTo contributor coverage created creator
    date dateAccepted dateCopyrighted dateSubmitted description educationLevel extent format
    hasFormat hasPart hasVersion identifier instructionalMethod isFormatOf isPartOf
    isReferencedBy isReplacedBy isRequiredBy issued isVersionOf language license mediator
    medium modified provenance publisher references relation replaces requires rights
    rightsHolder source spatial subject tableOfContents temporal title type valid""".split()
)


_DC = frozenset(
    """contributor coverage creator date description format identifier language publisher
    relation rights source subject title type""".split()
)


def _check_dc(x: Ext) -> None:
    if x.local in _DC_DATES or x.local.startswith("date."):
        x.w3cdtf()
    elif x.local == "language":
        x.language()
    elif x.local in _DC or "." in x.local:
        x.plain()
    else:
        x.undefined()


def _check_dcterms(x: Ext) -> None:
    if x.local in _DCTERMS_DATES:
        x.w3cdtf()
    elif x.local == "language":
        x.language()
    elif x.local not in _DCTERMS:
        x.undefined()


VOCABULARIES = (
    Vocabulary(
        frozenset({DC}),
        _check_dc,
        feed_once=frozenset({"dc:date", "dc:language", "dc:rights"}),
        text_only=True,
    ),
    Vocabulary(
        frozenset({DCTERMS}),
        _check_dcterms,
        feed_once=frozenset({"dcterms:modified"}),
        text_only=True,
    ),
)
