"""Validator throughput: a 50-entry full-content feed and a 1,000-entry one, Atom and RSS,
the safe parse alone, the spec profile and the portal profile, in ms and MB/s (median
of several runs).

    .venv/bin/python bench/bench_validate.py

Feeds are built from string templates, not by the writers, so the figures measure the
validator alone.  Each entry carries ~6 KB of escaped Vietnamese HTML, two related links,
an author, a category and a summary, like the portal's own feeds.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from hnp_feeds.validator import PortalPolicy, Report, validate
from hnp_feeds.validator.xmlparse import parse_xml

SITE = "https://hnp.example.vn"
PARAGRAPH = (
    "<p>HNP - Sáng nay, tại Hà Nội, Ủy ban nhân dân thành phố đã tổ chức lễ khai mạc "
    "<b>Lễ hội Văn hóa</b> với sự tham gia của hàng nghìn người dân và du khách; "
    f"<a href='{SITE}/tin/1.html'>xem thêm</a>.</p>\n"
)
CONTENT = PARAGRAPH * 30  # ~6 KB of UTF-8


def _stamp(n: int) -> tuple[str, str]:
    """RFC 3339 and RFC 822 forms of the n-th entry's time, newest first, at +07:00."""
    minutes = 24 * 60 * 28 - n
    day, rest = divmod(minutes, 24 * 60)
    hour, minute = divmod(rest, 60)
    weekday = ("Wed", "Thu", "Fri", "Sat", "Sun", "Mon", "Tue")[day % 7]
    return (
        f"2022-06-{day + 1:02d}T{hour:02d}:{minute:02d}:00+07:00",
        f"{weekday}, {day + 1:02d} Jun 2022 {hour:02d}:{minute:02d}:00 +0700",
    )


def atom_feed(entries: int) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="vi">\n'
        "<title>HNP - Tin mới</title>\n<id>tag:hnp.example.vn,2022:feed/tin-moi</id>\n"
        f"<updated>{_stamp(0)[0]}</updated>\n"
        f'<link rel="self" type="application/atom+xml" href="{SITE}/feeds/tin-moi/atom.xml"/>\n'
        f'<link rel="alternate" type="text/html" href="{SITE}/"/>\n'
    ]
    body = escape(CONTENT)
    for n in range(entries):
        stamp = _stamp(n)[0]
        related = "".join(
            f'<link rel="related" href="{SITE}/tin/{r}.html" title="Bài {r}"/>'
            for r in (n + 1, n + 2)
        )
        parts.append(
            f"<entry>\n<title>Bài số {n}: Hà Nội khai mạc lễ hội</title>\n"
            f"<id>tag:hnp.example.vn,2022-06-01:{n}</id>\n"
            f"<updated>{stamp}</updated><published>{stamp}</published>\n"
            "<author><name>Trọng Toàn</name></author>\n"
            '<category term="van-hoa" label="Văn hóa"/>\n'
            f'<link rel="alternate" type="text/html" href="{SITE}/tin/{n}.html"/>{related}\n'
            f"<summary>HNP - Tóm tắt bài {n}.</summary>\n"
            f'<content type="html">{body}</content>\n</entry>\n'
        )
    parts.append("</feed>\n")
    return "".join(parts).encode("utf-8")


def rss_feed(entries: int) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/">\n<channel>\n'
        f"<title>HNP - Tin mới</title>\n<link>{SITE}/</link>\n"
        "<description>Tin mới của HNP</description>\n<language>vi</language>\n"
        f"<lastBuildDate>{_stamp(0)[1]}</lastBuildDate>\n"
        f'<atom:link rel="self" type="application/rss+xml" href="{SITE}/feeds/tin-moi/rss.xml"/>\n'
    ]
    body = escape(CONTENT)
    for n in range(entries):
        related = "".join(
            f'<atom:link rel="related" href="{SITE}/tin/{r}.html" title="Bài {r}"/>'
            for r in (n + 1, n + 2)
        )
        parts.append(
            f"<item>\n<title>Bài số {n}: Hà Nội khai mạc lễ hội</title>\n"
            f"<link>{SITE}/tin/{n}.html</link>\n"
            f'<guid isPermaLink="false">tag:hnp.example.vn,2022-06-01:{n}</guid>\n'
            f"<pubDate>{_stamp(n)[1]}</pubDate>\n<dc:creator>Trọng Toàn</dc:creator>\n"
            f"<category>Văn hóa</category>\n{related}\n"
            f"<description>HNP - Tóm tắt bài {n}.</description>\n"
            f"<content:encoded>{body}</content:encoded>\n</item>\n"
        )
    parts.append("</channel>\n</rss>\n")
    return "".join(parts).encode("utf-8")


def measure(data: bytes, profile: str, policy: PortalPolicy, runs: int) -> tuple[float, int]:
    """Median seconds per validation, and the number of errors (a sanity check).
    Profile ``parse`` times the safe parse alone (xmlparse), for its share."""
    times = []
    errors = 0
    for _ in range(runs):
        started = time.perf_counter()
        if profile == "parse":
            report = Report()
            parse_xml(data, report)
        else:
            report = validate(data, profile=profile, policy=policy)  # type: ignore[arg-type]
        times.append(time.perf_counter() - started)
        errors = len(report.errors)
    return statistics.median(times), errors


def main() -> None:
    policy = PortalPolicy(max_entries=1000, now=datetime(2026, 11, 26, tzinfo=UTC))
    print(f"{'case':<34} {'size':>9} {'ms':>9} {'MB/s':>8} {'errors':>6}")
    for entries, runs in ((50, 15), (1000, 5)):
        for name, build in (("atom", atom_feed), ("rss", rss_feed)):
            data = build(entries)
            for profile in ("parse", "spec", "portal"):
                seconds, errors = measure(data, profile, policy, runs)
                label = f"{name} {entries} entries, {profile}"
                megabytes = len(data) / 1e6
                print(
                    f"{label:<34} {megabytes:>7.2f}MB {seconds * 1000:>9.1f} "
                    f"{megabytes / seconds:>8.1f} {errors:>6}"
                )


if __name__ == "__main__":
    main()
