"""Stable ids: RFC 4151 ``tag:`` URIs that never change with titles, slugs or domains.

Aggregators de-duplicate on these, so they are built only from the configured authority,
the date of first publication and the CMS record id (DESIGN.md §3).
"""

from __future__ import annotations

import functools
import re
from datetime import datetime
from urllib.parse import quote

from .model import Article, Site
from .timezone import to_local

# RFC 4151 specific = *( pchar / "/" / "?" ); keep the characters a CMS id usually has.
_SAFE = "-._~!$&'()*+,;=:@/"
#: An id ``quote`` gives back as it is (ASCII letters, digits, ``_.-~`` and ``_SAFE``).
_PLAIN = re.compile(r"[A-Za-z0-9_.~!$&'()*+,;=:@/-]*")


def entry_id(site: Site, article: Article) -> str:
    """``tag:hnp.example.vn,2022-06-17:article/12345`` for an article first published that day."""
    published = article.published
    return _entry_id(site.tag_authority, published, published.fold, article.id)


# A run asks for an entry's id where it lists a document's entries and again where it
# writes each of them (~3 times an article in a first publish): the same instant (equal
# aware times are one instant, one local day; ``fold`` tells apart the two instants of a
# wall time repeated at a DST end, which compare equal) and record id give the same id.
@functools.lru_cache(maxsize=1 << 12)
def _entry_id(authority: str, published: datetime, fold: int, record_id: str) -> str:
    day = to_local(published).date().isoformat()
    specific = record_id if _PLAIN.fullmatch(record_id) else quote(record_id, safe=_SAFE)
    return f"tag:{authority},{day}:article/{specific}"


def feed_id(site: Site, slug: str) -> str:
    """``tag:hnp.example.vn,2008-01-01:feeds/tin-moi``: a feed's id, from its slug alone."""
    return f"tag:{site.tag_authority},{site.tag_date}:feeds/{quote(slug, safe=_SAFE)}"
