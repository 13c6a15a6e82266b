"""JSON Lines: one record a line (DESIGN.md §1), the canonical exchange format."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import IO, Any

from ..config import Limits
from ..errors import RecordError
from ..model import Article, Unchanged
from .parallel import Job, door
from .records import RawDigest, article_from_record, keep_raw


def read_jsonl(path: str | Path, **options: Any) -> Iterator[Article | RecordError | Unchanged]:
    """Every line of ``path`` as an Article or a RecordError naming ``path:line``.

    A line that is not UTF-8, not JSON or not an object is reported on its own;
    blank lines are skipped.  A line whose bytes the store has read before (option
    ``known``, see ``RawDigest``) is ``Unchanged``, before it is decoded or parsed.
    Many lines are read in worker processes (``parallel.door``), in the same order, each
    article given there to the option ``prepare`` (its ``then``).
    """
    source = str(path)
    digests = RawDigest(__name__, options.get("limits"), options.get("known") or {})
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, generator-friendly
    except OSError as exc:
        yield RecordError(source, "", f"cannot read the file: {exc.strerror or exc}")
        return
    with handle:
        lines = _lines(handle, source, digests)
        items: Iterator[Article | RecordError | Unchanged] = door(
            lines, read_line, (source, options.get("limits")), options.get("prepare")
        )
        yield from items


def _lines(
    handle: IO[bytes], source: str, digests: RawDigest
) -> Iterator[Job | Article | RecordError | Unchanged]:
    """Each line to read (its number, bytes and digest), or ``Unchanged``."""
    for number, raw in enumerate(handle, 1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        raw_hash = digests.of(raw.rstrip(b"\r\n"))
        skipped = digests.unchanged(raw_hash, f"{source}:{number}")
        yield (number, raw, raw_hash) if skipped is None else skipped


def read_line(
    source: str, limits: Limits | None, number: int, raw: bytes, raw_hash: str
) -> Article | RecordError | Unchanged | None:
    """One line of ``source`` as an Article or a RecordError; None when it is blank."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8 (byte {exc.start + 1})"
        return RecordError(source, str(number), reason, raw=raw.decode(errors="replace"))
    if not line.strip():
        return None
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return RecordError(source, str(number), f"not valid JSON: {exc.msg}", raw=line)
    except (ValueError, RecursionError) as exc:  # a 5,000-digit number, [[[[...
        return RecordError(source, str(number), f"not readable JSON: {exc}", raw=line)
    if not isinstance(record, dict):
        return RecordError(source, str(number), "a record must be a JSON object", raw=line)
    article = article_from_record(record, source, number, limits, raw_hash)
    return keep_raw(article, partial(str, line))
