"""The web source against a real HTTP server on 127.0.0.1 (tests/web_portal.py): listings
and pagination, both encodings, conditional GETs, robots.txt, hosts and redirects, slow,
failing, endless and gone pages, the pause between requests, the budget; and ``[web]``
checked at load.  What the server was asked is asserted, not only what came out."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hnp_feeds import __version__
from hnp_feeds.adapters import Item, adapter_for, is_incremental, kind_of, read_sources
from hnp_feeds.adapters.web import read_web
from hnp_feeds.config import WebSettings, load_config
from hnp_feeds.errors import ConfigError, PageError, RecordError
from hnp_feeds.model import Article, Category, Link
from hnp_feeds.store import SQLiteStore, open_store

from .portal import portal_toml
from .web_portal import CONTACT, FAST, ROBOTS, FakePortal, serving, web_table
from .web_portal import Article as Page


def pages() -> list[Page]:
    return [
        Page("hoi-nghi", "Hội nghị Thành ủy lần thứ 8", "08:00 18/06/2022",
             related=("ba-dinh", "hoc-tap")),
        Page("ba-dinh", "Quận Ba Đình tổng kết công tác", "10:15 16/06/2022",
             encoding="cp1258", declare="http"),
        Page("hoc-tap", "Học tập và làm theo tư tưởng", "09:00 15/06/2022",
             encoding="cp1258", declare="meta", validators=("last-modified",)),
        Page("cho-hoa", "Chợ hoa ngày Tết đông vui", "07:30 14/06/2022", declare="none",
             validators=("etag",)),
    ]  # fmt: skip


@pytest.fixture
def portal() -> Iterator[FakePortal]:
    with serving(FakePortal(pages())) as running:
        yield running


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    with open_store(tmp_path / "store.sqlite") as opened:
        yield opened


def crawl(portal: FakePortal, store: SQLiteStore | None, **settings: Any) -> list[Item]:
    """One run of the portal's listing, read to the end; the server's log starts afresh."""
    portal.clear()
    chosen = WebSettings(**{**FAST, **settings})
    return list(read_web(portal.listing, settings=chosen, state=store.db if store else None))


def articles(items: list[Item]) -> dict[str, Article]:
    return {item.title: item for item in items if isinstance(item, Article)}


def errors(items: list[Item]) -> dict[str, RecordError]:
    return {item.source: item for item in items if isinstance(item, RecordError)}


def paths(portal: FakePortal) -> list[str]:
    return [request.path for request in portal.asked()]


# --- reading the portal ----------------------------------------------------------------


def test_listing_pages_lead_to_every_article_in_both_encodings(
    portal: FakePortal, store: SQLiteStore
) -> None:
    items = crawl(portal, store, categories={portal.listing: "Thời sự"})
    found = articles(items)
    assert list(found) == [page.title for page in portal.articles]
    for title, article in found.items():
        assert unicodedata.is_normalized("NFC", article.title) and title == article.title
        assert article.category == Category("thoi-su", "Thời sự")
    first = found["Hội nghị Thành ủy lần thứ 8"]
    assert first.url == portal.url("/bai/hoi-nghi.html")
    assert first.source == first.url
    # The related list's hrefs are real links, with their titles.
    assert first.related == (
        Link(portal.url("/bai/ba-dinh.html"), "Quận Ba Đình tổng kết công tác"),
        Link(portal.url("/bai/hoc-tap.html"), "Học tập và làm theo tư tưởng"),
    )
    assert first.published.isoformat() == "2022-06-18T08:00:00+07:00"
    # robots.txt once, both listing pages (three articles a page), each article once; the
    # navigation links (no /bai/) never.
    assert paths(portal) == [
        "/robots.txt", "/tin-tuc/", "/tin-tuc/",
        "/bai/hoi-nghi.html", "/bai/ba-dinh.html", "/bai/hoc-tap.html", "/bai/cho-hoa.html",
    ]  # fmt: skip
    agents = {request.headers["user-agent"] for request in portal.asked()}
    assert agents == {f"hnp-feeds/{__version__} (+{CONTACT})"}


def test_an_unchanged_portal_is_asked_conditionally_and_gives_nothing(
    portal: FakePortal, store: SQLiteStore
) -> None:
    assert len(articles(crawl(portal, store, recheck_per_run=10))) == 4
    assert crawl(portal, store, recheck_per_run=10) == []
    asked = {request.path: request.headers for request in portal.asked()}
    assert asked["/bai/hoi-nghi.html"]["if-none-match"].startswith('"')
    assert "if-modified-since" in asked["/bai/hoi-nghi.html"]
    # A page that sends only Last-Modified is asked with If-Modified-Since alone.
    assert "if-none-match" not in asked["/bai/hoc-tap.html"]
    assert asked["/bai/hoc-tap.html"]["if-modified-since"].endswith("GMT")
    assert "if-modified-since" not in asked["/bai/cho-hoa.html"]
    assert len(portal.asked()) == 1 + 2 + 4  # robots, the listings, four 304s
    # An edited article (new bytes, new validators) is read again, and so is the page
    # whose related list shows its new title; the rest are not.
    edited = portal.article("ba-dinh")
    edited.title, edited.version = "Quận Ba Đình tổng kết công tác năm 2022", 2
    again = articles(crawl(portal, store, recheck_per_run=10))
    assert set(again) == {"Hội nghị Thành ủy lần thứ 8", "Quận Ba Đình tổng kết công tác năm 2022"}
    assert again["Hội nghị Thành ủy lần thứ 8"].related[0].title == edited.title


def test_a_page_served_again_with_the_same_bytes_gives_no_record(
    portal: FakePortal, store: SQLiteStore
) -> None:
    for page in portal.articles:
        page.validators = ()  # no ETag, no Last-Modified: every re-check is a full GET
    crawl(portal, store, recheck_per_run=10)
    assert crawl(portal, store, recheck_per_run=10) == []
    asked = [r for r in portal.asked() if r.path.startswith("/bai/")]
    assert len(asked) == 4
    assert all("if-none-match" not in r.headers for r in asked)


def test_without_a_store_every_page_is_new(portal: FakePortal) -> None:
    assert len(articles(crawl(portal, None))) == 4
    assert len(articles(crawl(portal, None))) == 4


def test_new_pages_first_then_known_ones_longest_unchecked_within_the_budget(
    portal: FakePortal, store: SQLiteStore
) -> None:
    portal.per_page = 10
    first = crawl(portal, store, page_budget=3, recheck_per_run=1)
    assert len(articles(first)) == 2  # the listing is one of the three requests
    assert len([p for p in paths(portal) if p != "/robots.txt"]) == 3
    second = crawl(portal, store, page_budget=3, recheck_per_run=1)
    assert list(articles(second)) == ["Học tập và làm theo tư tưởng", "Chợ hoa ngày Tết đông vui"]
    third = crawl(portal, store, page_budget=3, recheck_per_run=2)
    assert third == []
    # Nothing new: the two known pages fetched longest ago are re-checked.
    assert sorted(paths(portal)[2:]) == ["/bai/ba-dinh.html", "/bai/hoi-nghi.html"]
    crawl(portal, store, page_budget=3, recheck_per_run=2)
    assert sorted(paths(portal)[2:]) == ["/bai/cho-hoa.html", "/bai/hoc-tap.html"]


def test_web_sources_are_read_through_the_catalogue(
    portal: FakePortal, store: SQLiteStore, tmp_path: Path
) -> None:
    path = portal_toml(tmp_path, sources=[portal.listing])
    path.write_text(path.read_text() + web_table(), encoding="utf-8")
    catalogue = load_config(path)
    assert catalogue.sources == (portal.listing,)
    assert kind_of(portal.listing) == "http:" and is_incremental(portal.listing)
    assert adapter_for("https://hnp.example.vn/tin-tuc/") is read_web
    items = list(read_sources(catalogue.sources, catalogue=catalogue, marks=store.db))
    assert len(articles(items)) == 4
    stored = store.db.execute("SELECT count(*), min(source) FROM web_pages").fetchone()
    assert stored == (4, portal.listing)


# --- politeness and limits --------------------------------------------------------------


def test_robots_txt_keeps_a_section_out(portal: FakePortal, store: SQLiteStore) -> None:
    portal.extra_links = ["/rieng/bai/noi-bo.html", "/bai/../rieng/bai/khac.html"]
    items = crawl(portal, store)
    assert len(articles(items)) == 4 and not errors(items)
    assert not [path for path in paths(portal) if path.startswith("/rieng/")]


def test_a_start_url_robots_txt_disallows_is_not_read(
    portal: FakePortal, store: SQLiteStore
) -> None:
    portal.robots = ROBOTS + "Disallow: /tin-tuc/\n"
    items = crawl(portal, store)
    assert paths(portal) == ["/robots.txt"]
    [error] = items
    assert type(error) is RecordError  # the source itself could not be read
    assert error.source == portal.listing
    assert error.reason == f"listing page: robots.txt disallows {portal.listing} for hnp-feeds"


def test_a_robots_txt_that_fails_means_nothing_is_asked(
    portal: FakePortal, store: SQLiteStore
) -> None:
    portal.behaviour["/robots.txt"] = "fail:2"  # RFC 9309: a 5xx robots.txt allows nothing
    [error] = crawl(portal, store)
    assert paths(portal) == ["/robots.txt", "/robots.txt"]
    robots = portal.url("/robots.txt")
    assert error.reason == (
        f"listing page: {robots} could not be read"
        " (HTTP 500 Internal Server Error (2 attempts)): host not crawled"
    )


def test_a_missing_robots_txt_allows_everything(portal: FakePortal, store: SQLiteStore) -> None:
    portal.robots = None  # 404: RFC 9309 allows everything
    portal.extra_links = ["/rieng/bai/noi-bo.html"]
    items = crawl(portal, store)
    assert len(articles(items)) == 4
    assert "/rieng/bai/noi-bo.html" in paths(portal)


def test_off_host_links_and_redirects_are_never_followed(
    portal: FakePortal, store: SQLiteStore
) -> None:
    portal.extra_links = [f"http://localhost:{portal.port}/bai/khac.html"]
    portal.articles += [Page("chuyen-di", "Bài chuyển đi", "07:00 13/06/2022"),
                        Page("ftp", "Bài chuyển sang FTP", "07:00 12/06/2022")]  # fmt: skip
    portal.per_page = 10
    portal.behaviour["/bai/chuyen-di.html"] = "redirect-off"
    portal.behaviour["/bai/ftp.html"] = "redirect-ftp"
    items = crawl(portal, store)
    assert len(articles(items)) == 4
    failed = errors(items)
    away = f"http://localhost:{portal.port}/bai/chuyen-di.html"
    assert failed[portal.url("/bai/chuyen-di.html")].reason == (
        f"redirected to {away}: {away} is off the allowed hosts ({portal.host})"
    )
    assert failed[portal.url("/bai/ftp.html")].reason == (
        "redirected to ftp://127.0.0.1/x.html: not an HTTP URL: ftp://127.0.0.1/x.html"
    )
    assert {request.headers["host"] for request in portal.asked()} == {portal.host}


def test_redirects_are_bounded(portal: FakePortal, store: SQLiteStore) -> None:
    portal.articles[1:] = []
    portal.behaviour["/bai/hoi-nghi.html"] = "redirect-off"
    items = crawl(portal, store, hosts=[f"localhost:{portal.port}"], max_redirects=0)
    [error] = items
    assert error.reason == "more than 0 redirects ([web] max_redirects)"
    assert paths(portal).count("/bai/hoi-nghi.html") == 1


def test_a_slow_page_times_out_and_the_rest_is_read(portal: FakePortal, store: SQLiteStore) -> None:
    portal.behaviour["/bai/ba-dinh.html"] = "slow"
    items = crawl(portal, store, retries=0)
    assert len(articles(items)) == 3
    [error] = errors(items).values()
    assert isinstance(error, PageError)
    assert str(error) == (
        f"{portal.url('/bai/ba-dinh.html')}: timed out reading ([web] read_timeout 1 s)"
    )
    # Tried again on the next run (a first failure waits for nothing), and read then.
    del portal.behaviour["/bai/ba-dinh.html"]
    assert list(articles(crawl(portal, store, retries=0))) == ["Quận Ba Đình tổng kết công tác"]


def test_a_5xx_is_retried_after_a_backoff_and_recovers(
    portal: FakePortal, store: SQLiteStore
) -> None:
    portal.behaviour["/bai/ba-dinh.html"] = "fail:1"
    items = crawl(portal, store, retries=2, backoff_seconds=0.05)
    assert len(articles(items)) == 4 and not errors(items)
    first, second = portal.asked("/bai/ba-dinh.html")
    assert second.at - first.at >= 0.05


def test_a_page_failing_every_attempt_is_rejected_and_waits(
    portal: FakePortal, store: SQLiteStore
) -> None:
    portal.behaviour["/bai/ba-dinh.html"] = "fail:4"
    now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    settings = WebSettings(**FAST)
    for run, expected in enumerate([2, 2, 0], 1):  # third run: before the wait is over
        portal.clear()
        items = list(read_web(portal.listing, settings=settings, state=store.db, now=now))
        assert len(portal.asked("/bai/ba-dinh.html")) == expected, run
        if expected:
            assert str(errors(items)[portal.url("/bai/ba-dinh.html")]).endswith(
                "HTTP 500 Internal Server Error (2 attempts)"
            )
    failures, due = store.db.execute(
        "SELECT failures, next_retry FROM web_pages WHERE url = ?",
        (portal.url("/bai/ba-dinh.html"),),
    ).fetchone()
    assert failures == 2 and due == "2026-12-02T03:05:00.000000+00:00"


@pytest.mark.parametrize(
    ("behaviour", "limits", "reason"),
    [
        ("endless", {"max_page_bytes": 100_000}, "larger than [web] max_page_bytes (100000 bytes)"),
        (
            "trickle",  # a few bytes every 50 ms: never a read timeout, but never done
            {"total_timeout": 0.3, "read_timeout": 2, "retries": 0},
            "took longer than [web] total_timeout (0.3 s)",
        ),
    ],
)
def test_a_page_that_never_ends_stops_at_a_limit(
    portal: FakePortal, store: SQLiteStore, behaviour: str, limits: dict[str, Any], reason: str
) -> None:
    portal.behaviour["/bai/ba-dinh.html"] = behaviour
    items = crawl(portal, store, **limits)
    assert len(articles(items)) == 3
    assert errors(items)[portal.url("/bai/ba-dinh.html")].reason == reason


def test_concurrency_bounds_the_requests_in_flight_to_a_host(
    portal: FakePortal, store: SQLiteStore
) -> None:
    for page in portal.articles:
        portal.behaviour[page.path] = "slow"
    portal.slow_seconds = 0.1
    assert len(articles(crawl(portal, store, concurrency=2, read_timeout=2))) == 4
    assert portal.most_in_flight <= 2


def test_an_article_two_sections_list_is_fetched_once(
    portal: FakePortal, store: SQLiteStore
) -> None:
    settings = WebSettings(**{**FAST, "max_depth": 1, "recheck_per_run": 0})
    sections = [portal.listing, portal.url("/tin-tuc/?trang=1")]  # both list page 1
    items = [item for start in sections for item in read_web(start, settings=settings,
                                                             state=store.db)]  # fmt: skip
    assert len(articles(items)) == 3
    assert len([path for path in paths(portal) if path.startswith("/bai/")]) == 3


def test_a_mis_decoded_page_is_rejected(portal: FakePortal, store: SQLiteStore) -> None:
    portal.behaviour["/bai/hoi-nghi.html"] = "utf8-declared-cp1258"
    items = crawl(portal, store)
    assert "Hội nghị Thành ủy lần thứ 8" not in articles(items)
    reason = errors(items)[portal.url("/bai/hoi-nghi.html")].reason
    assert reason.startswith("text mis-decoded as utf-8 (declared charset 'utf-8')")


def test_requests_to_one_host_are_spaced_by_the_delay(
    portal: FakePortal, store: SQLiteStore
) -> None:
    crawl(portal, store, delay_seconds=0.05)
    gaps = [b.at - a.at for a, b in zip(portal.asked(), portal.asked()[1:], strict=False)]
    assert len(gaps) == 6 and min(gaps) >= 0.05
    # A longer Crawl-delay in robots.txt wins, from the request after robots.txt on.
    portal.robots = ROBOTS + "Crawl-delay: 0.1\n"
    crawl(portal, store, delay_seconds=0.01, recheck_per_run=1)
    gaps = [b.at - a.at for a, b in zip(portal.asked(), portal.asked()[1:], strict=False)]
    assert len(gaps) == 3 and min(gaps) >= 0.1


def test_a_gone_page_is_rejected_and_stays_unless_retraction_is_asked(
    portal: FakePortal, store: SQLiteStore
) -> None:
    published = articles(crawl(portal, store))["Chợ hoa ngày Tết đông vui"]
    portal.behaviour["/bai/cho-hoa.html"] = "gone"
    kept = errors(crawl(portal, store, recheck_per_run=10))[published.url or ""]
    assert isinstance(kept, PageError) and kept.record_id == published.id
    assert kept.reason == (
        "HTTP 404 Not Found: gone from the portal; its article stays published"
        " ([web] retract_on_404 = true retracts it)"
    )
    [retraction] = crawl(portal, store, recheck_per_run=10, retract_on_404=True)
    assert isinstance(retraction, Article)
    assert (retraction.id, retraction.status) == (published.id, "retracted")
    assert (retraction.title, retraction.published) == (published.title, published.published)


def test_the_start_listing_down_means_nothing_more_is_asked(
    portal: FakePortal, store: SQLiteStore
) -> None:
    crawl(portal, store)
    portal.behaviour["/tin-tuc/"] = "fail:9"
    items = crawl(portal, store, recheck_per_run=10)
    assert paths(portal) == ["/robots.txt", "/tin-tuc/", "/tin-tuc/"]
    [error] = items
    assert type(error) is RecordError and error.source == portal.listing
    assert error.reason == "listing page: HTTP 500 Internal Server Error (2 attempts)"


# --- [web] in hnp-feeds.toml ------------------------------------------------------------


def test_web_settings_defaults() -> None:
    settings = WebSettings()
    assert (settings.delay_seconds, settings.concurrency, settings.max_redirects) == (1.0, 1, 5)
    assert settings.retract_on_404 is False and settings.compiled("follow_pattern") is None


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("delai = 1", "[web] unknown key delai (known: follow_pattern, follow_xpath,"),
        ("delay_seconds = -1", "[web] delay_seconds: must be a number >= 0, got -1"),
        ("page_budget = 0", "[web] page_budget: must be an integer >= 1, got 0"),
        ("retries = 1.5", "[web] retries: must be an integer >= 0, got 1.5"),
        ("follow_pattern = '('", "[web] follow_pattern: not a valid regular expression"),
        ("follow_xpath = '//a['", "[web] follow_xpath: not a valid XPath expression"),
        ("retract_on_404 = 'yes'", "[web] retract_on_404: must be true or false, got 'yes'"),
        ("hosts = 'a.vn'", "[web] hosts: must be a list of host names"),
        ("categories = { x = 'y' }", '[web] categories: must be a table of "start URL"'),
    ],
)
def test_a_wrong_web_table_is_a_configuration_error(
    tmp_path: Path, table: str, message: str
) -> None:
    path = portal_toml(tmp_path)
    path.write_text(path.read_text() + f"[web]\n{table}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value).startswith(f"{path}: {message}")
