"""The names the validator's value checks went by before ``values`` and ``markup`` held
them (tests and older callers import ``hnp_feeds.validator.common``): re-exports only."""

from __future__ import annotations

from .markup import (
    HTML_TAGS,
    SAFE_HTML_ATTRIBUTES,
    SAFE_HTML_ELEMENTS,
    check_characters,
    check_html,
    check_plain_text,
    check_xhtml,
    dangerous_style,
)
from .namespaces import MATHML as MATHML_NS
from .namespaces import SVG as SVG_NS
from .namespaces import XHTML as XHTML_NS
from .values import (
    IANA_SCHEMES,
    ISO639_1,
    PLAUSIBLE_SINCE,
    canonical_uri,
    check_canonical,
    check_date_rfc3339,
    check_email,
    check_language,
    check_uri,
    first_bad_uri_char,
    is_absolute,
    is_email,
    is_implausible,
    is_language,
    is_mime_type,
    is_tag_uri,
    parse_rfc3339,
    resolve,
)
from .values import is_rfc3339 as check_rfc3339
from .values import is_w3cdtf as check_w3cdtf

__all__ = [
    "HTML_TAGS",
    "IANA_SCHEMES",
    "ISO639_1",
    "MATHML_NS",
    "PLAUSIBLE_SINCE",
    "SAFE_HTML_ATTRIBUTES",
    "SAFE_HTML_ELEMENTS",
    "SVG_NS",
    "XHTML_NS",
    "canonical_uri",
    "check_canonical",
    "check_characters",
    "check_date_rfc3339",
    "check_email",
    "check_html",
    "check_language",
    "check_plain_text",
    "check_rfc3339",
    "check_uri",
    "check_w3cdtf",
    "check_xhtml",
    "dangerous_style",
    "first_bad_uri_char",
    "is_absolute",
    "is_email",
    "is_implausible",
    "is_language",
    "is_mime_type",
    "is_tag_uri",
    "parse_rfc3339",
    "resolve",
]
