"""Every message the validator gives, one JSON line a document: to compare two validators.

    .venv/bin/python bench/validator_messages.py [--w3c] [--feeds DIR] [--broken N] > ours.jsonl
    PYTHONPATH=/tmp/old/src .venv/bin/python bench/validator_messages.py ... > old.jsonl
    cmp ours.jsonl old.jsonl

A change meant to make the validator quicker must leave what it says as it was: every
message's level, code, params, line and column, in order.  The documents, validated in
one process one after the other (so that whatever the validator remembers from one
document to the next is used as a publish uses it):

* ``--w3c``: every case of the W3C Feed Validation Service's test suite in
  ../shared/conformance (``spec`` profile, the case's base URL), when it is there;
* ``--feeds DIR``: every ``.xml`` and ``.json`` file under DIR (a published ``feeds/``
  tree), in both profiles (``portal``: the policy of a site of 50 entries a feed, and its
  ``--now``), each followed by ``--broken`` copies of it with faults put in: values made
  wrong (URLs, dates, ids, HTML, characters), elements removed, repeated or added, bytes
  changed at random; the same seed gives the same copies.

Run it with the other validator's ``src`` first on ``PYTHONPATH`` and compare the files.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
W3C = ROOT.parent / "shared" / "conformance" / "w3c"

# (what, replacement) edits of a document's text, each made at one of its occurrences.
EDITS: tuple[tuple[str, str], ...] = (
    ("https://", "ht tp://"),
    ("https://", "https:///"),
    ("https://hnp.example.vn/", "bai-1.html"),
    (".html", ".html#a#b"),
    (" +0700", " +0760"),
    (" +0700", " PST"),
    ("Mon, ", "Tue, "),
    ("T", "t"),
    ("+07:00", "+25:00"),
    ("+07:00", ""),
    ("-10-", "-13-"),
    ("2008", "1908"),
    ("2008", "2099"),
    ("&lt;p&gt;", "&lt;p onclick=&quot;x()&quot;&gt;"),
    ("&lt;p&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;&lt;p&gt;"),
    ("&lt;p&gt;", '&lt;p style="background:url(javascript:x)"&gt;'),
    ("&lt;/p&gt;", "&lt;/br&gt;"),
    ("&lt;/p&gt;", ""),
    ("&lt;a href=&quot;https", "&lt;a href=&quot;/x&quot; title=&quot;https"),
    ("<p>", '<p onclick=\\"x()\\">'),
    ("<p>", "<script>x</script><p>"),
    ("</p>", "</br>"),
    ("</p>", "\\u0085</p>"),
    ("</p>", "Ã©</p>"),
    ("tag:", "tag;"),
    ("tag:", ""),
    ('"id": "', '"id": 7, "x": "'),
    ('"url": "', '"url": "bai '),
    ('"version": "', '"version": "x'),
    ('"tags": [', '"tags": [1, '),
    ('"date_published": "', '"date_published": "x'),
    ('"content_html"', '"_x": {"a": [[1]]}, "content_html"'),
    ('"content_html"', '"_deep": ' + "[" * 100 + "]" * 100 + ', "content_html"'),
    ('rel="related"', 'rel="bogus"'),
    ('rel="alternate"', 'rel="alternate" type="x"'),
    ('type="html"', 'type="text"'),
    ('type="html"', 'type="xhtml"'),
    ("<category>", "<category domain=''>"),
    ("<guid", "<guid isPermaLink='maybe'"),
    ("<title>", "<title> "),
    ("</title>", "&amp;nbsp;</title>"),
    ("</title>", "&lt;b&gt;</title>"),
    ("<link>", "<link>javascript:"),
    ("<item>", "<item><foo>bar</foo>"),
    ("<entry>", "<entry><foo>bar</foo>"),
    ("<author>", "<author><email>x</email>"),
    ("<name>", "<name>\u0085"),
    ("</name>", "</name><name>b</name>"),
    ("<updated>", "<updated>x"),
    ("<published>", "<published> "),
    ("<id>", "<id>x"),
    ("<id>", "<id>https://hnp.example.vn/bai-1.html "),
    ("<dc:creator>", "<dc:creator>a@b"),
)
# What random bytes may become.
NOISE = ("", "<", ">", "&", '"', "'", "\x85", "\ufffd", " ", "\n", "x", "é", "{", "]", ",")


def broken(text: str, rng: random.Random, count: int) -> Iterator[str]:
    """``count`` copies of ``text``, each with one to three faults put in."""
    edits = [(old, new) for old, new in EDITS if old in text]
    for _ in range(count):
        copy = text
        for _ in range(rng.randint(1, 3)):
            if edits and rng.random() < 0.8:
                old, new = rng.choice(edits)
                starts = [i for i in _find_all(copy, old)]
                if starts:
                    at = rng.choice(starts[:200])
                    copy = copy[:at] + new + copy[at + len(old) :]
                    continue
            if copy:
                at = rng.randrange(len(copy))
                copy = copy[:at] + rng.choice(NOISE) + copy[at + rng.randint(0, 2) :]
        yield copy


def _find_all(text: str, part: str) -> Iterator[int]:
    at = text.find(part)
    while at >= 0:
        yield at
        at = text.find(part, at + 1)


def w3c_cases() -> Iterator[tuple[str, bytes, str | None]]:
    with open(W3C / "manifest.tsv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            yield row["path"], (W3C / "files" / row["path"]).read_bytes(), row["base_url"] or None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--w3c", action="store_true", help="the W3C test cases")
    parser.add_argument("--feeds", type=Path, help="a published feeds/ tree")
    parser.add_argument("--broken", type=int, default=3, help="broken copies of each feed")
    parser.add_argument("--limit", type=int, default=0, help="at most this many feeds")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--now", default="2026-12-02T14:00:00+00:00")
    parser.add_argument("--feeds-url", default="https://hnp.example.vn/feeds/")
    args = parser.parse_args()

    from hnp_feeds.validator import PortalPolicy, validate

    out = sys.stdout
    print(f"# {validate.__module__}", file=sys.stderr)

    def dump(label: str, data: bytes, base: str | None, **kw: object) -> None:
        report = validate(data, base_url=base, time_budget=None, **kw)  # type: ignore[arg-type]
        messages = [m.to_dict() for m in report.messages]
        out.write(json.dumps([label, report.format, messages], ensure_ascii=False) + "\n")

    if args.w3c:
        if not W3C.is_dir():
            print(f"# {W3C} is not there: no W3C cases", file=sys.stderr)
        for path, data, base in w3c_cases():
            dump(path, data, base)
    if args.feeds is not None:
        now = datetime.fromisoformat(args.now).astimezone(UTC)
        policy = PortalPolicy(max_entries=50, max_archive_entries=50, now=now)
        rng = random.Random(args.seed)
        files = sorted(
            p for p in args.feeds.rglob("*") if p.suffix in (".xml", ".json") and p.is_file()
        )
        if args.limit:
            files = files[:: max(1, len(files) // args.limit)][: args.limit]
        for path in files:
            name = str(path.relative_to(args.feeds))
            url = args.feeds_url + name
            text = path.read_text(encoding="utf-8")
            for index, copy in enumerate([text, *broken(text, rng, args.broken)]):
                data = copy.encode("utf-8", "surrogatepass")
                for profile in ("spec", "portal"):
                    dump(f"{name}#{index} {profile}", data, url, profile=profile, policy=policy)
    return 0


if __name__ == "__main__":
    sys.exit(main())
