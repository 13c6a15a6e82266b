"""``feeds/index.html``: the page for people.  Every feed with its latest entries and
Atom/RSS/JSON subscribe links, its URL with a copy button, which format to pick, and the
``<link rel="alternate">`` lines a site template needs for feed discovery.  Vietnamese,
responsive, one inline stylesheet and a few lines of script (the copy buttons; the page
reads the same without).  Deterministic: no build time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape
from urllib.parse import urlsplit

from .catalogue import newest_first
from .config import PACKAGE_DATA, Catalogue
from .model import Article, FeedSpec, Site
from .opml import grouped, render_opml
from .timezone import rfc3339, site_form
from .writers import feed_url
from .writers.common import ATOM_TYPE, JSON_TYPE, RSS_TYPE, STYLESHEET

LATEST = 5
LATEST_MAIN = 9

#: (file name, label, media type, CSS class) of each format, in the order offered to people.
SUBSCRIBE = (
    ("atom.xml", "Atom", ATOM_TYPE, "atom"),
    ("rss.xml", "RSS", RSS_TYPE, "rss"),
    ("feed.json", "JSON Feed", JSON_TYPE, "json"),
)

_STYLE = """
:root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--text:#1c2430;--muted:#5b6675;
--line:#dde2e8;--accent:#b3261e;--accent-text:#fff;--link:#0b57d0;--code:#f0f2f5}
@media (prefers-color-scheme:dark){:root{--bg:#14181d;--card:#1d232a;--text:#e6e9ed;
--muted:#9aa5b1;--line:#2e3741;--accent:#8f1f19;--accent-text:#fff;--link:#8ab4f8;
--code:#12161a}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);line-height:1.55;font-size:16px;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif}
a{color:var(--link)}
.wrap{max-width:72rem;margin:0 auto;padding:0 1rem}
header.site{background:var(--accent);color:var(--accent-text);padding:1.75rem 0 1.25rem}
header.site h1{margin:0 0 .35rem;font-size:clamp(1.45rem,3.2vw,2.1rem);line-height:1.2}
header.site p{margin:.25rem 0;max-width:48rem}
header.site a{color:inherit}
nav.jump{margin-top:.9rem;display:flex;flex-wrap:wrap;gap:.5rem}
nav.jump a{color:var(--accent-text);text-decoration:none;border:1px solid rgba(255,255,255,.55);
border-radius:999px;padding:.2rem .8rem;font-size:.92rem}
nav.jump a:hover,nav.jump a:focus{background:rgba(255,255,255,.15)}
main{padding:1.25rem 0 2rem}
section.group{margin:1.25rem 0 2rem}
section.group>h2{font-size:1.3rem;margin:0 0 .75rem;padding-bottom:.35rem;
border-bottom:2px solid var(--line)}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(min(100%,21rem),1fr))}
article.feed{background:var(--card);border:1px solid var(--line);border-radius:.6rem;
padding:1rem 1.1rem;display:flex;flex-direction:column;min-width:0}
article.feed.main{grid-column:1/-1}
article.feed.main ol.entries{display:grid;column-gap:1.5rem;
grid-template-columns:repeat(auto-fill,minmax(min(100%,19rem),1fr))}
article.feed.main ol.entries li:last-child{border-bottom:1px solid var(--line)}
article.feed h3{margin:0;font-size:1.1rem;line-height:1.3}
article.feed p.desc{margin:.25rem 0 0;color:var(--muted);font-size:.93rem}
p.subscribe{display:flex;flex-wrap:wrap;gap:.4rem;margin:.7rem 0 .6rem}
p.subscribe a{font-size:.85rem;font-weight:600;text-decoration:none;border-radius:.35rem;
padding:.18rem .6rem;border:1px solid var(--line);color:var(--text);background:var(--code)}
p.subscribe a.atom{border-color:#e8710a}
p.subscribe a.rss{border-color:#f29900}
p.subscribe a.json{border-color:#1e8e3e}
p.subscribe a:hover,p.subscribe a:focus{background:var(--line)}
ol.entries{list-style:none;margin:0;padding:0;border-top:1px solid var(--line)}
ol.entries li{padding:.5rem 0;border-bottom:1px solid var(--line);overflow-wrap:anywhere}
ol.entries li:last-child{border-bottom:0}
ol.entries a{text-decoration:none;font-weight:500}
ol.entries a:hover,ol.entries a:focus{text-decoration:underline}
.meta{display:block;color:var(--muted);font-size:.82rem;margin-top:.1rem}
p.empty{color:var(--muted);font-style:italic;margin:.4rem 0 0}
pre.snippet{background:var(--code);border:1px solid var(--line);border-radius:.5rem;
padding:.9rem;overflow:auto;max-height:30rem;font-size:.82rem;line-height:1.5;white-space:pre}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
p.copy{display:flex;gap:.4rem;margin:0 0 .6rem}
p.copy input{flex:1 1 auto;min-width:0;font:inherit;font-size:.8rem;padding:.25rem .45rem;
border:1px solid var(--line);border-radius:.35rem;background:var(--code);color:var(--text)}
p.copy button{font:inherit;font-size:.8rem;font-weight:600;padding:.25rem .7rem;border:0;
border-radius:.35rem;background:var(--accent);color:var(--accent-text);cursor:pointer}
footer.site{border-top:1px solid var(--line);color:var(--muted);font-size:.88rem;
padding:1rem 0 2rem}
@media (max-width:30rem){body{font-size:15px}article.feed{padding:.85rem}}
"""


#: Which format to pick, said once at the top of the page.
FORMAT_ADVICE = (
    "Nên chọn định dạng nào? Atom nếu bạn không chắc: mọi trình đọc tin đều hiểu; RSS cho"
    " các ứng dụng cũ chỉ đọc RSS; JSON Feed cho các ứng dụng hỗ trợ định dạng này. Ba"
    " định dạng có cùng các bài. Nút “Sao chép” lấy đường dẫn Atom của nguồn tin."
)

# The copy buttons: the field's URL to the clipboard (selected, for Ctrl+C, without one).
_COPY_SCRIPT = """
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-copy]");
  if (!button) return;
  var field = document.getElementById(button.getAttribute("data-copy"));
  field.select();
  if (navigator.clipboard) {
    navigator.clipboard.writeText(field.value).then(function () {
      button.textContent = "Đã sao chép";
    }, function () {});
  }
});
"""


def alternate_links(site: Site, feed: FeedSpec) -> list[str]:
    """The ``<link rel="alternate">`` lines that announce ``feed`` in a page's ``<head>``."""
    return [
        f'<link rel="alternate" type="{escape(media_type)}" '
        f'title="{escape(f"{feed.title} ({label})")}" '
        f'href="{escape(feed_url(site, feed.slug, filename))}">'
        for filename, label, media_type, _css in SUBSCRIBE
    ]


