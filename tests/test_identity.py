"""tag: ids depend on the authority, the first publication date and the record id only."""

from __future__ import annotations

import string
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st

from hnp_feeds.identity import _SAFE, entry_id, feed_id
from hnp_feeds.model import Article, Site
from hnp_feeds.timezone import localize

SITE = Site(
    title="Hà Nội Plus",
    base_url="https://hnp.example.vn/",
    feeds_url="https://hnp.example.vn/feeds/",
    tag_authority="hnp.example.vn",
    tag_date="2008-01-01",
)


def article(**changes: object) -> Article:
    moment = localize(datetime(2022, 6, 17, 20, 22))
    base = Article(
        id="12345",
        title="Tiêu đề",
        published=moment,
        updated=moment,
        url="https://hnp.example.vn/tin/tieu-de-12345.html",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_entry_id_is_a_tag_uri_of_date_and_record_id() -> None:
    assert entry_id(SITE, article()) == "tag:hnp.example.vn,2022-06-17:article/12345"


def test_entry_id_ignores_title_url_scheme_and_domain() -> None:
    before = entry_id(SITE, article())
    after = entry_id(
        replace(SITE, base_url="http://hanoiplus.example.com/"),
        article(title="Tiêu đề mới", url="http://hanoiplus.example.com/bai/moi.html"),
    )
    assert before == after


def test_entry_id_uses_the_local_date_not_utc() -> None:
    # 06:30 on 18 June in Hà Nội is still 17 June in UTC.
    early = article(published=localize(datetime(2022, 6, 18, 6, 30)))
    assert ",2022-06-18:" in entry_id(SITE, early)


def test_the_same_instant_in_utc_has_the_same_id() -> None:
    # The id is remembered per instant: asked first in UTC (17 June, 23:30), then in local
    # time (18 June, 06:30), it is the local day's both times.
    in_utc = article(published=datetime(2022, 6, 17, 23, 30, tzinfo=UTC))
    local = article(published=localize(datetime(2022, 6, 18, 6, 30)))
    assert entry_id(SITE, in_utc) == entry_id(SITE, local)
    assert ",2022-06-18:" in entry_id(SITE, in_utc)


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(string.printable) | st.characters(codec="utf-8"), max_size=12)
)
def test_a_record_id_is_written_as_quote_gives_it(record_id: str) -> None:
    """Ids ``quote`` would leave alone are written without calling it: the same text."""
    assert entry_id(SITE, article(id=record_id)).endswith(
        ":article/" + quote(record_id, safe=_SAFE)
    )


def test_odd_record_ids_are_percent_encoded() -> None:
    assert entry_id(SITE, article(id="bài 7#x")).endswith(":article/b%C3%A0i%207%23x")


def test_feed_id() -> None:
    assert feed_id(SITE, "tin-moi") == "tag:hnp.example.vn,2008-01-01:feeds/tin-moi"
