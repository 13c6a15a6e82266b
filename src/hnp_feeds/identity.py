"""Stable ids: RFC 4151 ``tag:`` URIs that never change with titles, slugs or domains.

Aggregators de-duplicate on these, so they are built only from the configured authority,
the date of first publication and the CMS record id (DESIGN.md §3).
"""

from __future__ import annotations

from urllib.parse import quote

from .model import Article, Site
from .timezone import to_local

# RFC 4151 specific = *( pchar / "/" / "?" ); keep the characters a CMS id usually has.
_SAFE = "-._~!$&'()*+,;=:@/"


def entry_id(site: Site, article: Article) -> str:
    """``tag:hnp.example.vn,2022-06-17:article/12345`` for an article first published that day."""
    day = to_local(article.published).date().isoformat()
    return f"tag:{site.tag_authority},{day}:article/{quote(article.id, safe=_SAFE)}"


def feed_id(site: Site, slug: str) -> str:
    """``tag:hnp.example.vn,2008-01-01:feeds/tin-moi``: a feed's id, from its slug alone."""
    return f"tag:{site.tag_authority},{site.tag_date}:feeds/{quote(slug, safe=_SAFE)}"
