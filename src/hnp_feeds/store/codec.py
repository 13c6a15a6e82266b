"""The Article <-> JSON form kept in the store, its hash, and the store's time columns."""

from __future__ import annotations

import json
from dataclasses import MISSING, fields
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any

import orjson

from ..digest import text_digest
from ..model import Article, Category, FeedSpec, Image, Link, ListedPost
from ..timezone import ZONE_NAME, from_iso, to_local

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
#: The canonical form's encoder, made once (``json.dumps`` with options makes one a call):
#: sorted keys, no spaces, text as it is.
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def article_to_json(article: Article) -> str:
    """A canonical JSON form of an article (without ``source``), the basis of its hash.
    ``listed`` only when there are listed posts: the form of every other article, and so
    its hash, stays what it was before they existed."""
    fields: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "published": _local_iso(article.published),
        "updated": _local_iso(article.updated),
        "url": article.url,
        "summary": article.summary,
        "content_html": article.content_html,
        "author": article.author,
        "category": [article.category.slug, article.category.name] if article.category else None,
        "tags": list(article.tags),
        "image": _image_json(article.image),
        "related": _links_form(article.related),
        "status": article.status,
    }
    if article.listed:
        fields["listed"] = [
            [post.title, _local_iso(post.published) if post.published else None]
            for post in article.listed
        ]
    return _CANONICAL(fields)


_FIELDS = tuple(f.name for f in fields(Article))
_VALUES = itemgetter(*_FIELDS)


def altered(article: Article, **changes: Any) -> Article:
    """``dataclasses.replace(article, **changes)`` for fields its ``__post_init__`` does not
    check (not ``published`` nor ``updated``), in a fifth of its time: what an ingest does
    to each of 100,000 articles more than once.  Only the fields are copied (nothing kept
    in the instance's ``__dict__`` besides them)."""
    new = object.__new__(Article)
    new.__dict__.update(zip(_FIELDS, _VALUES(article.__dict__), strict=True), **changes)
    return new


def with_related(text: str, related: tuple[Link, ...]) -> str:
    """``text`` (an article's ``article_to_json``) with ``related`` as its related links:
    what ``article_to_json`` gives of the article with them, without encoding it again."""
    return _with(text, "related", ',"status":', _links_form(related))


def with_updated(text: str, updated: datetime) -> str:
    """``text`` (an article's ``article_to_json``) with ``updated`` as its time updated."""
    return _with(text, "updated", ',"url":', _local_iso(updated))


def _with(text: str, key: str, after: str, value: object) -> str:
    """``text`` with the value of its top-level ``key`` (the key after it: ``after``, its
    keys being sorted) replaced."""
    start = _value_at(text, key)
    end = text.index(after, start)
    return text[:start] + _CANONICAL(value) + text[end:]


def _value_at(text: str, key: str, last: bool = False) -> int:
    """Where the value of ``key`` begins in ``text``, in ``article_to_json``'s compact,
    sorted form: a quote inside a JSON string is always escaped, so ``,"key":`` is a key
    wherever it is found.  ``last``: the last one (``url``, which the image has too,
    before the article's own); else the first (the image's keys come before
    ``updated``).  KeyError when there is none."""
    marker = f',"{key}":'
    at = text.rfind(marker) if last else text.find(marker)
    if at < 0:
        raise KeyError(key)
    return at + len(marker)


def _links_form(related: tuple[Link, ...]) -> list[list[str]]:
    return [[link.url, link.title] for link in related]


def _image_json(image: Image | None) -> dict[str, Any] | None:
    if image is None:
        return None
    return {
        "url": image.url,
        "caption": image.caption,
        "type": image.type,
        "length": image.length,
        "width": image.width,
        "height": image.height,
    }


def article_from_json(text: str, source: str = "") -> Article:
    """The inverse of ``article_to_json``."""
    raw = _loads(text)
    image = raw["image"]
    category = raw["category"]
    listed = raw.get("listed")
    # Made as ``altered`` makes them, not through ``__init__``: what a publish does for
    # every entry it renders (the frozen dataclasses' ``__init__`` sets each field through
    # ``object.__setattr__``).  The one check of ``Article.__init__`` (aware times) holds
    # for what ``from_iso`` gives; the defaults of the rest are the dataclasses' own
    # (``tests/test_store.py`` compares with the objects made through ``__init__``).
    article = _new(Article)
    article.__dict__.update(
        id=raw["id"],
        title=raw["title"],
        published=from_iso(raw["published"]),
        updated=from_iso(raw["updated"]),
        url=raw["url"],
        summary=raw["summary"],
        content_html=raw["content_html"],
        author=raw["author"],
        category=_made(Category, slug=category[0], name=category[1]) if category else None,
        tags=tuple(raw["tags"]),
        image=_image(image) if image else None,
        related=tuple([_made(Link, url=url, title=title) for url, title in raw["related"]]),
        listed=tuple(ListedPost(title, from_iso(when) if when else None) for title, when in listed)
        if listed
        else (),
        status=raw["status"],
        source=source,
        raw_hash="",
    )
    return article