def render_index(
    catalogue: Catalogue,
    feeds: Sequence[tuple[FeedSpec, Sequence[Article]]],
    *,
    updated: datetime | None = None,
    latest: int = LATEST,
    latest_main: int = LATEST_MAIN,
    cards: Mapping[str, str] | None = None,
    snippets: str | None = None,
) -> bytes:
    """The page for people: ``feeds`` (each with its entries) grouped as in the OPML; the
    main feed shows its ``latest_main`` newest entries across the page, the others ``latest``.
    ``cards``: feeds' ``feed_card`` made before (slug -> it), their entries not needed;
    ``snippets``: the ``snippet_section`` of these feeds, made before."""
    site = catalogue.site
    made = cards or {}
    card_of = {
        feed.slug: made.get(feed.slug)
        or feed_card(site, feed, entries, latest=latest, latest_main=latest_main)
        for feed, entries in feeds
    }
    groups = grouped(feed for feed, _ in feeds)
    main = next((feed for feed, _ in feeds if feed.kind == "main"), None)

    out: list[str] = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(site.language)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Nguồn tin RSS, Atom và JSON – {escape(site.title)}</title>",
        f'<meta name="description" content="{escape(_intro(site))}">',
        '<meta name="generator" content="hnp-feeds">',
        '<link rel="icon" href="data:,">',  # no favicon request, no 404 in the console
    ]
    if main is not None:
        out.extend(alternate_links(site, main))
    out.append('<link rel="alternate" type="text/x-opml" title="Tất cả nguồn tin (OPML)" '
               'href="feeds.opml">')  # fmt: skip
    out += [f"<style>{_STYLE.strip()}</style>", "</head>", "<body>"]

    out += [
        '<header class="site"><div class="wrap">',
        f"<h1>Nguồn tin của {escape(site.title)}</h1>",
        f"<p>{escape(_intro(site))}</p>",
        '<p>Đăng ký tất cả cùng lúc: <a href="feeds.opml" type="text/x-opml">tải tệp OPML</a>'
        " và nhập vào trình đọc tin của bạn.</p>",
        f"<p>{escape(FORMAT_ADVICE)}</p>",
        '<nav class="jump" aria-label="Mục lục">',
    ]
    for kind, heading, _members in groups:
        out.append(f'<a href="#nhom-{kind}">{escape(heading)}</a>')
    out += ['<a href="#ma-nhung">Mã nhúng cho trang web</a>', "</nav>", "</div></header>"]

    out.append('<main class="wrap">')
    for kind, heading, members in groups:
        out += [
            f'<section class="group" id="nhom-{kind}" aria-labelledby="nhom-{kind}-tieu-de">',
            f'<h2 id="nhom-{kind}-tieu-de">{escape(heading)}</h2>',
            '<div class="grid">',
        ]
        for feed in members:
            out.append(card_of[feed.slug])
        out += ["</div>", "</section>"]
    out.append(snippet_section(site, [feed for feed, _ in feeds]) if snippets is None else snippets)
    out.append("</main>")

    last = f"Cập nhật lần cuối: {escape(site_form(updated))}. " if updated else ""
    out += [
        '<footer class="site"><div class="wrap">',
        f'<p>{last}Trang chủ: <a href="{escape(site.base_url)}">{escape(site.title)}</a>.'
        " Tệp Atom và RSS mở được bằng mọi trình đọc tin; JSON Feed dành cho các ứng dụng"
        " hỗ trợ định dạng này.</p>",
        "</div></footer>",
        f"<script>{_COPY_SCRIPT.strip()}</script>",
        "</body>",
        "</html>",
    ]
    return ("\n".join(out) + "\n").encode("utf-8")


