"""How often a publish renders, checks, assembles and compresses each entry, and the CPU of
each part, in every process (issue 14.3: an entry rendered once per format, checked once).

    .venv/bin/python bench/publish_counts.py <portal folder> [publish options]

runs ``hnp-feeds publish -c hnp-feeds.toml [options]`` in the folder, in this process (its
render workers forked from it count too), and prints per format: the entries feedgen (or
the JSON Feed writer) filled, how many times each (entry, format) was filled, the entries
of the documents the validator walked (the whole, or a head with the entries not checked
yet) and the documents assembled from fragments; the documents the writers rendered (a
head alone is one) and the bytes compressed; then per process its CPU seconds and the
share of them in the validator, the writers, gzip and the decoding of the job's entries.
Copy a portal first (a publish writes into its folder).  A measurement tool only: it wraps
functions of the writers, the validator and ``publish.render`` by name.
"""

from __future__ import annotations

import collections
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: An entry's start in each format's bytes (``writers.fragments``' markers; a JSON Feed
#: item's first member is its id, which tells it from the head's author object).
MARKERS = {"atom": b"\n  <entry>", "rss": b"\n    <item>", "json": b'\n    {\n      "id": '}


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    folder = Path(sys.argv[1])
    os.chdir(folder)
    out = Path(tempfile.mkdtemp(prefix="publish-counts-"))
    counts: collections.Counter[str] = collections.Counter()
    fills: collections.Counter[tuple[str, str]] = collections.Counter()
    cpu: collections.Counter[str] = collections.Counter()
    _instrument(counts, fills, cpu)

    def dump() -> None:
        cpu["process"] = time.process_time()
        data = {"counts": counts, "fills": [[*key, n] for key, n in fills.items()], "cpu": cpu}
        (out / f"{os.getpid()}.json").write_text(json.dumps(data))

    _in_every_worker(lambda: (counts.clear(), fills.clear(), cpu.clear()), dump)
    from hnp_feeds.cli import main as cli

    sys.argv = ["hnp-feeds", "publish", "-c", "hnp-feeds.toml", *sys.argv[2:]]
    try:
        cli()
    except SystemExit as done:
        code = done.code
    else:
        code = 0
    dump()
    _report(out)
    return int(code or 0)


def _timed(module: Any, name: str, cpu: collections.Counter[str], label: str) -> None:
    original = getattr(module, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            cpu[label] += time.process_time() - start

    setattr(module, name, timed)


def _instrument(
    counts: collections.Counter[str],
    fills: collections.Counter[tuple[str, str]],
    cpu: collections.Counter[str],
) -> None:
    import hnp_feeds.validator as validator
    from hnp_feeds import precompress
    from hnp_feeds.publish import render
    from hnp_feeds.writers import atom, formats, fragments, jsonfeed, rss

    def filled(module: Any, name: str, label: str) -> None:
        original = getattr(module, name)

        def fill(site: Any, target: Any, article: Any = None) -> Any:
            fills[((article or target).id, label)] += 1
            return original(site, target) if article is None else original(site, target, article)

        setattr(module, name, fill)

    filled(atom, "_fill_entry", "atom")
    filled(rss, "_fill_item", "rss")
    filled(jsonfeed, "_item", "json")
    renders = {"atom.xml": "atom", "rss.xml": "rss", "feed.json": "json"}

    def counted(writer: Callable[..., bytes], label: str) -> Callable[..., bytes]:
        def render_counted(*args: Any) -> bytes:
            counts[f"{label} documents rendered"] += 1
            start = time.process_time()
            try:
                return writer(*args)
            finally:
                cpu["writers"] += time.process_time() - start

        return render_counted

    for filename, (writer, media_type) in list(formats.FORMATS.items()):
        formats.FORMATS[filename] = (counted(writer, renders[filename]), media_type)
    render.render_atom = formats.FORMATS["atom.xml"][0]  # (archive pages without the cache)
    original_join = fragments.join

    def join(filename: str, head: bytes, pieces: Any) -> bytes:
        counts[f"{renders[filename]} documents assembled"] += 1
        counts[f"{renders[filename]} entries assembled"] += len(pieces)
        return original_join(filename, head, pieces)

    fragments.join = join
    render.join = join
    original_validate = validator.validate

    def validate(data: bytes, *args: Any, **kwargs: Any) -> Any:
        label = "json" if data.lstrip()[:1] == b"{" else "rss" if b"<rss" in data[:500] else "atom"
        counts[f"{label} documents validated"] += 1
        counts[f"{label} entries validated"] += data.count(MARKERS[label])
        start = time.process_time()
        try:
            return original_validate(data, *args, **kwargs)
        finally:
            cpu["validator"] += time.process_time() - start

    validator.validate = validate
    original_gzip = precompress.gzip_bytes

    def gzip_bytes(data: bytes) -> bytes:
        counts["gzip bytes"] += len(data)
        start = time.thread_time()
        try:
            return original_gzip(data)
        finally:
            cpu["gzip"] += time.thread_time() - start

    precompress.gzip_bytes = gzip_bytes
    _timed(render, "article_from_json", cpu, "entries decoded")
    _timed(render, "article_place", cpu, "entries decoded")


def _in_every_worker(begin: Callable[[], Any], end: Callable[[], None]) -> None:
    """``begin`` in each forked worker as it starts, ``end`` as it exits."""
    import multiprocessing.util

    from hnp_feeds import forking

    original = forking.worker_start

    def worker_start(*args: Any) -> None:
        begin()
        multiprocessing.util.Finalize(None, end, exitpriority=100)
        original(*args)

    defaults = list(forking.pool.__defaults__ or ())
    defaults[0] = worker_start
    forking.pool.__defaults__ = tuple(defaults)
    # (the render workers' own initializer, ``workers._worker_start``, calls this one)
    forking.worker_start = worker_start


def _report(out: Path) -> None:
    counts: collections.Counter[str] = collections.Counter()
    fills: collections.Counter[tuple[str, str]] = collections.Counter()
    processes = []
    for path in sorted(out.glob("*.json")):
        data = json.loads(path.read_text())
        counts.update(data["counts"])
        for record_id, label, n in data["fills"]:
            fills[(record_id, label)] += n
        processes.append((path.stem, data["cpu"]))
    for label in ("atom", "rss", "json"):
        times = collections.Counter(n for (_, fmt), n in fills.items() if fmt == label)
        entries = sum(times.values())
        print(
            f"{label}: {entries:,} entries filled {sum(k * v for k, v in times.items()):,} times"
            f" (times filled: entries {dict(sorted(times.items()))}); "
            f"{counts[f'{label} entries validated']:,} entries in "
            f"{counts[f'{label} documents validated']:,} documents validated; "
            f"{counts[f'{label} entries assembled']:,} in "
            f"{counts[f'{label} documents assembled']:,} documents assembled; "
            f"{counts[f'{label} documents rendered']:,} documents rendered"
        )
    print(f"gzip: {counts['gzip bytes']:,} bytes")
    for pid, cpu in processes:
        total = cpu.pop("process")
        parts = ", ".join(f"{name} {seconds:.2f}" for name, seconds in sorted(cpu.items()))
        print(f"process {pid}: {total:.2f} s CPU ({parts})")


if __name__ == "__main__":
    raise SystemExit(main())