_new = object.__new__
_IMAGE_FIELDS = frozenset(f.name for f in fields(Image))


def _image(form: dict[str, Any]) -> Image:
    """The image of a body (``_image_json``: every field); another form through ``Image``."""
    if form.keys() == _IMAGE_FIELDS:
        made: Image = _made(Image, **form)
        return made
    return Image(**form)


def _made(kind: type[Any], **values: Any) -> Any:
    """A frozen dataclass of ``kind`` holding ``values`` (every field: none defaulted but
    by the caller), without its ``__init__``."""
    made = _new(kind)
    made.__dict__.update(values)
    return made


def _loads(text: str) -> Any:
    """``json.loads`` of a stored body, by orjson (twice as fast) where it reads it as the
    standard library does: what it refuses (``NaN``, a lone surrogate) or reads otherwise
    (an int beyond 64 bits, as a float: the image's numbers are the body's only ones, and
    none is a float) is read by the standard library."""
    try:
        raw = orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
    image = raw.get("image") if type(raw) is dict else None
    if image and any(type(value) is float for value in image.values()):
        return json.loads(text)
    return raw


def article_place(text: str, source: str = "") -> Article:
    """The article of a stored body as far as its place in a document goes: its id, url,
    ``published`` and ``updated`` (as ``article_from_json`` gives them), every other field
    empty; read without decoding the rest of the body (its content, most of its bytes).
    For an entry whose bytes are kept (``publish.render``): never to be rendered.

    In ``article_to_json``'s compact, sorted form a JSON string holds no bare ``"``, so
    ``,"key":`` is a key wherever it is: ``id``, ``published`` and ``updated`` are keys of
    the article alone, ``url`` of its image too, which comes first (``url`` is its last
    key).  ``text`` is in that form (every stored body is); one in which these keys are
    not found so (written spaced) is decoded whole."""
    try:
        published, updated = _field(text, "published"), _field(text, "updated")
        record_id, url = _field(text, "id"), _field(text, "url", last=True)
    except (KeyError, ValueError):
        return article_from_json(text, source)
    if not (isinstance(record_id, str) and isinstance(published, str)):
        return article_from_json(text, source)
    if not isinstance(updated, str) or not isinstance(url, str | None):
        return article_from_json(text, source)
    # Not through ``Article.__init__``: its check (aware times) holds for what ``from_iso``
    # gives, and the other fields are the defaults (``_PLACE``).
    place = object.__new__(Article)
    place.__dict__.update(
        _PLACE, id=record_id, title="", published=from_iso(published), updated=from_iso(updated),
        url=url, source=source,
    )  # fmt: skip
    return place


def stored_id(text: str) -> str:
    """The article id of a stored body, read as ``article_place`` reads it."""
    try:
        found = _field(text, "id")
    except (KeyError, ValueError):
        found = None
    return found if isinstance(found, str) else article_from_json(text).id


_DECODER = json.JSONDecoder()
#: The fields of an ``article_place`` besides its id, url and times: the defaults.
_PLACE = {f.name: f.default for f in fields(Article) if f.default is not MISSING}


def _field(text: str, key: str, last: bool = False) -> Any:
    start = _value_at(text, key, last)
    if text.startswith('"', start):
        # A string without escapes (a time, most ids and URLs) ends at the next quote.
        end = text.find('"', start + 1)
        if end > 0 and "\\" not in (value := text[start + 1 : end]):
            return value
    value, _ = _DECODER.raw_decode(text, start)
    return value


def _local_iso(moment: datetime) -> str:
    # Articles come from the adapters already in Asia/Ho_Chi_Minh: skip the conversion.
    if getattr(moment.tzinfo, "zone", None) == ZONE_NAME:
        return moment.isoformat()
    return to_local(moment).isoformat()


def content_hash(text: str) -> str:
    return text_digest(text)


def micros(moment: datetime) -> int:
    """UTC microseconds since 1970: sorts like the instants themselves."""
    return (moment - _EPOCH) // _MICRO


def iso(moment: datetime) -> str:
    """A stamp as the store keeps it: local time, ISO 8601."""
    return to_local(moment).isoformat()


def from_micros(value: int) -> datetime:
    """The inverse of ``micros``, in local time."""
    return to_local(_EPOCH + timedelta(microseconds=value))


def spec_json(feed: FeedSpec) -> str:
    return json.dumps(feed.__dict__, ensure_ascii=False, sort_keys=True)