DISCOVERY_DIR = "discovery"


def discovery_fragment(site: Site, feed: FeedSpec, main: FeedSpec | None) -> str:
    """The ``<link rel="alternate">`` lines a page of the portal carries in its ``<head>``
    for ``feed`` (a section's page: its own feed first, then the main feed's)."""
    lines = alternate_links(site, feed)
    if main is not None and main.slug != feed.slug:
        lines += alternate_links(site, main)
    return "\n".join(lines) + "\n"


def feed_stylesheet() -> bytes:
    """``feed.xsl``: the XSLT that shows an Atom or RSS feed opened in a browser as a page
    for people (what a feed is, its URL to copy, how to subscribe, its entries)."""
    return (PACKAGE_DATA / STYLESHEET).read_bytes()


def site_files(
    catalogue: Catalogue,
    feeds: Sequence[tuple[FeedSpec, Sequence[Article]]],
    updated: datetime | None,
) -> dict[str, bytes]:
    """``index.html``, ``feeds.opml`` and ``feed.xsl`` for every feed (each with the newest
    entries the page shows); ``updated``, the newest ``updated`` of every feed's current
    document; and ``discovery/<slug>.html``, each feed's ``discovery_fragment``."""
    return {
        **listing_files(catalogue, feeds, updated),
        **fixed_files(catalogue, [feed for feed, _ in feeds]),
    }


def listing_files(
    catalogue: Catalogue,
    feeds: Sequence[tuple[FeedSpec, Sequence[Article]]],
    updated: datetime | None,
    cards: Mapping[str, str] | None = None,
    snippets: str | None = None,
) -> dict[str, bytes]:
    """The files of ``site_files`` that show entries or times: ``index.html`` (``cards``,
    ``snippets``: see ``render_index``) and ``feeds.opml``."""
    return {
        "index.html": render_index(
            catalogue, feeds, updated=updated, cards=cards, snippets=snippets
        ),
        "feeds.opml": render_opml(catalogue, [feed for feed, _ in feeds], updated=updated),
    }


def fixed_files(catalogue: Catalogue, feeds: Sequence[FeedSpec]) -> dict[str, bytes]:
    """The files of ``site_files`` that the catalogue and the list of feeds alone make:
    ``feed.xsl`` and the discovery fragments."""
    main = next((feed for feed in feeds if feed.kind == "main"), None)
    stylesheet, *fragments = fixed_names(feeds)
    return {
        stylesheet: feed_stylesheet(),
        **{
            name: discovery_fragment(catalogue.site, feed, main).encode()
            for name, feed in zip(fragments, feeds, strict=True)
        },
    }


def fixed_names(feeds: Sequence[FeedSpec]) -> list[str]:
    """The names of ``fixed_files``, in that order: the stylesheet, then each feed's
    discovery fragment."""
    return [STYLESHEET, *(f"{DISCOVERY_DIR}/{feed.slug}.html" for feed in feeds)]


