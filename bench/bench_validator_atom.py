"""How long the validator takes on a large Atom feed: 1,000 portal-like entries, each with
related links, a category, a summary and ~3 KB of escaped HTML content.

    .venv/bin/python bench/bench_validator_atom.py [entries]
"""

from __future__ import annotations

import statistics
import sys
import time
from xml.sax.saxutils import escape

from hnp_feeds.validator import validate

SELF = "https://hnp.example.vn/feeds/tin-moi/atom.xml"


def portal_feed(entries: int) -> bytes:
    """A feed shaped like the portal's main feed, ``entries`` long."""
    body = escape(
        "<p>HNP - Đoạn văn với <b>chữ đậm</b> và "
        "<a href='https://hnp.example.vn/bai/1.html'>một liên kết</a>.</p>" * 30
    )
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="vi">'
        "<title>HNP - Tin mới</title><id>tag:hnp.example.vn,2022:feed/tin-moi</id>"
        "<updated>2022-06-17T23:59:00+07:00</updated>"
        f'<link rel="self" type="application/atom+xml" href="{SELF}"/>'
        '<link rel="alternate" type="text/html" href="https://hnp.example.vn/"/>'
    ]
    for n in range(entries):
        stamp = f"2022-06-{1 + n // 1440 % 28:02d}T{n // 60 % 24:02d}:{n % 60:02d}:00+07:00"
        parts.append(
            f"<entry><title>Bài số {n}</title>"
            f"<id>tag:hnp.example.vn,2022-06-17:article/{n}</id>"
            f"<updated>{stamp}</updated><published>{stamp}</published>"
            "<author><name>Trọng Toàn</name></author>"
            '<category term="thoi-su" label="Thời sự"/>'
            f'<link rel="alternate" type="text/html" href="https://hnp.example.vn/bai/{n}.html"/>'
            + "".join(
                f'<link rel="related" href="https://hnp.example.vn/bai/{r}.html" title="Bài {r}"/>'
                for r in (n + 1, n + 2)
            )
            + f"<summary>HNP - Tóm tắt bài {n}.</summary>"
            f'<content type="html">{body}</content></entry>'
        )
    parts.append("</feed>")
    return "".join(parts).encode("utf-8")


def main() -> None:
    entries = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    data = portal_feed(entries)
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        report = validate(data, base_url=SELF)
        runs.append(time.perf_counter() - started)
    print(
        f"validator/atom: {entries} entries, {len(data) / 1e6:.1f} MB: "
        f"median {statistics.median(runs) * 1000:.0f} ms, best {min(runs) * 1000:.0f} ms; "
        f"{len(report.errors)} errors, {len(report.warnings)} warnings"
    )


if __name__ == "__main__":
    main()
