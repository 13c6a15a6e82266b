"""The keys made of names: a category's, author's or feed's slug (``slugify``) and the key
a listed related post's title is matched by (``title_key``).

Kept apart from ``text`` (which cleans what the door reads, with its many patterns): a
run that only plans, a no-op cron run among them, derives keys and cleans nothing.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

#: A slug is at most this many bytes (ASCII): a feed's directory name must fit in the
#: 255 bytes of a file name with room for the author prefix and archive suffixes.
MAX_SLUG = 120


@lru_cache(maxsize=4096)  # a portal has a few dozen categories, met on every record
def slugify(name: str) -> str:
    """ASCII slug: Vietnamese diacritics dropped, đ/Đ -> d, words joined by '-'; one longer
    than ``MAX_SLUG`` is cut, ending in a digest of the whole.

    >>> slugify("Thời sự - Chính trị")
    'thoi-su-chinh-tri'
    """
    text = unicodedata.normalize("NFC", name).replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in text if not unicodedata.combining(c)).encode("ascii", "ignore")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.decode("ascii").lower()).strip("-")
    if len(slug) <= MAX_SLUG:
        return slug
    # Cut deterministically, with a digest of the whole so two long names stay apart.
    digest = hashlib.sha256(slug.encode("ascii")).hexdigest()[:10]
    return f"{slug[: MAX_SLUG - 11].rstrip('-')}-{digest}"


_QUOTES_AND_DASHES = str.maketrans(
    {
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    }
)  # fmt: skip


def title_key(title: str) -> str:
    """A title as a listed related post is matched by: NFC, case folded, quote and dash
    variants made one, runs of spaces (NBSP included) made one."""
    folded = unicodedata.normalize("NFC", title).casefold().translate(_QUOTES_AND_DASHES)
    return " ".join(folded.split())