def _intro(site: Site) -> str:
    return (
        f"Theo dõi tin bài mới của {site.title} bằng trình đọc tin (RSS, Atom hoặc JSON Feed):"
        " chọn một nguồn tin bên dưới và sao chép đường dẫn vào ứng dụng của bạn."
    )


def shown(feed: FeedSpec) -> int:
    """How many of its newest entries a feed's card shows."""
    return LATEST_MAIN if feed.kind == "main" else LATEST


def feed_card(
    site: Site,
    feed: FeedSpec,
    entries: Sequence[Article],
    *,
    latest: int = LATEST,
    latest_main: int = LATEST_MAIN,
) -> str:
    """A feed's card on the page, with the newest ``latest`` of ``entries`` (the main
    feed: ``latest_main``): a function of the site, the feed and those entries alone."""
    newest = newest_first(entries)[: latest_main if feed.kind == "main" else latest]
    return "\n".join(_feed_card(site, feed, newest))


def _feed_card(site: Site, feed: FeedSpec, entries: Sequence[Article]) -> list[str]:
    title_id = f"feed-{feed.slug}-tieu-de"
    out = [
        f'<article class="feed {feed.kind}" id="feed-{escape(feed.slug)}" '
        f'aria-labelledby="{title_id}">',
        f'<h3 id="{title_id}">{escape(feed.title)}</h3>',
    ]
    if feed.description:
        out.append(f'<p class="desc">{escape(feed.description)}</p>')
    out.append('<p class="subscribe">')
    for filename, label, media_type, css in SUBSCRIBE:
        out.append(
            f'<a class="{css}" href="{escape(feed.slug)}/{filename}" type="{media_type}" '
            f'title="{escape(f"{feed.title} ({label})")}">{label}</a>'
        )
    out.append("</p>")
    url = feed_url(site, feed.slug, "atom.xml")
    out.append(
        f'<p class="copy"><input type="text" readonly id="url-{escape(feed.slug)}" '
        f'value="{escape(url)}" aria-label="{escape(f"Đường dẫn Atom: {feed.title}")}">'
        f'<button type="button" data-copy="url-{escape(feed.slug)}">Sao chép</button></p>'
    )
    if not entries:
        out.append('<p class="empty">Chưa có bài viết.</p>')
    else:
        out.append('<ol class="entries">')
        for article in entries:
            out.append(_entry(article))
        out.append("</ol>")
    out.append("</article>")
    return out


def _entry(article: Article) -> str:
    title = escape(article.title)
    url = article.url or ""
    linked = (
        f'<a href="{escape(url)}">{title}</a>'
        if urlsplit(url).scheme in ("http", "https")
        else title
    )
    meta = f'<time datetime="{rfc3339(article.published)}">{site_form(article.published)}</time>'
    if article.author:
        meta += f" · {escape(article.author)}"
    return f'<li>{linked}<span class="meta">{meta}</span></li>'


def snippet_section(site: Site, feeds: Sequence[FeedSpec]) -> str:
    """The index page's copyable ``<link rel="alternate">`` block, one group of lines per
    feed (in the order of their groups): made of the site and the list of feeds alone."""
    lines: list[str] = []
    for feed in (feed for _, _, members in grouped(feeds) for feed in members):
        where = {
            "main": "mọi trang",
            "category": "trang chuyên mục",
            "author": "trang tác giả",
            "tag": "trang của thẻ",
            "custom": "trang chủ đề",
        }[feed.kind]
        # "--" may not appear inside an HTML comment.
        label = feed.title.replace("--", "- -")
        lines.append(f"<!-- {label}: {where} -->")
        lines.extend(alternate_links(site, feed))
    return "\n".join([
        '<section class="group" id="ma-nhung" aria-labelledby="ma-nhung-tieu-de">',
        '<h2 id="ma-nhung-tieu-de">Mã nhúng cho trang web</h2>',
        "<p>Dán các dòng tương ứng vào phần <code>&lt;head&gt;</code> của mẫu trang để trình"
        " duyệt và trình đọc tin tự tìm thấy nguồn tin: dòng của nguồn tin chính trên mọi"
        " trang, dòng của chuyên mục hay tác giả trên trang tương ứng. Mỗi nguồn tin cũng có"
        " sẵn các dòng của nó trong tệp <code>discovery/&lt;tên&gt;.html</code>, để mẫu trang"
        " chèn vào.</p>",
        f'<pre class="snippet"><code>{escape(chr(10).join(lines))}</code></pre>',
        "</section>",
    ])  # fmt: skip
