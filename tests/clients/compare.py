"""``make test-clients``: build the bundled portal, read every feed document (archive pages
included) with feedparser and with SimplePie, and report every field either reader
understood differently from the records.

    .venv/bin/python -m tests.clients.compare [--out build/clients]

Exit 0 when both readers agree with the records on every entry (known faults of a
reader, listed below, are reported but not counted), 1 on any other difference,
2 when SimplePie cannot run here.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from hnp_feeds.config import load_config
from hnp_feeds.errors import ExitCode
from hnp_feeds.publish import build
from tests.portal import articles_as_published

from .fidelity import (
    Difference,
    compare,
    feed_files,
    read_with_feedparser,
    read_with_simplepie,
    records_by_id,
    simplepie_available,
)


def known_fault(difference: Difference, published: int | None) -> str | None:
    """Why a difference is the reader's own known fault, not ours; None if it is not."""
    if (
        difference.client == "simplepie"
        and difference.field == "updated"
        and difference.read == published
    ):
        # SimplePie 1.3.1 Item::get_updated_date() parses $this->data['date']['raw'], the
        # published date, instead of the atom:updated it has just read (fixed upstream).
        return "SimplePie 1.3.1 get_updated_date() returns the published date"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("build/clients"))
    args = parser.parse_args(argv)

    catalogue = load_config()
    result = build(catalogue, out_dir=args.out)
    if result.exit_code is not ExitCode.OK:
        print(f"build failed: rejected={result.rejected} invalid={list(result.invalid)}")
        return 1
    articles, _ = articles_as_published(catalogue)
    records = records_by_id(catalogue.site, articles)
    relpaths = feed_files(args.out)

    readings = {"feedparser": {r: read_with_feedparser(args.out, r) for r in relpaths}}
    why_not = simplepie_available()
    if why_not is None:
        readings["simplepie"] = read_with_simplepie(args.out, relpaths)
    else:
        print(f"SimplePie: cannot run: {why_not}")

    failures: list[Difference] = []
    known: Counter[str] = Counter()
    for client, by_file in readings.items():
        entries = 0
        for relpath, seen in by_file.items():
            entries += len(seen)
            published = {s.id: s.published for s in seen}
            for difference in compare(client, relpath, seen, catalogue.site, records):
                reason = known_fault(difference, published.get(difference.entry))
                if reason:
                    known[reason] += 1
                else:
                    failures.append(difference)
        print(f"{client}: {len(by_file)} documents, {entries} entries read")
    for reason, count in sorted(known.items()):
        print(f"known reader fault, not counted ({count} fields): {reason}")
    for difference in failures:
        print(f"DIFFERENT {difference}")
    print(f"{len(failures)} differences from the records")
    if failures:
        return 1
    return 0 if why_not is None else 2


if __name__ == "__main__":
    sys.exit(main())
